// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_WARNING_HPP
#define KNOBS_WARNING_HPP

/// \file
/// What a request's lint finds (`chat_request::warnings()`): legal requests
/// that probably do not do what their author meant, each with a stable code
/// and a message that says what to do instead.
///
/// ```cpp
/// for (const knobs::warning& w : request.warnings())
///   std::cerr << knobs::to_string(w.code) << ": " << w.message << '\n';
/// ```
///
/// The client reports them through `client_options::on_warning` before it
/// sends a request; `strict` turns them into errors.

#include <string>
#include <string_view>

namespace knobs {

/// What `chat_request::warnings()` found: legal requests that probably do not
/// do what their author meant.
enum class warning_code {
  /// temperature and top_p are both set, neither at its neutral value (1).
  temperature_and_top_p,
  /// Two or more of the truncation knobs top_p, top_k and min_p are set to
  /// values that cut (top_p 1 and min_p 0 cut nothing).
  several_truncation_knobs,
  /// n > 1 at temperature 0: every choice is the same greedy answer.
  n_at_temperature_zero,
};

/// A stable snake_case id for the code, fit for logs and for filtering:
/// "temperature_and_top_p", "several_truncation_knobs", "n_at_temperature_zero".
constexpr std::string_view to_string(warning_code c) noexcept {
  switch (c) {
  case warning_code::temperature_and_top_p:
    return "temperature_and_top_p";
  case warning_code::several_truncation_knobs:
    return "several_truncation_knobs";
  case warning_code::n_at_temperature_zero:
    return "n_at_temperature_zero";
  }
  return "";
}

/// One suspicious-but-legal thing about a request.
struct warning {
  /// What kind of thing; stable across versions.
  warning_code code;
  /// What is set, why it is suspicious and what to do instead. The wording may
  /// change between versions; match on `code`.
  std::string message;
};

} // namespace knobs

#endif
