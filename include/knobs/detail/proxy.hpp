// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_PROXY_HPP
#define KNOBS_DETAIL_PROXY_HPP

// An HTTP proxy: its URL taken apart once, when a client is made, and the
// NO_PROXY list that says which servers are reached without it.

#include <knobs/detail/url.hpp>
#include <knobs/error.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace knobs {
namespace detail {

struct proxy_endpoint {
  std::string host; // for DNS: "proxy.corp", "127.0.0.1", "::1"
  std::uint16_t port = 0;
  std::string authority; // for messages: "proxy.corp:3128", "[::1]:3128"; never credentials
  // The value of Proxy-Authorization ("Basic dXNlcjpwYXNz"), or "" without
  // credentials; and the decoded password, for redaction.
  std::string authorization;
  std::string password;
};

// RFC 4648 base64, for Basic credentials (RFC 7617).
inline std::string base64(std::string_view in) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const auto n = (std::uint32_t(static_cast<unsigned char>(in[i])) << 16) |
                   (std::uint32_t(static_cast<unsigned char>(in[i + 1])) << 8) |
                   std::uint32_t(static_cast<unsigned char>(in[i + 2]));
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (const std::size_t rest = in.size() - i; rest != 0) {
    std::uint32_t n = std::uint32_t(static_cast<unsigned char>(in[i])) << 16;
    if (rest == 2)
      n |= std::uint32_t(static_cast<unsigned char>(in[i + 1])) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

inline error_info bad_proxy(std::string_view url, const std::string& why) {
  // As for base_url: a URL with an '@' may hold a password, so it is not
  // quoted back.
  const std::string quoted = url.find('@') == std::string_view::npos
                                 ? "\"" + std::string(url) + "\""
                                 : "(not quoted: it contains credentials)";
  return make_error(errc::invalid_request, "proxy " + quoted + " is not usable: " + why, "proxy");
}

// Accepts `http://[user[:password]@]host[:port][/]`. Without a scheme the URL
// is read as http, and without a port the port is 1080, as curl does with
// its proxy URLs (curl's `--proxy`). Only http: TLS to the proxy itself
// (an https:// proxy) and SOCKS are not supported.
inline result<proxy_endpoint> parse_proxy_url(std::string_view url) {
  std::string text(url);
  if (text.find("://") == std::string::npos)
    text = "http://" + text;
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed)
    return bad_proxy(url, "it is not a URL (expected http://host:port or "
                          "http://user:password@host:port)");
  const boost::urls::url_view& u = *parsed;
  if (u.scheme() != "http")
    return bad_proxy(url, "the scheme must be http (a proxy spoken to in plain HTTP, which "
                          "tunnels TLS to an https server); https and socks proxies are not "
                          "supported");
  if (u.has_query() || u.has_fragment() || (u.encoded_path() != "" && u.encoded_path() != "/"))
    return bad_proxy(url, "it must be only scheme, credentials, host and port (no path, query "
                          "or fragment)");
  proxy_endpoint p;
  url_host h;
  if (std::string why = read_host(u, h); !why.empty())
    return bad_proxy(url, why);
  p.host = std::move(h.host);
  p.authority = std::move(h.authority);
  p.port = h.port.value_or(1080);
  p.authority += ":" + std::to_string(p.port);
  if (u.has_userinfo()) {
    // Percent-decoded, so that a password with ':' or '@' can be written
    // (%3A, %40). Basic credentials are user-id ":" password (RFC 7617 §2).
    std::string user = u.user();
    if (user.find(':') != std::string::npos)
      return bad_proxy(url, "its user name has a ':' (%3A), which Basic credentials cannot "
                            "carry (RFC 7617 §2)");
    p.password = u.password();
    p.authorization = "Basic " + base64(user + ":" + p.password);
  }
  return p;
}

// Whether `host` (as in the base URL, an IPv6 literal without brackets) on
// `port` is in `list`, a NO_PROXY value. As curl reads it (CURLOPT_NOPROXY,
// https://curl.se/libcurl/c/CURLOPT_NOPROXY.html): entries are separated by
// commas, with blanks around them ignored; `*` alone matches every host; a
// name matches itself and every subdomain ("example.com" matches
// api.example.com, not notexample.com), a leading '.' is ignored;
// an IP address matches itself only, an IPv6 one with or without brackets,
// and `address/bits` matches a CIDR range. Names compare without regard
// to case.
//
// Ports: curl's entries have none. Here an entry may end in `:port`
// ("example.com:8443", "[::1]:8000"), and then matches that port only, as
// Go's golang.org/x/net/http/httpproxy reads NO_PROXY; an entry without a
// port matches every port.
inline bool no_proxy_matches(std::string_view list, std::string_view host, std::uint16_t port) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z')
        c = static_cast<char>(c - 'A' + 'a');
    return out;
  };
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
      s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
      s.remove_suffix(1);
    return s;
  };
  std::string name = lower(host);
  while (!name.empty() && name.back() == '.') // "example.com." is example.com
    name.pop_back();
  boost::system::error_code ec;
  const boost::asio::ip::address host_address = boost::asio::ip::make_address(name, ec);
  const bool host_is_ip = !ec;

  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view entry = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty())
      continue;
    if (entry == "*")
      return true;

    // Split off a port: "[v6]:port", "name:port"; a bare IPv6 address has
    // several colons and no port.
    std::string_view what = entry;
    std::string_view port_text;
    if (what.front() == '[') {
      const std::size_t close = what.find(']');
      if (close == std::string_view::npos)
        continue;
      if (close + 1 < what.size()) {
        if (what[close + 1] != ':')
          continue;
        port_text = what.substr(close + 2);
      }
      what = what.substr(1, close - 1);
    } else if (const std::size_t colon = what.find(':');
               colon != std::string_view::npos &&
               what.find(':', colon + 1) == std::string_view::npos) {
      port_text = what.substr(colon + 1);
      what = what.substr(0, colon);
    }
    if (!port_text.empty()) {
      unsigned long p = 0;
      auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
      if (r.ec != std::errc() || r.ptr != port_text.data() + port_text.size() || p != port)
        continue;
    }

    // An address, or an address range.
    std::string_view bits_text;
    if (const std::size_t slash = what.find('/'); slash != std::string_view::npos) {
      bits_text = what.substr(slash + 1);
      what = what.substr(0, slash);
    }
    const boost::asio::ip::address entry_address =
        boost::asio::ip::make_address(std::string(what), ec);
    if (!ec) {
      if (!host_is_ip || host_address.is_v4() != entry_address.is_v4())
        continue;
      if (bits_text.empty()) {
        if (host_address == entry_address)
          return true;
        continue;
      }
      unsigned long bits = 0;
      auto r = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
      if (r.ec != std::errc() || r.ptr != bits_text.data() + bits_text.size())
        continue;
      auto bytes_of = [](const boost::asio::ip::address& a) {
        if (a.is_v4()) {
          auto b = a.to_v4().to_bytes();
          return std::string(b.begin(), b.end());
        }
        auto b = a.to_v6().to_bytes();
        return std::string(b.begin(), b.end());
      };
      const std::string h = bytes_of(host_address);
      const std::string e = bytes_of(entry_address);
      if (bits > h.size() * 8)
        continue;
      bool same = true;
      for (std::size_t i = 0; i < bits && same; ++i) {
        const int shift = 7 - static_cast<int>(i % 8);
        same = ((static_cast<unsigned char>(h[i / 8]) >> shift) & 1) ==
               ((static_cast<unsigned char>(e[i / 8]) >> shift) & 1);
      }
      if (same)
        return true;
      continue;
    }
    if (!bits_text.empty() || host_is_ip)
      continue; // a range of names means nothing; an address is not a name

    std::string suffix = lower(what);
    while (!suffix.empty() && suffix.front() == '.')
      suffix.erase(0, 1);
    while (!suffix.empty() && suffix.back() == '.')
      suffix.pop_back();
    if (suffix.empty())
      continue;
    if (name == suffix)
      return true;
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        name[name.size() - suffix.size() - 1] == '.')
      return true;
  }
  return false;
}

} // namespace detail
} // namespace knobs

#endif
