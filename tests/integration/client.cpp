// knobs::client and knobs::async_client against knobs::local::server over real
// sockets on 127.0.0.1. Nothing here mocks the Beast code.
#include <knobs/client.hpp>

#include <knobs/local/certificate.hpp>
#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include "../loopback.hpp"
#include "../threads.hpp"
#include "../tls_fixture.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#if defined(__cpp_impl_coroutine)
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <typeinfo>
#include <vector>

#include <poll.h>
#include <sys/socket.h>

using knobs::local::received_request;
using knobs::local::response_plan;
using namespace std::chrono_literals;
using namespace loopback;

TEST_CASE("the blocking client sends the lesson's request and returns a typed completion") {
  knobs::local::server server([](const received_request&) { return ok("A city hums at night."); });
  knobs::client client{options_for(server)};

  knobs::chat_completion r = client.create(lesson_request());
  CHECK(r.text() == "A city hums at night.");
  CHECK(r.system_fingerprint == "fp_test");
  CHECK(r.request_id == "req_ok");
  CHECK(r.retries == 0);
  REQUIRE(r.usage);
  CHECK(r.usage->total_tokens == 7);

  auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].target == "/v1/chat/completions");
  CHECK(seen[0].body == knobs::to_json(lesson_request()));
  CHECK(seen[0].header("authorization") == "Bearer " + secret_key);
  CHECK(seen[0].header("content-type") == "application/json");
  CHECK(seen[0].header("user-agent") == std::string(knobs::default_user_agent));
}

TEST_CASE("organization, project and custom headers are sent; a custom header replaces ours") {
  knobs::local::server server([](const received_request&) { return ok(); });
  auto o = options_for(server);
  o.organization = "org-1";
  o.project = "proj-1";
  o.headers = {{"X-Trace", "abc"}, {"User-Agent", "my-app/2"}};
  knobs::client client{o};
  client.create(lesson_request());
  auto seen = server.requests().at(0);
  CHECK(seen.header("openai-organization") == "org-1");
  CHECK(seen.header("openai-project") == "proj-1");
  CHECK(seen.header("x-trace") == "abc");
  CHECK(seen.header("user-agent") == "my-app/2");
}

TEST_CASE("without an API key no Authorization header is sent") {
  knobs::local::server server([](const received_request&) { return ok(); });
  auto o = options_for(server);
  o.api_key.clear();
  knobs::client client{o};
  client.create(lesson_request());
  CHECK_FALSE(server.requests().at(0).header("authorization").has_value());
}

TEST_CASE("async_create completes through a plain callback") {
  knobs::local::server server([](const received_request&) { return ok("callback"); });
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), options_for(server)};
  std::string text;
  bool called = false;
  client.async_create(lesson_request(), [&](std::exception_ptr e, knobs::chat_completion r) {
    called = true;
    CHECK_FALSE(e);
    text = r.text();
  });
  CHECK_FALSE(called); // never inside the initiating call
  ioc.run();
  CHECK(called);
  CHECK(text == "callback");
}

TEST_CASE(
    "async_create completes through use_future, and a failure arrives as the typed exception") {
  knobs::local::server server([](const received_request& r) {
    if (r.body.find("fail") != std::string::npos)
      return response_plan::api_error(400, "bad", "invalid_request_error", "messages");
    return ok("future");
  });
  boost::asio::io_context ioc;
  auto work = boost::asio::make_work_guard(ioc);
  std::thread runner([&] { ioc.run(); });
  knobs::async_client client{ioc.get_executor(), options_for(server)};

  auto good = client.async_create(lesson_request(), boost::asio::use_future);
  CHECK(good.get().text() == "future");

  auto bad = client.async_create(knobs::chat_request{"m"}.user("fail"), boost::asio::use_future);
  CHECK_THROWS_AS(bad.get(), knobs::bad_request_error);

  work.reset();
  runner.join();
}

