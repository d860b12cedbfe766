#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#if defined(__linux__)
#include <filesystem>
#endif
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using knobs::local::received_request;
using knobs::local::response_plan;
using knobs::local::server;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

std::chrono::milliseconds since(steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
}

// A bare HTTP/1.1 client on one connection, written against Beast directly so
// that it sees exactly what the server sent. Writes block; every read has a
// timeout, which Beast only applies to asynchronous operations, so each read
// runs the client's own io_context until the read completes.
class raw_client {
public:
  explicit raw_client(const tcp::endpoint& endpoint) : stream_(ioc_) { stream_.connect(endpoint); }

  void send(http::request<http::string_body> request) {
    request.prepare_payload();
    http::write(stream_, request);
  }

  void send_raw(const std::string& bytes) { net::write(stream_.socket(), net::buffer(bytes)); }

  // Reads one response into `parser`; returns what ended the read.
  beast::error_code receive(http::response_parser<http::string_body>& parser,
                            std::chrono::milliseconds timeout = 2s) {
    return run(timeout, [&](auto handler) { http::async_read(stream_, buffer_, parser, handler); });
  }

  std::pair<beast::error_code, http::response<http::string_body>>
  receive(std::chrono::milliseconds timeout = 2s) {
    http::response_parser<http::string_body> parser;
    const beast::error_code ec = receive(parser, timeout);
    return {ec, parser.release()};
  }

  // Every byte until the connection ends, and the error that ended it
  // (net::error::eof when the server closed it cleanly).
  std::pair<beast::error_code, std::string>
  receive_until_closed(std::chrono::milliseconds timeout = 2s) {
    std::string bytes = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    std::array<char, 4096> chunk{};
    for (;;) {
      std::size_t n = 0;
      const beast::error_code ec = run(timeout, [&](auto handler) {
        stream_.async_read_some(net::buffer(chunk),
                                [&n, handler](beast::error_code e, std::size_t size) mutable {
                                  n = size;
                                  handler(e, size);
                                });
      });
      bytes.append(chunk.data(), n);
      if (ec)
        return {ec, bytes};
    }
  }

  http::response<http::string_body> roundtrip(http::request<http::string_body> request) {
    send(std::move(request));
    http::response_parser<http::string_body> parser;
    const beast::error_code ec = receive(parser);
    REQUIRE_MESSAGE(!ec, ec.message());
    return parser.release();
  }

private:
  template <class Start> beast::error_code run(std::chrono::milliseconds timeout, Start start) {
    beast::error_code result = net::error::would_block;
    stream_.expires_after(timeout);
    start([&result](beast::error_code ec, std::size_t) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

http::request<http::string_body> post(const std::string& target, std::string body = "{}") {
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::content_type, "application/json");
  request.body() = std::move(body);
  return request;
}

response_plan echo(const received_request& request) {
  return response_plan::json(200, request.body);
}

// Polls until `done()` or two seconds have passed; returns done().
template <class Predicate> bool eventually(Predicate done) {
  const auto start = steady::now();
  while (!done() && since(start) < 2s)
    std::this_thread::sleep_for(2ms);
  return done();
}

#if defined(__linux__)
// The process's open file descriptors: a connection the server has really
// let go of has closed its socket.
std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++n;
  return n;
}
#endif

} // namespace

TEST_CASE("a handler's status, headers and body reach the client") {
  server s{[](const received_request&) {
    return response_plan::json(429, R"({"error":"slow down"})")
        .with_header("Retry-After", "2")
        .with_header("retry-after-ms", "1500")
        .with_header("x-request-id", "req_42")
        .with_header("x-should-retry", "true");
  }};
  raw_client client{s.endpoint()};
  const auto response = client.roundtrip(post("/v1/chat/completions"));
  CHECK(response.result_int() == 429);
  CHECK(response.body() == R"({"error":"slow down"})");
  CHECK(response[http::field::content_type] == "application/json");
  CHECK(response[http::field::content_length] == "21");
  CHECK(response["Retry-After"] == "2");
  CHECK(response["retry-after-ms"] == "1500");
  CHECK(response["x-request-id"] == "req_42");
  CHECK(response["x-should-retry"] == "true");
  CHECK(response.keep_alive());
}

