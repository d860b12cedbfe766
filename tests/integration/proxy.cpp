// The clients through a real HTTP proxy: tinyproxy (Debian's `tinyproxy`),
// started by this test on a free port of 127.0.0.1 with a configuration of
// its own, in front of an HTTP and an HTTPS knobs::local::server. The faults
// of a misbehaving proxy are rows of tests/integration/faults.cpp.
#include <knobs/client.hpp>

#include <knobs/local/certificate.hpp>
#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include "../loopback.hpp"
#include "../tinyproxy.hpp"
#include "../tls_fixture.hpp"

#include <string>

using knobs::local::received_request;
using knobs::local::response_plan;
using namespace loopback;

namespace {

// The proxy's credentials in the tests with authentication. No failure text,
// log of ours or test output may contain the password.
const std::string proxy_user = "knobs";
const std::string proxy_password = "pr0xy-S3CRET-pw";

// tinyproxy wanting proxy_user:proxy_password.
tinyproxy::options with_auth() {
  tinyproxy::options o;
  o.user = proxy_user;
  o.password = proxy_password;
  return o;
}

// Every text of a failure: neither the API key nor the proxy's password.
void check_no_secret(const knobs::error_info& e) {
  check_no_key(e);
  for (const std::string* text : {&e.message, &e.where})
    CHECK(text->find(proxy_password) == std::string::npos);
  if (e.api)
    CHECK(e.api->message.find(proxy_password) == std::string::npos);
}

} // namespace

TEST_CASE("an http server through tinyproxy: the request arrives with its path and headers") {
  tinyproxy proxy;
  knobs::local::server server([](const received_request&) { return ok("via proxy"); });
  knobs::client_options o = options_for(server, 0);
  o.proxy = proxy.url();
  knobs::client client{o};
  CHECK(client.create(lesson_request()).text() == "via proxy");
  CHECK(client.create(lesson_request()).text() == "via proxy");

  CHECK(proxy.requests_logged() == 2); // it went through the proxy
  // The absolute URL went to the proxy.
  CHECK(proxy.log().find("POST http://127.0.0.1:" + std::to_string(server.port()) +
                         "/v1/chat/completions") != std::string::npos);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  for (const auto& r : requests) {
    CHECK(r.method == "POST");
    CHECK(r.target == "/v1/chat/completions"); // the proxy sends the origin form on
    CHECK(r.header("authorization") == "Bearer " + secret_key);
    CHECK(r.header("content-type") == "application/json");
    CHECK(r.header("host") == "127.0.0.1:" + std::to_string(server.port()));
    CHECK_FALSE(r.header("proxy-authorization"));
    CHECK(r.body.find("\"model\":\"test-model\"") != std::string::npos);
  }
}

TEST_CASE("an https server through a tinyproxy tunnel: TLS to the server, connection reused") {
  tinyproxy proxy;
  const auto certs = knobs::local::make_test_certificates();
  tls_fixture files(certs);
  knobs::local::server server(
      [](const received_request& r) {
        if (r.body.find("\"stream\":true") != std::string::npos)
          return response_plan::event_stream(text_events(3));
        return ok("tunnelled");
      },
      serving(certs));
  knobs::client_options o = options_for(server, 0);
  o.proxy = proxy.url();
  o.ca_file = files.ca_path;
  knobs::client client{o};
  CHECK(client.create(lesson_request()).text() == "tunnelled");
  CHECK(client.create(lesson_request()).text() == "tunnelled");
  std::size_t chunks = 0;
  CHECK(client.stream(lesson_request(), [&](const knobs::chat_chunk&) { ++chunks; }).text() ==
        "w0 w1 w2 ");
  CHECK(chunks == 3);

  // One tunnel, kept alive by the pool across the three requests.
  CHECK(server.connections_accepted() == 1);
  CHECK(proxy.requests_logged() == 1);
  CHECK(proxy.log().find("CONNECT 127.0.0.1:" + std::to_string(server.port())) !=
        std::string::npos);
  // The proxy saw the CONNECT only: the key travelled inside TLS.
  CHECK(proxy.log().find(secret_key) == std::string::npos);
  CHECK(proxy.log().find("chat/completions") == std::string::npos);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  for (const auto& r : requests) {
    CHECK(r.target == "/v1/chat/completions");
    CHECK(r.header("authorization") == "Bearer " + secret_key);
    CHECK(r.header("host") == "127.0.0.1:" + std::to_string(server.port()));
    CHECK_FALSE(r.header("proxy-authorization"));
  }
}

TEST_CASE("tinyproxy with BasicAuth: the right credentials pass, for http and https servers") {
  tinyproxy proxy(with_auth());
  SUBCASE("http") {
    knobs::local::server server([](const received_request&) { return ok(); });
    knobs::client_options o = options_for(server, 0);
    o.proxy = proxy.url(proxy_user, proxy_password);
    knobs::client client{o};
    CHECK(client.create(lesson_request()).text() == "hello");
    REQUIRE(server.requests().size() == 1);
    // tinyproxy keeps its own credentials to itself.
    CHECK_FALSE(server.requests()[0].header("proxy-authorization"));
  }
  SUBCASE("https") {
    const auto certs = knobs::local::make_test_certificates();
    tls_fixture files(certs);
    knobs::local::server server([](const received_request&) { return ok(); }, serving(certs));
    knobs::client_options o = options_for(server, 0);
    o.proxy = proxy.url(proxy_user, proxy_password);
    o.ca_file = files.ca_path;
    knobs::client client{o};
    CHECK(client.create(lesson_request()).text() == "hello");
    CHECK(client.create(lesson_request()).text() == "hello");
    CHECK(server.connections_accepted() == 1);
    REQUIRE(server.requests().size() == 2);
    CHECK_FALSE(server.requests()[0].header("proxy-authorization"));
  }
}