TEST_CASE("async_create with deferred starts nothing until the deferred operation is invoked") {
  knobs::local::server server([](const received_request&) { return ok("deferred"); });
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), options_for(server)};
  auto op = client.async_create(lesson_request(), boost::asio::deferred);
  ioc.run();
  CHECK(server.requests().empty());
  ioc.restart();
  std::string text;
  std::move(op)([&](std::exception_ptr e, knobs::chat_completion r) {
    CHECK_FALSE(e);
    text = r.text();
  });
  ioc.run();
  CHECK(text == "deferred");
  CHECK(server.requests().size() == 1);
}

#if defined(__cpp_impl_coroutine)
TEST_CASE("async_create can be awaited in a C++20 coroutine") {
  knobs::local::server server([](const received_request&) { return ok("awaited"); });
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), options_for(server)};
  std::string text;
  std::string caught;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        auto r = co_await client.async_create(lesson_request(), boost::asio::use_awaitable);
        text = r.text();
        try {
          co_await client.async_create(knobs::chat_request{"m"}, boost::asio::use_awaitable);
        } catch (const knobs::request_error& e) {
          caught = e.where();
        }
      },
      boost::asio::detached);
  ioc.run();
  CHECK(text == "awaited");
  CHECK(caught == "messages"); // an invalid request fails before anything is sent
  CHECK(server.requests().size() == 1);
}
#endif

TEST_CASE("an IP address is connected to directly; only a name starts the resolver's thread") {
  knobs::local::server server([](const received_request&) { return ok("A city hums at night."); });
  knobs::client_options by_address = options_for(server); // http://127.0.0.1:PORT/v1
  knobs::client direct{by_address};
  const std::size_t before = threads::count();
  CHECK(direct.create(lesson_request()).text() == "A city hums at night.");
  CHECK(threads::count() == before); // no thread of Asio's resolver

  // The control: the same server by name, through the system's resolver,
  // which runs on a thread of its own for as long as the client lives.
  knobs::client_options by_name = by_address;
  by_name.base_url.replace(by_name.base_url.find("127.0.0.1"), 9, "localhost");
  knobs::client named{by_name};
  const std::size_t before_name = threads::count();
  CHECK(named.create(lesson_request()).text() == "A city hums at night.");
  CHECK(threads::count() == before_name + 1);
}

TEST_CASE("100 sequential requests reuse one keep-alive connection") {
  knobs::local::server server([](const received_request&) { return ok(); });
  knobs::client client{options_for(server)};
  for (int i = 0; i < 100; ++i)
    REQUIRE(client.create(lesson_request()).text() == "hello");
  CHECK(server.requests().size() == 100);
  CHECK(server.connections_accepted() == 1);
  CHECK(client.async().idle_connections() == 1);
}

TEST_CASE("100 concurrent requests share at most max_connections connections") {
  knobs::local::server server([](const received_request&) {
    auto p = ok();
    p.delay = 5ms; // keep requests overlapping
    return p;
  });
  auto o = options_for(server);
  o.max_connections = 8;
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), o};
  int succeeded = 0;
  std::size_t most_open = 0;
  for (int i = 0; i < 100; ++i)
    client.async_create(lesson_request(), [&](std::exception_ptr e, knobs::chat_completion) {
      succeeded += e ? 0 : 1;
      most_open = std::max(most_open, client.open_connections());
    });
  ioc.run();
  CHECK(succeeded == 100);
  CHECK(server.requests().size() == 100);
  CHECK(server.connections_accepted() == 8);
  CHECK(most_open <= 8);
}

TEST_CASE("a connection the server closed while idle is replaced without an error") {
  knobs::local::server_options so;
  so.idle_timeout = 50ms;
  knobs::local::server server([](const received_request&) { return ok(); }, so);
  knobs::client client{options_for(server)};
  CHECK(client.create(lesson_request()).retries == 0);
  std::this_thread::sleep_for(200ms); // the server drops the idle connection
  auto r = client.create(lesson_request());
  CHECK(r.text() == "hello");
  CHECK(r.retries == 0); // not a retry: the request never reached a live server
  CHECK(server.connections_accepted() == 2);
}

