// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_TOOL_CALL_HPP
#define KNOBS_TOOL_CALL_HPP

/// \file
/// A call the model asked the program to make: shared by requests (an
/// assistant message that made tool calls) and responses.

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

  /// Equal when every member is.
  friend bool operator==(const tool_call& a, const tool_call& b) {
    return a.id == b.id && a.type == b.type && a.name == b.name && a.arguments == b.arguments;
  }
  /// Unequal when any member differs.
  friend bool operator!=(const tool_call& a, const tool_call& b) { return !(a == b); }
};

} // namespace knobs

#endif
