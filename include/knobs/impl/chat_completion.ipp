// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_CHAT_COMPLETION_IPP
#define KNOBS_IMPL_CHAT_COMPLETION_IPP

// The compiled part of <knobs/chat_completion.hpp>: the response parser.

#include <knobs/chat_completion.hpp>

#include <knobs/detail/json_read.hpp>

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
  r.read(o, "cached_tokens", out.cached_tokens);
  r.read(o, "audio_tokens", out.audio_tokens);
}

inline void read_members(json_reader& r, const boost::json::object& o,
                         usage::completion_details& out) {
  r.read(o, "reasoning_tokens", out.reasoning_tokens);
  r.read(o, "audio_tokens", out.audio_tokens);
  r.read(o, "accepted_prediction_tokens", out.accepted_prediction_tokens);
  r.read(o, "rejected_prediction_tokens", out.rejected_prediction_tokens);
}

inline void read_members(json_reader& r, const boost::json::object& o, usage& out) {
  r.read(o, "prompt_tokens", out.prompt_tokens);
  r.read(o, "completion_tokens", out.completion_tokens);
  r.read(o, "total_tokens", out.total_tokens);
  r.read(o, "prompt_tokens_details", out.prompt_tokens_details);
  r.read(o, "completion_tokens_details", out.completion_tokens_details);
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
inline void read_reasoning(json_reader& r, const boost::json::object& o,
                           std::optional<std::string>& out) {
  r.read(o, "reasoning_content", out);
  std::optional<std::string> reasoning;
  r.read(o, "reasoning", reasoning);
  if (reasoning)
    out = std::move(reasoning);
}

inline void read_members(json_reader& r, const boost::json::object& o, assistant_message& out) {
  r.read(o, "role", out.role);
  r.read(o, "content", out.content);
  r.read(o, "refusal", out.refusal);
  read_reasoning(r, o, out.reasoning);
  r.read(o, "tool_calls", out.tool_calls);
}

inline void read_members(json_reader& r, const boost::json::object& o, choice& out) {
  r.read(o, "index", out.index);
  r.require(o, "message", boost::json::kind::object);
  r.in_object(o, "message", [&](const boost::json::object& m) { read_members(r, m, out.message); });
  r.read(o, "finish_reason", out.finish_reason);
  r.read(o, "logprobs", out.logprobs);
}

} // namespace detail

result<chat_completion> try_parse_chat_completion(std::string_view body) {
  result<boost::json::object> parsed = detail::parse_json_object(body);
  if (!parsed)
    return parsed.error();

  chat_completion out;
  detail::adopt(out.raw, std::move(*parsed));
  const boost::json::object& o = out.raw;
  detail::json_reader r;
  detail::check_body_kind(r, o, "chat.completion", body);
  r.read(o, "id", out.id);
  r.read(o, "created", out.created);
  r.read(o, "model", out.model);
  r.read(o, "system_fingerprint", out.system_fingerprint);
  r.read(o, "service_tier", out.service_tier);
  r.require(o, "choices", boost::json::kind::array);
  r.each_object(o, "choices", [&](const boost::json::object& c, std::size_t position) {
    choice& ch = out.choices.emplace_back();
    ch.index = static_cast<std::int64_t>(position);
    detail::read_members(r, c, ch);
  });
  r.read(o, "usage", out.usage);
  if (r.failed())
    return r.take_error();
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
