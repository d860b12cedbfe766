// The fault matrix (issue 8): knobs::client and knobs::async_client against
// knobs::local::server misbehaving on purpose, over real sockets on 127.0.0.1.
// Every case must end in a success or a typed knobs error — the exact class,
// a message that names the problem, the right number of attempts — and within
// a time bound: never a crash, never a hang. Timeouts are kept short so that
// the whole file runs in seconds, under the sanitizers too.
#include <knobs/client.hpp>

#include <knobs/detail/proxy.hpp>
#include <knobs/local/certificate.hpp>
#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include "../loopback.hpp"
#include "../tls_fixture.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

using knobs::local::received_request;
using knobs::local::response_plan;
using knobs::local::sse_event;
using namespace std::chrono_literals;
using namespace loopback;

namespace {

constexpr std::size_t mib = std::size_t(1) << 20;

// The most derived knobs exception class of `e`, by name.
std::string class_of(const knobs::error& e) {
  if (dynamic_cast<const knobs::timeout_error*>(&e))
    return "timeout_error";
  if (dynamic_cast<const knobs::proxy_authentication_error*>(&e))
    return "proxy_authentication_error";
  if (dynamic_cast<const knobs::connection_error*>(&e))
    return "connection_error";
  if (dynamic_cast<const knobs::parse_error*>(&e))
    return "parse_error";
  if (dynamic_cast<const knobs::rate_limit_error*>(&e))
    return "rate_limit_error";
  if (dynamic_cast<const knobs::internal_server_error*>(&e))
    return "internal_server_error";
  if (dynamic_cast<const knobs::bad_request_error*>(&e))
    return "bad_request_error";
  if (dynamic_cast<const knobs::api_error*>(&e))
    return "api_error";
  if (dynamic_cast<const knobs::request_error*>(&e))
    return "request_error";
  if (dynamic_cast<const knobs::knob_error*>(&e))
    return "knob_error";
  return "error";
}

// How a call ended: the exception class ("" for a success), what it carried,
// and how long the call took.
struct outcome {
  std::string thrown;
  knobs::error_info info;
  std::chrono::milliseconds took{0};
  std::size_t chunks = 0; // for a stream: the chunks delivered before the end

  bool says(std::string_view fragment) const {
    return info.message.find(fragment) != std::string::npos;
  }
};

// Runs `call`; a knobs::error becomes the outcome, anything else propagates.
template <class Call> outcome run(Call&& call) {
  outcome out;
  const auto start = steady::now();
  try {
    call();
  } catch (const knobs::error& e) {
    out.thrown = class_of(e);
    out.info = e.info();
  }
  out.took = since(start);
  return out;
}

outcome create(knobs::client& client) {
  return run([&] { client.create(lesson_request()); });
}

outcome stream(knobs::client& client) {
  std::size_t chunks = 0;
  outcome out =
      run([&] { client.stream(lesson_request(), [&](const knobs::chat_chunk&) { ++chunks; }); });
  out.chunks = chunks;
  return out;
}

outcome outcome_of(const std::exception_ptr& e) {
  return run([&] {
    if (e)
      std::rethrow_exception(e);
  });
}

// `n` requests at once through one async_client; each one's outcome.
std::vector<outcome> concurrent_creates(const knobs::client_options& o, int n) {
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), o};
  std::vector<outcome> out(static_cast<std::size_t>(n));
  int completed = 0;
  const auto start = steady::now();
  for (int i = 0; i < n; ++i)
    client.async_create(lesson_request(), [&, i](std::exception_ptr e, knobs::chat_completion) {
      outcome& slot = out[static_cast<std::size_t>(i)];
      slot = outcome_of(e);
      slot.took = since(start);
      ++completed;
    });
  ioc.run();
  CHECK(completed == n);
  return out;
}

// A raw HTTP/1.1 head, as the plan's `raw` sends it.
std::string head(const std::string& status_and_fields) {
  return "HTTP/1.1 " + status_and_fields + "\r\n\r\n";
}

} // namespace

// ---------------------------------------------------------------------------
// connection refused

TEST_CASE("connection refused: a connection_error after the retries") {
  // Take a free port, then close it again, so nothing listens there.
  std::string base_url;
  {
    knobs::local::server probe;
    base_url = probe.base_url();
  }
  knobs::client_options o;
  o.base_url = base_url;
  o.api_key = secret_key;

  SUBCASE("create, retried once") {
    o.max_retries = 1;
    knobs::client client{o};
    const outcome r = create(client);
    CHECK(r.thrown == "connection_error");
    CHECK(r.info.code == knobs::errc::connection_error);
    CHECK(r.says("refused"));
    CHECK(r.info.retries == 1);
    CHECK(r.took >= 375ms); // one backoff: 0.5 s less up to 25 % jitter
    CHECK(r.took < 2s);
    check_no_key(r.info);
  }
  SUBCASE("stream") {
    o.max_retries = 0;
    knobs::client client{o};
    const outcome r = stream(client);
    CHECK(r.thrown == "connection_error");
    CHECK(r.says("refused"));
    CHECK(r.info.retries == 0);
    CHECK(r.took < 1s);
  }
}

// ---------------------------------------------------------------------------
// reset before the status line

namespace {

// One row of "reset before the status line": every request is answered by
// closing the connection, with a TCP reset (`rst`) or an orderly close, and
// the call is a blocking create or a stream.
void check_reset_before_status_line(bool rst, bool streamed) {
  knobs::local::server server([rst](const received_request&) {
    response_plan plan = ok();
    plan.close_without_response = true;
    plan.reset = rst; // a TCP reset, or else an orderly close
    return plan;
  });
  // The reset proves the retries (a stream is retried too: it has not opened);
  // the orderly close saves the backoff.
  const int retries = rst ? 1 : 0;
  knobs::client client{options_for(server, retries)};
  const outcome r = streamed ? stream(client) : create(client);
  CHECK(r.thrown == "connection_error");
  CHECK(r.info.code == knobs::errc::connection_error);
  CHECK(r.says(rst ? "reset by peer" : "end of stream"));
  CHECK(r.info.retries == retries);
  CHECK(server.requests().size() == static_cast<std::size_t>(retries) + 1);
  CHECK(r.chunks == 0);
  CHECK(r.took < (retries > 0 ? 2s : 1s));
  CHECK(client.async().open_connections() == 0);
  check_no_key(r.info);
}

} // namespace

// Each combination is a subcase of its own: doctest runs one sibling subcase
// per pass, so a subcase that only set the reset kind would leave the checks
// to passes without it.
TEST_CASE("reset before the status line: a connection_error after max_retries + 1 attempts") {
  SUBCASE("a TCP reset, create, retried once") { check_reset_before_status_line(true, false); }
  SUBCASE("a TCP reset, stream, retried once") { check_reset_before_status_line(true, true); }
  SUBCASE("an orderly close, create") { check_reset_before_status_line(false, false); }
  SUBCASE("an orderly close, stream") { check_reset_before_status_line(false, true); }
}

