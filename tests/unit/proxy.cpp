#include <knobs/detail/proxy.hpp>

#include <doctest/doctest.h>

#include <string>

using knobs::detail::no_proxy_matches;
using knobs::detail::parse_proxy_url;

TEST_CASE("base64 encodes Basic credentials as RFC 4648 does, with padding") {
  using knobs::detail::base64;
  // RFC 4648 §10's test vectors.
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foob") == "Zm9vYg==");
  CHECK(base64("fooba") == "Zm9vYmE=");
  CHECK(base64("foobar") == "Zm9vYmFy");
  // RFC 7617 §2's example.
  CHECK(base64("Aladdin:open sesame") == "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(base64("\xff\xfe") == "//4=");
}

TEST_CASE("a proxy URL gives host, port and credentials, percent-decoded") {
  auto p = parse_proxy_url("http://proxy.corp:3128").value();
  CHECK(p.host == "proxy.corp");
  CHECK(p.port == 3128);
  CHECK(p.authority == "proxy.corp:3128");
  CHECK(p.authorization.empty());

  p = parse_proxy_url("http://Aladdin:open%20sesame@127.0.0.1:8080/").value();
  CHECK(p.host == "127.0.0.1");
  CHECK(p.port == 8080);
  CHECK(p.authority == "127.0.0.1:8080");
  CHECK(p.password == "open sesame");
  CHECK(p.authorization == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");

  p = parse_proxy_url("http://[::1]:3128").value();
  CHECK(p.host == "::1");
  CHECK(p.authority == "[::1]:3128");

  // As curl: no scheme reads as http, no port as 1080.
  p = parse_proxy_url("proxy.corp:8080").value();
  CHECK(p.host == "proxy.corp");
  CHECK(p.port == 8080);
  CHECK(parse_proxy_url("http://proxy.corp").value().port == 1080);
}

TEST_CASE("a proxy URL knobs cannot use is refused, naming proxy, never quoting credentials") {
  auto refusal = [](const std::string& url) {
    auto r = parse_proxy_url(url);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == knobs::errc::invalid_request);
    CHECK(r.error().where == "proxy");
    return r.error().message;
  };
  CHECK(refusal("https://proxy.corp:443") ==
        "proxy \"https://proxy.corp:443\" is not usable: the scheme must be http (a proxy spoken "
        "to in plain HTTP, which tunnels TLS to an https server); https and socks proxies are not "
        "supported");
  CHECK(refusal("socks5://proxy.corp:1080").find("the scheme must be http") != std::string::npos);
  CHECK(refusal("http://proxy.corp:99999").find("the port must be a number in [1, 65535]") !=
        std::string::npos);
  CHECK(refusal("http://proxy.corp:3128/path").find("no path") != std::string::npos);
  CHECK(refusal("http://proxy.corp:3128?q=1").find("no path, query") != std::string::npos);
  CHECK(refusal("http://pro%2Fxy:3128").find("a character a host name cannot have") !=
        std::string::npos);
  CHECK(refusal("http:// bad").find("is not a URL") != std::string::npos);

  const std::string m = refusal("https://user:hunter2-SECRET@proxy.corp:443");
  CHECK(m.find("hunter2") == std::string::npos);
  CHECK(m.find("not quoted") != std::string::npos);
  CHECK(refusal("http://user:hunter2-SECRET@proxy.corp:0").find("hunter2") == std::string::npos);
  CHECK(refusal("http://us%3Aer:hunter2-SECRET@proxy.corp:3128")
            .find("its user name has a ':' (%3A)") != std::string::npos);
}

TEST_CASE("NO_PROXY: a name matches itself and its subdomains, a leading dot is ignored") {
  CHECK(no_proxy_matches("example.com", "example.com", 443));
  CHECK(no_proxy_matches("example.com", "api.example.com", 443));
  CHECK(no_proxy_matches("example.com", "a.b.example.com", 443));
  CHECK_FALSE(no_proxy_matches("example.com", "notexample.com", 443));
  CHECK_FALSE(no_proxy_matches("example.com", "example.com.org", 443));
  CHECK(no_proxy_matches(".example.com", "example.com", 443));
  CHECK(no_proxy_matches(".example.com", "api.example.com", 443));
  CHECK_FALSE(no_proxy_matches(".example.com", "badexample.com", 443));
  CHECK_FALSE(no_proxy_matches("api.example.com", "example.com", 443));
}

TEST_CASE("NO_PROXY: * matches every host; an empty list none") {
  CHECK(no_proxy_matches("*", "api.openai.com", 443));
  CHECK(no_proxy_matches("*", "::1", 80));
  CHECK(no_proxy_matches("localhost, * ", "10.1.2.3", 80));
  CHECK_FALSE(no_proxy_matches("", "api.openai.com", 443));
  CHECK_FALSE(no_proxy_matches(" , ,", "api.openai.com", 443));
  CHECK_FALSE(no_proxy_matches("*.example.com", "api.openai.com", 443));
}

TEST_CASE("NO_PROXY: blanks around entries and case do not matter") {
  CHECK(no_proxy_matches("localhost,  Example.COM\t, 10.0.0.1", "API.example.com", 443));
  CHECK(no_proxy_matches("localhost,  Example.COM\t, 10.0.0.1", "10.0.0.1", 443));
  CHECK(no_proxy_matches("LOCALHOST", "localhost", 8000));
  CHECK_FALSE(no_proxy_matches("localhost,example.com", "openai.com", 443));
}

TEST_CASE("NO_PROXY: IP addresses match exactly, IPv6 with or without brackets, CIDR ranges") {
  CHECK(no_proxy_matches("127.0.0.1", "127.0.0.1", 8000));
  CHECK_FALSE(no_proxy_matches("127.0.0.1", "127.0.0.10", 8000));
  CHECK_FALSE(no_proxy_matches("127.0.0", "127.0.0.1", 8000));
  CHECK(no_proxy_matches("::1", "::1", 8000));
  CHECK(no_proxy_matches("[::1]", "::1", 8000));
  CHECK(no_proxy_matches("0:0:0:0:0:0:0:1", "::1", 8000)); // the same address, spelt out
  CHECK_FALSE(no_proxy_matches("::1", "::2", 8000));
  CHECK_FALSE(no_proxy_matches("::1", "127.0.0.1", 8000));
  // An address entry is not a domain: 0.1 is not a "subdomain" of anything.
  CHECK_FALSE(no_proxy_matches("0.0.1", "127.0.0.1", 8000));
  CHECK(no_proxy_matches("10.0.0.0/8", "10.200.3.4", 443));
  CHECK_FALSE(no_proxy_matches("10.0.0.0/8", "11.0.0.1", 443));
  CHECK(no_proxy_matches("192.168.0.0/16", "192.168.255.1", 443));
  CHECK(no_proxy_matches("fd00::/8", "fd12::1", 443));
  CHECK_FALSE(no_proxy_matches("fd00::/8", "fe80::1", 443));
  CHECK_FALSE(no_proxy_matches("10.0.0.0/33", "10.0.0.1", 443)); // not a range
  CHECK_FALSE(no_proxy_matches("example.com/8", "example.com", 443));
}

TEST_CASE("NO_PROXY: an entry with a port matches that port only; without, every port") {
  CHECK(no_proxy_matches("example.com:8443", "api.example.com", 8443));
  CHECK_FALSE(no_proxy_matches("example.com:8443", "api.example.com", 443));
  CHECK(no_proxy_matches("127.0.0.1:8000", "127.0.0.1", 8000));
  CHECK_FALSE(no_proxy_matches("127.0.0.1:8000", "127.0.0.1", 8001));
  CHECK(no_proxy_matches("[::1]:8000", "::1", 8000));
  CHECK_FALSE(no_proxy_matches("[::1]:8000", "::1", 8001));
  CHECK(no_proxy_matches("example.com", "example.com", 1));
  CHECK_FALSE(no_proxy_matches("example.com:x", "example.com", 443));
}
