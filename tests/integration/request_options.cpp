// Per-request options (issue 16): client::with_options and
// async_client::with_options against knobs::local::server over real sockets
// on 127.0.0.1 — timeouts, retries, stream bounds, extra headers and query
// parameters for some requests, without a second client.
#include <knobs/client.hpp>

#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include "../loopback.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <limits>
#include <string>

using knobs::local::received_request;
using knobs::local::response_plan;
using namespace std::chrono_literals;
using namespace loopback;

TEST_CASE("with_options: a longer timeout for one slow request, the client's for the rest") {
  knobs::local::server server([](const received_request& r) {
    auto p = ok();
    if (r.body.find("slow") != std::string::npos)
      p.delay = 400ms;
    return p;
  });
  auto o = options_for(server, 0);
  o.timeout = 150ms;
  knobs::client client{o};
  const knobs::chat_request slow = lesson_request().user("slow");

  knobs::request_options patient;
  patient.timeout = 5s;
  CHECK(client.with_options(patient).create(slow).text() == "hello");
  CHECK_THROWS_AS(client.create(slow), knobs::timeout_error);
  CHECK(client.create(lesson_request()).text() == "hello");
  // The options are the client's still; the view only adds to each request.
  CHECK(client.options().timeout == 150ms);
  CHECK_FALSE(client.async().request_overrides().timeout);
}

TEST_CASE("with_options: max_retries for one request") {
  std::atomic<int> calls{0};
  knobs::local::server server([&](const received_request&) {
    ++calls;
    auto p = response_plan::api_error(500, "boom", "server_error");
    p.headers.emplace_back("retry-after-ms", "1");
    return p;
  });
  knobs::client client{options_for(server, 2)};
  CHECK_THROWS_AS(client.create(lesson_request()), knobs::internal_server_error);
  CHECK(calls == 3);
  calls = 0;
  knobs::request_options once;
  once.max_retries = 0;
  const auto r = client.with_options(once).try_create(lesson_request());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().retries == 0);
  CHECK(calls == 1);
  calls = 0;
  // Streams too: retried before the stream opens, as the request says.
  CHECK_THROWS_AS(
      client.with_options(once).stream(lesson_request(), [](const knobs::chat_chunk&) {}),
      knobs::internal_server_error);
  CHECK(calls == 1);
}

TEST_CASE("with_options: extra headers and query parameters reach the server, encoded") {
  knobs::local::server server([](const received_request& r) {
    if (r.header("accept") == "text/event-stream")
      return response_plan::event_stream(text_events(2));
    return ok();
  });
  auto o = options_for(server);
  o.headers = {{"X-Team", "lesson"}};
  o.query = {{"api-version", "2024-10-21"}};
  knobs::client client{o};

  knobs::request_options extra;
  extra.headers = {{"X-Trace", "report 42"}, {"User-Agent", "one-off/1"}, {"x-team", "other"}};
  extra.query = {{"trace", "a b&c=d/é"}, {"empty", ""}};
  auto view = client.with_options(extra);

  view.create(lesson_request());
  view.stream(lesson_request(), [](const knobs::chat_chunk&) {});
  client.create(lesson_request());
  const auto seen = server.requests();
  REQUIRE(seen.size() == 3);
  for (int i : {0, 1}) {
    CAPTURE(i);
    const received_request& r = seen[static_cast<std::size_t>(i)];
    CHECK(r.target ==
          "/v1/chat/completions?api-version=2024-10-21&trace=a%20b%26c%3Dd%2F%C3%A9&empty=");
    CHECK(r.header("x-trace") == "report 42");
    CHECK(r.header("user-agent") == "one-off/1");
    CHECK(r.header("x-team") == "other"); // the request's replaces the client's
    CHECK(r.header("authorization") == "Bearer " + secret_key);
    CHECK(r.header("content-length") == std::to_string(r.body.size()));
  }
  CHECK(seen[1].header("accept") == "text/event-stream");
  // The client's own requests are untouched.
  CHECK(seen[2].target == "/v1/chat/completions?api-version=2024-10-21");
  CHECK_FALSE(seen[2].header("x-trace").has_value());
  CHECK(seen[2].header("x-team") == "lesson");
  // One pool: the view's requests and the client's shared one connection.
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("with_options stacks: a later call's fields win, headers and query add up") {
  knobs::local::server server([](const received_request&) { return ok(); });
  knobs::client client{options_for(server)};
  knobs::request_options a;
  a.timeout = 1s;
  a.max_retries = 0;
  a.headers = {{"X-A", "1"}};
  a.query = {{"a", "1"}};
  knobs::request_options b;
  b.timeout = 2s;
  b.headers = {{"X-B", "2"}};
  b.query = {{"b", "2"}};
  auto both = client.with_options(a).with_options(b);
  const knobs::request_options merged = both.async().request_overrides();
  CHECK(merged.timeout == 2s);
  CHECK(merged.max_retries == 0);
  CHECK(merged.headers.size() == 2);
  both.create(lesson_request());
  const auto r = server.requests().at(0);
  CHECK(r.target == "/v1/chat/completions?a=1&b=2");
  CHECK(r.header("x-a") == "1");
  CHECK(r.header("x-b") == "2");
}

TEST_CASE("with_options refuses what it cannot send, naming the field") {
  knobs::client_options o;
  o.base_url = "http://127.0.0.1:1/v1"; // nothing is sent: the options are refused first
  knobs::client client{o};
  auto refused = [&](const knobs::request_options& ro) {
    try {
      (void)client.with_options(ro);
    } catch (const knobs::request_error& e) {
      CHECK(e.code() == knobs::errc::invalid_request);
      return e.info();
    }
    FAIL("with_options accepted what it cannot send");
    return knobs::error_info{};
  };
  knobs::request_options ro;
  ro.max_retries = -1;
  CHECK(refused(ro).where == "max_retries");
  ro = {};
  ro.timeout = 0ms;
  CHECK(refused(ro).where == "timeout");
  ro = {};
  ro.headers = {{"X-Ok", "1"}, {"X-Evil", "a\r\nHost: elsewhere"}};
  const knobs::error_info e = refused(ro);
  CHECK(e.where == "headers[1]");
  CHECK(e.message.find("which would end the header field") != std::string::npos);
  ro = {};
  ro.headers = {{"Content-Length", "0"}};
  CHECK(refused(ro).where == "headers[0]");
  ro = {};
  ro.query = {{"", "x"}};
  CHECK(refused(ro).where == "query[0]");
  ro = {};
  ro.stream_timeout = -1ms;
  CHECK(refused(ro).where == "stream_timeout");
}

TEST_CASE("stream_timeout bounds a stream that dribbles forever, keeping what arrived") {
  knobs::local::server server([](const received_request&) {
    auto plan = response_plan::event_stream(text_events(1, false));
    plan.repeat = std::numeric_limits<std::size_t>::max(); // "w0 " every 50 ms, forever
    plan.part_delay = 50ms;
    return plan;
  });
  auto o = options_for(server);
  o.stream_idle_timeout = 10s; // never trips: a chunk comes every 50 ms
  knobs::client client{o};
  knobs::request_options bounded;
  bounded.stream_timeout = 400ms;
  std::size_t seen = 0;
  const auto start = steady::now();
  const auto r = client.with_options(bounded).try_stream(lesson_request(),
                                                         [&](const knobs::chat_chunk&) { ++seen; });
  const auto took = since(start);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == knobs::errc::timeout);
  CHECK(r.error().message.find("did not end within 400 ms (stream_timeout) after ") !=
        std::string::npos);
  CHECK(took >= 400ms);
  CHECK(took < 2s);
  CHECK(seen >= 3);
  CHECK(r.error().chunks == seen);
  REQUIRE(r.error().partial);
  CHECK(r.error().partial->text().rfind("w0 w0 w0 ", 0) == 0);
  CHECK(client.async().open_connections() == 0);
}