// ---------------------------------------------------------------------------
// reset mid-body

TEST_CASE("reset mid-body: a connection_error after max_retries + 1 attempts") {
  bool rst = false;
  SUBCASE("with a TCP reset") { rst = true; }
  SUBCASE("with an orderly close") { rst = false; }
  knobs::local::server server([&](const received_request&) {
    response_plan plan = ok(std::string(2000, 'x'));
    plan.close_after_bytes = 1000; // past the head (~150 bytes), inside the body
    plan.reset = rst;
    return plan;
  });
  const int retries = rst ? 1 : 0; // the reset proves the retries
  knobs::client client{options_for(server, retries)};
  const outcome r = create(client);
  CHECK(r.thrown == "connection_error");
  CHECK(r.says(rst ? "reset by peer" : "partial message"));
  CHECK(r.info.retries == retries);
  CHECK(server.requests().size() == static_cast<std::size_t>(retries) + 1);
  CHECK(r.took < 2s);
  CHECK(client.async().open_connections() == 0);
}

// ---------------------------------------------------------------------------
// reset mid-stream

TEST_CASE("reset mid-stream: a connection_error after the chunks that were sent, never retried") {
  bool rst = false;
  SUBCASE("with a TCP reset") { rst = true; }
  SUBCASE("with an orderly close") { rst = false; }
  knobs::local::server server([&](const received_request&) {
    response_plan plan = response_plan::event_stream(text_events(10));
    plan.close_after_parts = 3;
    plan.reset = rst;
    return plan;
  });
  knobs::client client{options_for(server, 2)};
  const outcome r = stream(client);
  CHECK(r.thrown == "connection_error");
  CHECK(r.says("mid-stream after 3 chunks"));
  CHECK(r.says(rst ? "reset by peer" : "partial message"));
  CHECK(r.chunks == 3);
  CHECK(r.info.chunks == 3); // and what they said, in the error
  REQUIRE(r.info.partial);
  CHECK(r.info.partial->text() == "w0 w1 w2 ");
  CHECK(r.info.retries == 0);
  CHECK(server.requests().size() == 1); // its chunks may have been shown: not retried
  CHECK(r.took < 1s);
  CHECK(client.async().open_connections() == 0);
}

// ---------------------------------------------------------------------------
// truncated chunked encoding

TEST_CASE("truncated chunked encoding: a JSON body whose chunks stop short is a connection_error") {
  const std::string body = completion_body("chunked");
  knobs::local::server server([&](const received_request& r) {
    response_plan plan;
    if (r.body.find("cut-chunk") != std::string::npos) {
      // A chunk that announces 0x400 bytes and delivers 40.
      plan.raw = head("200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked") +
                 "400\r\n" + body.substr(0, 40);
    } else if (r.body.find("bad-size") != std::string::npos) {
      plan.raw = head("200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked") +
                 "zz\r\n" + body + "\r\n0\r\n\r\n";
    } else {
      // Whole chunks, but no final zero-size chunk.
      plan.parts = {body.substr(0, 50), body.substr(50, 50), body.substr(100)};
      plan.close_after_parts = plan.parts.size();
    }
    return plan;
  });

  SUBCASE("every chunk, no last chunk") {
    knobs::client client{options_for(server, 1)};
    const outcome r = create(client);
    CHECK(r.thrown == "connection_error");
    CHECK(r.says("partial message"));
    CHECK(r.info.retries == 1);
    CHECK(server.requests().size() == 2);
    CHECK(r.took < 2s);
  }
  SUBCASE("a chunk cut short") {
    knobs::client client{options_for(server, 0)};
    const outcome r = run([&] { client.create(knobs::chat_request{"m"}.user("cut-chunk")); });
    CHECK(r.thrown == "connection_error");
    CHECK(r.says("partial message"));
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 1s);
  }
  SUBCASE("a chunk size that is not hexadecimal is not HTTP, and not retried") {
    knobs::client client{options_for(server, 2)};
    const outcome r = run([&] { client.create(knobs::chat_request{"m"}.user("bad-size")); });
    CHECK(r.thrown == "parse_error");
    CHECK(r.says("not valid HTTP"));
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 1s);
  }
  SUBCASE("a stream whose chunk is cut short mid-event") {
    server.set_handler([&](const received_request&) {
      response_plan plan;
      plan.raw = head("200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked") +
                 "1000\r\n" + sse_event(text_chunk("whole")) + "data: {\"choi";
      return plan;
    });
    knobs::client client{options_for(server, 2)};
    const outcome r = stream(client);
    CHECK(r.thrown == "connection_error");
    CHECK(r.says("mid-stream after 1 chunks"));
    CHECK(r.chunks == 1);
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 1s);
  }
}

// ---------------------------------------------------------------------------
// a Content-Length longer than the body

TEST_CASE("a Content-Length longer than the body: a connection_error, retried") {
  knobs::local::server server([&](const received_request&) {
    response_plan plan = ok();
    plan.content_length = completion_body("hello").size() + 100;
    return plan;
  });

  SUBCASE("create") {
    knobs::client client{options_for(server, 1)};
    const outcome r = create(client);
    CHECK(r.thrown == "connection_error");
    CHECK(r.says("partial message"));
    CHECK(r.info.retries == 1);
    CHECK(server.requests().size() == 2);
    CHECK(r.took < 2s);
    CHECK(client.async().open_connections() == 0);
  }
  SUBCASE("an event stream with a Content-Length that its body never reaches") {
    server.set_handler([&](const received_request&) {
      response_plan plan;
      plan.raw = head("200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 5000");
      plan.parts = {sse_event(text_chunk("a")), sse_event(text_chunk("b"))};
      return plan;
    });
    knobs::client client{options_for(server, 2)};
    const outcome r = stream(client);
    CHECK(r.thrown == "connection_error");
    CHECK(r.says("mid-stream after 2 chunks"));
    CHECK(r.chunks == 2);
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 1s);
  }
  SUBCASE("a Content-Length shorter than the body cuts the JSON: a parse_error") {
    server.set_handler([&](const received_request&) {
      response_plan plan = ok();
      plan.content_length = 40;
      return plan;
    });
    knobs::client client{options_for(server, 2)};
    const outcome r = create(client);
    CHECK(r.thrown == "parse_error");
    CHECK(r.says("not JSON"));
    CHECK(server.requests().size() == 1);
    CHECK(client.async().idle_connections() == 0); // the rest of the body is not a response
  }
}

// ---------------------------------------------------------------------------
// a 100 MiB body, refused at max_response_bytes (64 MiB by default)