TEST_CASE("once a server has closed an idle connection, idle ones are checked before reuse") {
  // A server that drops idle connections drops them all: after the first one
  // found closed (sent on, then replaced), the client checks each idle
  // connection before it sends on it, and no request is sent twice again.
  knobs::local::server_options so;
  so.idle_timeout = 50ms;
  knobs::local::server server([](const received_request&) { return ok(); }, so);
  auto o = options_for(server);
  std::vector<std::string> lines;
  o.log = knobs::log_level::info;
  o.on_log = [&](knobs::log_level, std::string_view line) { lines.emplace_back(line); };
  knobs::client client{o};
  const auto sent_again = [&] {
    return std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
      return l.find("sent again on a new connection") != std::string::npos;
    });
  };
  CHECK(client.create(lesson_request()).text() == "hello");
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(200ms); // the server drops the idle connection
    auto r = client.create(lesson_request());
    CHECK(r.text() == "hello");
    CHECK(r.retries == 0);
  }
  CHECK(sent_again() == 1); // the first drop only; the next two were seen before sending
  CHECK(server.connections_accepted() == 4);
  CHECK(server.requests().size() == 4);

  // A connection the server keeps open passes the check and is reused.
  const auto accepted = server.connections_accepted();
  CHECK(client.create(lesson_request()).text() == "hello");
  CHECK(server.connections_accepted() == accepted);
}

TEST_CASE("429 with retry-after-ms is retried after that wait, then succeeds") {
  std::atomic<int> calls{0};
  knobs::local::server server([&](const received_request&) {
    if (calls++ == 0)
      return response_plan::api_error(429, "slow down", "rate_limit_error", std::nullopt,
                                      "rate_limit_exceeded")
          .with_header("retry-after-ms", "300");
    return ok("after the wait");
  });
  knobs::client client{options_for(server)};
  auto start = steady::now();
  auto r = client.create(lesson_request());
  CHECK(since(start) >= 300ms);
  CHECK(since(start) < 2000ms);
  CHECK(r.text() == "after the wait");
  CHECK(r.retries == 1);
}

TEST_CASE("429 with Retry-After in seconds is honoured") {
  std::atomic<int> calls{0};
  knobs::local::server server([&](const received_request&) {
    if (calls++ == 0)
      return response_plan::api_error(429, "slow down", "rate_limit_error")
          .with_header("Retry-After", "1");
    return ok();
  });
  knobs::client client{options_for(server)};
  auto start = steady::now();
  CHECK(client.create(lesson_request()).retries == 1);
  CHECK(since(start) >= 1000ms);
}

TEST_CASE("500, 500, 200 succeeds after two retries with exponential backoff") {
  std::atomic<int> calls{0};
  knobs::local::server server([&](const received_request&) {
    if (calls++ < 2)
      return response_plan::api_error(500, "oops", "server_error");
    return ok("third time");
  });
  knobs::client client{options_for(server)};
  auto start = steady::now();
  auto r = client.create(lesson_request());
  // 0.5 s then 1 s, each less up to 25 % jitter: at least 1.125 s.
  CHECK(since(start) >= 1125ms);
  CHECK(r.text() == "third time");
  CHECK(r.retries == 2);
  CHECK(calls == 3);
}

TEST_CASE("500 three times fails after two retries with the server's error") {
  std::atomic<int> calls{0};
  knobs::local::server server([&](const received_request&) {
    ++calls;
    return response_plan::api_error(503, "overloaded", "server_error")
        .with_header("retry-after-ms", "10");
  });
  knobs::client client{options_for(server)};
  try {
    client.create(lesson_request());
    FAIL("create returned");
  } catch (const knobs::internal_server_error& e) {
    CHECK(e.api().status == 503);
    CHECK(e.api().message == "overloaded");
    CHECK(e.info().retries == 2);
  }
  CHECK(calls == 3);
}

TEST_CASE("max_retries = 0 sends once") {
  std::atomic<int> calls{0};
  knobs::local::server server([&](const received_request&) {
    ++calls;
    return response_plan::api_error(500, "oops", "server_error");
  });
  auto o = options_for(server);
  o.max_retries = 0;
  knobs::client client{o};
  CHECK_THROWS_AS(client.create(lesson_request()), knobs::internal_server_error);
  CHECK(calls == 1);
}

