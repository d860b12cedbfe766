// GET /v1/models (issue 17): client::models(), try_models() and
// async_client::async_models() against knobs::local::server on 127.0.0.1
// answering with each server's recorded shape (tests/fixtures/*/models*.json),
// and against the offline model's server. The server checks what was sent: a
// GET of the list's path, the key, no body, and the query and headers of
// with_options and Azure OpenAI.
#include <knobs/client.hpp>

#include <knobs/local/model_server.hpp>
#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include "../fixture.hpp"
#include "../loopback.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <string>
#include <vector>

using knobs::local::received_request;
using knobs::local::response_plan;
using namespace loopback;

namespace {

// A server answering GET /v1/models with `fixture_name`, and anything else
// with a 404.
knobs::local::server list_server(const std::string& fixture_name) {
  const std::string body = fixture(fixture_name);
  return knobs::local::server([body](const received_request& r) {
    if (r.method == "GET" && r.target.rfind("/v1/models", 0) == 0)
      return response_plan::json(200, body);
    return response_plan::api_error(404, "no such route", "invalid_request_error");
  });
}

} // namespace

TEST_CASE("models(): a GET of /v1/models with the key and no body, each server's shape read") {
  for (const char* name : {"openai/models.json", "vllm/models.json", "llamacpp/models.json",
                           "ollama/models.json", "lmstudio/models.json"}) {
    CAPTURE(name);
    auto server = list_server(name);
    knobs::client client{options_for(server)};
    const auto models = client.models();
    CHECK(models == knobs::parse_models(fixture(name)));
    const auto seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == "GET");
    CHECK(seen[0].target == "/v1/models");
    CHECK(seen[0].header("authorization") == "Bearer " + secret_key);
    CHECK(seen[0].header("accept") == "application/json");
    CHECK_FALSE(seen[0].header("content-type").has_value());
    CHECK_FALSE(seen[0].header("content-length").has_value());
    CHECK(seen[0].body.empty());
  }
}

TEST_CASE("models() and create() share the client's keep-alive connection") {
  knobs::local::server server([](const received_request& r) {
    if (r.method == "GET")
      return response_plan::json(200, fixture("vllm/models.json"));
    return ok();
  });
  knobs::client client{options_for(server)};
  CHECK(client.models().size() == 2);
  CHECK(client.create(lesson_request()).text() == "hello");
  CHECK(client.models().front().id == "llama-3.1-8b-instruct");
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("async_models with a future and with a callback") {
  auto server = list_server("ollama/models.json");
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), options_for(server)};
  std::future<std::vector<knobs::model_info>> f = client.async_models(boost::asio::use_future);
  std::vector<knobs::model_info> by_callback;
  client.async_models([&](std::exception_ptr e, std::vector<knobs::model_info> m) {
    CHECK_FALSE(e);
    by_callback = std::move(m);
  });
  ioc.run();
  const auto by_future = f.get();
  REQUIRE(by_future.size() == 5);
  CHECK(by_future[0].id == "llama3.2:latest");
  CHECK(by_callback.size() == 5);
}

TEST_CASE("with_options: the list request carries the extra query and headers") {
  auto server = list_server("openai/models.json");
  knobs::client client{options_for(server)};
  knobs::request_options o;
  o.headers = {{"X-Trace", "t-1"}};
  o.query = {{"tenant", "a b"}};
  CHECK(client.with_options(o).models().size() == 6);
  const auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].target == "/v1/models?tenant=a%20b");
  CHECK(seen[0].header("x-trace") == "t-1");
}

TEST_CASE("Azure OpenAI: the resource's /openai/models with api-version and api-key") {
  knobs::local::server server([](const received_request&) {
    return response_plan::json(200, fixture("azure/models.json"));
  });
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(server.port());
  auto o = knobs::client_options::azure(endpoint, "gpt-4o-mini", "2024-10-21");
  o.api_key = secret_key;
  knobs::client client{o};
  const auto models = client.models();
  REQUIRE(models.size() == 5);
  CHECK(models[0].created == 1722900000); // created_at
  CHECK_FALSE(models[0].owned_by.has_value());
  // Without a deployment, the v1 API's own list.
  knobs::client v1{[&] {
    auto o1 = knobs::client_options::azure(endpoint, "", "");
    o1.api_key = secret_key;
    return o1;
  }()};
  CHECK(v1.models().size() == 5);
  const auto seen = server.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].target == "/openai/models?api-version=2024-10-21");
  CHECK(seen[1].target == "/openai/v1/models");
  for (const auto& r : seen) {
    CHECK(r.method == "GET");
    CHECK(r.header("api-key") == secret_key);
    CHECK_FALSE(r.header("authorization").has_value());
  }
}

TEST_CASE("a server without the route: the typed API error; a body that is no list: parse_error") {
  knobs::local::server server([](const received_request& r) {
    if (r.target == "/v1/models")
      return response_plan::api_error(404, "Not Found", "invalid_request_error");
    return ok();
  });
  knobs::client client{options_for(server, 0)};
  CHECK_THROWS_AS(client.models(), knobs::not_found_error);
  const auto r = client.try_models();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().api->status == 404);
  check_no_key(r.error());

  knobs::local::server wrong([](const received_request&) { return ok("a completion"); });
  knobs::client c2{options_for(wrong, 0)};
  const auto e = c2.try_models();
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().code == knobs::errc::invalid_response);
  CHECK(e.error().message.find("is not a model list") != std::string::npos);
  CHECK_THROWS_AS(c2.models(), knobs::parse_error);
}

TEST_CASE("the offline model's server lists its one model, owned by knobs") {
  knobs::local::model_server server;
  knobs::client client{[&] {
    knobs::client_options o;
    o.base_url = server.base_url();
    o.api_key = "unused";
    return o;
  }()};
  const auto models = client.models();
  REQUIRE(models.size() == 1);
  CHECK(models[0].id == knobs::local::offline_model_id);
  CHECK(models[0].owned_by == "knobs");
  CHECK(models[0].created.has_value());
}

TEST_CASE("the log line of a list request names GET and the list's URL") {
  auto server = list_server("lmstudio/models.json");
  auto o = options_for(server);
  std::vector<std::string> lines;
  o.log = knobs::log_level::info;
  o.on_log = [&](knobs::log_level, std::string_view line) { lines.emplace_back(line); };
  knobs::client client{o};
  client.models();
  REQUIRE(lines.size() == 1);
  CHECK(
      lines[0].rfind("GET http://127.0.0.1:" + std::to_string(server.port()) + "/v1/models: 200 OK",
                     0) == 0);
}
