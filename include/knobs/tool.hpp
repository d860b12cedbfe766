// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_TOOL_HPP
#define KNOBS_TOOL_HPP

/// \file
/// The tools a request offers the model (`function_tool`) and whether and
/// which one it must call (`tool_choice`). The calls the model then makes are
/// `tool_call`s (`<knobs/tool_call.hpp>`).
///
/// ```cpp
/// request.tools({knobs::function_tool{"get_weather", "The weather in a city", parameters}})
///     .tool_choice(knobs::tool_choice::function("get_weather"));
/// ```
///
/// In JSON a tool is `{"type":"function","function":{"name":...,
/// "description":...,"parameters":...,"strict":...}}` in that key order, unset
/// members omitted, the parameters schema in its own key order; a tool choice
/// is "none", "auto", "required" or `{"type":"function","function":{"name":...}}`.
/// `chat_request::validate()` checks the names and that a named function is
/// one of the tools.

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace knobs {

/// A function the model may call: `{"type":"function","function":{...}}`.
struct function_tool {
  /// 1 to 64 of a-z, A-Z, 0-9, `_` and `-`.
  std::string name;
  /// What the function does; the model reads it to decide when to call it.
  std::optional<std::string> description;
  /// A JSON Schema object for the arguments; omitted when unset (no arguments).
  std::optional<boost::json::object> parameters;
  /// Make the model follow `parameters` exactly (OpenAI). Omitted when unset.
  std::optional<bool> strict;
};

/// Whether and which tool the model must call.
class tool_choice {
public:
  /// "none": the model does not call a tool.
  static tool_choice none() { return tool_choice("none", {}); }
  /// "auto": the model decides (the default when tools are given). The
  /// trailing `_` only avoids the keyword.
  static tool_choice auto_() { return tool_choice("auto", {}); }
  /// "required": the model calls at least one tool.
  static tool_choice required() { return tool_choice("required", {}); }
  /// `{"type":"function","function":{"name":name}}`: the model calls this
  /// function, which must be one of the request's tools.
  static tool_choice function(std::string name) { return tool_choice("function", std::move(name)); }

  /// "none", "auto", "required", or "function" for a named function.
  std::string_view mode() const noexcept { return mode_; }
  /// The function's name when `mode()` is "function"; empty otherwise.
  const std::string& function_name() const noexcept { return function_name_; }

private:
  tool_choice(std::string_view mode, std::string name)
      : mode_(mode), function_name_(std::move(name)) {}

  std::string_view mode_; // always one of the literals above
  std::string function_name_;
};

} // namespace knobs

#endif