TEST_CASE("x-should-retry overrides the status: false stops a 500, true retries a 400") {
  std::atomic<int> calls{0};
  knobs::local::server server([&](const received_request& r) {
    ++calls;
    if (r.body.find("no-retry") != std::string::npos)
      return response_plan::api_error(500, "no", "server_error")
          .with_header("x-should-retry", "false");
    if (calls < 2)
      return response_plan::api_error(400, "try again", "invalid_request_error")
          .with_header("x-should-retry", "true")
          .with_header("retry-after-ms", "10");
    return ok();
  });
  knobs::client client{options_for(server)};
  CHECK(client.create(lesson_request()).retries == 1);
  calls = 0;
  CHECK_THROWS_AS(client.create(knobs::chat_request{"m"}.user("no-retry")),
                  knobs::internal_server_error);
  CHECK(calls == 1);
}

TEST_CASE("a 400 with an error body reaches the caller with every field") {
  knobs::local::server server([](const received_request&) {
    return response_plan::api_error(400, "Invalid value for 'temperature'", "invalid_request_error",
                                    "temperature", "invalid_value")
        .with_header("x-request-id", "req_400");
  });
  knobs::client client{options_for(server)};
  try {
    client.create(lesson_request());
    FAIL("create returned");
  } catch (const knobs::bad_request_error& e) {
    CHECK(e.api().status == 400);
    CHECK(e.api().message == "Invalid value for 'temperature'");
    CHECK(e.api().type == "invalid_request_error");
    CHECK(e.api().param == "temperature");
    CHECK(e.api().code == "invalid_value");
    CHECK(e.api().request_id == "req_400");
    CHECK(e.where() == "temperature");
    CHECK(e.info().retries == 0);
    CHECK(e.code() == knobs::errc::api_error);
    CHECK(std::string(e.what()).find("Invalid value for 'temperature'") != std::string::npos);
    CHECK(std::string(e.what()).find("req_400") != std::string::npos);
  }
  auto r = client.try_create(lesson_request());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().api->param == "temperature");
}

TEST_CASE("each error status has its own exception class") {
  std::atomic<int> status{0};
  knobs::local::server server(
      [&](const received_request&) { return response_plan::api_error(status, "no", "error"); });
  auto o = options_for(server);
  o.max_retries = 0;
  knobs::client client{o};
  // The exact class, not one derived from it: a 418 is a plain api_error.
  auto fails_with = [&](int s, auto tag) {
    using expected = decltype(tag);
    status = s;
    CAPTURE(s);
    try {
      client.create(lesson_request());
      FAIL("create returned");
    } catch (const knobs::api_error& e) {
      CHECK_MESSAGE(typeid(e) == typeid(expected), "threw ", typeid(e).name());
      CHECK(e.api().status == s);
    }
  };
  fails_with(401, knobs::authentication_error{knobs::error_info{}});
  fails_with(403, knobs::permission_denied_error{knobs::error_info{}});
  fails_with(404, knobs::not_found_error{knobs::error_info{}});
  fails_with(409, knobs::conflict_error{knobs::error_info{}});
  fails_with(422, knobs::unprocessable_entity_error{knobs::error_info{}});
  fails_with(429, knobs::rate_limit_error{knobs::error_info{}});
  fails_with(502, knobs::internal_server_error{knobs::error_info{}});
  fails_with(418, knobs::api_error{knobs::error_info{}});
}

TEST_CASE("an error status with a body that is not an API error keeps a snippet of it") {
  knobs::local::server server([](const received_request&) {
    auto p = response_plan::json(404, "<html>no such page</html>");
    p.content_type = "text/html";
    return p;
  });
  knobs::client client{options_for(server)};
  try {
    client.create(lesson_request());
    FAIL("create returned");
  } catch (const knobs::not_found_error& e) {
    CHECK(e.api().status == 404);
    CHECK(e.api().message.find("no such page") != std::string::npos);
  }
}

