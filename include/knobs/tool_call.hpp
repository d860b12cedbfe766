// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_TOOL_CALL_HPP
#define KNOBS_TOOL_CALL_HPP

/// \file
/// A call the model asked the program to make: shared by requests (an
/// assistant message that made tool calls) and responses.

#include <knobs/detail/typed_json.hpp>

#include <string>

namespace knobs {

/// One function call requested by the model. In JSON:
/// `{"id": id, "type": type, "function": {"name": name, "arguments": arguments}}`.
struct tool_call {
  /// The id the tool's answer refers to (`chat_request::tool(id, content)`).
  std::string id;
  /// Always "function" in today's API.
  std::string type = "function";
  /// The function's name.
  std::string name;
  /// The arguments as the model wrote them: JSON text, not guaranteed valid.
  std::string arguments;

  /// The arguments read as an `Args` (a struct described with
  /// BOOST_DESCRIBE_STRUCT, typically the one `function_tool_for<Args>()`
  /// made the tool's schema from). Arguments of white space alone read as
  /// `{}` (a call with no arguments). Never throws for bad input: the error
  /// is `errc::invalid_response` with the JSON path inside the arguments as
  /// `where`, e.g. "the arguments of get_weather (call_1) as weather_args:
  /// city: expected a string, got number 3".
  template <class Args> result<Args> try_parse_arguments() const {
    const boost::json::value empty = boost::json::object();
    const std::string context = "the arguments of " + name + " (" + id + ")";
    auto parsed = detail::parse_json_text(arguments, context, &empty);
    if (!parsed)
      return parsed.error();
    return detail::read_as<Args>(*parsed, context);
  }

  /// The arguments read as an `Args`, as `try_parse_arguments`.
  /// \throws parse_error when they do not read as an `Args`.
  template <class Args> Args parse_arguments() const { return try_parse_arguments<Args>().value(); }

  /// Equal when every member is.
  friend bool operator==(const tool_call& a, const tool_call& b) {
    return a.id == b.id && a.type == b.type && a.name == b.name && a.arguments == b.arguments;
  }
  /// Unequal when any member differs.
  friend bool operator!=(const tool_call& a, const tool_call& b) { return !(a == b); }
};

} // namespace knobs

#endif
