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
  /// The server answers this field with 400 (OpenAI and `top_k`).
  rejected_by_server,
  /// The server drops this field without a word: the knob changes nothing.
  ignored_by_server,
  /// The model's family refuses this field or value (OpenAI's reasoning
  /// models and temperature other than 1).
  rejected_by_model,
  /// The server deprecates this field in favour of another.
  deprecated_field,
  /// Knobs left unset that the server fills with its own reshaping or
  /// cutting values (llama.cpp's server: temperature 0.8, top_k 40, ...).
  server_default_differs,
};

/// A stable snake_case id for the code, fit for logs and for filtering:
/// "temperature_and_top_p", "several_truncation_knobs", "n_at_temperature_zero",
/// "rejected_by_server", "ignored_by_server", "rejected_by_model",
/// "deprecated_field", "server_default_differs".
constexpr std::string_view to_string(warning_code c) noexcept {
  switch (c) {
  case warning_code::temperature_and_top_p:
    return "temperature_and_top_p";
  case warning_code::several_truncation_knobs:
    return "several_truncation_knobs";
  case warning_code::n_at_temperature_zero:
    return "n_at_temperature_zero";
  case warning_code::rejected_by_server:
    return "rejected_by_server";
  case warning_code::ignored_by_server:
    return "ignored_by_server";
  case warning_code::rejected_by_model:
    return "rejected_by_model";
  case warning_code::deprecated_field:
    return "deprecated_field";
  case warning_code::server_default_differs:
    return "server_default_differs";
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
