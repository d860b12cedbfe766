// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_OPTIONS_HPP
#define KNOBS_OPTIONS_HPP

/// \file
/// How a client reaches its server: `knobs::client_options`.

#include <knobs/chat_request.hpp>
#include <knobs/detail/url.hpp>
#include <knobs/error.hpp>
#include <knobs/version.hpp>

#include <boost/beast/core/string.hpp>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace knobs {

namespace detail {

// Why `value` cannot be an HTTP field value (RFC 9110: visible characters,
// space, tab and bytes from 0x80), or an empty string when it can. A CR or LF
// would end the field and let the rest pass as fields of its own.
inline std::string field_value_problem(std::string_view value) {
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7F) {
      static constexpr char hex[] = "0123456789ABCDEF";
      return std::string("contains the control character 0x") + hex[c >> 4] + hex[c & 0xF] +
             (c == '\r' || c == '\n' ? ", which would end the header field" : "");
    }
  }
  return {};
}

// Why `name` cannot be an HTTP field name (a token: letters, digits and
// !#$%&'*+-.^_`|~), or an empty string when it can.
inline std::string field_name_problem(std::string_view name) {
  if (name.empty())
    return "is empty";
  for (const char c : name) {
    const bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token)
      return "contains a character that is not allowed in a header name";
  }
  return {};
}

} // namespace detail

/// The default `on_warning`: one line on stderr, e.g.
/// `knobs: warning [temperature_and_top_p]: temperature and top_p are both set ...`.
inline void print_warning(const warning& w) {
  std::cerr << "knobs: warning [" << to_string(w.code) << "]: " << w.message << '\n';
}

/// Everything a client needs to know about its server. The defaults talk to
/// OpenAI; `from_env()` reads the variables the official clients read.
struct client_options {
  /// The API's base URL: scheme, host (IPv6 literals in brackets), optional
  /// port and path prefix. Any OpenAI-compatible server works, e.g.
  /// `http://127.0.0.1:8000/v1` (vLLM) or `http://127.0.0.1:11434/v1` (Ollama).
  /// A URL the client cannot use is an `errc::invalid_request` error naming
  /// `base_url` when the client is made.
  std::string base_url = "https://api.openai.com/v1";

  /// Sent as `Authorization: Bearer <api_key>` when not empty. Required for
  /// api.openai.com; local servers rarely need one. It never appears in any
  /// message, log line or exception text knobs writes.
  std::string api_key;

  /// Sent as `OpenAI-Organization` when not empty.
  std::string organization;

  /// Sent as `OpenAI-Project` when not empty.
  std::string project;

  /// Extra headers sent with every request, after knobs' own (a header named
  /// here replaces knobs' header of the same name, e.g. `User-Agent`).
  std::vector<std::pair<std::string, std::string>> headers;

  /// The longest one attempt may take, from connecting to the last byte of the
  /// response. Each retry gets a fresh allowance.
  std::chrono::milliseconds timeout = std::chrono::seconds(600);

  /// The longest resolving and connecting (and the TLS handshake) may take.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);

  /// For a streamed answer: `timeout` covers the attempt up to the response's
  /// head; after that, each wait for more of the stream may take at most this
  /// long (a stalled stream fails with `errc::timeout`), however long the
  /// whole stream lasts. Generous by default, because a reasoning model may
  /// think for minutes before its first token.
  std::chrono::milliseconds stream_idle_timeout = std::chrono::seconds(300);

  /// For a streamed answer: the largest single Server-Sent Event accepted; a
  /// larger one ends the stream with `errc::invalid_response`.
  std::size_t max_event_bytes = std::size_t(16) << 20;

  /// How many times a failed attempt is retried: connection errors, timeouts,
  /// 408, 409, 429 and 5xx (or as the server's `x-should-retry` says).
  int max_retries = 2;

  /// The longest wait a server's `Retry-After` / `retry-after-ms` is honoured
  /// for; a longer (or unusable) one falls back to exponential backoff.
  std::chrono::milliseconds max_retry_after = std::chrono::seconds(60);

  /// The most connections open to the server at once; further requests wait
  /// for a free one. Idle connections are kept for reuse (keep-alive).
  std::size_t max_connections = 16;

