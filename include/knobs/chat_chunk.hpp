// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_CHAT_CHUNK_HPP
#define KNOBS_CHAT_CHUNK_HPP

/// \file
/// One event of a streamed answer (`"object": "chat.completion.chunk"`), its
/// parser, and `chat_accumulator`, which folds the chunks of a stream into the
/// `chat_completion` the same request would have returned without streaming.
///
/// ```cpp
/// knobs::chat_accumulator all;
/// for (std::string_view data : events) {        // the `data:` of each SSE event
///   knobs::chat_chunk chunk = knobs::parse_chat_chunk(data);
///   std::cout << chunk.text() << std::flush;     // print as it arrives
///   all.add(chunk);
/// }
/// knobs::chat_completion whole = all.take();     // text, usage, tool calls...
/// ```
///
/// The parser is tolerant and strict in the same ways as
/// `try_parse_chat_completion`.

#include <knobs/chat_completion.hpp>
#include <knobs/detail/json_read.hpp>
#include <knobs/error.hpp>
#include <knobs/tool_call.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace knobs {

/// A fragment of a tool call (an entry of a delta's `tool_calls`). The first
/// fragment of a call usually carries its id, type and name; the following
/// ones carry pieces of its arguments.
struct tool_call_delta {
  /// Which call of the message this fragment belongs to (its position in the
  /// `tool_calls` array when the server left it out).
  std::int64_t index = 0;
  /// The call's id, usually only in its first fragment.
  std::optional<std::string> id;
  /// "function", usually only in the first fragment.
  std::optional<std::string> type;
  /// The function's name, usually only in the first fragment.
  std::optional<std::string> name;
  /// A piece of the arguments' JSON text, to be appended to the pieces before it.
  std::optional<std::string> arguments;
};

/// What a chunk adds to a choice's message. Each member is absent when the
/// chunk does not touch it (or sent null).
struct chunk_delta {
  /// The message's role, usually only in the first chunk ("assistant").
  std::optional<std::string> role;
  /// The next piece of the text.
  std::optional<std::string> content;
  /// The next piece of the reasoning, sent as `reasoning` or
  /// `reasoning_content` (see `assistant_message::reasoning`).
  std::optional<std::string> reasoning;
  /// The next piece of a refusal.
  std::optional<std::string> refusal;
  /// Fragments of tool calls.
  std::vector<tool_call_delta> tool_calls;
};

/// A choice's part of a chunk.
struct chunk_choice {
  /// Which of the request's `n` choices this is (its position in the
  /// `choices` array when the server left it out).
  std::int64_t index = 0;
  /// What this chunk adds to the choice's message. Empty when the server sent
  /// no `delta`.
  chunk_delta delta;
  /// Set on the choice's last chunk: why generation stopped (see
  /// `choice::finish_reason`).
  std::optional<std::string> finish_reason;
  /// The log probabilities of this chunk's tokens, when the request asked for them.
  std::optional<choice_logprobs> logprobs;
};

/// One event of a streamed answer (`"object": "chat.completion.chunk"`).
///
/// A stream brings hundreds of chunks per answer, so a chunk keeps its JSON as
/// text (`json`) and the members knobs does not model (`extensions`), not a
/// parsed tree: `raw()` parses the text when a caller wants the whole tree.
struct chat_chunk {
  /// Always "chat.completion.chunk": the parser rejects any other value.
  static constexpr std::string_view object = "chat.completion.chunk";

  /// The stream's id, the same in every chunk; "" when absent.
  std::string id;
  /// When the stream started, in Unix seconds; 0 when absent.
  std::int64_t created = 0;
  /// The model that answers; "" when absent.
  std::string model;
  /// See `chat_completion::system_fingerprint`.
  std::optional<std::string> system_fingerprint;
  /// See `chat_completion::service_tier`.
  std::optional<std::string> service_tier;
  /// The choices this chunk touches. Empty in OpenAI's and vLLM's final usage
  /// chunk (`stream_options.include_usage`).
  std::vector<chunk_choice> choices;
  /// Token counts: in a final chunk of their own (OpenAI, vLLM, Ollama) or on
  /// the last content chunk (llama.cpp); absent otherwise.
  std::optional<knobs::usage> usage;
  /// The chunk's top-level members that knobs does not model (llama.cpp's
  /// `timings`, OpenAI's `obfuscation` padding, ...), as sent. Usually empty.
  boost::json::object extensions;
  /// The chunk's JSON text, as the server sent it (the event's data).
  std::string json;

  /// The first choice's new text, or "" when the chunk has none.
  std::string text() const {
    if (choices.empty() || !choices.front().delta.content)
      return {};
    return *choices.front().delta.content;
  }

