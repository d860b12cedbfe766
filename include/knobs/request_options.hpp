// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_REQUEST_OPTIONS_HPP
#define KNOBS_REQUEST_OPTIONS_HPP

/// \file
/// Options for some requests, over a client's own: `knobs::request_options`,
/// as openai-python's `with_options()`, `extra_headers` and `extra_query`.

#include <knobs/detail/config.hpp>
#include <knobs/error.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace knobs {

/// What the requests made through `client::with_options(o)` or
/// `async_client::with_options(o)` do differently from the client's
/// `client_options`; unset fields keep the client's. For create and stream
/// alike, e.g. one slow request among fast ones:
///
/// ```cpp
/// knobs::request_options slow;
/// slow.timeout = std::chrono::minutes(10);
/// slow.headers = {{"X-Trace", "report-42"}};
/// auto r = client.with_options(slow).create(request);
/// ```
struct request_options {
  /// Each attempt's bound (`client_options::timeout`).
  std::optional<std::chrono::milliseconds> timeout;
  /// How many times a failed attempt is retried (`client_options::max_retries`).
  std::optional<int> max_retries;
  /// A stream's longest wait for more (`client_options::stream_idle_timeout`).
  std::optional<std::chrono::milliseconds> stream_idle_timeout;
  /// A stream's whole length from its head to its end, 0 for no bound
  /// (`client_options::stream_timeout`).
  std::optional<std::chrono::milliseconds> stream_timeout;
  /// Header fields added to each request; one named as a field the client
  /// sends (knobs' own or `client_options::headers`) replaces it.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Query parameters added to each request's URL, after the client's
  /// (`client_options::query`); percent-encoded by knobs.
  std::vector<std::pair<std::string, std::string>> query;

  /// Why these options cannot be used (a negative retry count, a header
  /// field that would break the framing, ...): an `errc::invalid_request`
  /// error whose `where` names the field.
  KNOBS_DECL result<void> check() const;

  /// These options with `over` on top: what `over` sets replaces, its
  /// headers and query parameters come after these.
  KNOBS_DECL request_options merged(const request_options& over) const;
};

namespace detail {

// A with_options client's request options, and what they make of each of
// its requests, built once when the client is made: the request heads up to
// "Content-Length: " (empty when the client's own serve: no extra headers or
// query) and the URL its log lines name.
struct request_overrides {
  request_options options;
  std::string json_head;
  std::string stream_head;
  std::string log_url;
};

} // namespace detail
} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/request_options.ipp>
#endif

#endif
