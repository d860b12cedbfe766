// Azure OpenAI (issue 16): client_options::azure() against knobs::local::server
// over real sockets on 127.0.0.1, standing in for https://NAME.openai.azure.com.
// The server checks what Azure documents: the deployment's path with
// ?api-version= (or /openai/v1 and none), the key in `api-key`, and no
// Authorization header; for create and stream, with and without
// with_options, and the key redacted when the server echoes it.
#include <knobs/client.hpp>

#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include "../loopback.hpp"

#include <optional>
#include <string>

using knobs::local::received_request;
using knobs::local::response_plan;
using namespace loopback;

namespace {

// A completion or a stream, as the request asks.
response_plan answer(const received_request& r) {
  if (r.header("accept") == "text/event-stream")
    return response_plan::event_stream(text_events(2));
  return ok();
}

// The endpoint of a resource whose stand-in is `s`: scheme, host and port.
std::string endpoint_of(const knobs::local::server& s) {
  return "http://127.0.0.1:" + std::to_string(s.port());
}

knobs::client_options azure_for(const knobs::local::server& s, const char* deployment,
                                const char* api_version) {
  auto o = knobs::client_options::azure(endpoint_of(s) + "/", deployment, api_version);
  o.api_key = secret_key;
  o.on_warning = nullptr;
  return o;
}

void check_azure_headers(const received_request& r, const knobs::local::server& s) {
  CHECK(r.method == "POST");
  CHECK(r.header("api-key") == secret_key);
  CHECK_FALSE(r.header("authorization").has_value());
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.header("host") == "127.0.0.1:" + std::to_string(s.port()));
}

} // namespace

TEST_CASE(
    "azure with a deployment: the deployment's path, api-version, api-key, no Authorization") {
  knobs::local::server server(answer);
  knobs::client client{azure_for(server, "gpt-4o-mini", "2024-10-21")};
  CHECK(client.create(lesson_request()).text() == "hello");
  std::string streamed;
  client.stream(lesson_request(), [&](const knobs::chat_chunk& c) { streamed += c.text(); });
  CHECK(streamed == "w0 w1 ");
  const auto seen = server.requests();
  REQUIRE(seen.size() == 2);
  for (const received_request& r : seen) {
    CHECK(r.target == "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21");
    check_azure_headers(r, server);
  }
  CHECK(seen[1].header("accept") == "text/event-stream");
}

TEST_CASE("azure without a deployment: /openai/v1, no api-version, the model in the body") {
  knobs::local::server server(answer);
  knobs::client client{azure_for(server, "", "")};
  client.create(knobs::chat_request{"my-deployment"}.user("hi"));
  client.stream(knobs::chat_request{"my-deployment"}.user("hi"), [](const knobs::chat_chunk&) {});
  const auto seen = server.requests();
  REQUIRE(seen.size() == 2);
  for (const received_request& r : seen) {
    CHECK(r.target == "/openai/v1/chat/completions");
    check_azure_headers(r, server);
    CHECK(r.body.find(R"("model":"my-deployment")") != std::string::npos);
  }
}

TEST_CASE("azure with with_options: the request's query after api-version, its headers added") {
  knobs::local::server server(answer);
  knobs::client client{azure_for(server, "gpt-4o-mini", "2024-10-21")};
  knobs::request_options extra;
  extra.query = {{"trace", "a b"}};
  extra.headers = {{"X-Trace", "42"}};
  auto view = client.with_options(extra);
  view.create(lesson_request());
  view.stream(lesson_request(), [](const knobs::chat_chunk&) {});
  const auto seen = server.requests();
  REQUIRE(seen.size() == 2);
  for (const received_request& r : seen) {
    CHECK(r.target ==
          "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21&trace=a%20b");
    check_azure_headers(r, server);
    CHECK(r.header("x-trace") == "42");
  }
}

TEST_CASE("azure with an Entra ID token: Authorization: Bearer, and no api-key") {
  knobs::local::server server(answer);
  auto o = azure_for(server, "gpt-4o-mini", "2024-10-21");
  o.api_key_header = knobs::key_header::authorization;
  knobs::client client{o};
  client.create(lesson_request());
  const auto r = server.requests().at(0);
  CHECK(r.header("authorization") == "Bearer " + secret_key);
  CHECK_FALSE(r.header("api-key").has_value());
}

TEST_CASE("an Azure server that echoes the api-key gets it back as [redacted]") {
  // Azure's 401 for a wrong key names no key, but a gateway in front of it
  // could say anything: here the message, the code and a streamed error
  // event all quote the key.
  knobs::local::server server([](const received_request& r) {
    const std::string key = r.header("api-key").value_or("");
    if (r.header("accept") == "text/event-stream")
      return response_plan::event_stream(
          {knobs::local::sse_event(text_chunk("w0 ")),
           knobs::local::sse_event(R"({"error":{"message":"key )" + key +
                                   R"( revoked","type":"server_error"}})")});
    return response_plan::api_error(401, "Access denied: invalid key " + key,
                                    "invalid_request_error", std::nullopt, "key-" + key);
  });
  knobs::client client{azure_for(server, "gpt-4o-mini", "2024-10-21")};
  const auto r = client.try_create(lesson_request());
  REQUIRE_FALSE(r.has_value());
  REQUIRE(r.error().api);
  CHECK(r.error().api->status == 401);
  CHECK(r.error().message.find("invalid key [redacted]") != std::string::npos);
  CHECK(r.error().api->code == "key-[redacted]");
  check_no_key(r.error());
  try {
    client.create(lesson_request());
    FAIL("create returned");
  } catch (const knobs::error& e) {
    CHECK(std::string(e.what()).find(secret_key) == std::string::npos);
  }
  const auto s = client.try_stream(lesson_request(), [](const knobs::chat_chunk&) {});
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().message.find("key [redacted] revoked") != std::string::npos);
  check_no_key(s.error());
}

TEST_CASE("a credential in client_options::headers is redacted too") {
  const std::string token = "entra-SECRET-token-42";
  knobs::local::server server([](const received_request& r) {
    return response_plan::api_error(401, "bad token " + r.header("authorization").value_or(""),
                                    "invalid_request_error");
  });
  auto o = knobs::client_options::azure(endpoint_of(server), "gpt-4o-mini", "2024-10-21");
  o.on_warning = nullptr;
  o.max_retries = 0;
  o.headers = {{"Authorization", "Bearer " + token}};
  knobs::client client{o};
  const auto r = client.try_create(lesson_request());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("bad token [redacted]") != std::string::npos);
  CHECK(r.error().message.find(token) == std::string::npos);
  CHECK_FALSE(server.requests().at(0).header("api-key").has_value());
}
