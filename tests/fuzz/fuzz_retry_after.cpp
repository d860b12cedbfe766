// libFuzzer target: detail::retry_after, the reading of a server's
// `retry-after-ms` and `Retry-After` headers, and the HTTP-date parser under it.
//
// Input layout: 1 byte choosing the longest wait honoured (max_retry_after) and
// the clock, then the `retry-after-ms` value, a '\n', and the `Retry-After`
// value (no '\n': the whole rest is `Retry-After` and `retry-after-ms` is
// absent).
//
// Invariants: nothing crashes, UBSan included; a wait is either nullopt or in
// [1 ms, longest]; a usable `retry-after-ms` wins and is rounded up to whole
// milliseconds; a parsed HTTP-date lies in years 0000..9999 (or on the leap
// second after them).
#include <knobs/detail/retry.hpp>

#include "fuzz.hpp"

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  using std::chrono::system_clock;
  if (size < 1)
    return 0;
  // max_retry_after is the user's: the default, small and odd values, and the
  // largest a std::chrono::milliseconds holds ("always honour the server").
  const milliseconds longests[] = {seconds(60),
                                   milliseconds(1),
                                   milliseconds(0),
                                   milliseconds(-1),
                                   seconds(600),
                                   std::chrono::hours(24 * 365),
                                   milliseconds(9007199254740992),
                                   milliseconds::max()};
  milliseconds longest = longests[data[0] & 7];
  // The clock: now (late 2026), the epoch, and the far future.
  const system_clock::time_point nows[] = {system_clock::time_point(seconds(1795780800)),
                                           system_clock::time_point(),
                                           system_clock::time_point(seconds(253402300799)),
                                           system_clock::time_point(seconds(784111777))};
  const system_clock::time_point now = nows[(data[0] >> 3) & 3];

  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string_view ms_header, header = rest;
  if (const std::size_t nl = rest.find('\n'); nl != std::string_view::npos) {
    ms_header = rest.substr(0, nl);
    header = rest.substr(nl + 1);
  }

  const std::optional<milliseconds> wait =
      knobs::detail::retry_after(ms_header, header, now, longest);
  if (wait)
    KNOBS_FUZZ_CHECK(wait->count() >= 1 && *wait <= longest);

  const std::optional<double> ms = knobs::detail::parse_plain_number(ms_header);
  if (ms) {
    KNOBS_FUZZ_CHECK(std::isfinite(*ms) && *ms >= 0);
    // Where doubles are exact (below 2^53), a usable value is honoured as is.
    if (*ms > 0 && *ms <= 9007199254740992.0) {
      const auto want = static_cast<std::int64_t>(std::ceil(*ms));
      if (want <= longest.count())
        KNOBS_FUZZ_CHECK(wait && wait->count() == want);
    }
  }

  if (const std::optional<std::int64_t> date = knobs::detail::parse_http_date(header)) {
    constexpr std::int64_t first = knobs::detail::days_from_civil(0, 1, 1) * 86400;
    constexpr std::int64_t after = knobs::detail::days_from_civil(10000, 1, 1) * 86400;
    KNOBS_FUZZ_CHECK(*date >= first && *date <= after); // 9999-12-31 23:59:60 is `after`
  }
  return 0;
}