TEST_CASE("a 100 MiB body is refused at max_response_bytes, 64 MiB by default") {
  CHECK(knobs::client_options{}.max_response_bytes == 64 * mib);
  const std::string one_mib(mib, 'x');

  SUBCASE("announced by Content-Length: refused before the body is read") {
    knobs::local::server server([&](const received_request&) {
      response_plan plan = response_plan::json(200, one_mib);
      plan.repeat = 100;
      return plan;
    });
    knobs::client client{options_for(server, 2)};
    const outcome r = create(client);
    CHECK(r.thrown == "parse_error");
    CHECK(r.says("larger than max_response_bytes (67108864)"));
    CHECK(r.info.retries == 0);
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 1s);
    CHECK(client.async().open_connections() == 0);
  }
  SUBCASE("chunked: refused once 64 MiB have arrived") {
    knobs::local::server server([&](const received_request&) {
      response_plan plan;
      plan.parts = {one_mib};
      plan.repeat = 100;
      return plan;
    });
    knobs::client client{options_for(server, 2)};
    const outcome r = create(client);
    CHECK(r.thrown == "parse_error");
    CHECK(r.says("larger than max_response_bytes (67108864)"));
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 15s);
    CHECK(client.async().open_connections() == 0);
  }
  SUBCASE("a smaller limit, configured: refused above it, accepted below it") {
    knobs::local::server server([&](const received_request& r) {
      return ok(std::string(r.body.find("big") != std::string::npos ? 2 * mib : 900 * 1024, 'y'));
    });
    auto o = options_for(server, 2);
    o.max_response_bytes = mib;
    knobs::client client{o};
    const outcome r = run([&] { client.create(knobs::chat_request{"m"}.user("big")); });
    CHECK(r.thrown == "parse_error");
    CHECK(r.info.code == knobs::errc::invalid_response);
    CHECK(r.says("larger than max_response_bytes (1048576)"));
    CHECK(server.requests().size() == 1);
    CHECK(client.create(knobs::chat_request{"m"}.user("small")).text().size() == 900 * 1024);
  }
  SUBCASE("an error answer of 100 MiB to a streamed request") {
    knobs::local::server server([&](const received_request&) {
      response_plan plan = response_plan::json(500, one_mib);
      plan.repeat = 100;
      return plan;
    });
    knobs::client client{options_for(server, 2)};
    const outcome r = stream(client);
    CHECK(r.thrown == "parse_error");
    CHECK(r.says("larger than max_response_bytes (67108864)"));
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 1s);
  }
  SUBCASE("a stream with a 100 MiB event: refused at max_event_bytes") {
    knobs::local::server server([&](const received_request&) {
      // A body that runs to the end of the connection: one event, then one
      // line of 100 MiB.
      response_plan plan;
      plan.raw = head("200 OK\r\nContent-Type: text/event-stream\r\nConnection: close") +
                 sse_event(text_chunk("first")) + "data: ";
      plan.parts = {one_mib};
      plan.repeat = 100;
      return plan;
    });
    knobs::client client{options_for(server, 2)};
    const outcome r = stream(client);
    CHECK(r.thrown == "parse_error");
    CHECK(r.says("larger than max_event_bytes (16777216)"));
    CHECK(r.chunks == 1);
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 10s);
  }
}

// ---------------------------------------------------------------------------
// a server that sends one byte a second

TEST_CASE("a server that sends one byte a second: a timeout_error when the timeout runs out") {
  knobs::local::server server([&](const received_request& r) {
    response_plan plan = r.body.find("\"stream\":true") != std::string::npos
                             ? response_plan::event_stream(text_events(2))
                             : ok();
    plan.byte_interval = 1s;
    return plan;
  });
  auto o = options_for(server, 0);
  o.timeout = 1000ms;
  knobs::client client{o};

  SUBCASE("create") {
    const outcome r = create(client);
    CHECK(r.thrown == "timeout_error");
    CHECK(r.info.code == knobs::errc::timeout);
    CHECK(r.says("within the timeout (1000 ms per attempt"));
    CHECK(r.took >= 1000ms);
    CHECK(r.took < 2000ms);
    CHECK(server.requests().size() == 1);
  }
  SUBCASE("stream: the head comes no faster") {
    const outcome r = stream(client);
    CHECK(r.thrown == "timeout_error");
    CHECK(r.says("within the timeout (1000 ms per attempt"));
    CHECK(r.chunks == 0);
    CHECK(r.took >= 1000ms);
    CHECK(r.took < 2000ms);
    CHECK(server.requests().size() == 1);
  }
}

// ---------------------------------------------------------------------------
// headers without end

// ---------------------------------------------------------------------------
// resolving (issue 16): a name that does not resolve in time, or at all

TEST_CASE("a resolver slower than connect_timeout: a timeout_error at the deadline") {
  knobs::local::server server([](const received_request&) { return ok(); });
  auto o = options_for(server, 0);
  const std::string ip = "127.0.0.1";
  o.base_url.replace(o.base_url.find(ip), ip.size(), "slow.knobs.test");
  o.connect_timeout = 200ms;
  std::atomic<int> resolutions{0};
  // A resolver that cannot be stopped, as getaddrinfo cannot: it blocks for
  // 1.5 s and then answers. The request must not wait for it.
  o.resolve = [&resolutions](const std::string& host) {
    CHECK(host == "slow.knobs.test");
    std::this_thread::sleep_for(1500ms);
    ++resolutions;
    return std::vector<std::string>{"127.0.0.1"};
  };
  SUBCASE("create") {
    knobs::client client{o};
    const outcome r = create(client);
    CHECK(r.thrown == "timeout_error");
    CHECK(r.says("could not resolve slow.knobs.test within connect_timeout (200 ms)"));
    CHECK(r.took >= 200ms);
    CHECK(r.took < 1000ms); // at the deadline, not when the resolver returns
    CHECK(server.requests().empty());
  }
  SUBCASE("stream, retried once: two deadlines, two abandoned resolutions") {
    o.max_retries = 1;
    knobs::client client{o};
    const outcome r = stream(client);
    CHECK(r.thrown == "timeout_error");
    CHECK(r.info.retries == 1);
    CHECK(r.took >= 400ms);
    CHECK(r.took < 1400ms);
  }
  // The abandoned resolutions finish on their own, and touch nothing freed
  // (the sanitizer presets run this too).
  std::this_thread::sleep_for(1600ms);
  CHECK(resolutions >= 1);
}

