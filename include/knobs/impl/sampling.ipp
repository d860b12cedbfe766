// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_SAMPLING_IPP
#define KNOBS_IMPL_SAMPLING_IPP

// The compiled part of sampling.hpp: the error messages of the knobs' range
// checks, and the checks of logit_bias, stop and reasoning_effort. The range
// checks themselves stay in the header, where a knob literal is checked at
// compile time.

#include <knobs/sampling.hpp>

#include <knobs/detail/number.hpp>
#include <knobs/error.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace knobs {

std::string detail::describe(const real_range& r) {
  if (r.hi == std::numeric_limits<double>::infinity())
    return std::string(r.lo_open ? "finite and > " : "finite and >= ") + format_number(r.lo);
  return (r.lo_open ? "in (" : "in [") + format_number(r.lo) + ", " + format_number(r.hi) + "]";
}

std::string detail::describe(const int_range& r) {
  if (r.hi == std::numeric_limits<std::int64_t>::max())
    return ">= " + format_number(r.lo);
  return "in [" + format_number(r.lo) + ", " + format_number(r.hi) + "]";
}

error_info detail::out_of_range(const real_range& r, double v) {
  return make_error(errc::invalid_knob,
                    std::string(r.name) + " must be " + describe(r) + ", got " + format_number(v),
                    r.name);
}

error_info detail::out_of_range(const int_range& r, std::int64_t v) {
  return make_error(errc::invalid_knob,
                    std::string(r.name) + " must be " + describe(r) + ", got " + format_number(v),
                    r.name);
}

result<void> logit_bias::try_add(std::int64_t token_id, double bias) {
  if (token_id < 0)
    return make_error(errc::invalid_knob,
                      "logit_bias token id must be >= 0, got " + detail::format_number(token_id),
                      "logit_bias");
  if (!detail::in_range(detail::real_range{"", -100.0, 100.0, false}, bias))
    return make_error(errc::invalid_knob,
                      "logit_bias[" + detail::format_number(token_id) +
                          "] must be in [-100, 100], got " + detail::format_number(bias),
                      "logit_bias");
  if (!entries_.emplace(token_id, bias).second)
    return make_error(errc::invalid_knob,
                      "logit_bias token id " + detail::format_number(token_id) + " is given twice",
                      "logit_bias");
  return {};
}

std::optional<error_info> stop::check(const std::vector<std::string>& s) {
  if (s.empty() || s.size() > 4)
    return make_error(errc::invalid_knob,
                      "stop must hold 1 to 4 sequences, got " +
                          detail::format_number(static_cast<std::int64_t>(s.size())),
                      "stop");
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i].empty())
      return make_error(errc::invalid_knob,
                        "stop[" + detail::format_number(static_cast<std::int64_t>(i)) +
                            "] must not be empty",
                        "stop");
  return std::nullopt;
}

result<reasoning_effort> parse_reasoning_effort(std::string_view s) {
  for (auto e : {reasoning_effort::none, reasoning_effort::minimal, reasoning_effort::low,
                 reasoning_effort::medium, reasoning_effort::high, reasoning_effort::xhigh,
                 reasoning_effort::max})
    if (to_string(e) == s)
      return e;
  return make_error(errc::invalid_knob,
                    "reasoning_effort must be one of none, minimal, low, medium, high, xhigh, "
                    "max, got \"" +
                        std::string(s) + "\"",
                    "reasoning_effort");
}

} // namespace knobs

#endif