TEST_CASE("a plan's header replaces the server's own field of that name") {
  server s{[](const received_request&) {
    response_plan plan = response_plan::json(200, "data");
    plan.with_header("content-type", "text/plain").with_header("Set-Cookie", "a=1");
    plan.with_header("Set-Cookie", "b=2");
    return plan;
  }};
  raw_client client{s.endpoint()};
  const auto response = client.roundtrip(post("/"));
  CHECK(response[http::field::content_type] == "text/plain");
  CHECK(response.count(http::field::content_type) == 1);
  CHECK(response.count(http::field::set_cookie) == 2);
}

TEST_CASE("base_url names 127.0.0.1 and the port the server listens on") {
  server s;
  CHECK(s.port() != 0);
  CHECK(s.endpoint().address() == net::ip::address(net::ip::address_v4::loopback()));
  CHECK(s.endpoint().port() == s.port());
  CHECK_FALSE(s.tls());
  CHECK(s.base_url() == "http://127.0.0.1:" + std::to_string(s.port()) + "/v1");
}

TEST_CASE("the server listens on [::1] when asked for IPv6") {
  knobs::local::server_options options;
  options.ipv6 = true;
  server s{echo, options};
  CHECK(s.endpoint().address() == net::ip::address(net::ip::address_v6::loopback()));
  CHECK(s.base_url() == "http://[::1]:" + std::to_string(s.port()) + "/v1");
  raw_client client{s.endpoint()};
  CHECK(client.roundtrip(post("/v1/chat/completions", "over six")).body() == "over six");
}

TEST_CASE("a port already in use is reported when the server is made") {
  server first;
  knobs::local::server_options options;
  options.port = first.port();
  CHECK_THROWS_AS(server(echo, options), boost::system::system_error);
}

TEST_CASE("a server without a handler answers 404 with an API error") {
  server s;
  raw_client client{s.endpoint()};
  const auto response = client.roundtrip(post("/v1/models"));
  CHECK(response.result_int() == 404);
  const auto body = boost::json::parse(response.body());
  CHECK(body.at("error").at("type").as_string() == "invalid_request_error");
}

TEST_CASE("a hundred sequential requests share one keep-alive connection") {
  server s{echo};
  raw_client client{s.endpoint()};
  for (int i = 0; i < 100; ++i)
    REQUIRE(client.roundtrip(post("/v1/chat/completions", std::to_string(i))).body() ==
            std::to_string(i));
  CHECK(s.connections_accepted() == 1);
  const auto requests = s.requests();
  REQUIRE(requests.size() == 100);
  CHECK(std::all_of(requests.begin(), requests.end(),
                    [](const received_request& r) { return r.connection == 1; }));
  CHECK(requests[99].body == "99");
}

TEST_CASE("requests() records each request's method, target, headers, body and connection") {
  server s{echo};
  {
    raw_client first{s.endpoint()};
    auto request = post("/v1/chat/completions", R"({"model":"m"})");
    request.set(http::field::authorization, "Bearer sk-test");
    request.set("X-Stainless-Retry-Count", "0");
    first.roundtrip(std::move(request));
  }
  raw_client second{s.endpoint()};
  http::request<http::string_body> get{http::verb::get, "/v1/models", 11};
  get.set(http::field::host, "127.0.0.1");
  second.roundtrip(std::move(get));

  CHECK(s.connections_accepted() == 2);
  const auto requests = s.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].target == "/v1/chat/completions");
  CHECK(requests[0].body == R"({"model":"m"})");
  CHECK(requests[0].header("authorization") == "Bearer sk-test");
  CHECK(requests[0].header("x-stainless-retry-count") == "0");
  CHECK(requests[0].header("content-type") == "application/json");
  CHECK(requests[0].connection == 1);
  CHECK(requests[1].method == "GET");
  CHECK(requests[1].target == "/v1/models");
  CHECK(requests[1].body.empty());
  CHECK(requests[1].connection == 2);
}

TEST_CASE("set_handler() decides the answers to later requests") {
  server s{echo};
  raw_client client{s.endpoint()};
  CHECK(client.roundtrip(post("/", "first")).body() == "first");
  s.set_handler([](const received_request&) { return response_plan::json(503, "later"); });
  const auto response = client.roundtrip(post("/", "second"));
  CHECK(response.result_int() == 503);
  CHECK(response.body() == "later");
}

