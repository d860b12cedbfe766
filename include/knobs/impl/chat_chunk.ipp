// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_CHAT_CHUNK_IPP
#define KNOBS_IMPL_CHAT_CHUNK_IPP

// The compiled part of <knobs/chat_chunk.hpp>: the chunk parser and the
// accumulator.

#include <knobs/chat_chunk.hpp>

#include <knobs/detail/json_read.hpp>
#include <knobs/impl/chat_completion.ipp>

#include <optional>

namespace knobs {

namespace detail {

inline void read_members(json_reader& r, const boost::json::object& o, tool_call_delta& out) {
  r.read(o, "index", out.index);
  r.read(o, "id", out.id);
  r.read(o, "type", out.type);
  r.in_object(o, "function", [&](const boost::json::object& f) {
    r.read(f, "name", out.name);
    r.read(f, "arguments", out.arguments);
  });
}

// A stream brings hundreds of chunks per answer, so their objects are read in
// one pass each (json_reader::members) rather than one search per member.
inline void read_members(json_reader& r, const boost::json::object& o, chunk_delta& out) {
  static constexpr std::array<std::string_view, 6> keys{"role",      "content", "reasoning_content",
                                                        "reasoning", "refusal", "tool_calls"};
  const auto m = json_reader::members(o, keys);
  r.read(m[0], keys[0], out.role);
  r.read(m[1], keys[1], out.content);
  // As read_reasoning: `reasoning` wins when both are strings.
  r.read(m[2], keys[2], out.reasoning);
  std::optional<std::string> reasoning;
  r.read(m[3], keys[3], reasoning);
  if (reasoning)
    out.reasoning = std::move(reasoning);
  r.read(m[4], keys[4], out.refusal);
  r.each_object(m[5], keys[5], [&](const boost::json::object& t, std::size_t position) {
    tool_call_delta& d = out.tool_calls.emplace_back();
    d.index = static_cast<std::int64_t>(position);
    read_members(r, t, d);
  });
}

inline void read_members(json_reader& r, const boost::json::object& o, chunk_choice& out) {
  static constexpr std::array<std::string_view, 4> keys{"index", "delta", "finish_reason",
                                                        "logprobs"};
  const auto m = json_reader::members(o, keys);
  r.read(m[0], keys[0], out.index);
  r.in_object(m[1], keys[1], [&](const boost::json::object& d) { read_members(r, d, out.delta); });
  r.read(m[2], keys[2], out.finish_reason);
  r.read(m[3], keys[3], out.logprobs);
}

// Whether a chunk's top-level member is one knobs models. Called for each
// member of each chunk, so it looks at the length first.
inline bool is_chunk_member(std::string_view key) noexcept {
  switch (key.size()) {
  case 2:
    return key == "id";
  case 5:
    return key == "model" || key == "usage";
  case 6:
    return key == "object";
  case 7:
    return key == "created" || key == "choices";
  case 12:
    return key == "service_tier";
  case 18:
    return key == "system_fingerprint";
  default:
    return false;
  }
}

// Reads a chunk into `out` (an empty chunk): nothing, or why it is no chunk.
inline std::optional<error_info> read_chat_chunk(const boost::json::object& o,
                                                 std::string_view body, chat_chunk& out) {
  json_reader r;
  static constexpr std::array<std::string_view, 8> keys{
      "object", "id", "created", "model", "system_fingerprint", "service_tier", "choices", "usage"};
  const auto m = json_reader::members(o, keys);
  check_body_kind(r, o, chat_chunk::object, body, m[0].value, m[6].value != nullptr);
  r.read(m[1], keys[1], out.id);
  r.read(m[2], keys[2], out.created);
  r.read(m[3], keys[3], out.model);
  r.read(m[4], keys[4], out.system_fingerprint);
  r.read(m[5], keys[5], out.service_tier);
  r.require(m[6], keys[6], boost::json::kind::array);
  r.each_object(m[6], keys[6], [&](const boost::json::object& c, std::size_t position) {
    chunk_choice& ch = out.choices.emplace_back();
    ch.index = static_cast<std::int64_t>(position);
    read_members(r, c, ch);
  });
  r.read(m[7], keys[7], out.usage);
  if (r.failed())
    return r.take_error();
  for (const auto& member : o)
    if (!is_chunk_member(std::string_view(member.key().data(), member.key().size())))
      out.extensions.emplace(member.key(), member.value()); // copied out of the parse arena
  out.json.assign(body.data(), body.size());
  return std::nullopt;
}

// Parses one event's data into `out` (an empty chunk), for a stream: the
// chunk is made where the reader takes it, not moved there (a chunk is a
// dozen strings, optionals and vectors: each move costs some 200
// instructions, and each moved-from chunk its destructor).
inline std::optional<error_info> parse_chat_chunk_into(std::string_view body, chat_chunk& out) {
  return read_scratch_object(
      body, [&](const boost::json::object& o) { return read_chat_chunk(o, body, out); });
}

} // namespace detail

boost::json::object chat_chunk::raw() const {
  result<boost::json::object> parsed = detail::parse_json_object(json);
  if (!parsed)
    throw parse_error(parsed.error());
  return std::move(*parsed);
}

result<chat_chunk> try_parse_chat_chunk(std::string_view body) {
  chat_chunk out;
  if (std::optional<error_info> bad = detail::parse_chat_chunk_into(body, out))
    return std::move(*bad);
  return out;
}

chat_chunk parse_chat_chunk(std::string_view body) {
  result<chat_chunk> r = try_parse_chat_chunk(body);
  if (!r)
    throw parse_error(r.error());
  return std::move(*r);
}

void chat_accumulator::add(const chat_chunk& chunk) {
  chat_completion& c = completion_;
  if (c.id.empty())
    c.id = chunk.id;
  if (c.created == 0)
    c.created = chunk.created;
  if (c.model.empty())
    c.model = chunk.model;
  if (!c.system_fingerprint)
    c.system_fingerprint = chunk.system_fingerprint;
  if (!c.service_tier)
    c.service_tier = chunk.service_tier;
  if (chunk.usage)
    c.usage = chunk.usage;
  for (const chunk_choice& piece : chunk.choices)
    add_choice(piece);
  keep_extensions(chunk.extensions);
}

chat_completion chat_accumulator::take() {
  chat_completion out = std::move(completion_);
  completion_ = chat_completion{};
  tool_call_indexes_.clear();
  return out;
}

void chat_accumulator::add_choice(const chunk_choice& piece) {
  std::vector<choice>& choices = completion_.choices;
  auto it = std::lower_bound(choices.begin(), choices.end(), piece.index,
                             [](const choice& c, std::int64_t index) { return c.index < index; });
  const auto at = static_cast<std::size_t>(it - choices.begin());
  if (it == choices.end() || it->index != piece.index) {
    choices.insert(it, choice{})->index = piece.index;
    tool_call_indexes_.insert(tool_call_indexes_.begin() + static_cast<std::ptrdiff_t>(at),
                              std::vector<std::int64_t>{});
  }
  choice& target = choices[at];

  const chunk_delta& d = piece.delta;
  if (d.role && !d.role->empty())
    target.message.role = *d.role;
  append(target.message.content, d.content);
  append(target.message.reasoning, d.reasoning);
  append(target.message.refusal, d.refusal);
  for (const tool_call_delta& fragment : d.tool_calls)
    add_tool_call(target.message.tool_calls, tool_call_indexes_[at], fragment);
  if (piece.finish_reason)
    target.finish_reason = piece.finish_reason;
  if (piece.logprobs) {
    choice_logprobs& all = target.logprobs ? *target.logprobs : target.logprobs.emplace();
    all.content.insert(all.content.end(), piece.logprobs->content.begin(),
                       piece.logprobs->content.end());
    all.refusal.insert(all.refusal.end(), piece.logprobs->refusal.begin(),
                       piece.logprobs->refusal.end());
  }
}

void chat_accumulator::keep_extensions(const boost::json::object& extensions) {
  for (const auto& member : extensions)
    if (member.key() != "obfuscation")
      completion_.raw[member.key()] = member.value();
}

void chat_accumulator::add_tool_call(std::vector<tool_call>& calls,
                                     std::vector<std::int64_t>& indexes,
                                     const tool_call_delta& fragment) {
  auto it = std::find(indexes.rbegin(), indexes.rend(), fragment.index);
  tool_call* call = nullptr;
  if (it != indexes.rend())
    call = &calls[static_cast<std::size_t>(indexes.rend() - it) - 1];
  const bool new_id = fragment.id && !fragment.id->empty();
  if (!call || (new_id && !call->id.empty() && call->id != *fragment.id)) {
    indexes.push_back(fragment.index);
    call = &calls.emplace_back();
  }
  if (new_id)
    call->id = *fragment.id;
  if (fragment.type && !fragment.type->empty())
    call->type = *fragment.type;
  if (fragment.name && !fragment.name->empty())
    call->name = *fragment.name;
  if (fragment.arguments)
    call->arguments += *fragment.arguments;
}

void chat_accumulator::append(std::optional<std::string>& to,
                              const std::optional<std::string>& piece) {
  if (!piece)
    return;
  if (to)
    *to += *piece;
  else
    to = piece;
}

} // namespace knobs

#endif