  /// The largest response body accepted; a larger one is an
  /// `errc::invalid_response` error and the connection is closed.
  std::size_t max_response_bytes = std::size_t(64) << 20;

  /// A PEM file of extra CA certificates to trust, besides the system's.
  std::string ca_file;

  /// Turns off verification of the server's certificate and host name. Only
  /// for a test server you control: anyone on the path can then read and
  /// change the traffic, API key included.
  bool insecure_skip_tls_verify = false;

  /// The User-Agent header.
  std::string user_agent = default_user_agent;

  /// Called with each of a request's `warnings()` before it is sent. The
  /// default prints one line on stderr (`print_warning`); set it to your own
  /// function to route them, or to `nullptr` to silence them.
  std::function<void(const warning&)> on_warning = print_warning;

  /// Turns warnings into errors: a request with any warning is not sent and
  /// fails with `errc::strict_warning` (thrown as `request_error`).
  bool strict = false;

  /// Reads OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID
  /// (an unset or empty variable keeps the default). A missing key is an error
  /// for api.openai.com and allowed for any other server.
  /// \throws request_error (`where()` == "OPENAI_API_KEY" or "base_url").
  static client_options from_env() { return try_from_env().value(); }

  /// The non-throwing form of `from_env()`.
  static result<client_options> try_from_env() {
    client_options o;
    auto env = [](const char* name) {
      const char* v = std::getenv(name);
      return std::string(v ? v : "");
    };
    if (auto v = env("OPENAI_BASE_URL"); !v.empty())
      o.base_url = v;
    o.api_key = env("OPENAI_API_KEY");
    o.organization = env("OPENAI_ORG_ID");
    o.project = env("OPENAI_PROJECT_ID");
    if (auto r = o.check(); !r)
      return r.error();
    return o;
  }

  /// What a client checks when it is made: a usable `base_url`, and a key
  /// when the server is api.openai.com.
  result<void> check() const {
    auto ep = detail::parse_base_url(base_url);
    if (!ep)
      return ep.error();
    if (api_key.empty() && ep->host == "api.openai.com")
      return make_error(errc::invalid_request,
                        "an API key is required for api.openai.com: set OPENAI_API_KEY, or "
                        "client_options::api_key, or point OPENAI_BASE_URL at another server",
                        "OPENAI_API_KEY");
    // Every string that goes into a header field. The key's own characters
    // are never quoted.
    const std::pair<const char*, const std::string*> fields[] = {
        {"api_key", &api_key}, {"organization", &organization}, {"project", &project},
        {"user_agent", &user_agent}};
    for (const auto& [name, value] : fields)
      if (std::string problem = detail::field_value_problem(*value); !problem.empty())
        return make_error(errc::invalid_request, std::string(name) + " " + problem, name);
    for (std::size_t i = 0; i < headers.size(); ++i) {
      const auto& [name, value] = headers[i];
      const std::string where = "headers[" + std::to_string(i) + "]";
      if (std::string problem = detail::field_name_problem(name); !problem.empty())
        return make_error(errc::invalid_request, where + ": the name " + problem, where);
      if (boost::beast::iequals(name, "content-length") ||
          boost::beast::iequals(name, "transfer-encoding"))
        return make_error(errc::invalid_request,
                          where + ": " + name + " is set by knobs from the body", where);
      if (std::string problem = detail::field_value_problem(value); !problem.empty())
        return make_error(errc::invalid_request,
                          where + ": the value of " + name + " " + problem, where);
    }
    if (max_retries < 0)
      return make_error(errc::invalid_request, "max_retries must be >= 0", "max_retries");
    if (max_event_bytes == 0)
      return make_error(errc::invalid_request, "max_event_bytes must be >= 1", "max_event_bytes");
    if (stream_idle_timeout.count() <= 0)
      return make_error(errc::invalid_request, "stream_idle_timeout must be positive",
                        "stream_idle_timeout");
    if (max_connections == 0)
      return make_error(errc::invalid_request, "max_connections must be >= 1",
                        "max_connections");
    return {};
  }
};

} // namespace knobs

#endif