TEST_CASE("a delay holds the response back") {
  server s{[](const received_request& r) {
    response_plan plan = echo(r);
    plan.delay = 150ms;
    return plan;
  }};
  raw_client client{s.endpoint()};
  const auto start = steady::now();
  CHECK(client.roundtrip(post("/", "late")).body() == "late");
  CHECK(since(start) >= 150ms);
}

TEST_CASE("a delay on one connection does not hold up the others") {
  server s{[](const received_request& r) {
    response_plan plan = echo(r);
    plan.delay = 100ms;
    return plan;
  }};
  std::vector<std::unique_ptr<raw_client>> clients;
  for (int i = 0; i < 4; ++i)
    clients.push_back(std::make_unique<raw_client>(s.endpoint()));
  const auto start = steady::now();
  for (auto& client : clients)
    client->send(post("/", "x"));
  for (auto& client : clients) {
    auto [ec, response] = client->receive();
    CHECK_FALSE(ec);
    CHECK(response.body() == "x");
  }
  const auto elapsed = since(start);
  CHECK(elapsed >= 100ms);
  CHECK(elapsed < 300ms); // one after another would take 400 ms
}

TEST_CASE("close_without_response reads the request and closes without a byte of answer") {
  server s{[](const received_request&) {
    response_plan plan;
    plan.close_without_response = true;
    return plan;
  }};
  {
    raw_client client{s.endpoint()};
    client.send(post("/v1/chat/completions", "lost"));
    auto [ec, bytes] = client.receive_until_closed();
    CHECK(ec == net::error::eof);
    CHECK(bytes.empty());
  }
  raw_client client{s.endpoint()};
  client.send(post("/v1/chat/completions", "lost too"));
  CHECK(client.receive().first == http::error::end_of_stream);

  const auto requests = s.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].body == "lost");
  CHECK(requests[1].body == "lost too");
}

TEST_CASE("close_after_bytes sends exactly a prefix of the response, then closes") {
  const std::string body = R"({"choices":[{"text":"0123456789"}]})";
  server s{[&body](const received_request& r) {
    response_plan plan = response_plan::json(200, body);
    plan.with_header("x-request-id", "req_cut");
    plan.close_after_bytes = std::stoul(r.target.substr(1));
    return plan;
  }};

  // A budget larger than the response sends all of it, then closes.
  std::string whole;
  {
    raw_client client{s.endpoint()};
    client.send(post("/100000"));
    auto [ec, response] = client.receive();
    REQUIRE_FALSE(ec);
    CHECK(response.body() == body);
    CHECK(response.keep_alive()); // the close is a fault, so it is not announced
    CHECK(client.receive_until_closed().first == net::error::eof);
  }
  {
    raw_client client{s.endpoint()};
    client.send(post("/100000"));
    auto [ec, bytes] = client.receive_until_closed();
    REQUIRE(ec == net::error::eof);
    whole = bytes;
  }
  const std::size_t head_size = whole.find("\r\n\r\n") + 4;
  REQUIRE(head_size > 4);
  REQUIRE(whole.size() == head_size + body.size());

  for (std::size_t cut : {std::size_t(0), std::size_t(12), head_size - 3, head_size + 7,
                          whole.size() - 1, whole.size()}) {
    CAPTURE(cut);
    raw_client raw{s.endpoint()};
    raw.send(post("/" + std::to_string(cut)));
    auto [ec, bytes] = raw.receive_until_closed();
    CHECK(ec == net::error::eof);
    CHECK(bytes == whole.substr(0, cut));
  }

  for (std::size_t cut : {std::size_t(12), head_size + 7}) { // mid-head, mid-body
    CAPTURE(cut);
    raw_client client{s.endpoint()};
    client.send(post("/" + std::to_string(cut)));
    CHECK(client.receive().first == http::error::partial_message);
  }
}

TEST_CASE("a Content-Length longer than the body ends in a partial message") {
  server s{[](const received_request&) {
    response_plan plan = response_plan::json(200, "short");
    plan.content_length = 15;
    return plan;
  }};
  {
    raw_client raw{s.endpoint()};
    raw.send(post("/"));
    auto [ec, bytes] = raw.receive_until_closed();
    CHECK(ec == net::error::eof);
    CHECK(bytes.find("Content-Length: 15\r\n") != std::string::npos);
    CHECK(bytes.substr(bytes.size() - 9) == "\r\n\r\nshort");
  }
  raw_client client{s.endpoint()};
  client.send(post("/"));
  CHECK(client.receive().first == http::error::partial_message);
}

