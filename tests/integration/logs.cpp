// Logs a user can turn on (issue 16): client_options::log and on_log, and
// KNOBS_LOG, against knobs::local::server over real sockets on 127.0.0.1.
// Every line of every test is searched for the secrets: the API key, an
// api-key header, proxy credentials, a query parameter's value.
#include <knobs/client.hpp>

#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include "../loopback.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using knobs::local::received_request;
using knobs::local::response_plan;
using namespace std::chrono_literals;
using namespace loopback;

namespace {

const std::string azure_key = "azure-key-SECRET-4321";
const std::string query_secret = "query-SECRET-9876";

struct captured {
  std::vector<std::string> info;
  std::vector<std::string> debug;

  // The lines at either level that contain `text`.
  std::vector<std::string> with(const std::string& text) const {
    std::vector<std::string> out;
    for (const auto* lines : {&info, &debug})
      for (const auto& line : *lines)
        if (line.find(text) != std::string::npos)
          out.push_back(line);
    return out;
  }

  // No secret in any line, at either level. (A query parameter's value is
  // hidden from the URL logged, not from what a server echoes.)
  void check_no_secrets() const {
    for (const std::string& secret : {secret_key, azure_key}) {
      CAPTURE(secret);
      CHECK(with(secret).empty());
    }
  }
};

knobs::client_options logging_to(captured& out, const knobs::local::server& server,
                                 knobs::log_level level) {
  auto o = options_for(server, 2);
  o.log = level;
  o.on_log = [&out](knobs::log_level l, std::string_view line) {
    CHECK(line.find('\n') == std::string_view::npos);
    (l == knobs::log_level::info ? out.info : out.debug).emplace_back(line);
  };
  return o;
}

bool contains(const std::string& line, const std::string& text) {
  return line.find(text) != std::string::npos;
}

// Sets an environment variable for the life of the object.
struct env_var {
  env_var(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~env_var() { unsetenv(name_); }
  env_var(const env_var&) = delete;
  env_var& operator=(const env_var&) = delete;
  const char* name_;
};

} // namespace

TEST_CASE("info: one line per attempt, with the status, times, bytes and the connection") {
  knobs::local::server server([](const received_request&) { return ok(); });
  captured out;
  knobs::client client{logging_to(out, server, knobs::log_level::info)};
  client.create(lesson_request());
  client.create(lesson_request());
  REQUIRE(out.info.size() == 2);
  CHECK(out.debug.empty());
  const std::string url = "POST http://127.0.0.1:" + std::to_string(server.port()) +
                          "/v1/chat/completions: 200 OK; head ";
  CHECK(out.info[0].rfind(url, 0) == 0);
  const received_request seen = server.requests().at(0);
  const std::size_t sent = seen.body.size(); // and the head, before it
  CHECK(contains(out.info[0], " ms, end "));
  CHECK(contains(out.info[0], "; sent "));
  CHECK(std::stoul(out.info[0].substr(out.info[0].find("; sent ") + 7)) > sent);
  CHECK(contains(out.info[0], " B, received "));
  CHECK(contains(out.info[0], "; new connection; attempt 1"));
  CHECK(contains(out.info[1], "; reused connection; attempt 1"));
  out.check_no_secrets();
}

TEST_CASE("info: a retried status says the retry and the wait chosen") {
  int calls = 0;
  knobs::local::server server([&](const received_request&) {
    if (++calls == 1) {
      auto p = response_plan::api_error(503, "busy", "server_error");
      p.headers.emplace_back("retry-after-ms", "20");
      return p;
    }
    return ok();
  });
  captured out;
  knobs::client client{logging_to(out, server, knobs::log_level::info)};
  client.create(lesson_request());
  REQUIRE(out.info.size() == 2);
  CHECK(contains(out.info[0], ": 503 Service Unavailable; "));
  CHECK(contains(out.info[0], "; attempt 1; retry 1 of 2 in 20 ms"));
  CHECK(contains(out.info[1], ": 200 OK; "));
  CHECK(contains(out.info[1], "; attempt 2"));
}

TEST_CASE("info: a connection that fails says why, and when it is not retried") {
  knobs::client_options o;
  o.base_url = "http://127.0.0.1:1/v1";
  o.max_retries = 1;
  captured out;
  o.log = knobs::log_level::info;
  o.on_log = [&](knobs::log_level, std::string_view line) { out.info.emplace_back(line); };
  knobs::client client{o};
  CHECK_THROWS_AS(client.create(lesson_request()), knobs::connection_error);
  REQUIRE(out.info.size() == 2);
  CHECK(contains(out.info[0], "POST http://127.0.0.1:1/v1/chat/completions: failed: "));
  CHECK(contains(out.info[0], "refused"));
  CHECK(contains(out.info[0],
                 "; sent 0 B, received 0 B; new connection; attempt 1; retry 1 of 1 in "));
  CHECK(contains(out.info[1], "; attempt 2; not retried"));
}

TEST_CASE("info: a stream's attempt, then its end or its failure") {
  bool fail = false;
  knobs::local::server server([&](const received_request&) {
    auto plan = response_plan::event_stream(text_events(3));
    if (fail)
      plan.close_after_parts = 2;
    return plan;
  });
  captured out;
  knobs::client client{logging_to(out, server, knobs::log_level::info)};
  client.stream(lesson_request(), [](const knobs::chat_chunk&) {});
  REQUIRE(out.info.size() == 2);
  CHECK(contains(out.info[0], ": 200 OK, an event stream; head "));
  CHECK(contains(out.info[1], ": the stream ended after 3 chunks, "));
  fail = true;
  out.info.clear();
  CHECK_THROWS_AS(client.stream(lesson_request(), [](const knobs::chat_chunk&) {}),
                  knobs::connection_error);
  REQUIRE(out.info.size() == 2);
  CHECK(contains(out.info[1], ": the stream failed after 2 chunks, "));
  CHECK(contains(out.info[1], "failed mid-stream"));
}

TEST_CASE("debug: heads and bodies both ways, every credential hidden, in every line") {
  // A server that echoes every secret it was sent, in its body and a header.
  knobs::local::server server([](const received_request& r) {
    if (r.header("accept") == "text/event-stream")
      return response_plan::event_stream(
          events_of({text_chunk("echo " + r.header("authorization").value_or("") + " " +
                                r.header("api-key").value_or(""))}));
    return ok("echo " + r.header("authorization").value_or("") + " " +
              r.header("api-key").value_or(""))
        .with_header("x-echo", r.target);
  });
  captured out;
  auto o = logging_to(out, server, knobs::log_level::debug);
  o.headers = {{"api-key", azure_key}};
  o.query = {{"api-version", "2024-10-21"}, {"token", query_secret}};
  knobs::client client{o};
  client.create(lesson_request());
  client.stream(lesson_request(), [](const knobs::chat_chunk&) {});

  CHECK(contains(out.info.at(0), "/v1/chat/completions?api-version=2024-10-21&token=[redacted]: "));
  CHECK_FALSE(out.with("> POST /v1/chat/completions?api-version=2024-10-21&token=").empty());
  CHECK_FALSE(out.with("> Authorization: [redacted]").empty());
  CHECK_FALSE(out.with("> api-key: [redacted]").empty());
  CHECK_FALSE(out.with("> {\"model\":\"test-model\"").empty());
  CHECK_FALSE(out.with("< HTTP/1.1 200 OK").empty());
  CHECK_FALSE(out.with("< Content-Type: application/json").empty());
  CHECK_FALSE(out.with("< {\"id\":\"chatcmpl-1\"").empty());
  CHECK_FALSE(out.with("< Content-Type: text/event-stream").empty());
  CHECK_FALSE(out.with("< data: {\"id\":\"chatcmpl-s\"").empty());
  CHECK_FALSE(out.with("< data: [DONE]").empty());
  CHECK_FALSE(out.with("echo Bearer [redacted] [redacted]").empty());
  out.check_no_secrets();
  // The query's values are hidden wherever knobs writes the URL; the only
  // line with one is the server's echo of the target, in its own header.
  CHECK(out.with("> POST /v1/chat/completions?api-version=2024-10-21&token=[redacted] HTTP/1.1")
            .size() == 2);
  REQUIRE(out.with(query_secret).size() == 1);
  CHECK(out.with(query_secret)[0].rfind("< x-echo: ", 0) == 0);
}

TEST_CASE("a with_options client's credential header is a secret like the key") {
  knobs::local::server server(
      [](const received_request& r) { return ok("echo " + r.header("api-key").value_or("")); });
  captured out;
  knobs::client client{logging_to(out, server, knobs::log_level::debug)};
  knobs::request_options azure;
  azure.headers = {{"api-key", azure_key}};
  CHECK(client.with_options(azure).create(lesson_request()).text() == "echo " + azure_key);
  CHECK_FALSE(out.with("> api-key: [redacted]").empty());
  CHECK_FALSE(out.with("echo [redacted]").empty());
  out.check_no_secrets();
}

TEST_CASE("off: nothing is logged; a sink that throws never fails a request") {
  knobs::local::server server([](const received_request&) { return ok(); });
  captured out;
  knobs::client quiet{logging_to(out, server, knobs::log_level::off)};
  quiet.create(lesson_request());
  CHECK(out.info.empty());
  CHECK(out.debug.empty());

  auto o = options_for(server);
  o.log = knobs::log_level::debug;
  o.on_log = [](knobs::log_level, std::string_view) { throw std::runtime_error("sink down"); };
  knobs::client client{o};
  CHECK(client.create(lesson_request()).text() == "hello");
}

TEST_CASE("KNOBS_LOG turns logs on for a client that never asked; a bad value is refused") {
  knobs::local::server server([](const received_request&) { return ok(); });
  captured out;
  {
    env_var level("KNOBS_LOG", "debug");
    knobs::client client{logging_to(out, server, knobs::log_level::off)};
    client.create(lesson_request());
  }
  CHECK(out.info.size() == 1);
  CHECK_FALSE(out.debug.empty());
  {
    env_var level("KNOBS_LOG", "verbose");
    try {
      knobs::client client{options_for(server)};
      FAIL("a bad KNOBS_LOG was accepted");
    } catch (const knobs::request_error& e) {
      CHECK(e.where() == "KNOBS_LOG");
      CHECK(std::string(e.what()) ==
            "KNOBS_LOG is \"verbose\", which is not a log level: use info, debug or off");
    }
  }
  env_var level("KNOBS_LOG", "INFO");
  CHECK(knobs::log_level_from_env().value() == knobs::log_level::info);
}

TEST_CASE("print_log, the default sink, writes each line on stderr after \"knobs: \"") {
  knobs::local::server server([](const received_request&) { return ok(); });
  std::ostringstream err;
  std::streambuf* old = std::cerr.rdbuf(err.rdbuf());
  {
    auto o = options_for(server);
    o.log = knobs::log_level::info;
    knobs::client client{o};
    client.create(lesson_request());
  }
  std::cerr.rdbuf(old);
  CHECK(err.str().rfind("knobs: POST http://127.0.0.1:", 0) == 0);
  CHECK(err.str().find(": 200 OK; head ") != std::string::npos);
  CHECK(err.str().find(secret_key) == std::string::npos);
}
