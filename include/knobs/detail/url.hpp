// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_URL_HPP
#define KNOBS_DETAIL_URL_HPP

// The base URL of a server, taken apart once, when a client is made.

#include <knobs/error.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace knobs {
namespace detail {

inline bool ends_with(std::string_view s, std::string_view end) noexcept {
  return s.size() >= end.size() && s.substr(s.size() - end.size()) == end;
}

struct endpoint {
  bool tls = false;        // https
  std::string host;        // for DNS and SNI: "api.openai.com", "127.0.0.1", "::1"
  std::uint16_t port = 0;  // explicit or the scheme's default
  std::string host_header; // for the Host header: "[::1]:8000", "api.openai.com"
  std::string path_prefix; // "/v1" (no trailing slash; "" for the root)

  // The request target for an API path such as "/chat/completions".
  std::string target(std::string_view api_path) const {
    return path_prefix + std::string(api_path);
  }

  // The target of GET .../models: `{prefix}/models`, except under Azure
  // OpenAI's deployment-style base URL (.../openai/deployments/NAME), which
  // names one deployment and lists nothing: the resource's list is
  // GET /openai/models (Azure OpenAI REST reference, "Models - List",
  // api-version 2024-10-21).
  std::string models_target() const {
    const auto at = path_prefix.find("/openai/deployments/");
    if (at != std::string::npos)
      return path_prefix.substr(0, at) + "/openai/models";
    return path_prefix + "/models";
  }
};

inline error_info bad_base_url(std::string_view url, const std::string& why) {
  // The URL is quoted back to help, unless it may hold credentials
  // (user:password@): a URL refused before its userinfo is checked could
  // otherwise repeat a secret.
  const std::string quoted = url.find('@') == std::string_view::npos
                                 ? "\"" + std::string(url) + "\""
                                 : "(not quoted: it contains '@', perhaps credentials)";
  return make_error(errc::invalid_request, "base_url " + quoted + " is not usable: " + why,
                    "base_url");
}

// The host and port of a URL (a base URL's or a proxy's): `host` as DNS and
// SNI see it ("::1"), `authority` as a Host header or a message writes it
// ("[::1]", without the port), `port` when the URL has one. Returns what is
// wrong with them, or "".
struct url_host {
  std::string host;
  std::string authority;
  std::optional<std::uint16_t> port;
};

inline std::string read_host(const boost::urls::url_view& u, url_host& out) {
  switch (u.host_type()) {
  case boost::urls::host_type::name:
  case boost::urls::host_type::ipv4:
    out.host = u.host_address();
    // Percent-decoding could smuggle a NUL, a slash or an '@' into the name
    // DNS and SNI see; a host name is letters, digits, '-', '.' and '_'.
    for (char c : out.host)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_'))
        return "its host name has a character a host name cannot have";
    out.authority = out.host;
    break;
  case boost::urls::host_type::ipv6:
    out.host = u.host_ipv6_address().to_string();
    out.authority = "[" + out.host + "]";
    break;
  default:
    return "it has no usable host";
  }
  if (out.host.empty())
    return "it has no host";
  if (u.has_port()) {
    // port_number() wraps above 65535, so read the digits ourselves.
    std::string_view digits = u.port();
    unsigned long port = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size() ||
        port == 0 || port > 65535)
      return "the port must be a number in [1, 65535]";
    out.port = static_cast<std::uint16_t>(port);
  }
  return {};
}

// Accepts http and https URLs with a host, an optional port and an optional
// path prefix; refuses anything the clients could not honour faithfully.
inline result<endpoint> parse_base_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed)
    return bad_base_url(url, "it is not an absolute URL (expected e.g. http://127.0.0.1:8000/v1)");
  const boost::urls::url_view& u = *parsed;
  endpoint ep;
  if (u.scheme() == "https")
    ep.tls = true;
  else if (u.scheme() != "http")
    return bad_base_url(url, "the scheme must be http or https");
  if (u.has_userinfo())
    return make_error(errc::invalid_request,
                      "base_url must not contain credentials (a user name or password "
                      "before '@'); pass the key as client_options::api_key",
                      "base_url");
  if (u.has_query() || u.has_fragment())
    return bad_base_url(url, "it must not have a query or a fragment");
  url_host h;
  if (std::string why = read_host(u, h); !why.empty())
    return bad_base_url(url, why);
  ep.host = std::move(h.host);
  ep.host_header = std::move(h.authority);
  if (h.port) {
    ep.port = *h.port;
    ep.host_header += ":" + std::string(u.port());
  } else {
    ep.port = ep.tls ? 443 : 80;
  }
  std::string path(u.encoded_path());
  // Boost.URL reads "http://h:8000v1" as port 8000 and path "v1".
  if (!path.empty() && path.front() != '/')
    return bad_base_url(url, "its path must start with '/' (a stray character after the port?)");
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  ep.path_prefix = std::move(path);
  return ep;
}

} // namespace detail
} // namespace knobs

#endif
