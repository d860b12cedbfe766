// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_OPTIONS_HPP
#define KNOBS_OPTIONS_HPP

/// \file
/// How a client reaches its server: `knobs::client_options`.

#include <knobs/detail/config.hpp>
#include <knobs/error.hpp>
#include <knobs/server_profile.hpp>
#include <knobs/version.hpp>
#include <knobs/warning.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace knobs {

/// The default `on_warning`: one line on stderr, e.g.
/// `knobs: warning [temperature_and_top_p]: temperature and top_p are both set ...`.
/// A client that has it as its `on_warning` calls it once for each distinct
/// warning; called by you, it prints every time.
KNOBS_DECL void print_warning(const warning& w);

/// How much a client logs: `off`; `info`, one line per attempt (method, URL,
/// status or failure, times to the response's head and end, bytes, whether
/// the connection was reused, the retry and its wait) and per stream's end;
/// `debug`, besides, each request's and response's head and body and each
/// event of a stream. Secrets never appear: the values of `Authorization`,
/// `api-key` and `Proxy-Authorization` are `[redacted]`, and the key (and a
/// proxy's credentials) wherever a server echoes them.
enum class log_level { off, info, debug };

/// "off", "info" or "debug".
KNOBS_DECL std::string_view to_string(log_level level) noexcept;

/// The level the environment asks for: `KNOBS_LOG` = `info` or `debug`
/// (as `OPENAI_LOG` in the official clients); unset, empty or `off` is off.
/// Any other value is an `errc::invalid_request` error naming `KNOBS_LOG`.
KNOBS_DECL result<log_level> log_level_from_env();

/// The default `on_log`: the line on stderr, after "knobs: ".
KNOBS_DECL void print_log(log_level level, std::string_view line);

/// Which header field carries `client_options::api_key`.
enum class key_header {
  /// `Authorization: Bearer <api_key>`: OpenAI and most compatible servers,
  /// and a Microsoft Entra ID token for Azure OpenAI.
  authorization,
  /// `api-key: <api_key>`: an Azure OpenAI resource key.
  api_key
};

/// Everything a client needs to know about its server. The defaults talk to
/// OpenAI; `from_env()` reads the variables the official clients read.
struct client_options {
  /// The API's base URL: scheme, host (IPv6 literals in brackets), optional
  /// port and path prefix. Any OpenAI-compatible server works, e.g.
  /// `http://127.0.0.1:8000/v1` (vLLM) or `http://127.0.0.1:11434/v1` (Ollama).
  /// A URL the client cannot use is an `errc::invalid_request` error naming
  /// `base_url` when the client is made.
  std::string base_url = "https://api.openai.com/v1";

  /// Sent as `Authorization: Bearer <api_key>` (or as `api-key: <api_key>`,
  /// see `api_key_header`) when not empty. Required for api.openai.com;
  /// local servers rarely need one. It never appears in any message, log
  /// line or exception text knobs writes.
  std::string api_key;

  /// The header field that carries `api_key`: `Authorization: Bearer`
  /// (the default) or Azure OpenAI's `api-key` (set by `azure()`).
  key_header api_key_header = key_header::authorization;

  /// Sent as `OpenAI-Organization` when not empty.
  std::string organization;

  /// Sent as `OpenAI-Project` when not empty.
  std::string project;

  /// Extra headers sent with every request, after knobs' own (a header named
  /// here replaces knobs' header of the same name, e.g. `User-Agent`).
  std::vector<std::pair<std::string, std::string>> headers;

  /// Query parameters added to every request's URL, e.g. Azure OpenAI's
  /// `{"api-version", "2024-10-21"}` (openai-python's `default_query`).
  /// Names and values are percent-encoded by knobs; a name may not be empty.
  std::vector<std::pair<std::string, std::string>> query;

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

  /// For a streamed answer: the most the whole stream may take, from the
  /// response's head to its end, however steadily it arrives (a server that
  /// dribbles a byte every second forever never trips `stream_idle_timeout`).
  /// A stream still going at this bound fails with `errc::timeout`, keeping
  /// what arrived (`error_info::partial`). 0 (the default): no bound.
  std::chrono::milliseconds stream_timeout{0};

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

  /// Resolves a host name in place of the system's resolver (getaddrinfo):
  /// to pin a name to an address, as curl's `--resolve` does, or to stand in
  /// for a slow DNS in a test. It runs on a thread of its own and may block;
  /// it returns IP addresses as text ("127.0.0.1", "::1"), tried in order, or
  /// throws (the request fails with a `connection_error` that quotes
  /// `what()`). Either resolver is bounded by `connect_timeout`: a name not
  /// resolved by then is a `timeout_error` at the deadline, and the
  /// resolution, which cannot be stopped, finishes on its own. Null (the
  /// default): the system's resolver.
  std::function<std::vector<std::string>(const std::string& host)> resolve;

  /// A PEM file of extra CA certificates to trust, besides the system's.
  std::string ca_file;

  /// Turns off verification of the server's certificate and host name. Only
  /// for a test server you control: anyone on the path can then read and
  /// change the traffic, API key included.
  bool insecure_skip_tls_verify = false;

  /// An HTTP proxy between the client and the server, as
  /// `http://[user:password@]host:port` (the user name and password
  /// percent-encoded; no scheme reads as http, no port as 1080, as curl does).
  /// An `https://` server is reached through a `CONNECT` tunnel, with TLS
  /// verified against the server, never the proxy; an `http://` server by
  /// sending the request to the proxy with the absolute URL as its target.
  /// Credentials are sent as `Proxy-Authorization: Basic` and, like the API
  /// key, never appear in any message. Empty (the default): no proxy. Only
  /// http proxies: an `https://` or `socks5://` one is refused by `check()`.
  std::string proxy;

