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
#include <knobs/detail/config.hpp>
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
  KNOBS_DECL boost::json::object raw() const;
};

/// Parses the data of one streaming event. Never throws for bad input.
///
/// Returns an `errc::invalid_response` error as `try_parse_chat_completion`
/// does: not JSON, not an object, another kind of body (a whole
/// `chat.completion`, an API error sent as an event), no `choices`, or a member
/// of the wrong type (`where` is its JSON path, e.g.
/// "choices[0].delta.tool_calls[1].function.arguments").
KNOBS_DECL result<chat_chunk> try_parse_chat_chunk(std::string_view body);

/// Parses the data of one streaming event.
/// \throws parse_error as described at `try_parse_chat_chunk`.
KNOBS_DECL chat_chunk parse_chat_chunk(std::string_view body);

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
  KNOBS_DECL void add(const chat_chunk& chunk);

  /// The completion so far.
  const chat_completion& completion() const noexcept { return completion_; }

  /// Moves the completion out and leaves the accumulator empty, ready for
  /// another stream.
  KNOBS_DECL chat_completion take();

private:
  KNOBS_DECL void add_choice(const chunk_choice& piece);

  // `indexes[i]` is the stream's index of `calls[i]`. A fragment continues the
  // latest call with its index, unless it brings a different id: some servers
  // send each whole call in a chunk of its own without an index (so each
  // reads as index 0), and such a call must not be glued onto the previous one.
  KNOBS_DECL static void add_tool_call(std::vector<tool_call>& calls,
                                       std::vector<std::int64_t>& indexes,
                                       const tool_call_delta& fragment);

  KNOBS_DECL static void append(std::optional<std::string>& to,
                                const std::optional<std::string>& piece);

  KNOBS_DECL void keep_extensions(const boost::json::object& extensions);

  chat_completion completion_;
  // For each choice of completion_ (same positions), the stream's index of each
  // of its tool calls, to find the call a fragment continues.
  std::vector<std::vector<std::int64_t>> tool_call_indexes_;
};

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/chat_chunk.ipp>
#endif

#endif