TEST_CASE("a resolver that pins a name to an address, or fails, or answers nonsense") {
  knobs::local::server server([](const received_request&) { return ok(); });
  auto o = options_for(server, 0);
  const std::string ip = "127.0.0.1";
  o.base_url.replace(o.base_url.find(ip), ip.size(), "pinned.knobs.test");
  SUBCASE("pinned: the request goes to the address, for the name") {
    o.resolve = [](const std::string&) { return std::vector<std::string>{"::1", "127.0.0.1"}; };
    knobs::client client{o}; // ::1 refuses (the server listens on IPv4): the next one is tried
    CHECK(client.create(lesson_request()).text() == "hello");
    CHECK(server.requests().at(0).header("host") ==
          "pinned.knobs.test:" + std::to_string(server.port()));
  }
  SUBCASE("a resolver that throws: a connection_error quoting it") {
    o.resolve = [](const std::string& host) -> std::vector<std::string> {
      throw std::runtime_error("no such host in the test's table: " + host);
    };
    knobs::client client{o};
    const outcome r = create(client);
    CHECK(r.thrown == "connection_error");
    CHECK(r.says("could not resolve pinned.knobs.test: no such host in the test's table: "
                 "pinned.knobs.test"));
    CHECK(server.requests().empty());
  }
  SUBCASE("no address, or one that is not an IP address") {
    o.resolve = [](const std::string&) { return std::vector<std::string>{}; };
    knobs::client none{o};
    CHECK(create(none).says("could not resolve pinned.knobs.test: no address"));
    o.resolve = [](const std::string&) { return std::vector<std::string>{"localhost"}; };
    knobs::client nonsense{o};
    CHECK(create(nonsense).says(
        "could not resolve pinned.knobs.test: \"localhost\" is not an IP address"));
  }
}

// ---------------------------------------------------------------------------
// interim responses (issue 16): 1xx heads before the final response

namespace {

// A whole response as raw bytes: interim heads, then the final one with a
// Content-Length, then the body.
response_plan after_interim(const std::string& interim, const std::string& status_and_type,
                            const std::string& body) {
  response_plan plan;
  plan.raw =
      interim + head(status_and_type + "\r\nContent-Length: " + std::to_string(body.size())) + body;
  return plan;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts)
    out += p;
  return out;
}

} // namespace

TEST_CASE("interim responses: 100 Continue and 103 Early Hints are skipped, 101 is an error") {
  const std::string continue_ = head("100 Continue");
  const std::string hints = head("103 Early Hints\r\nLink: </style.css>; rel=preload");
  std::string interim;
  SUBCASE("100 Continue") { interim = continue_; }
  SUBCASE("103 Early Hints") { interim = hints; }
  SUBCASE("both, and 100 twice") { interim = continue_ + hints + continue_; }
  CAPTURE(interim);

  {
    knobs::local::server server([&](const received_request&) {
      return after_interim(interim, "200 OK\r\nContent-Type: application/json",
                           completion_body("after the interim"));
    });
    knobs::client client{options_for(server, 0)};
    const knobs::chat_completion r = client.create(lesson_request());
    CHECK(r.text() == "after the interim");
    CHECK(r.retries == 0);
  }
  {
    knobs::local::server server([&](const received_request&) {
      return after_interim(interim, "200 OK\r\nContent-Type: text/event-stream",
                           joined(text_events(3)));
    });
    knobs::client client{options_for(server, 0)};
    std::string text;
    const knobs::chat_completion r =
        client.stream(lesson_request(), [&](const knobs::chat_chunk& c) { text += c.text(); });
    CHECK(text == "w0 w1 w2 ");
    CHECK(r.text() == "w0 w1 w2 ");
  }
  {
    // The final status is the one that counts: a 400 after a 100 Continue
    // is the 400 with its message.
    knobs::local::server server([&](const received_request&) {
      return after_interim(interim, "400 Bad Request\r\nContent-Type: application/json",
                           R"({"error":{"message":"temperature is too high",)"
                           R"("type":"invalid_request_error","param":"temperature"}})");
    });
    knobs::client client{options_for(server, 2)};
    for (const outcome& r : {create(client), stream(client)}) {
      CHECK(r.thrown == "bad_request_error");
      REQUIRE(r.info.api);
      CHECK(r.info.api->status == 400);
      CHECK(r.says("400 from"));
      CHECK(r.says("temperature is too high"));
      CHECK_FALSE(r.says("Continue"));
      CHECK(r.info.retries == 0);
    }
  }
}

TEST_CASE("interim responses: a 101 Switching Protocols is a parse_error, not retried") {
  knobs::local::server server([&](const received_request&) {
    response_plan plan;
    plan.raw = head("101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade");
    plan.stall_after_parts = 0; // then the connection waits, as an upgraded one would
    return plan;
  });
  knobs::client client{options_for(server, 2)};
  SUBCASE("create") {
    const outcome r = create(client);
    CHECK(r.thrown == "parse_error");
    CHECK(r.info.code == knobs::errc::invalid_response);
    CHECK(r.says("answered 101 Switching Protocols"));
    CHECK(r.info.retries == 0);
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 1s);
    CHECK(client.async().open_connections() == 0);
  }
  SUBCASE("stream") {
    const outcome r = stream(client);
    CHECK(r.thrown == "parse_error");
    CHECK(r.says("answered 101 Switching Protocols"));
    CHECK(r.info.retries == 0);
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 1s);
  }
}

TEST_CASE("headers without end: a head that goes silent times out, after the retries") {
  knobs::local::server server([&](const received_request&) {
    response_plan plan;
    plan.raw = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Half: ";
    plan.stall_after_parts = 0; // and then nothing, the connection held open
    return plan;
  });
  auto o = options_for(server, 1);
  o.timeout = 200ms;

  SUBCASE("create, retried once") {
    knobs::client client{o};
    const outcome r = create(client);
    CHECK(r.thrown == "timeout_error");
    CHECK(r.says("within the timeout (200 ms per attempt"));
    CHECK(r.info.retries == 1);
    CHECK(server.requests().size() == 2);
    CHECK(r.took >= 400ms + 375ms); // two attempts and a backoff
    CHECK(r.took < 2s);
    CHECK(client.async().open_connections() == 0);
  }
  SUBCASE("stream") {
    o.max_retries = 0;
    knobs::client client{o};
    const outcome r = stream(client);
    CHECK(r.thrown == "timeout_error");
    CHECK(r.says("within the timeout (200 ms per attempt"));
    CHECK(r.info.retries == 0);
    CHECK(server.requests().size() == 1);
    CHECK(r.took >= 200ms);
    CHECK(r.took < 1s);
  }
}

TEST_CASE("headers without end: header lines sent forever are refused at the header limit") {
  knobs::local::server server([&](const received_request&) {
    response_plan plan;
    plan.raw = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
    plan.parts = {"X-Fill: " + std::string(100, 'f') + "\r\n"};
    plan.repeat = std::numeric_limits<std::size_t>::max(); // until the client hangs up
    return plan;
  });
  knobs::client client{options_for(server, 2)};

  SUBCASE("create") {
    const outcome r = create(client);
    CHECK(r.thrown == "parse_error");
    CHECK(r.says("not valid HTTP: header limit exceeded"));
    CHECK(r.info.retries == 0);
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 1s);
    CHECK(client.async().open_connections() == 0);
  }
  SUBCASE("stream") {
    const outcome r = stream(client);
    CHECK(r.thrown == "parse_error");
    CHECK(r.says("header limit exceeded"));
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 1s);
  }
}

