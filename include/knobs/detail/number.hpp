// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_NUMBER_HPP
#define KNOBS_DETAIL_NUMBER_HPP

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>

namespace knobs {
namespace detail {

// The text std::to_chars(v) writes, for the doubles a request carries most (a
// knob such as 0.7, with a few decimals), in a few steps instead of its
// general algorithm; false, writing nothing, for any other value.
//
// Why it is the same text: |v| = m / 10^k, with m and 10^k exact doubles and
// the division rounded as reading the decimal m·10^-k rounds it, means that
// decimal reads back as v. The least such k gives the fewest digits: a
// shorter decimal that read back as v would sit within 10^k·ulp(v) < 10^-5 of
// an integer at its own k and be found first. Two decimals of the same k
// cannot both read back as v (ulp(v) < 10^-4 here). And to_chars writes that
// decimal in fixed notation unless scientific notation is shorter, which is
// left to to_chars. (The unit test compares the two over many values.)
inline bool append_few_decimals(std::string& out, double v) {
  const double a = v < 0 ? -v : v;
  if (!(a >= 1e-3 && a < 1e7)) // and not NaN
    return false;
  static constexpr double scale[] = {1, 10, 100, 1000, 10000};
  for (int k = 0; k < 5; ++k) {
    // a * 10^k < 1e11, so adding 0.5 is exact and the cast rounds to nearest.
    const auto m = static_cast<std::uint64_t>(a * scale[k] + 0.5);
    if (static_cast<double>(m) / scale[k] != a)
      continue;
    char digits[24];
    const int d = static_cast<int>(std::to_chars(digits, digits + sizeof digits, m).ptr - digits);
    // Only at k = 0 can m end in zeros (1000000 has one significant digit).
    int significant = d;
    while (significant > 1 && digits[significant - 1] == '0')
      --significant;
    const int fixed = (a >= 1 ? d - k : 1) + (k > 0 ? 1 + k : 0);
    const int scientific = significant + (significant > 1 ? 1 : 0) + 4; // e+06, e-03
    if (fixed > scientific)
      return false;
    char buf[32];
    char* p = buf;
    if (v < 0)
      *p++ = '-';
    if (a >= 1) {
      for (int i = 0; i < d - k; ++i)
        *p++ = digits[i];
      if (k > 0)
        *p++ = '.';
      for (int i = d - k; i < d; ++i)
        *p++ = digits[i];
    } else {
      *p++ = '0';
      *p++ = '.';
      for (int i = d; i < k; ++i)
        *p++ = '0';
      for (int i = 0; i < d; ++i)
        *p++ = digits[i];
    }
    out.append(buf, static_cast<std::size_t>(p - buf));
    return true;
  }
  return false;
}

// std::to_chars without a precision is the shortest text that reads back as the
// same double, and it ignores the locale: 0.7 is "0.7" under de_DE too, where
// printf would write "0,7".
inline void append_number(std::string& out, double v) {
  if (append_few_decimals(out, v))
    return;
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

inline void append_number(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

inline std::string format_number(double v) {
  std::string s;
  append_number(s, v);
  return s;
}

inline std::string format_number(std::int64_t v) {
  std::string s;
  append_number(s, v);
  return s;
}

} // namespace detail
} // namespace knobs

#endif
