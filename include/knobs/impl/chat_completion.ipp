// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_CHAT_COMPLETION_IPP
#define KNOBS_IMPL_CHAT_COMPLETION_IPP

// The compiled part of <knobs/chat_completion.hpp>: the response parser.

#include <knobs/chat_completion.hpp>

#include <knobs/detail/json_read.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace knobs {

namespace detail {

inline void read_members(json_reader& r, const boost::json::object& o, top_logprob& out) {
  r.read(o, "token", out.token);
  r.read(o, "logprob", out.logprob);
  r.read(o, "bytes", out.bytes);
}

inline void read_members(json_reader& r, const boost::json::object& o, token_logprob& out) {
  r.read(o, "token", out.token);
  r.read(o, "logprob", out.logprob);
  r.read(o, "bytes", out.bytes);
  r.read(o, "top_logprobs", out.top_logprobs);
}

inline void read_members(json_reader& r, const boost::json::object& o, choice_logprobs& out) {
  r.read(o, "content", out.content);
  r.read(o, "refusal", out.refusal);
}

inline void read_members(json_reader& r, const boost::json::object& o, usage::prompt_details& out) {
  static constexpr std::array<std::string_view, 2> keys{"cached_tokens", "audio_tokens"};
  const auto m = json_reader::members(o, keys);
  r.read(m[0], keys[0], out.cached_tokens);
  r.read(m[1], keys[1], out.audio_tokens);
}

inline void read_members(json_reader& r, const boost::json::object& o,
                         usage::completion_details& out) {
  static constexpr std::array<std::string_view, 4> keys{"reasoning_tokens", "audio_tokens",
                                                        "accepted_prediction_tokens",
                                                        "rejected_prediction_tokens"};
  const auto m = json_reader::members(o, keys);
  r.read(m[0], keys[0], out.reasoning_tokens);
  r.read(m[1], keys[1], out.audio_tokens);
  r.read(m[2], keys[2], out.accepted_prediction_tokens);
  r.read(m[3], keys[3], out.rejected_prediction_tokens);
}

inline void read_members(json_reader& r, const boost::json::object& o, usage& out) {
  static constexpr std::array<std::string_view, 5> keys{"prompt_tokens", "completion_tokens",
                                                        "total_tokens", "prompt_tokens_details",
                                                        "completion_tokens_details"};
  const auto m = json_reader::members(o, keys);
  r.read(m[0], keys[0], out.prompt_tokens);
  r.read(m[1], keys[1], out.completion_tokens);
  r.read(m[2], keys[2], out.total_tokens);
  r.read(m[3], keys[3], out.prompt_tokens_details);
  r.read(m[4], keys[4], out.completion_tokens_details);
}

inline void read_members(json_reader& r, const boost::json::object& o, tool_call& out) {
  r.read(o, "id", out.id);
  r.read(o, "type", out.type);
  r.in_object(o, "function", [&](const boost::json::object& f) {
    r.read(f, "name", out.name);
    r.read(f, "arguments", out.arguments);
  });
  // A custom tool (`"type": "custom"`) carries its free-form input where a
  // function carries its arguments.
  r.in_object(o, "custom", [&](const boost::json::object& c) {
    r.read(c, "name", out.name);
    r.read(c, "input", out.arguments);
  });
}

// Both spellings of the reasoning text; see assistant_message::reasoning.
inline void read_reasoning(json_reader& r, json_reader::found reasoning_content,
                           json_reader::found reasoning, std::optional<std::string>& out) {
  r.read(reasoning_content, "reasoning_content", out);
  std::optional<std::string> other;
  r.read(reasoning, "reasoning", other);
  if (other)
    out = std::move(other);
}

// The message, the choice and the completion are read with one walk over
// each object (json_reader::members) rather than one search per key: every
// completion has them, and the searches cost more than the walk.
inline void read_members(json_reader& r, const boost::json::object& o, assistant_message& out) {
  static constexpr std::array<std::string_view, 6> keys{
      "role", "content", "refusal", "reasoning_content", "reasoning", "tool_calls"};
  const auto m = json_reader::members(o, keys);
  r.read(m[0], keys[0], out.role);
  r.read(m[1], keys[1], out.content);
  r.read(m[2], keys[2], out.refusal);
  read_reasoning(r, m[3], m[4], out.reasoning);
  r.read(m[5], keys[5], out.tool_calls);
}

inline void read_members(json_reader& r, const boost::json::object& o, choice& out) {
  static constexpr std::array<std::string_view, 4> keys{"index", "message", "finish_reason",
                                                        "logprobs"};
  const auto m = json_reader::members(o, keys);
  r.read(m[0], keys[0], out.index);
  r.require(m[1], keys[1], boost::json::kind::object);
  r.in_object(m[1], keys[1],
              [&](const boost::json::object& message) { read_members(r, message, out.message); });
  r.read(m[2], keys[2], out.finish_reason);
  r.read(m[3], keys[3], out.logprobs);
}

} // namespace detail