// ---------------------------------------------------------------------------
// TLS: an untrusted or expired certificate, a wrong host name

namespace {

// A client with the default max_retries (2) that trusts `ca_file` besides the
// system's CAs ("" for the system's alone). A certificate that does not
// verify fails the same way every time: one handshake, no retry.
outcome default_retries(const knobs::local::server& s, const std::string& ca_file) {
  auto o = options_for(s);
  o.max_retries = knobs::client_options{}.max_retries;
  REQUIRE(o.max_retries == 2);
  o.ca_file = ca_file;
  knobs::client client{o};
  return create(client);
}

void check_not_verified(const knobs::local::server& server, const outcome& r,
                        const std::string& reason) {
  INFO("message: ", r.info.message);
  CHECK(r.thrown == "connection_error");
  CHECK(r.info.code == knobs::errc::connection_error);
  CHECK(r.says("certificate verify failed"));
  CHECK(r.says(reason));
  CHECK(r.info.retries == 0);
  CHECK(server.connections_accepted() == 1); // one handshake: never retried
  CHECK(r.took < 1s);                        // no backoff
  CHECK(server.requests().empty());
}

} // namespace

TEST_CASE("TLS with an untrusted certificate fails verification once, unless verification is off") {
  auto certs = knobs::local::make_test_certificates();
  knobs::local::server server([](const received_request&) { return ok(); }, serving(certs));
  const outcome r = default_retries(server, "");
  check_not_verified(server, r,
                     "(unable to get local issuer certificate: its CA is not one this client "
                     "trusts; add the CA's certificate with client_options::ca_file)");

  auto o = options_for(server, 0);
  o.insecure_skip_tls_verify = true;
  knobs::client insecure{o};
  CHECK(insecure.create(lesson_request()).text() == "hello");
}

TEST_CASE("TLS with a certificate for another host name fails verification once") {
  knobs::local::certificate_options co;
  co.dns_names = {"other.example"};
  co.ip_addresses = {"10.0.0.1"};
  auto certs = knobs::local::make_test_certificates(co);
  tls_fixture files(certs);
  knobs::local::server server([](const received_request&) { return ok(); }, serving(certs));
  // The CA is trusted: only the name is wrong.
  SUBCASE("an IP address") {
    const outcome r = default_retries(server, files.ca_path); // https://127.0.0.1:PORT
    check_not_verified(server, r,
                       "(IP address mismatch: the certificate is for other.example, 10.0.0.1, "
                       "not 127.0.0.1)");
  }
  SUBCASE("a host name") {
    auto o = options_for(server);
    const std::string ip = "127.0.0.1";
    o.base_url.replace(o.base_url.find(ip), ip.size(), "localhost");
    o.ca_file = files.ca_path;
    knobs::client client{o};
    const outcome r = create(client);
    check_not_verified(server, r,
                       "(hostname mismatch: the certificate is for other.example, 10.0.0.1, "
                       "not localhost)");
  }
}

TEST_CASE("TLS with an expired certificate fails verification once, and says it expired") {
  knobs::local::certificate_options co;
  co.not_before = std::chrono::system_clock::now() - 48h;
  co.not_after = std::chrono::system_clock::now() - 24h;
  auto certs = knobs::local::make_test_certificates(co);
  tls_fixture files(certs);
  knobs::local::server server([](const received_request&) { return ok(); }, serving(certs));
  const outcome r = default_retries(server, files.ca_path);
  // The date it expired on, to the second, as the certificate says it.
  const std::time_t expired = std::chrono::system_clock::to_time_t(co.not_after);
  std::tm tm{};
  gmtime_r(&expired, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tm);
  check_not_verified(server, r,
                     "(certificate has expired: it expired on " + std::string(date) + ")");
}

// ---------------------------------------------------------------------------
// a proxy that misbehaves: a knobs::local::server answering CONNECT (and, for
// an http server, the absolute-form request) as a proxy would. The server
// behind it is never reached: its address is a port nobody listens on.

namespace {

const std::string proxy_password = "pr0xy-S3CRET-pw";

// Options for a client of the server at `server_url` through `proxy`, with
// credentials for it.
knobs::client_options through(const knobs::local::server& proxy, const std::string& server_url,
                              int max_retries) {
  knobs::client_options o;
  o.base_url = server_url;
  o.api_key = secret_key;
  o.on_warning = nullptr;
  o.max_retries = max_retries;
  o.proxy = "http://knobs:" + proxy_password + "@127.0.0.1:" + std::to_string(proxy.port());
  return o;
}

void check_no_proxy_secret(const outcome& r) {
  check_no_key(r.info);
  CHECK_FALSE(r.says(proxy_password));
  CHECK(r.info.where.find(proxy_password) == std::string::npos);
}

} // namespace

TEST_CASE("a proxy that answers 502 to CONNECT: a connection_error naming it, retried") {
  knobs::local::server proxy([](const received_request&) {
    return response_plan::json(502, "<html>upstream down</html>");
  });
  knobs::client client{through(proxy, "https://127.0.0.1:1/v1", 1)};
  const outcome r = create(client);
  CHECK(r.thrown == "connection_error");
  CHECK(r.info.code == knobs::errc::connection_error);
  CHECK(r.says("the proxy 127.0.0.1:" + std::to_string(proxy.port()) +
               " refused the tunnel to 127.0.0.1:1: 502 Bad Gateway"));
  CHECK(r.info.retries == 1);
  CHECK(r.took >= 375ms); // one backoff
  CHECK(r.took < 2s);
  CHECK(client.async().open_connections() == 0);
  const auto requests = proxy.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].method == "CONNECT");
  CHECK(requests[0].target == "127.0.0.1:1");
  CHECK(requests[0].header("host") == "127.0.0.1:1");
  CHECK(requests[0].header("proxy-authorization") ==
        "Basic " + knobs::detail::base64("knobs:" + proxy_password));
  CHECK_FALSE(requests[0].header("authorization")); // the key is for the server only
  check_no_proxy_secret(r);
}

TEST_CASE("a proxy that refuses CONNECT with 403: a connection_error, not retried") {
  knobs::local::server proxy(
      [](const received_request&) { return response_plan::json(403, "forbidden port"); });
  knobs::client client{through(proxy, "https://127.0.0.1:1/v1", 2)};
  const outcome r = create(client);
  CHECK(r.thrown == "connection_error");
  CHECK(r.says("refused the tunnel to 127.0.0.1:1: 403 Forbidden"));
  CHECK(r.info.retries == 0);
  CHECK(proxy.requests().size() == 1);
}