  /// The whole chunk as a JSON tree, parsed from `json` at each call, for
  /// members knobs does not model below the top level (vLLM's
  /// `choices[i].stop_reason`, ...).
  /// \throws parse_error when `json` is not a JSON object (it always is in a
  /// chunk the parser made, unless `json` was changed since).
  boost::json::object raw() const {
    result<boost::json::object> parsed = detail::parse_json_object(json);
    if (!parsed)
      throw parse_error(parsed.error());
    return std::move(*parsed);
  }
};

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
  static constexpr std::array<std::string_view, 6> keys{
      "role", "content", "reasoning_content", "reasoning", "refusal", "tool_calls"};
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

inline result<chat_chunk> read_chat_chunk(const boost::json::object& o, std::string_view body) {
  chat_chunk out;
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
  return out;
}

} // namespace detail

/// Parses the data of one streaming event. Never throws for bad input.
///
/// Returns an `errc::invalid_response` error as `try_parse_chat_completion`
/// does: not JSON, not an object, another kind of body (a whole
/// `chat.completion`, an API error sent as an event), no `choices`, or a member
/// of the wrong type (`where` is its JSON path, e.g.
/// "choices[0].delta.tool_calls[1].function.arguments").
inline result<chat_chunk> try_parse_chat_chunk(std::string_view body) {
  return detail::read_scratch_object(
      body, [body](const boost::json::object& o) { return detail::read_chat_chunk(o, body); });
}

/// Parses the data of one streaming event.
/// \throws parse_error as described at `try_parse_chat_chunk`.
inline chat_chunk parse_chat_chunk(std::string_view body) {
  result<chat_chunk> r = try_parse_chat_chunk(body);
  if (!r)
    throw parse_error(r.error());
  return std::move(*r);
}

/// Folds the chunks of one stream into the `chat_completion` the request
/// would have returned without streaming.
///
/// - Choices are merged by `index` and kept in index order.
/// - content, reasoning and refusal are concatenated; each stays absent until
///   a chunk carries a piece of it (so a tool-call-only answer keeps a null
///   content, as it would unstreamed).
/// - Tool calls are merged by their `index`: id, type and name are taken from
///   the fragments that carry them (non-empty), argument pieces are concatenated.
///   A fragment bringing a new id at an index already in use starts a new call
///   (servers that send each whole call in its own chunk, without an index).
/// - Log probabilities are appended.
/// - finish_reason and usage are taken whenever a chunk carries them, so usage
///   is captured whether it comes on the last content chunk (llama.cpp) or in
///   a `choices: []` chunk of its own (OpenAI, vLLM, Ollama).
/// - The role is "assistant" unless a chunk says otherwise (llama.cpp sends no
///   role chunk).
/// - id, created, model, system_fingerprint and service_tier come from the
///   first chunk that has them.
/// - `raw` is not a server's body, since a stream has none. It holds the
///   top-level members of the chunks that knobs does not model (llama.cpp's
///   `timings`, ...; the last value wins), so that extensions stay reachable;
///   OpenAI's `obfuscation` padding is left out. Everything modelled is in the
///   typed members only.
class chat_accumulator {
public:
  /// Folds one chunk in.
  void add(const chat_chunk& chunk) {
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

  /// The completion so far.
  const chat_completion& completion() const noexcept { return completion_; }

  /// Moves the completion out and leaves the accumulator empty, ready for
  /// another stream.
  chat_completion take() {
    chat_completion out = std::move(completion_);
    completion_ = chat_completion{};
    tool_call_indexes_.clear();
    return out;
  }

private:
  void add_choice(const chunk_choice& piece) {
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

  // `indexes[i]` is the stream's index of `calls[i]`. A fragment continues the
  // latest call with its index, unless it brings a different id: some servers
  // send each whole call in a chunk of its own without an index (so each
  // reads as index 0), and such a call must not be glued onto the previous one.
  static void add_tool_call(std::vector<tool_call>& calls, std::vector<std::int64_t>& indexes,
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

  static void append(std::optional<std::string>& to, const std::optional<std::string>& piece) {
    if (!piece)
      return;
    if (to)
      *to += *piece;
    else
      to = piece;
  }

  void keep_extensions(const boost::json::object& extensions) {
    for (const auto& member : extensions)
      if (member.key() != "obfuscation")
        completion_.raw[member.key()] = member.value();
  }

  chat_completion completion_;
  // For each choice of completion_ (same positions), the stream's index of each
  // of its tool calls, to find the call a fragment continues.
  std::vector<std::vector<std::int64_t>> tool_call_indexes_;
};

} // namespace knobs

#endif