TEST_CASE("client_options::stream_timeout applies to every stream; 0 is no bound") {
  knobs::local::server server([](const received_request&) {
    auto plan = response_plan::event_stream(text_events(8));
    plan.part_delay = 50ms; // about 450 ms in all
    return plan;
  });
  auto o = options_for(server);
  o.stream_timeout = 200ms;
  knobs::client client{o};
  CHECK_THROWS_AS(client.stream(lesson_request(), [](const knobs::chat_chunk&) {}),
                  knobs::timeout_error);
  knobs::request_options unbounded;
  unbounded.stream_timeout = 0ms;
  const auto r =
      client.with_options(unbounded).stream(lesson_request(), [](const knobs::chat_chunk&) {});
  CHECK(r.text() == "w0 w1 w2 w3 w4 w5 w6 w7 ");
}

TEST_CASE("with_options: a stream_idle_timeout for one request") {
  knobs::local::server server([](const received_request&) {
    auto plan = response_plan::event_stream(text_events(4));
    plan.stall_after_parts = 2;
    return plan;
  });
  auto o = options_for(server);
  o.stream_idle_timeout = 10s;
  knobs::client client{o};
  knobs::request_options impatient;
  impatient.stream_idle_timeout = 200ms;
  const auto start = steady::now();
  const auto r =
      client.with_options(impatient).try_stream(lesson_request(), [](const knobs::chat_chunk&) {});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == knobs::errc::timeout);
  CHECK(r.error().message.find("nothing for 200 ms (stream_idle_timeout)") != std::string::npos);
  CHECK(since(start) < 2s);
}

TEST_CASE("async_client::with_options: create and stream on the caller's executor") {
  knobs::local::server server([](const received_request& r) {
    if (r.header("accept") == "text/event-stream")
      return response_plan::event_stream(text_events(2));
    return ok();
  });
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), options_for(server)};
  knobs::request_options extra;
  extra.headers = {{"X-Async", "yes"}};
  extra.query = {{"q", "1"}};
  auto view = client.with_options(extra);
  CHECK(view.get_executor() == client.get_executor());
  int done = 0;
  view.async_create(lesson_request(), [&](std::exception_ptr e, knobs::chat_completion r) {
    CHECK_FALSE(e);
    CHECK(r.text() == "hello");
    ++done;
  });
  view.async_stream(
      lesson_request(), [](const knobs::chat_chunk&) {},
      [&](std::exception_ptr e, knobs::chat_completion r) {
        CHECK_FALSE(e);
        CHECK(r.text() == "w0 w1 ");
        ++done;
      });
  ioc.run();
  CHECK(done == 2);
  for (const auto& r : server.requests()) {
    CHECK(r.target == "/v1/chat/completions?q=1");
    CHECK(r.header("x-async") == "yes");
  }
  CHECK(server.requests().size() == 2);
}
