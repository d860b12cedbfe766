#include <knobs/detail/url.hpp>

#include <doctest/doctest.h>

#include <string>

using knobs::detail::parse_base_url;

TEST_CASE("the default OpenAI base URL is https on 443 with the /v1 prefix") {
  auto ep = parse_base_url("https://api.openai.com/v1").value();
  CHECK(ep.tls);
  CHECK(ep.host == "api.openai.com");
  CHECK(ep.port == 443);
  CHECK(ep.host_header == "api.openai.com");
  CHECK(ep.target("/chat/completions") == "/v1/chat/completions");
}

TEST_CASE("a local server's URL keeps its port, and a trailing slash is dropped") {
  auto ep = parse_base_url("http://127.0.0.1:8000/v1/").value();
  CHECK_FALSE(ep.tls);
  CHECK(ep.host == "127.0.0.1");
  CHECK(ep.port == 8000);
  CHECK(ep.host_header == "127.0.0.1:8000");
  CHECK(ep.target("/chat/completions") == "/v1/chat/completions");
}

TEST_CASE("a URL without a path talks to the server's root") {
  auto ep = parse_base_url("http://localhost:4010").value();
  CHECK(ep.path_prefix == "");
  CHECK(ep.target("/chat/completions") == "/chat/completions");
  CHECK(parse_base_url("http://localhost:4010/").value().path_prefix == "");
  CHECK(parse_base_url("http://example.test").value().port == 80);
}

TEST_CASE("an IPv6 literal is resolved without brackets and sent with them") {
  auto ep = parse_base_url("http://[::1]:11434/v1").value();
  CHECK(ep.host == "::1");
  CHECK(ep.host_header == "[::1]:11434");
  CHECK(ep.port == 11434);
}

TEST_CASE("a deeper path prefix is kept as written") {
  auto ep = parse_base_url("https://gateway.example/openai/deployments/x/v1").value();
  CHECK(ep.target("/chat/completions") == "/openai/deployments/x/v1/chat/completions");
}

TEST_CASE("bad base URLs are refused with a message that says why") {
  struct row {
    const char* url;
    const char* says;
  };
  const row table[] = {
      {"", "not an absolute URL"},
      {"127.0.0.1:8000/v1", "not an absolute URL"},
      {"api.openai.com/v1", "not an absolute URL"},
      {"ftp://example.test/v1", "the scheme must be http or https"},
      {"http://", "no host"},
      {"http://example.test:0/v1", "the port must be a number"},
      {"http://example.test:99999/v1", "the port must be a number"},
      {"http://example.test:65536/v1", "the port must be a number"},
      {"http://example.test/v1?x=1", "query or a fragment"},
      {"http://example.test/v1#top", "query or a fragment"},
      {"http://exa mple.test/v1", "not an absolute URL"},
  };
  for (const auto& r : table) {
    const std::string url = r.url;
    CAPTURE(url);
    auto ep = parse_base_url(r.url);
    REQUIRE_FALSE(ep.has_value());
    CHECK(ep.error().code == knobs::errc::invalid_request);
    CHECK(ep.error().where == "base_url");
    CHECK(ep.error().message.find(r.says) != std::string::npos);
  }
}

TEST_CASE("credentials in the URL are refused without being repeated") {
  auto ep = parse_base_url("https://user:sk-secret@api.example/v1");
  REQUIRE_FALSE(ep.has_value());
  CHECK(ep.error().message.find("sk-secret") == std::string::npos);
  CHECK(ep.error().message.find("credentials") != std::string::npos);
}

TEST_CASE("a refused base URL with credentials is not quoted back") {
  for (const char* url : {"ftp://user:sk-secret@host/v1", "http://user:sk-secret@host/v1 x"}) {
    auto r = knobs::detail::parse_base_url(url);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("sk-secret") == std::string::npos);
  }
}

TEST_CASE("a stray character after the port or a smuggled byte in the host is refused") {
  auto stray = knobs::detail::parse_base_url("http://127.0.0.1:8000v1");
  REQUIRE_FALSE(stray.has_value());
  CHECK(stray.error().message.find("must start with '/'") != std::string::npos);
  CHECK_FALSE(knobs::detail::parse_base_url("http://localhost%00.evil.example/v1").has_value());
  CHECK_FALSE(knobs::detail::parse_base_url("http://a%2Fb/v1").has_value());
  CHECK(knobs::detail::parse_base_url("http://my_host.local:8000/v1").has_value());
}