  /// Hosts reached directly even when `proxy` is set, as curl's `NO_PROXY`:
  /// comma-separated names, each matching itself and its subdomains (a
  /// leading '.' is ignored), IP addresses (IPv6 with or without brackets)
  /// or CIDR ranges (`10.0.0.0/8`), `*` for every host; an entry ending in
  /// `:port` applies to that port only. Case and blanks around entries do not
  /// matter.
  std::string no_proxy;

  /// The User-Agent header.
  std::string user_agent = default_user_agent;

  /// Called with each of a request's `warnings()` before it is sent. The
  /// default, `print_warning`, prints one line on stderr for each distinct
  /// warning (code and message) once per client, as a loop of requests
  /// repeats them, and says so after the first; your own function is called
  /// for every warning of every request; `nullptr` silences them.
  std::function<void(const warning&)> on_warning = print_warning;

  /// What the server does with each field (see <knobs/server_profile.hpp>).
  /// The client sends each field under the server's spelling, adds the
  /// profile's warnings to each request's (`on_warning`, `strict`), and
  /// `client::server()` says which it is. Unset (the default): the profile
  /// the base URL's host implies (`server_from_url`: OpenAI, Azure OpenAI),
  /// else none (`server_kind::unknown`), until `client::detect_server()`
  /// asks the server.
  std::optional<server_profile> server;

  /// Turns warnings into errors: a request with any warning is not sent and
  /// fails with `errc::strict_warning` (thrown as `request_error`).
  bool strict = false;

  /// What the client logs (see `log_level`). A client logs at this level or
  /// at `KNOBS_LOG`'s, whichever says more: the environment can turn logs on
  /// for a program that never asked for them.
  log_level log = log_level::off;

  /// Where log lines go: one call per line, without a line break, on the
  /// thread that runs the client's executor. The default prints them on
  /// stderr (`print_log`).
  std::function<void(log_level, std::string_view)> on_log = print_log;

  /// Options for an Azure OpenAI resource: `endpoint` is the resource's URL
  /// (`https://NAME.openai.azure.com`, trailing slashes ignored; a gateway's
  /// URL with a path prefix works too). The key goes as `api-key` (set
  /// `api_key` afterwards; for a Microsoft Entra ID token set `api_key` to the
  /// token and `api_key_header` to `key_header::authorization`).
  ///
  /// - With a `deployment`: the dated API, `base_url` =
  ///   `{endpoint}/openai/deployments/{deployment}` (the name
  ///   percent-encoded) and `query` = `{{"api-version", api_version}}`;
  ///   `api_version` (e.g. `"2024-10-21"`) is required. The request's `model`
  ///   is not what picks the model: the deployment is.
  /// - Without one: the v1 API, `base_url` = `{endpoint}/openai/v1`, where the
  ///   request's `model` is the deployment's name. It takes no dated
  ///   `api_version` (refused); a non-dated one such as `"preview"` is sent
  ///   as `api-version`.
  ///
  /// \throws request_error (`where()` == "endpoint" or "api_version") for an
  /// endpoint that is not an http(s) URL without a query, one that already
  /// ends in `/openai/...`, a deployment without an `api_version`, or a dated
  /// `api_version` for the v1 API.
  KNOBS_DECL static client_options azure(std::string_view endpoint,
                                         std::string_view deployment = {},
                                         std::string_view api_version = {});

  /// The non-throwing form of `azure()`.
  KNOBS_DECL static result<client_options> try_azure(std::string_view endpoint,
                                                     std::string_view deployment = {},
                                                     std::string_view api_version = {});

  /// Reads OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID
  /// (an unset or empty variable keeps the default). A missing key is an error
  /// for api.openai.com and allowed for any other server.
  ///
  /// Azure OpenAI, when OPENAI_BASE_URL is unset and AZURE_OPENAI_ENDPOINT is
  /// set (OPENAI_BASE_URL wins when both are): `azure(AZURE_OPENAI_ENDPOINT,
  /// AZURE_OPENAI_DEPLOYMENT, OPENAI_API_VERSION)`, with the key from
  /// AZURE_OPENAI_API_KEY sent as `api-key`, or, when AZURE_OPENAI_AD_TOKEN is
  /// set, that Microsoft Entra ID token sent as `Authorization: Bearer`
  /// (it wins over the key, as in openai-python). One of the two is
  /// required; OPENAI_API_KEY is not read for Azure.
  ///
  /// The proxy as curl reads it: for an https base URL `https_proxy`, else
  /// `HTTPS_PROXY`; for an http one `http_proxy` only (curl never reads
  /// `HTTP_PROXY`: a CGI program gets it from a request's `Proxy:` header);
  /// when that is unset, `all_proxy`, else `ALL_PROXY`. `no_proxy`, else
  /// `NO_PROXY`. The lower-case name wins when both are set.
  /// \throws request_error (`where()` == "OPENAI_API_KEY", "base_url" or
  /// "proxy"; a proxy read from the environment names its variable; for
  /// Azure, the variable at fault: "AZURE_OPENAI_ENDPOINT",
  /// "OPENAI_API_VERSION" or "AZURE_OPENAI_API_KEY").
  KNOBS_DECL static client_options from_env();

  /// The non-throwing form of `from_env()`.
  KNOBS_DECL static result<client_options> try_from_env();

  /// What a client checks when it is made: a usable `base_url`, a usable
  /// `proxy` (or none), a key when the server is api.openai.com, and a key
  /// (or an `Authorization` or `api-key` field in `headers`) when
  /// `api_key_header` is `key_header::api_key`.
  KNOBS_DECL result<void> check() const;
};

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/options.ipp>
#endif

#endif