TEST_CASE("a server that closes mid-body once is retried to success") {
  std::atomic<int> calls{0};
  knobs::local::server server([&](const received_request&) {
    auto p = ok("second try");
    if (calls++ == 0)
      p.close_after_bytes = 150;
    return p;
  });
  knobs::client client{options_for(server)};
  auto r = client.create(lesson_request());
  CHECK(r.text() == "second try");
  CHECK(r.retries == 1);
}

TEST_CASE("a slow server times out") {
  knobs::local::server server([](const received_request&) {
    auto p = ok();
    p.delay = 2s;
    return p;
  });
  auto o = options_for(server);
  o.timeout = 200ms;
  o.max_retries = 0;
  knobs::client client{o};
  auto start = steady::now();
  auto r = client.try_create(lesson_request());
  CHECK(since(start) < 1500ms);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == knobs::errc::timeout);
  CHECK_THROWS_AS(client.create(lesson_request()), knobs::timeout_error);
}

// The blocking client leaves its deadline timer armed between calls (no
// timer system call per request): a later, shorter deadline must still move
// it, and the client must go on after the timeout.
TEST_CASE("after requests that succeeded, a blocking request with a shorter timeout times out") {
  std::atomic<bool> slow{false};
  knobs::local::server server([&](const received_request&) {
    auto p = ok();
    if (slow)
      p.delay = 2s;
    return p;
  });
  auto o = options_for(server);
  o.max_retries = 0;
  knobs::client client{o};
  for (int i = 0; i < 3; ++i)
    REQUIRE(client.create(lesson_request()).text() == "hello");
  slow = true;
  knobs::request_options shorter;
  shorter.timeout = 200ms;
  auto r = client.with_options(shorter).try_create(lesson_request());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == knobs::errc::timeout);
  slow = false;
  CHECK(client.create(lesson_request()).text() == "hello");
}

TEST_CASE("a server that never completes the handshake fails after connect_timeout") {
  // A listener whose accept queue is full: while it is full Linux drops every
  // further SYN (net.ipv4.tcp_syncookies does not apply: it is for a full SYN
  // queue, not a full accept queue), so a connect neither succeeds nor fails
  // but waits, as for a host that does not answer, all on 127.0.0.1.
  // listen(0) leaves room for one connection; plain connects that are never
  // accepted fill it, and a probe that stays pending proves it is full.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor listener(ioc);
  const boost::asio::ip::tcp::endpoint any_port(boost::asio::ip::make_address("127.0.0.1"), 0);
  listener.open(any_port.protocol());
  listener.bind(any_port);
  listener.listen(0);
  const boost::asio::ip::tcp::endpoint at = listener.local_endpoint();
  std::vector<boost::asio::ip::tcp::socket> queued;
  bool full = false;
  for (int i = 0; i < 8 && !full; ++i) {
    boost::asio::ip::tcp::socket& s = queued.emplace_back(ioc);
    s.open(at.protocol());
    s.non_blocking(true);
    // In progress, or done at once. Not s.connect(): Asio's waits for the
    // handshake whatever the socket's mode.
    static_cast<void>(::connect(s.native_handle(), at.data(), at.size()));
    ::pollfd fd{s.native_handle(), POLLOUT, 0};
    full = ::poll(&fd, 1, 100) == 0; // still no SYN-ACK after 100 ms
  }
  REQUIRE_MESSAGE(full, "the accept queue never filled: connects to a full queue do not hang here");

  knobs::client_options o;
  o.base_url = "http://127.0.0.1:" + std::to_string(at.port()) + "/v1";
  o.api_key = secret_key;
  o.on_warning = nullptr;
  o.connect_timeout = 200ms;
  o.timeout = 10s;
  o.max_retries = 0;
  knobs::client client{o};
  const auto start = steady::now();
  try {
    client.create(lesson_request());
    FAIL("create returned");
  } catch (const knobs::timeout_error& e) {
    const auto elapsed = since(start);
    CHECK_MESSAGE(typeid(e) == typeid(knobs::timeout_error), "threw ", typeid(e).name());
    CHECK(e.code() == knobs::errc::timeout);
    CHECK(e.info().retries == 0);
    CHECK(std::string(e.what()) == "could not connect to 127.0.0.1:" + std::to_string(at.port()) +
                                       " within connect_timeout (200 ms; 10000 ms per attempt)");
    CHECK(elapsed >= 200ms);
    CHECK(elapsed < 2s); // connect_timeout, far from timeout
  }
}