TEST_CASE("tinyproxy with BasicAuth: wrong or missing credentials are a 407 error, never retried") {
  // Through a tunnel, to an https server. (To an http server tinyproxy
  // answers 407 before reading the request's body and then closes the
  // connection with the body unread, which the kernel turns into a reset
  // that may discard the 407 before the client reads it; the 407 on that
  // path is a row of faults.cpp, from a proxy that reads the whole request.)
  tinyproxy proxy(with_auth());
  const auto certs = knobs::local::make_test_certificates();
  tls_fixture files(certs);
  knobs::local::server server([](const received_request&) { return ok(); }, serving(certs));
  const std::string authority = "127.0.0.1:" + std::to_string(proxy.port());
  for (const bool credentials : {true, false}) {
    {
      CAPTURE(credentials);
      knobs::client_options o = options_for(server, 2);
      o.ca_file = files.ca_path;
      o.proxy = credentials ? proxy.url(proxy_user, "wrong-" + proxy_password) : proxy.url();
      knobs::client client{o};
      const std::size_t logged = proxy.requests_logged();
      try {
        client.create(lesson_request());
        FAIL("a 407 passed");
      } catch (const knobs::proxy_authentication_error& e) {
        const knobs::error_info& info = e.info();
        CHECK(info.code == knobs::errc::proxy_authentication);
        CHECK(info.where == "proxy");
        CHECK(info.message.find("the proxy " + authority) != std::string::npos);
        // tinyproxy answers wrong credentials with 401, missing ones with 407.
        CHECK(info.message.find(credentials ? "refused the credentials in client_options::proxy "
                                              "(401 Unauthorized): proxy authentication failed"
                                            : "requires authentication (407 Proxy Authentication "
                                              "Required)") != std::string::npos);
        CHECK(info.retries == 0);
        CHECK(info.message.find("wrong-") == std::string::npos);
        check_no_secret(info);
      }
      CHECK(proxy.requests_logged() == logged + 1); // one attempt
      CHECK(server.requests().empty());
    }
  }
}

TEST_CASE("no_proxy: a server it names is reached directly, others through the proxy") {
  tinyproxy proxy;
  knobs::local::server server([](const received_request&) { return ok(); });
  knobs::client_options o = options_for(server, 0);
  o.proxy = proxy.url();
  for (const char* bypass : {"127.0.0.1", "localhost, 127.0.0.0/8", "*", " [127.0.0.1] "}) {
    CAPTURE(bypass);
    o.no_proxy = bypass;
    knobs::client client{o};
    CHECK(client.create(lesson_request()).text() == "hello");
  }
  const std::string port = std::to_string(server.port());
  o.no_proxy = "127.0.0.1:" + port;
  CHECK(knobs::client{o}.create(lesson_request()).text() == "hello");
  CHECK(proxy.requests_logged() == 0);
  CHECK(server.requests().size() == 5);

  // An entry for another host, or another port, leaves the proxy in place.
  for (const char* through : {"example.com", "127.0.0.2", "127.0.0.1:1"}) {
    o.no_proxy = through;
    CHECK(knobs::client{o}.create(lesson_request()).text() == "hello");
  }
  CHECK(proxy.requests_logged() == 3);

  // And with the proxy gone, a server in no_proxy is still reached.
  proxy.stop();
  o.no_proxy = "127.0.0.1";
  CHECK(knobs::client{o}.create(lesson_request()).text() == "hello");
  o.no_proxy.clear();
  try {
    knobs::client{o}.create(lesson_request());
    FAIL("a stopped proxy answered");
  } catch (const knobs::connection_error& e) {
    CHECK(std::string(e.what()).find("through the proxy 127.0.0.1:" +
                                     std::to_string(proxy.port())) != std::string::npos);
    CHECK(std::string(e.what()).find("refused") != std::string::npos);
  }
}

TEST_CASE("no_proxy from the environment bypasses a proxy from the environment") {
  tinyproxy proxy;
  knobs::local::server server([](const received_request&) { return ok(); });
  ::setenv("OPENAI_BASE_URL", server.base_url().c_str(), 1);
  ::setenv("OPENAI_API_KEY", secret_key.c_str(), 1);
  ::setenv("http_proxy", proxy.url().c_str(), 1);
  ::setenv("NO_PROXY", "127.0.0.1", 1);
  knobs::client_options o = knobs::client_options::from_env();
  ::unsetenv("NO_PROXY");
  knobs::client_options through = knobs::client_options::from_env();
  for (const char* name : {"OPENAI_BASE_URL", "OPENAI_API_KEY", "http_proxy"})
    ::unsetenv(name);
  o.on_warning = through.on_warning = nullptr;
  CHECK(knobs::client{o}.create(lesson_request()).text() == "hello");
  CHECK(proxy.requests_logged() == 0);
  CHECK(knobs::client{through}.create(lesson_request()).text() == "hello");
  CHECK(proxy.requests_logged() == 1);
}