TEST_CASE("a proxy that resets the tunnel: a connection_error naming it, retried") {
  bool rst = true;
  SUBCASE("with a TCP reset") { rst = true; }
  SUBCASE("with an orderly close") { rst = false; }
  knobs::local::server proxy([&](const received_request&) {
    response_plan plan;
    plan.close_without_response = true;
    plan.reset = rst;
    return plan;
  });
  knobs::client client{through(proxy, "https://127.0.0.1:1/v1", 1)};
  const outcome r = create(client);
  CHECK(r.thrown == "connection_error");
  CHECK(r.says("the connection to 127.0.0.1:1 through the proxy 127.0.0.1:" +
               std::to_string(proxy.port()) + " failed"));
  CHECK(r.says(rst ? "reset by peer" : "end of stream"));
  CHECK(r.info.retries == 1);
  CHECK(proxy.requests().size() == 2);
  CHECK(client.async().open_connections() == 0);
  check_no_proxy_secret(r);
}

TEST_CASE("a proxy that answers 407: a proxy_authentication_error, never retried") {
  knobs::local::server proxy([](const received_request&) {
    return response_plan::json(407, "").with_header("Proxy-Authenticate", "Basic realm=\"x\"");
  });
  const std::string authority = "127.0.0.1:" + std::to_string(proxy.port());
  for (const char* server_url : {"https://127.0.0.1:1/v1", "http://127.0.0.1:1/v1"}) {
    CAPTURE(server_url);
    const std::size_t before = proxy.requests().size();
    knobs::client client{through(proxy, server_url, 2)};
    const outcome r = create(client);
    CHECK(r.thrown == "proxy_authentication_error");
    CHECK(r.info.code == knobs::errc::proxy_authentication);
    CHECK(r.info.where == "proxy");
    CHECK(r.says("the proxy " + authority +
                 " refused the credentials in client_options::proxy (407 Proxy Authentication "
                 "Required): proxy authentication failed"));
    CHECK(r.info.retries == 0);
    CHECK(r.took < 1s);
    check_no_proxy_secret(r);
    const auto requests = proxy.requests();
    REQUIRE(requests.size() == before + 1);
    if (std::string_view(server_url).substr(0, 5) == "https") {
      CHECK(requests.back().method == "CONNECT");
    } else {
      // An http server: the request itself, in absolute form, with the credentials.
      CHECK(requests.back().method == "POST");
      CHECK(requests.back().target == "http://127.0.0.1:1/v1/chat/completions");
      CHECK(requests.back().header("host") == "127.0.0.1:1");
      CHECK(requests.back().header("proxy-authorization") ==
            "Basic " + knobs::detail::base64("knobs:" + proxy_password));
    }
  }
  // Without credentials: the message says the proxy wants some.
  knobs::client_options o = through(proxy, "https://127.0.0.1:1/v1", 2);
  o.proxy = "http://" + authority;
  knobs::client client{o};
  const outcome r = create(client);
  CHECK(r.thrown == "proxy_authentication_error");
  CHECK(r.says("the proxy " + authority +
               " requires authentication (407 Proxy Authentication Required)"));
  CHECK_FALSE(proxy.requests().back().header("proxy-authorization"));
}

TEST_CASE("a proxy that echoes its credentials in its refusal: they are redacted") {
  const std::string basic = knobs::detail::base64("knobs:" + proxy_password);
  knobs::local::server proxy([&](const received_request&) {
    response_plan plan;
    plan.raw = "HTTP/1.1 502 no " + proxy_password + " or " + basic + "\r\n\r\n";
    return plan;
  });
  knobs::client client{through(proxy, "https://127.0.0.1:1/v1", 0)};
  const outcome r = create(client);
  CHECK(r.thrown == "connection_error");
  CHECK(r.says("502 no [redacted] or [redacted]"));
  check_no_proxy_secret(r);
  CHECK_FALSE(r.says(basic));
}

// ---------------------------------------------------------------------------
// 429 storms

TEST_CASE("429 storm: a rate_limit_error after max_retries + 1 attempts") {
  std::atomic<int> calls{0};
  knobs::local::server server;
  // The handler is set in each case: set_handler() hands it to the server's
  // thread safely.
  auto storm = [&](std::string retry_after_name, std::string retry_after_value) {
    server.set_handler([&calls, retry_after_name, retry_after_value](const received_request&) {
      ++calls;
      response_plan plan = response_plan::api_error(429, "slow down", "rate_limit_error",
                                                    std::nullopt, "rate_limit_exceeded");
      if (!retry_after_name.empty())
        plan.with_header(retry_after_name, retry_after_value);
      return plan;
    });
  };
  auto check_storm = [&](const outcome& r, int retries) {
    CHECK(r.thrown == "rate_limit_error");
    CHECK(r.info.api->status == 429);
    CHECK(r.info.api->code == "rate_limit_exceeded");
    CHECK(r.says("429"));
    CHECK(r.says("slow down"));
    CHECK(r.info.retries == retries);
    CHECK(calls == retries + 1);
  };

  SUBCASE("without Retry-After: exponential backoff") {
    storm("", "");
    knobs::client client{options_for(server, 1)};
    const outcome r = create(client);
    check_storm(r, 1);
    CHECK(r.took >= 375ms);
    CHECK(r.took < 1500ms);
  }
  SUBCASE("with retry-after-ms: that wait, each time") {
    storm("retry-after-ms", "50");
    knobs::client client{options_for(server, 3)};
    const outcome r = create(client);
    check_storm(r, 3);
    CHECK(r.took >= 150ms);
    CHECK(r.took < 1500ms);
  }
  SUBCASE("a Retry-After of an hour is not honoured: backoff instead") {
    storm("Retry-After", "3600");
    knobs::client client{options_for(server, 1)}; // max_retry_after: 60 s, the default
    const outcome r = create(client);
    check_storm(r, 1);
    CHECK(r.took < 1500ms);
  }
  SUBCASE("a Retry-After above max_retry_after is not honoured: backoff instead") {
    storm("Retry-After", "2");
    auto o = options_for(server, 1);
    o.max_retry_after = 100ms;
    knobs::client client{o};
    const outcome r = create(client);
    check_storm(r, 1);
    CHECK(r.took >= 375ms);
    CHECK(r.took < 1500ms);
  }
  SUBCASE("stream: retried before the stream opens, then the same error") {
    storm("retry-after-ms", "20");
    knobs::client client{options_for(server, 2)};
    const outcome r = stream(client);
    check_storm(r, 2);
    CHECK(r.chunks == 0);
    CHECK(r.took < 1500ms);
  }
}