namespace {

// What a client saw of a chunked body: each chunk, when it was complete.
struct chunk_log {
  std::vector<std::string> chunks;
  std::vector<steady::time_point> times;

  void attach(http::response_parser<http::string_body>& parser) {
    chunk_callback_ = [this](std::uint64_t remain, beast::string_view body,
                             beast::error_code&) -> std::size_t {
      if (!in_chunk_) {
        chunks.emplace_back();
        in_chunk_ = true;
      }
      chunks.back().append(body.data(), body.size());
      if (remain == body.size()) {
        times.push_back(steady::now());
        in_chunk_ = false;
      }
      return body.size();
    };
    parser.on_chunk_body(chunk_callback_);
  }

private:
  std::function<std::size_t(std::uint64_t, beast::string_view, beast::error_code&)> chunk_callback_;
  bool in_chunk_ = false;
};

const std::vector<std::string> three_events = {
    knobs::local::sse_event(R"({"choices":[{"delta":{"content":"Hel"}}]})"),
    knobs::local::sse_event(R"({"choices":[{"delta":{"content":"lo"}}]})"),
    knobs::local::sse_event("[DONE]")};

} // namespace

TEST_CASE("parts arrive as the chunks of a chunked body, in order, part_delay apart") {
  server s{[](const received_request& r) {
    if (r.target == "/again")
      return echo(r);
    return response_plan::event_stream(three_events, 60ms);
  }};
  raw_client client{s.endpoint()};
  client.send(post("/v1/chat/completions", R"({"stream":true})"));
  http::response_parser<http::string_body> parser;
  chunk_log log;
  log.attach(parser);
  REQUIRE_FALSE(client.receive(parser));
  CHECK(parser.chunked());
  CHECK(parser.get()[http::field::content_type] == "text/event-stream");
  CHECK(parser.get()[http::field::transfer_encoding] == "chunked");
  CHECK(log.chunks == three_events);
  REQUIRE(log.times.size() == 3);
  CHECK(log.times[2] - log.times[0] >= 100ms); // two waits of 60 ms

  // The stream ended properly, so the connection carries the next request.
  CHECK(client.roundtrip(post("/again", "next")).body() == "next");
  CHECK(s.connections_accepted() == 1);
}

TEST_CASE("an empty part sends nothing, and does not end the body early") {
  server s{[](const received_request&) { return response_plan::event_stream({"a", "", "b"}); }};
  raw_client client{s.endpoint()};
  client.send(post("/"));
  auto [ec, response] = client.receive();
  REQUIRE_FALSE(ec);
  CHECK(response.body() == "ab");
}

TEST_CASE("close_after_parts ends the stream before its final chunk") {
  server s{[](const received_request& r) {
    response_plan plan = response_plan::event_stream(three_events);
    plan.close_after_parts = std::stoul(r.target.substr(1));
    return plan;
  }};
  for (std::size_t k : {std::size_t(0), std::size_t(2), std::size_t(3)}) {
    CAPTURE(k);
    raw_client client{s.endpoint()};
    client.send(post("/" + std::to_string(k)));
    http::response_parser<http::string_body> parser;
    chunk_log log;
    log.attach(parser);
    CHECK(client.receive(parser) == http::error::partial_message);
    CHECK(log.chunks ==
          std::vector<std::string>(three_events.begin(),
                                   three_events.begin() + static_cast<std::ptrdiff_t>(k)));
  }
}

TEST_CASE("stall_after_parts holds the connection open until the server stops") {
  server s{[](const received_request&) {
    response_plan plan = response_plan::event_stream(three_events);
    plan.stall_after_parts = 1;
    return plan;
  }};

  // A client with a short read timeout: the first part arrives, then nothing.
  {
    raw_client client{s.endpoint()};
    client.send(post("/"));
    http::response_parser<http::string_body> parser;
    chunk_log log;
    log.attach(parser);
    const auto start = steady::now();
    CHECK(client.receive(parser, 300ms) == beast::error::timeout);
    CHECK(since(start) >= 300ms);
    CHECK(log.chunks == std::vector<std::string>{three_events[0]});
  }

  // A client that keeps waiting: stop() closes its connection, and promptly.
  raw_client client{s.endpoint()};
  client.send(post("/"));
  REQUIRE(eventually([&] { return s.requests().size() == 2; }));
  std::this_thread::sleep_for(50ms); // let the server send its part and stall
  const auto start = steady::now();
  s.stop();
  CHECK(since(start) < 1s);
  http::response_parser<http::string_body> parser;
  const beast::error_code ec = client.receive(parser, 1s);
  CHECK(ec == http::error::partial_message);
}