TEST_CASE("cancelling an in-flight request completes it as cancelled and drops its connection") {
  knobs::local::server server([](const received_request& r) {
    auto p = ok();
    if (r.body.find("slow") != std::string::npos)
      p.delay = 5s;
    return p;
  });
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), options_for(server)};
  boost::asio::cancellation_signal signal;
  std::exception_ptr failure;
  client.async_create(
      knobs::chat_request{"m"}.user("slow"),
      boost::asio::bind_cancellation_slot(
          signal.slot(), [&](std::exception_ptr e, knobs::chat_completion) { failure = e; }));
  boost::asio::steady_timer timer(ioc, 100ms);
  timer.async_wait(
      [&](boost::system::error_code) { signal.emit(boost::asio::cancellation_type::terminal); });
  auto start = steady::now();
  ioc.run();
  CHECK(since(start) < 2000ms);
  REQUIRE(failure);
  try {
    std::rethrow_exception(failure);
  } catch (const knobs::error& e) {
    CHECK(e.code() == knobs::errc::cancelled);
  }
  CHECK(client.open_connections() == 0);
  CHECK(client.idle_connections() == 0);

  // The next request opens a fresh connection.
  ioc.restart();
  bool ok_after = false;
  client.async_create(lesson_request(),
                      [&](std::exception_ptr e, knobs::chat_completion) { ok_after = !e; });
  ioc.run();
  CHECK(ok_after);
  CHECK(server.connections_accepted() == 2);
}

TEST_CASE("an invalid request never reaches the wire") {
  knobs::local::server server([](const received_request&) { return ok(); });
  knobs::client client{options_for(server)};
  auto bad = knobs::chat_request{"m"}.user("x").top_logprobs(3); // without logprobs(true)
  try {
    client.create(bad);
    FAIL("create returned");
  } catch (const knobs::request_error& e) {
    CHECK(e.where() == "top_logprobs");
  }
  CHECK(server.requests().empty());
  CHECK(server.connections_accepted() == 0);
}

TEST_CASE("warnings go to on_warning before sending; strict mode refuses to send") {
  knobs::local::server server([](const received_request&) { return ok(); });
  auto o = options_for(server);
  std::vector<std::string> seen;
  o.on_warning = [&](const knobs::warning& w) { seen.emplace_back(to_string(w.code)); };
  auto both = lesson_request().top_p(0.9);
  {
    knobs::client client{o};
    client.create(both);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == "temperature_and_top_p");
    CHECK(server.requests().size() == 1);
  }
  o.strict = true;
  knobs::client strict{o};
  auto r = strict.try_create(both);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == knobs::errc::strict_warning);
  CHECK(r.error().message.find("temperature_and_top_p") != std::string::npos);
  CHECK_THROWS_AS(strict.create(both), knobs::request_error);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("the default on_warning prints each distinct warning once per client, and says so") {
  knobs::local::server server([](const received_request&) { return ok(); });
  std::ostringstream err;
  std::streambuf* old = std::cerr.rdbuf(err.rdbuf());
  auto o = options_for(server);
  o.on_warning = knobs::print_warning; // the default
  {
    knobs::client client{o};
    for (int i = 0; i < 3; ++i) {
      client.create(lesson_request().top_p(0.9));
      client.create(lesson_request().top_p(0.5)); // another message: printed once too
    }
    // A with_options client is the same client: nothing new to print.
    client.with_options(knobs::request_options{}).create(lesson_request().top_p(0.9));
  }
  knobs::client another{o};
  another.create(lesson_request().top_p(0.9)); // a new client prints it again
  std::cerr.rdbuf(old);

  const std::string text = err.str();
  const auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1))
      ++n;
    return n;
  };
  CHECK(count("knobs: warning [temperature_and_top_p]: temperature (0.7) and top_p (0.9)") == 2);
  CHECK(count("knobs: warning [temperature_and_top_p]: temperature (0.7) and top_p (0.5)") == 1);
  CHECK(count("printed once per client") == 2); // once for each client, after its first
  CHECK(text.find("knobs: warning [temperature_and_top_p]") < text.find("printed once per client"));
  CHECK(server.requests().size() == 8);
}