TEST_CASE("429 storm: 32 concurrent async requests all complete with a rate_limit_error") {
  knobs::local::server server([&](const received_request&) {
    return response_plan::api_error(429, "slow down", "rate_limit_error")
        .with_header("retry-after-ms", "10");
  });
  const auto outcomes = concurrent_creates(options_for(server, 2), 32);
  for (const outcome& r : outcomes) {
    CHECK(r.thrown == "rate_limit_error");
    CHECK(r.info.retries == 2);
    CHECK(r.took < 3s);
  }
  CHECK(server.requests().size() == 32 * 3);
}

// ---------------------------------------------------------------------------
// 5xx storms

namespace {

// 500, 502 (as a proxy sends it: HTML), 503, 504, 500, ...
response_plan five_hundreds(int call) {
  static const int statuses[] = {500, 502, 503, 504};
  const int status = statuses[call % 4];
  if (status == 502) {
    response_plan plan = response_plan::json(502, "<html><body>Bad Gateway</body></html>");
    plan.content_type = "text/html";
    return plan;
  }
  return response_plan::api_error(status, "upstream trouble " + std::to_string(status),
                                  "server_error");
}

} // namespace

TEST_CASE("5xx storm: an internal_server_error after max_retries + 1 attempts") {
  std::atomic<int> calls{0};
  knobs::local::server server([&](const received_request&) { return five_hundreds(calls++); });
  auto with_retry_after = [&] {
    server.set_handler([&](const received_request&) {
      return five_hundreds(calls++).with_header("retry-after-ms", "20");
    });
  };

  SUBCASE("without Retry-After: exponential backoff") {
    knobs::client client{options_for(server, 1)};
    const outcome r = create(client);
    CHECK(r.thrown == "internal_server_error");
    CHECK(r.info.api->status == 502); // the last answer
    CHECK(r.says("Bad Gateway"));     // a body that is not an API error is quoted
    CHECK(r.info.retries == 1);
    CHECK(calls == 2);
    CHECK(r.took >= 375ms);
    CHECK(r.took < 1500ms);
  }
  SUBCASE("with retry-after-ms: every status of the mix, retried") {
    with_retry_after();
    knobs::client client{options_for(server, 3)};
    const outcome r = create(client);
    CHECK(r.thrown == "internal_server_error");
    CHECK(r.info.api->status == 504);
    CHECK(r.says("504"));
    CHECK(r.says("upstream trouble 504"));
    CHECK(r.info.retries == 3);
    CHECK(calls == 4);
    CHECK(r.took < 1500ms);
  }
  SUBCASE("stream: retried before the stream opens, then the same error") {
    with_retry_after();
    knobs::client client{options_for(server, 2)};
    const outcome r = stream(client);
    CHECK(r.thrown == "internal_server_error");
    CHECK(r.info.api->status == 503);
    CHECK(r.info.retries == 2);
    CHECK(calls == 3);
    CHECK(r.took < 1500ms);
  }
}

TEST_CASE("5xx storm: 32 concurrent async requests all complete with an internal_server_error") {
  std::atomic<int> calls{0};
  knobs::local::server server([&](const received_request&) {
    return five_hundreds(calls++).with_header("retry-after-ms", "10");
  });
  const auto outcomes = concurrent_creates(options_for(server, 2), 32);
  std::set<int> statuses;
  for (const outcome& r : outcomes) {
    CHECK(r.thrown == "internal_server_error");
    CHECK(r.info.retries == 2);
    CHECK(r.took < 3s);
    if (r.info.api)
      statuses.insert(r.info.api->status);
  }
  CHECK(statuses == std::set<int>{500, 502, 503, 504});
  CHECK(server.requests().size() == 32 * 3);
}

// ---------------------------------------------------------------------------
// malformed JSON

TEST_CASE("malformed JSON in a 200 is a parse_error that quotes it, not retried") {
  struct sample {
    const char* body;
    const char* says;
  };
  for (const sample& s : {sample{R"({"choices": [ oops)", "oops"}, sample{"", "body is empty"},
                          sample{"<html>hello</html>", "body is not JSON"},
                          sample{"[1,2,3]", "expected a JSON object, got array"}}) {
    CAPTURE(s.body);
    knobs::local::server server(
        [&](const received_request&) { return response_plan::json(200, s.body); });
    knobs::client client{options_for(server, 2)};
    const outcome r = create(client);
    CHECK(r.thrown == "parse_error");
    CHECK(r.info.code == knobs::errc::invalid_response);
    CHECK(r.says(s.says));
    CHECK(r.says("the 200 response from 127.0.0.1:"));
    CHECK(r.says("(Content-Type application/json) is not a chat completion: "));
    // The body's start is quoted once, whichever message quoted it.
    const std::string body(s.body);
    if (!body.empty()) {
      const std::size_t first = r.info.message.find(body);
      REQUIRE(first != std::string::npos);
      CHECK(r.info.message.find(body, first + 1) == std::string::npos);
    }
    CHECK(r.info.retries == 0);
    CHECK(server.requests().size() == 1);
    CHECK(r.took < 1s);
  }
}

TEST_CASE("an HTML page in a 200 is a parse_error that names its Content-Type, quoted once") {
  const std::string page = "<html><body>Service moved</body></html>";
  knobs::local::server server([&](const received_request&) {
    response_plan plan = response_plan::json(200, page);
    plan.content_type = "text/html; charset=utf-8";
    return plan;
  });
  knobs::client client{options_for(server, 2)};
  const outcome r = create(client);
  CHECK(r.thrown == "parse_error");
  CHECK(r.says("(Content-Type text/html; charset=utf-8) is not a chat completion: body is not "
               "JSON"));
  const std::size_t first = r.info.message.find(page);
  REQUIRE(first != std::string::npos);
  CHECK(r.info.message.find(page, first + 1) == std::string::npos);
  CHECK(r.info.retries == 0);
}

TEST_CASE("malformed JSON in a stream's event is a parse_error after the chunks before it") {
  knobs::local::server server([&](const received_request&) {
    return response_plan::event_stream(
        {sse_event(text_chunk("fine")), sse_event(R"({"choices": [ oops)"), sse_event("[DONE]")});
  });
  knobs::client client{options_for(server, 2)};
  const outcome r = stream(client);
  CHECK(r.thrown == "parse_error");
  CHECK(r.says("stream event 2"));
  CHECK(r.says("oops"));
  CHECK(r.chunks == 1);
  CHECK(server.requests().size() == 1);
  CHECK(client.async().open_connections() == 0);
}

// ---------------------------------------------------------------------------
// valid JSON of the wrong shape

TEST_CASE("valid JSON of the wrong shape is a parse_error that names the JSON path") {
  struct sample {
    const char* body;
    const char* where;
  };
  for (const sample& s :
       {sample{R"({"object":"chat.completion","choices":[{"index":0,"message":{"content":5}}]})",
               "choices[0].message.content"},
        sample{R"({"object":"chat.completion","choices":{"index":0}})", "choices"}}) {
    CAPTURE(s.body);
    knobs::local::server server(
        [&](const received_request&) { return response_plan::json(200, s.body); });
    knobs::client client{options_for(server, 2)};
    const outcome r = create(client);
    CHECK(r.thrown == "parse_error");
    CHECK(r.info.where == s.where);
    CHECK(r.says(s.where));
    CHECK(server.requests().size() == 1);
  }
}