TEST_CASE("close_after_response announces Connection: close, then closes") {
  server s{[](const received_request& r) {
    response_plan plan = echo(r);
    plan.close_after_response = true;
    return plan;
  }};
  raw_client client{s.endpoint()};
  const auto response = client.roundtrip(post("/", "bye"));
  CHECK(response.body() == "bye");
  CHECK(response[http::field::connection] == "close");
  CHECK_FALSE(response.keep_alive());
  auto [ec, rest] = client.receive_until_closed();
  CHECK(ec == net::error::eof);
  CHECK(rest.empty());
}

TEST_CASE("a client's Connection: close is honoured") {
  server s{echo};
  raw_client client{s.endpoint()};
  auto request = post("/", "only one");
  request.keep_alive(false);
  const auto response = client.roundtrip(std::move(request));
  CHECK(response.body() == "only one");
  CHECK_FALSE(response.keep_alive());
  CHECK(client.receive_until_closed().first == net::error::eof);
}

TEST_CASE("a handler that throws is answered with a 500 and an OpenAI error body") {
  server s{[](const received_request& r) -> response_plan {
    if (r.target == "/std")
      throw std::runtime_error("the model caught fire");
    if (r.target == "/other")
      throw 42;
    return echo(r);
  }};
  raw_client client{s.endpoint()};

  const auto response = client.roundtrip(post("/std"));
  CHECK(response.result_int() == 500);
  CHECK(response.body() == R"({"error":{"message":"the model caught fire",)"
                           R"("type":"server_error","param":null,"code":null}})");

  const auto other = client.roundtrip(post("/other"));
  CHECK(other.result_int() == 500);
  const auto body = boost::json::parse(other.body());
  CHECK(body.at("error").at("type").as_string() == "server_error");
  CHECK(std::string(body.at("error").at("message").as_string()).find("not a std::exception") !=
        std::string::npos);

  // The connection survives, as it would with a real server.
  CHECK(client.roundtrip(post("/fine", "ok")).body() == "ok");
  CHECK(s.connections_accepted() == 1);
}

TEST_CASE("a plan with an impossible status is answered with a 500") {
  server s{[](const received_request&) { return response_plan::json(1000, "{}"); }};
  raw_client client{s.endpoint()};
  const auto response = client.roundtrip(post("/"));
  CHECK(response.result_int() == 500);
  CHECK(response.body().find("1000") != std::string::npos);
}

TEST_CASE("a malformed request gets a 400 and never reaches the handler") {
  int calls = 0;
  server s{[&calls](const received_request& r) {
    ++calls;
    return echo(r);
  }};
  raw_client client{s.endpoint()};
  client.send_raw("HELLO THERE\r\n\r\n");
  auto [ec, response] = client.receive();
  REQUIRE_FALSE(ec);
  CHECK(response.result_int() == 400);
  CHECK_FALSE(response.keep_alive());
  CHECK(client.receive_until_closed().first == net::error::eof);
  CHECK(s.requests().empty());
  s.stop(); // `calls` is read only after the server's thread is gone
  CHECK(calls == 0);
}

TEST_CASE("idle_timeout closes a keep-alive connection left idle") {
  knobs::local::server_options options;
  options.idle_timeout = 100ms;
  server s{echo, options};
  raw_client client{s.endpoint()};
  CHECK(client.roundtrip(post("/", "a")).body() == "a");
  const auto start = steady::now();
  auto [ec, rest] = client.receive_until_closed();
  CHECK(ec == net::error::eof);
  CHECK(rest.empty());
  CHECK(since(start) >= 50ms);
}

TEST_CASE("stop() is idempotent, refuses new connections, and keeps the record") {
  server s{echo};
  {
    raw_client client{s.endpoint()};
    client.roundtrip(post("/", "kept"));
  }
  s.stop();
  s.stop();
  CHECK_THROWS_AS(raw_client{s.endpoint()}, boost::system::system_error);
  REQUIRE(s.requests().size() == 1);
  CHECK(s.requests()[0].body == "kept");
  CHECK(s.connections_accepted() == 1);
}