TEST_CASE("a function of the user's given as on_warning sees every warning") {
  knobs::local::server server([](const received_request&) { return ok(); });
  auto o = options_for(server);
  int seen = 0;
  o.on_warning = [&](const knobs::warning&) { ++seen; };
  knobs::client client{o};
  for (int i = 0; i < 3; ++i)
    client.create(lesson_request().top_p(0.9));
  CHECK(seen == 3);
}

TEST_CASE("a cancellation that arrives between two steps is not lost") {
  // Emitted right after the call, while the host name is being resolved: the
  // resolver takes no cancellation slot, so the request must notice the signal
  // itself before it connects and sends.
  knobs::local::server server([](const received_request&) { return ok(); });
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), options_for(server)};
  boost::asio::cancellation_signal signal;
  std::exception_ptr failure;
  bool done = false;
  client.async_create(lesson_request(),
                      boost::asio::bind_cancellation_slot(
                          signal.slot(), [&](std::exception_ptr e, knobs::chat_completion) {
                            failure = e;
                            done = true;
                          }));
  signal.emit(boost::asio::cancellation_type::terminal);
  ioc.run();
  REQUIRE(done);
  REQUIRE(failure);
  try {
    std::rethrow_exception(failure);
  } catch (const knobs::error& e) {
    CHECK(e.code() == knobs::errc::cancelled);
  }
  CHECK(server.requests().empty());
  CHECK(client.open_connections() == 0);
}

TEST_CASE("the API key appears in no error text, even when the server echoes it") {
  knobs::local::server server([](const received_request& r) {
    return response_plan::api_error(
        401, "Incorrect API key provided: " + r.header("authorization").value_or(""),
        "invalid_request_error", std::nullopt, "invalid_api_key");
  });
  knobs::client client{options_for(server)};
  auto r = client.try_create(lesson_request());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().api->status == 401);
  CHECK(r.error().message.find("[redacted]") != std::string::npos);
  check_no_key(r.error());
  try {
    client.create(lesson_request());
    FAIL("create returned");
  } catch (const std::exception& e) {
    CHECK(std::string(e.what()).find(secret_key) == std::string::npos);
  }
}

TEST_CASE("a key that is part of \"[redacted]\" is redacted once, not forever") {
  // The search for the key resumes after each mark it writes; resuming at
  // the mark itself found "e" in "[redacted]" again and never ended.
  knobs::local::server server([](const received_request& r) {
    return response_plan::api_error(401, "key " + r.header("authorization").value_or("") + " here",
                                    "invalid_request_error");
  });
  auto o = options_for(server, 0);
  o.api_key = "e";
  knobs::client client{o};
  const auto r = client.try_create(lesson_request());
  REQUIRE_FALSE(r.has_value());
  REQUIRE(r.error().api);
  CHECK(r.error().api->message ==
        "k[redacted]y B[redacted]ar[redacted]r [redacted] h[redacted]r[redacted]");
}

TEST_CASE("bad options fail at construction with a clear message") {
  knobs::client_options o;
  o.base_url = "127.0.0.1:8000/v1";
  CHECK_THROWS_AS(knobs::client{o}, knobs::request_error);
  o.base_url = "https://api.openai.com/v1";
  o.api_key.clear();
  try {
    knobs::client c{o};
    FAIL("constructed");
  } catch (const knobs::request_error& e) {
    CHECK(e.where() == "OPENAI_API_KEY");
  }
  o.base_url = "http://127.0.0.1:8000/v1"; // local servers need no key
  CHECK_NOTHROW(knobs::client{o});
}