TEST_CASE("a stream chunk of the wrong shape is a parse_error that names the JSON path") {
  knobs::local::server server([&](const received_request&) {
    return response_plan::event_stream(
        {sse_event(text_chunk("fine")),
         sse_event(
             R"({"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":5}}]})"),
         sse_event("[DONE]")});
  });
  knobs::client client{options_for(server, 2)};
  const outcome r = stream(client);
  CHECK(r.thrown == "parse_error");
  CHECK(r.info.where == "choices[0].delta.content");
  CHECK(r.says("choices[0].delta.content"));
  CHECK(r.chunks == 1);
  CHECK(server.requests().size() == 1);
}

// ---------------------------------------------------------------------------
// a server (or a proxy) that echoes the API key in whatever it sends back

namespace {

// The key as the server received it, from the Authorization header.
std::string echoed_key(const received_request& r) {
  const std::string auth = r.header("authorization").value_or("");
  REQUIRE(auth == "Bearer " + secret_key);
  return auth.substr(7);
}

// Some text of the failure shows where the key was: the server did echo it.
bool shows_redaction(const knobs::error_info& e) {
  auto in = [](const std::string& text) { return text.find("[redacted]") != std::string::npos; };
  if (in(e.message) || in(e.where))
    return true;
  return e.api &&
         (in(e.api->message) || in(e.api->type.value_or("")) || in(e.api->param.value_or("")) ||
          in(e.api->code.value_or("")) || in(e.api->request_id));
}

// Runs a create, and a stream unless `stream_too` is false, against a server
// that answers with `plan(key)`, and checks that each failure is `expected`
// and that no field of it quotes the key.
template <class Plan>
void check_echo_redacted(Plan plan, const char* expected, bool stream_too = true) {
  knobs::local::server server(
      [plan](const received_request& r) -> response_plan { return plan(echoed_key(r)); });
  knobs::client client{options_for(server, 0)};
  const outcome created = create(client);
  CHECK(created.thrown == expected);
  CHECK(shows_redaction(created.info));
  check_no_key(created.info);
  if (stream_too) {
    const outcome streamed = stream(client);
    CHECK(streamed.thrown == expected);
    CHECK(shows_redaction(streamed.info));
    check_no_key(streamed.info);
  }
}

std::string error_object(const std::string& message, const std::string& type,
                         const std::string& param, const std::string& code) {
  return knobs::local::api_error_body(message, type, param, code);
}

} // namespace

TEST_CASE("a server that echoes the key in an error's fields: every field is redacted") {
  const std::string m = "bad request", t = "invalid_request_error", p = "temperature",
                    c = "bad_value";
  SUBCASE("message") {
    check_echo_redacted(
        [&](const std::string& key) {
          return response_plan::json(400, error_object("key " + key + " refused", t, p, c));
        },
        "bad_request_error");
  }
  SUBCASE("type") {
    check_echo_redacted(
        [&](const std::string& key) {
          return response_plan::json(400, error_object(m, "type-" + key, p, c));
        },
        "bad_request_error");
  }
  SUBCASE("param, which is also the error's where") {
    check_echo_redacted(
        [&](const std::string& key) {
          return response_plan::json(400, error_object(m, t, "param-" + key, c));
        },
        "bad_request_error");
  }
  SUBCASE("code") {
    check_echo_redacted(
        [&](const std::string& key) {
          return response_plan::json(400, error_object(m, t, p, "code-" + key));
        },
        "bad_request_error");
  }
  SUBCASE("the x-request-id header") {
    check_echo_redacted(
        [&](const std::string& key) {
          return response_plan::json(400, error_object(m, t, p, c))
              .with_header("x-request-id", "req-" + key);
        },
        "bad_request_error");
  }
  SUBCASE("an error body that is not JSON, quoted in the message") {
    check_echo_redacted(
        [&](const std::string& key) {
          response_plan plan = response_plan::json(502, "<html>proxy error for " + key + "</html>");
          plan.content_type = "text/html";
          return plan;
        },
        "internal_server_error");
  }
}

TEST_CASE("a server that echoes the key in a body that does not parse: the snippet is redacted") {
  SUBCASE("a 200 whose JSON breaks off") {
    check_echo_redacted(
        [](const std::string& key) {
          return response_plan::json(200, R"({"id":")" + key + R"(","object":"chat.compl)");
        },
        "parse_error", false);
  }
  SUBCASE("a 200 of the wrong shape") {
    check_echo_redacted(
        [](const std::string& key) {
          return response_plan::json(200, R"({"id":")" + key + R"(","choices":7})");
        },
        "parse_error", false);
  }
  SUBCASE("a stream event that is not JSON") {
    knobs::local::server server([](const received_request& r) {
      return response_plan::event_stream(
          {knobs::local::sse_event(text_chunk("one ")),
           knobs::local::sse_event("{\"broken\": \"" + echoed_key(r))});
    });
    knobs::client client{options_for(server, 0)};
    const outcome r = stream(client);
    CHECK(r.thrown == "parse_error");
    CHECK(r.chunks == 1);
    CHECK(r.says("[redacted]"));
    check_no_key(r.info);
  }
}

TEST_CASE("a server that echoes the key in a stream's error event: every field is redacted") {
  auto run_case = [](const std::string& which) {
    knobs::local::server server([which](const received_request& r) {
      const std::string key = echoed_key(r);
      auto with = [&](const std::string& name, const std::string& normal) {
        return name == which ? name + "-" + key : normal;
      };
      const std::string body =
          error_object(with("message", "overloaded"), with("type", "server_error"),
                       with("param", "model"), with("code", "busy"));
      return response_plan::event_stream(
          {knobs::local::sse_event(text_chunk("one ")), knobs::local::sse_event(body)});
    });
    knobs::client client{options_for(server, 0)};
    const outcome r = stream(client);
    CHECK(r.thrown == "api_error");
    CHECK(r.chunks == 1);
    REQUIRE(r.info.api);
    const knobs::api_error_info& api = *r.info.api;
    const std::string shown = which == "message" ? api.message
                              : which == "type"  ? api.type.value_or("")
                              : which == "param" ? api.param.value_or("")
                                                 : api.code.value_or("");
    CHECK(shown == which + "-[redacted]");
    check_no_key(r.info);
  };
  SUBCASE("message") { run_case("message"); }
  SUBCASE("type") { run_case("type"); }
  SUBCASE("param") { run_case("param"); }
  SUBCASE("code") { run_case("code"); }
}