TEST_CASE("the destructor closes every open connection and returns promptly") {
  std::optional<server> s;
  s.emplace([](const received_request& r) {
    response_plan plan = echo(r);
    if (r.target == "/slow")
      plan.delay = std::chrono::hours(1);
    return plan;
  });
  const tcp::endpoint endpoint = s->endpoint();

  raw_client idle{endpoint}; // kept alive after a response
  idle.roundtrip(post("/", "done"));
  raw_client waiting{endpoint}; // its answer is an hour away
  waiting.send(post("/slow"));
  raw_client half{endpoint}; // half-way through sending a request
  half.send_raw("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Length: 100\r\n\r\n{\"mo");
  raw_client silent{endpoint}; // connected, nothing sent
  REQUIRE(eventually([&] { return s->requests().size() == 2 && s->connections_accepted() == 4; }));

  const auto start = steady::now();
  s.reset();
  CHECK(since(start) < 1s);

  for (raw_client* client : {&idle, &waiting, &half, &silent}) {
    auto [ec, bytes] = client->receive_until_closed(1s);
    CHECK(ec != beast::error::timeout);
    CHECK(bytes.empty());
  }
}

TEST_CASE("reset closes the connection with a TCP reset, after the bytes it was told to send") {
  server s{[](const received_request& r) {
    response_plan plan = response_plan::json(200, R"({"choices":[]})");
    plan.reset = true;
    if (r.target == "/nothing")
      plan.close_without_response = true;
    else if (r.target == "/cut")
      plan.close_after_bytes = 10;
    return plan;
  }};
  {
    raw_client client{s.endpoint()};
    client.send(post("/nothing"));
    auto [ec, bytes] = client.receive_until_closed();
    CHECK(ec == net::error::connection_reset);
    CHECK(bytes.empty());
  }
  {
    raw_client client{s.endpoint()};
    client.send(post("/cut"));
    auto [ec, bytes] = client.receive_until_closed();
    CHECK(ec == net::error::connection_reset);
    CHECK(bytes == "HTTP/1.1 2");
  }
  // Without another fault the whole response goes out, then the reset.
  raw_client client{s.endpoint()};
  client.send(post("/whole"));
  auto [ec, response] = client.receive();
  REQUIRE_FALSE(ec);
  CHECK(response.body() == R"({"choices":[]})");
  CHECK(client.receive_until_closed().first == net::error::connection_reset);
}

TEST_CASE("repeat sends the body N times under one Content-Length") {
  server s{[](const received_request& r) {
    response_plan plan = response_plan::json(200, "0123456789");
    plan.repeat = std::stoul(r.target.substr(1));
    return plan;
  }};
  raw_client client{s.endpoint()};
  auto response = client.roundtrip(post("/1000"));
  CHECK(response[http::field::content_length] == "10000");
  REQUIRE(response.body().size() == 10000);
  CHECK(response.body().substr(9990) == "0123456789");
  CHECK(response.keep_alive()); // a repeated body is no fault: the connection carries on
  CHECK(client.roundtrip(post("/0")).body().empty());
  CHECK(client.roundtrip(post("/1")).body() == "0123456789");
  CHECK(s.connections_accepted() == 1);
}

TEST_CASE("repeat sends the list of parts N times over as one chunked body") {
  server s{[](const received_request& r) {
    response_plan plan = response_plan::event_stream({"a", "b"});
    plan.repeat = 3;
    if (r.target == "/cut")
      plan.close_after_parts = 5; // counts every part sent
    return plan;
  }};
  raw_client client{s.endpoint()};
  CHECK(client.roundtrip(post("/")).body() == "ababab");

  raw_client cut{s.endpoint()};
  cut.send(post("/cut"));
  http::response_parser<http::string_body> parser;
  chunk_log log;
  log.attach(parser);
  CHECK(cut.receive(parser) == http::error::partial_message);
  CHECK(log.chunks == std::vector<std::string>{"a", "b", "a", "b", "a"});
}