TEST_CASE("from_env reads the OpenAI variables") {
  ::setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1", 1);
  ::setenv("OPENAI_API_KEY", "sk-env", 1);
  ::setenv("OPENAI_ORG_ID", "org-env", 1);
  ::setenv("OPENAI_PROJECT_ID", "proj-env", 1);
  auto o = knobs::client_options::from_env();
  CHECK(o.base_url == "http://127.0.0.1:9/v1");
  CHECK(o.api_key == "sk-env");
  CHECK(o.organization == "org-env");
  CHECK(o.project == "proj-env");
  ::unsetenv("OPENAI_BASE_URL");
  ::unsetenv("OPENAI_API_KEY");
  auto missing = knobs::client_options::try_from_env();
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().where == "OPENAI_API_KEY");
  ::unsetenv("OPENAI_ORG_ID");
  ::unsetenv("OPENAI_PROJECT_ID");
}

TEST_CASE("HTTPS to a server whose CA is trusted succeeds, with host-name verification") {
  auto certs = knobs::local::make_test_certificates();
  tls_fixture files(certs);
  knobs::local::server server([](const received_request&) { return ok("over tls"); },
                              serving(certs));
  REQUIRE(server.base_url().rfind("https://", 0) == 0);
  auto o = options_for(server);
  o.ca_file = files.ca_path;
  knobs::client client{o};
  CHECK(client.create(lesson_request()).text() == "over tls");
  CHECK(client.create(lesson_request()).text() == "over tls");
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("a new HTTPS connection resumes the TLS session the server gave the last one") {
  // The server closes every connection after its answer, so each request
  // opens one; the log line of each says how its handshake went.
  auto certs = knobs::local::make_test_certificates();
  tls_fixture files(certs);
  knobs::local::server server(
      [](const received_request&) {
        auto p = ok("over tls");
        p.close_after_response = true;
        return p;
      },
      serving(certs));
  auto o = options_for(server);
  o.ca_file = files.ca_path;
  std::vector<std::string> lines;
  o.log = knobs::log_level::info;
  o.on_log = [&lines](knobs::log_level, std::string_view line) { lines.emplace_back(line); };
  knobs::client client{o};
  for (int i = 0; i < 3; ++i)
    CHECK(client.create(lesson_request()).text() == "over tls");
  CHECK(server.connections_accepted() == 3);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].find("; new connection, TLSv1.3 full handshake; attempt 1") != std::string::npos);
  CHECK(lines[1].find("; new connection, TLSv1.3 resumed; attempt 1") != std::string::npos);
  CHECK(lines[2].find("; new connection, TLSv1.3 resumed; attempt 1") != std::string::npos);

  // Another client keeps sessions of its own: its first handshake is full.
  lines.clear();
  knobs::client other{o};
  CHECK(other.create(lesson_request()).text() == "over tls");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("; new connection, TLSv1.3 full handshake; attempt 1") != std::string::npos);
}

TEST_CASE("a request larger than the socket takes at once arrives whole over HTTPS") {
  // 4 MiB of message: the socket's send buffer fills, OpenSSL is left
  // holding part of a record, and the write is repeated when the socket
  // drains (tls_socket); the server must see every byte, in order. Both
  // clients, as the async one writes the same way.
  auto certs = knobs::local::make_test_certificates();
  tls_fixture files(certs);
  knobs::local::server server([](const received_request&) { return ok("whole"); }, serving(certs));
  auto o = options_for(server);
  o.ca_file = files.ca_path;
  std::string text;
  for (int i = 0; text.size() < 4 * 1024 * 1024; ++i)
    text += "line " + std::to_string(i) + " of a long message\n";
  auto request = lesson_request();
  request.user(text);
  const std::string expected = knobs::to_json(request);

  knobs::client client{o};
  CHECK(client.create(request).text() == "whole");

  boost::asio::io_context ioc;
  knobs::async_client async{ioc.get_executor(), o};
  auto done = async.async_create(request, boost::asio::use_future);
  ioc.run();
  CHECK(done.get().text() == "whole");

  REQUIRE(server.requests().size() == 2);
  for (const auto& seen : server.requests()) {
    const bool whole = seen.body == expected; // not printed on failure: 4 MiB
    CHECK(whole);
    CHECK(seen.body.size() == expected.size());
  }
}
