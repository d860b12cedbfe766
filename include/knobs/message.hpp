// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_MESSAGE_HPP
#define KNOBS_MESSAGE_HPP

/// \file
/// A message of a chat conversation: who wrote it (`role`) and what it says
/// (`message_content`: text, or a list of text and image parts), with the
/// tool calls an assistant made or the call a tool message answers.
///
/// ```cpp
/// knobs::message m;
/// m.role = knobs::role::user;
/// m.content = std::vector<knobs::content_part>{
///     knobs::text_part{"What is in this picture?"},
///     knobs::image_url_part{"https://example.com/night.png", knobs::image_detail::low}};
/// request.message(std::move(m));     // or request.user(parts)
/// ```
///
/// `chat_request`'s `system()`, `developer()`, `user()`, `assistant()` and
/// `tool()` make the common messages; a message made by hand is written as
/// given, and `chat_request::validate()` says which combinations the API
/// rejects. In JSON, a message's keys come in this order: `role`, `name`,
/// `tool_call_id`, `content`, `tool_calls`; a text part is
/// `{"type":"text","text":...}`, an image part
/// `{"type":"image_url","image_url":{"url":...,"detail":...}}`.

#include <knobs/tool_call.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace knobs {

/// Who wrote a message.
enum class role { system, developer, user, assistant, tool };

/// The JSON spelling: "system", "developer", "user", "assistant", "tool".
constexpr std::string_view to_string(role r) noexcept {
  switch (r) {
  case role::system:
    return "system";
  case role::developer:
    return "developer";
  case role::user:
    return "user";
  case role::assistant:
    return "assistant";
  case role::tool:
    return "tool";
  }
  return "";
}

/// How closely a vision model looks at an image: `auto_` lets the server choose
/// (the trailing `_` only avoids the keyword; the JSON is "auto"), `low` is
/// cheaper and coarser, `high` finer and costlier.
enum class image_detail { auto_, low, high };

/// The JSON spelling: "auto", "low", "high".
constexpr std::string_view to_string(image_detail d) noexcept {
  switch (d) {
  case image_detail::auto_:
    return "auto";
  case image_detail::low:
    return "low";
  case image_detail::high:
    return "high";
  }
  return "";
}

/// A text part of a message's content: `{"type":"text","text":text}`.
struct text_part {
  /// The text.
  std::string text;
};

/// An image part of a user message's content:
/// `{"type":"image_url","image_url":{"url":url,"detail":detail}}`.
struct image_url_part {
  /// An http(s) URL, or a `data:image/...;base64,...` URL. Must not be empty.
  std::string url;
  /// Omitted when unset (the server's default is "auto").
  std::optional<image_detail> detail;
};

/// One part of a message's content. Only user messages may hold images;
/// system, developer, assistant and tool messages take text parts only.
using content_part = std::variant<text_part, image_url_part>;

/// A message's content: none (`std::monostate`: only an assistant message that
/// makes tool calls may have none), a string, or a non-empty list of parts.
using message_content = std::variant<std::monostate, std::string, std::vector<content_part>>;

/// One message of the conversation. The builder's `system()`, `developer()`,
/// `user()`, `assistant()` and `tool()` make these; `chat_request::message()`
/// takes one made by hand. Everything set here is written; `validate()` says
/// which combinations the API rejects.
struct message {
  /// Who wrote it.
  knobs::role role = knobs::role::user;
  /// What it says (see `message_content`).
  message_content content;
  /// A name telling apart participants with the same role (system, developer,
  /// user and assistant messages only).
  std::optional<std::string> name;
  /// The calls an assistant message made; omitted when empty.
  std::vector<tool_call> tool_calls;
  /// The call a tool message answers (required on tool messages, only there).
  std::optional<std::string> tool_call_id;
};

} // namespace knobs

#endif