TEST_CASE("a repeated body too large for any Content-Length is answered with a 500") {
  server s{[](const received_request&) {
    response_plan plan = response_plan::json(200, "xx");
    plan.repeat = std::numeric_limits<std::size_t>::max();
    return plan;
  }};
  raw_client client{s.endpoint()};
  const auto response = client.roundtrip(post("/"));
  CHECK(response.result_int() == 500);
  CHECK(response.body().find("larger than any Content-Length") != std::string::npos);
}

TEST_CASE("raw bytes go out exactly as they are, the parts after them unframed, then a close") {
  server s{[](const received_request&) {
    response_plan plan = response_plan::json(404, "ignored");
    plan.raw = "NOT HTTP AT ALL\r\n";
    plan.parts = {"one ", "two"};
    plan.repeat = 2;
    return plan;
  }};
  raw_client client{s.endpoint()};
  client.send(post("/"));
  auto [ec, bytes] = client.receive_until_closed();
  CHECK(ec == net::error::eof);
  CHECK(bytes == "NOT HTTP AT ALL\r\none twoone two");
}

TEST_CASE(
    "raw with stall_after_parts = 0 is a head that goes silent, held until the server stops") {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
  server s{[&head](const received_request&) {
    response_plan plan;
    plan.raw = head;
    plan.stall_after_parts = 0;
    return plan;
  }};
  raw_client client{s.endpoint()};
  client.send(post("/"));
  auto [ec, bytes] = client.receive_until_closed(300ms);
  CHECK(ec == beast::error::timeout);
  CHECK(bytes == head);
  const auto start = steady::now();
  s.stop();
  CHECK(since(start) < 1s);
  CHECK(client.receive_until_closed(1s).first != beast::error::timeout);
}

TEST_CASE("raw with endless parts is a head without end, sent until the client hangs up") {
  server s{[](const received_request&) {
    response_plan plan;
    plan.raw = "HTTP/1.1 200 OK\r\n";
    plan.parts = {"X-Fill: " + std::string(200, 'x') + "\r\n"};
    plan.repeat = std::numeric_limits<std::size_t>::max();
    return plan;
  }};
#if defined(__linux__)
  const std::size_t fds_before = open_fds();
#endif
  {
    raw_client client{s.endpoint()};
    client.send(post("/"));
    http::response_parser<http::string_body> parser; // 8 KiB of head at most
    CHECK(client.receive(parser) == http::error::header_limit);
  }
#if defined(__linux__)
  // The server's side of the connection goes too: no endless writing into a
  // dead socket.
  CHECK(eventually([&] { return open_fds() == fds_before; }));
#endif
  CHECK(s.requests().size() == 1);
}

TEST_CASE("byte_interval sends the response one byte at a time, then closes") {
  server s{[](const received_request&) {
    response_plan plan = response_plan::json(200, R"({"slow":true})");
    plan.byte_interval = 1ms;
    return plan;
  }};
  raw_client client{s.endpoint()};
  client.send(post("/"));
  std::string whole;
  const auto start = steady::now();
  {
    auto [ec, bytes] = client.receive_until_closed(2s);
    CHECK(ec == net::error::eof);
    whole = bytes;
  }
  CHECK(since(start) >= std::chrono::milliseconds(whole.size() - 1));
  CHECK(whole.find("Content-Length: 13\r\n") != std::string::npos);
  CHECK(whole.substr(whole.size() - 13) == R"({"slow":true})");
}

TEST_CASE("a dribbling server lets go as soon as the client hangs up, or the server stops") {
  server s{[](const received_request&) {
    response_plan plan = response_plan::json(200, R"({"slow":true})");
    plan.byte_interval = 1s;
    return plan;
  }};
#if defined(__linux__)
  const std::size_t fds_before = open_fds();
  {
    raw_client client{s.endpoint()};
    client.send(post("/"));
    auto [ec, bytes] = client.receive_until_closed(200ms);
    CHECK(ec == beast::error::timeout);
    CHECK(bytes == "H");
  }
  // Well before the next byte is due, a second later.
  const auto hung_up = steady::now();
  CHECK(eventually([&] { return open_fds() == fds_before; }));
  CHECK(since(hung_up) < 500ms);
#endif
  const std::size_t seen = s.requests().size();
  raw_client client{s.endpoint()};
  client.send(post("/"));
  REQUIRE(eventually([&] { return s.requests().size() == seen + 1; }));
  std::this_thread::sleep_for(50ms);
  const auto start = steady::now();
  s.stop();
  CHECK(since(start) < 500ms);
}
