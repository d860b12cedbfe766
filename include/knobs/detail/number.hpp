// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_NUMBER_HPP
#define KNOBS_DETAIL_NUMBER_HPP

#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>

namespace knobs {
namespace detail {

// std::to_chars without a precision is the shortest text that reads back as the
// same double, and it ignores the locale: 0.7 is "0.7" under de_DE too, where
// printf would write "0,7".
inline void append_number(std::string& out, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

inline void append_number(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
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