std::optional<error_info> detail::parse_chat_completion_into(std::string_view body,
                                                             chat_completion& out) {
  result<boost::json::object> parsed = detail::parse_json_object(body);
  if (!parsed)
    return parsed.error();

  detail::adopt(out.raw, std::move(*parsed));
  const boost::json::object& o = out.raw;
  detail::json_reader r;
  static constexpr std::array<std::string_view, 8> keys{
      "object", "id", "created", "model", "system_fingerprint", "service_tier", "choices", "usage"};
  const auto m = detail::json_reader::members(o, keys);
  detail::check_body_kind(r, o, "chat.completion", body, m[0].value, m[6].value != nullptr);
  r.read(m[1], keys[1], out.id);
  r.read(m[2], keys[2], out.created);
  r.read(m[3], keys[3], out.model);
  r.read(m[4], keys[4], out.system_fingerprint);
  r.read(m[5], keys[5], out.service_tier);
  r.require(m[6], keys[6], boost::json::kind::array);
  r.each_object(m[6], keys[6], [&](const boost::json::object& c, std::size_t position) {
    choice& ch = out.choices.emplace_back();
    ch.index = static_cast<std::int64_t>(position);
    detail::read_members(r, c, ch);
  });
  r.read(m[7], keys[7], out.usage);
  if (r.failed())
    return r.take_error();
  return std::nullopt;
}

result<chat_completion> try_parse_chat_completion(std::string_view body) {
  chat_completion out;
  if (auto e = detail::parse_chat_completion_into(body, out))
    return std::move(*e);
  return out;
}

chat_completion parse_chat_completion(std::string_view body) {
  result<chat_completion> r = try_parse_chat_completion(body);
  if (!r)
    throw parse_error(r.error());
  return std::move(*r);
}

namespace detail {

result<boost::json::value> structured_answer(const chat_completion& c) {
  if (c.choices.empty())
    return make_error(errc::invalid_response,
                      "the completion has no choice, so there is no answer to read", "choices");
  const choice& first = c.choices.front();
  const assistant_message& m = first.message;
  if (m.refusal)
    return make_error(errc::refused, refusal_error::prefix() + *m.refusal,
                      "choices[0].message.refusal");
  const bool cut = first.finish_reason && *first.finish_reason == "length";
  if (!m.content) {
    std::string why = "the answer has no content";
    if (!m.tool_calls.empty())
      why += " (the model called " + std::to_string(m.tool_calls.size()) +
             (m.tool_calls.size() == 1 ? " tool" : " tools") + " instead)";
    else if (first.finish_reason)
      why += " (finish_reason \"" + *first.finish_reason + "\")";
    return make_error(errc::invalid_response, why, "choices[0].message.content");
  }
  auto parsed = parse_json_text(*m.content, "the answer");
  if (parsed)
    return parsed;
  // (result::error() returns a copy.)
  error_info e = parsed.error();
  if (cut)
    e.message = "the answer was cut off by max_tokens (finish_reason \"length\") before its "
                "JSON ended: " +
                e.message;
  e.where = "choices[0].message.content";
  return e;
}

} // namespace detail

} // namespace knobs

#endif
