// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_RETRY_HPP
#define KNOBS_DETAIL_RETRY_HPP

// When to retry and how long to wait: the backoff schedule and the parsing of
// the servers' `retry-after-ms` and `Retry-After` headers.

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

namespace knobs {
namespace detail {

// Statuses worth another attempt: the request may well succeed if repeated.
inline bool is_retryable_status(int status) noexcept {
  return status == 408 || status == 409 || status == 429 || status >= 500;
}

// The default wait before retry number `attempt` (0 for the first retry):
// 0.5 s * 2^attempt, capped at 8 s, minus up to 25 % jitter so that clients
// that failed together do not retry together. `jitter` is in [0, 1).
inline std::chrono::milliseconds backoff_delay(int attempt, double jitter) noexcept {
  double seconds = std::min(0.5 * std::pow(2.0, std::min(attempt, 30)), 8.0);
  seconds *= 1.0 - 0.25 * std::clamp(jitter, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0));
}

inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// A non-negative decimal number ("2", "1.5"); nullopt for anything else,
// including signs, exponents, inf and nan, which no server means here.
inline std::optional<double> parse_plain_number(std::string_view s) noexcept {
  s = trim(s);
  if (s.empty() || s.size() > 32)
    return std::nullopt;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '.'))
      return std::nullopt;
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size())
    return std::nullopt;
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil): no timegm, which is neither standard nor thread-safe
// everywhere.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// An HTTP-date in the preferred IMF-fixdate form, "Sun, 06 Nov 1994 08:49:37 GMT"
// (RFC 9110 section 5.6.7), as seconds since the epoch.
inline std::optional<std::int64_t> parse_http_date(std::string_view s) noexcept {
  s = trim(s);
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
    return std::nullopt;
  auto number = [&](std::size_t pos, std::size_t len) -> std::optional<unsigned> {
    unsigned v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9')
        return std::nullopt;
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return v;
  };
  static constexpr std::array<std::string_view, 12> months{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  unsigned month = 0;
  for (unsigned i = 0; i < months.size(); ++i)
    if (s.substr(8, 3) == months[i])
      month = i + 1;
  auto day = number(5, 2), year = number(12, 4), hh = number(17, 2), mm = number(20, 2),
       ss = number(23, 2);
  if (!month || !day || !year || !hh || !mm || !ss || *day < 1 || *day > 31 || *hh > 23 ||
      *mm > 59 || *ss > 60)
    return std::nullopt;
  return days_from_civil(*year, month, *day) * 86400 + *hh * 3600 + *mm * 60 + *ss;
}

// How long the server asked us to wait, from `retry-after-ms` (milliseconds,
// preferred when present and valid) or `Retry-After` (seconds, or an HTTP-date
// compared with `now`). As the official OpenAI clients do, a wait is honoured
// only when it is positive and at most `longest`; otherwise (absent, garbage,
// zero, negative, a date in the past, too long) the result is nullopt and the
// caller falls back to its own backoff.
inline std::optional<std::chrono::milliseconds>
retry_after(std::string_view retry_after_ms, std::string_view retry_after_header,
            std::chrono::system_clock::time_point now, std::chrono::milliseconds longest) {
  using std::chrono::milliseconds;
  auto accept = [&](double ms) -> std::optional<milliseconds> {
    // 2^63 and above cannot be a count of milliseconds (and converting it
    // would be undefined); below it, rounding up may pass `longest` by a
    // fraction of a millisecond, which the clamp takes back.
    if (!(ms > 0) || !(ms < 9223372036854775808.0) || ms > static_cast<double>(longest.count()))
      return std::nullopt;
    return std::min(milliseconds(static_cast<std::int64_t>(std::ceil(ms))), longest);
  };
  if (auto ms = parse_plain_number(retry_after_ms))
    if (auto wait = accept(*ms))
      return wait;
  if (auto seconds = parse_plain_number(retry_after_header))
    return accept(*seconds * 1000.0);
  if (auto date = parse_http_date(retry_after_header)) {
    auto now_ms = std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count();
    return accept(static_cast<double>(*date * 1000 - now_ms));
  }
  return std::nullopt;
}

} // namespace detail
} // namespace knobs

#endif
