#include <knobs/detail/retry.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <optional>

using std::chrono::milliseconds;

namespace {

// 2026-11-27 12:00:00 UTC.
const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1795780800));
const milliseconds cap{60000};

std::optional<milliseconds> wait_for(const char* header, const char* ms_header = "") {
  return knobs::detail::retry_after(ms_header, header, now, cap);
}

} // namespace

TEST_CASE("an HTTP-date is read as seconds since the epoch") {
  CHECK(knobs::detail::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK(knobs::detail::parse_http_date("Fri, 27 Nov 2026 12:00:00 GMT") == 1795780800);
  CHECK(knobs::detail::parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
  CHECK_FALSE(knobs::detail::parse_http_date("Fri, 27 Foo 2026 12:00:00 GMT"));
  CHECK_FALSE(knobs::detail::parse_http_date("Fri, 27 Nov 2026 25:00:00 GMT"));
  CHECK_FALSE(knobs::detail::parse_http_date("Fri, 27 Nov 2026 12:00:00 UTC"));
}

TEST_CASE("Retry-After is honoured within the cap and ignored otherwise") {
  struct row {
    const char* retry_after;
    const char* retry_after_ms;
    std::optional<milliseconds> expected;
  };
  const row table[] = {
      {"2", "", milliseconds(2000)},                    // seconds
      {" 7 ", "", milliseconds(7000)},                  // surrounding blanks
      {"1.5", "", milliseconds(1500)},                  // fractional seconds
      {"60", "", milliseconds(60000)},                  // exactly the cap
      {"61", "", std::nullopt},                         // above the cap: own backoff
      {"0", "", std::nullopt},                          // zero: own backoff
      {"-1", "", std::nullopt},                         // negative
      {"", "", std::nullopt},                           // empty
      {"soon", "", std::nullopt},                       // garbage
      {"1e3", "", std::nullopt},                        // exponents are not seconds
      {"99999999999999999999999999", "", std::nullopt}, // huge
      {"inf", "", std::nullopt},
      {"Fri, 27 Nov 2026 12:00:30 GMT", "", milliseconds(30000)}, // a date 30 s ahead
      {"Fri, 27 Nov 2026 11:59:00 GMT", "", std::nullopt},        // a date in the past
      {"Fri, 27 Nov 2026 13:00:00 GMT", "", std::nullopt},        // a date beyond the cap
      {"", "250", milliseconds(250)},                             // retry-after-ms
      {"5", "1500.5", milliseconds(1501)},                        // retry-after-ms wins
      {"5", "garbage", milliseconds(5000)},                       // bad retry-after-ms: Retry-After
      {"5", "90000", milliseconds(5000)},                         // retry-after-ms above the cap
  };
  for (const auto& r : table) {
    const std::string retry_after = r.retry_after, retry_after_ms = r.retry_after_ms;
    CAPTURE(retry_after);
    CAPTURE(retry_after_ms);
    CHECK(wait_for(r.retry_after, r.retry_after_ms) == r.expected);
  }
}

TEST_CASE("the backoff doubles from 0.5 s, stops at 8 s and loses at most 25 % to jitter") {
  using knobs::detail::backoff_delay;
  CHECK(backoff_delay(0, 0.0) == milliseconds(500));
  CHECK(backoff_delay(1, 0.0) == milliseconds(1000));
  CHECK(backoff_delay(2, 0.0) == milliseconds(2000));
  CHECK(backoff_delay(4, 0.0) == milliseconds(8000));
  CHECK(backoff_delay(10, 0.0) == milliseconds(8000));
  CHECK(backoff_delay(1000, 0.0) == milliseconds(8000));
  CHECK(backoff_delay(0, 0.999) >= milliseconds(375));
  CHECK(backoff_delay(0, 0.5) == milliseconds(437));
  CHECK(backoff_delay(4, 1.0) == milliseconds(6000));
}

TEST_CASE("connection-level retry statuses are 408, 409, 429 and 5xx") {
  for (int s : {408, 409, 429, 500, 502, 503, 504, 529})
    CHECK(knobs::detail::is_retryable_status(s));
  for (int s : {200, 400, 401, 403, 404, 422})
    CHECK_FALSE(knobs::detail::is_retryable_status(s));
}

TEST_CASE("a Retry-After too large for milliseconds is refused, even with no upper limit") {
  const auto now = std::chrono::system_clock::now();
  const auto longest = std::chrono::milliseconds::max();
  CHECK_FALSE(knobs::detail::retry_after("9223372036854775807", "", now, longest).has_value());
  CHECK_FALSE(knobs::detail::retry_after("", "9223372036854775", now, longest).has_value());
  CHECK(knobs::detail::retry_after("1500", "", now, longest) == std::chrono::milliseconds(1500));
}
