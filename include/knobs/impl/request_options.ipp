// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_REQUEST_OPTIONS_IPP
#define KNOBS_IMPL_REQUEST_OPTIONS_IPP

#include <knobs/request_options.hpp>

#include <knobs/detail/http_field.hpp>

namespace knobs {

result<void> request_options::check() const {
  if (timeout && timeout->count() <= 0)
    return make_error(errc::invalid_request, "timeout must be positive", "timeout");
  if (max_retries && *max_retries < 0)
    return make_error(errc::invalid_request, "max_retries must be >= 0", "max_retries");
  if (stream_idle_timeout && stream_idle_timeout->count() <= 0)
    return make_error(errc::invalid_request, "stream_idle_timeout must be positive",
                      "stream_idle_timeout");
  if (stream_timeout && stream_timeout->count() < 0)
    return make_error(errc::invalid_request, "stream_timeout must be >= 0 (0: no bound)",
                      "stream_timeout");
  if (auto r = detail::check_fields(headers, "headers"); !r)
    return r;
  return detail::check_query(query, "query");
}

request_options request_options::merged(const request_options& over) const {
  request_options out = *this;
  if (over.timeout)
    out.timeout = over.timeout;
  if (over.max_retries)
    out.max_retries = over.max_retries;
  if (over.stream_idle_timeout)
    out.stream_idle_timeout = over.stream_idle_timeout;
  if (over.stream_timeout)
    out.stream_timeout = over.stream_timeout;
  out.headers.insert(out.headers.end(), over.headers.begin(), over.headers.end());
  out.query.insert(out.query.end(), over.query.begin(), over.query.end());
  return out;
}

} // namespace knobs

#endif
