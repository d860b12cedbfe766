// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_CHAT_COMPLETION_HPP
#define KNOBS_CHAT_COMPLETION_HPP

/// \file
/// A server's answer to a chat request (`"object": "chat.completion"`), and its
/// parser.
///
/// ```cpp
/// knobs::chat_completion r = knobs::parse_chat_completion(body);
/// std::cout << r.text() << '\n';                        // the first choice's text
/// std::cout << r.system_fingerprint.value_or("-");      // which backend answered
/// if (r.usage) std::cout << r.usage->total_tokens;      // what it cost
/// ```
///
/// The parser follows OpenAI's documented shape and the variations of vLLM,
/// llama.cpp's server, Ollama and LM Studio. It is tolerant of what servers add
/// or leave out: unknown members are ignored (and kept in `raw`), and every
/// member but `choices` may be missing. It is strict about types: a member of
/// the wrong type is an `errc::invalid_response` error whose `where` is the
/// member's JSON path, e.g. "choices[0].message.content: expected string or
/// null, got number".

#include <knobs/detail/config.hpp>
#include <knobs/detail/typed_json.hpp>
#include <knobs/error.hpp>
#include <knobs/tool_call.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace knobs {

/// One of the most likely tokens at a position (an entry of `top_logprobs`).
struct top_logprob {
  /// The token's text.
  std::string token;
  /// Its log probability (natural logarithm, <= 0; exp(logprob) is the probability).
  double logprob = 0.0;
  /// The token's UTF-8 bytes (a token may hold part of a character); absent
  /// when the server sent null or nothing.
  std::optional<std::vector<std::uint8_t>> bytes;
};

/// The token chosen at one position, its log probability, and the most likely
/// alternatives there.
struct token_logprob {
  /// The token's text.
  std::string token;
  /// Its log probability (natural logarithm, <= 0).
  double logprob = 0.0;
  /// The token's UTF-8 bytes; absent when the server sent null or nothing.
  std::optional<std::vector<std::uint8_t>> bytes;
  /// The `top_logprobs` most likely tokens at this position, in the server's
  /// order (most likely first); empty unless the request asked for them.
  std::vector<top_logprob> top_logprobs;
};

/// A choice's log probabilities, present when the request set `logprobs`.
struct choice_logprobs {
  /// One entry per token of the content. The server's null reads as empty.
  std::vector<token_logprob> content;
  /// One entry per token of a refusal. The server's null reads as empty.
  std::vector<token_logprob> refusal;
};

/// How many tokens a request used. Counts a server did not send are 0.
struct usage {
  /// The breakdown of `prompt_tokens` (`prompt_tokens_details`).
  struct prompt_details {
    /// Prompt tokens served from the provider's prompt cache.
    std::int64_t cached_tokens = 0;
    /// Prompt tokens that were audio input.
    std::int64_t audio_tokens = 0;
  };

  /// The breakdown of `completion_tokens` (`completion_tokens_details`).
  struct completion_details {
    /// Tokens the model spent reasoning (counted, and billed, but not in the text).
    std::int64_t reasoning_tokens = 0;
    /// Completion tokens that were audio output.
    std::int64_t audio_tokens = 0;
    /// Tokens of a predicted output that appeared in the completion.
    std::int64_t accepted_prediction_tokens = 0;
    /// Tokens of a predicted output that did not (still billed).
    std::int64_t rejected_prediction_tokens = 0;
  };

  /// Tokens in the prompt (the messages, tools, ...).
  std::int64_t prompt_tokens = 0;
  /// Tokens generated, reasoning included.
  std::int64_t completion_tokens = 0;
  /// prompt_tokens + completion_tokens, as the server counted it.
  std::int64_t total_tokens = 0;
  /// Absent when the server sent null or nothing (vLLM sends null).
  std::optional<prompt_details> prompt_tokens_details;
  /// Absent when the server sent null or nothing.
  std::optional<completion_details> completion_tokens_details;
};

/// The message a choice carries: what the model said.
struct assistant_message {
  /// Always "assistant" from a conforming server; "assistant" when absent.
  std::string role = "assistant";
  /// The text. Absent when the server sent null: typically when the model
  /// answered with tool calls or a refusal instead.
  std::optional<std::string> content;
  /// Why the model declined to answer, when it did (OpenAI).
  std::optional<std::string> refusal;
  /// The model's reasoning, from reasoning models on servers that return it:
  /// `reasoning` (Ollama, newer vLLM) or `reasoning_content` (llama.cpp,
  /// older vLLM, DeepSeek). When a server sends both as strings (vLLM during
  /// the rename sends the same text twice), `reasoning` is kept; a null in one
  /// does not hide the other.
  std::optional<std::string> reasoning;
  /// The functions the model asked the program to call, in the server's order.
  std::vector<tool_call> tool_calls;
};

/// One of the `n` answers to a request.
struct choice {
  /// The choice's position among the request's `n` choices (its position in
  /// the `choices` array when the server left it out).
  std::int64_t index = 0;
  /// What the model said.
  assistant_message message;
  /// Why generation stopped: "stop" (a natural end or a stop sequence),
  /// "length" (max_tokens), "tool_calls", "content_filter", or a server's
  /// own value. Absent when the server sent null or nothing.
  std::optional<std::string> finish_reason;
  /// Present when the request asked for log probabilities and the server sent them.
  std::optional<choice_logprobs> logprobs;
};

struct chat_completion;

namespace detail {
// The first choice's content parsed as JSON, or why there is none: no choice,
// a refusal (errc::refused), null content, or text that is not JSON (the
// message says when the answer was cut off by max_tokens).
KNOBS_DECL result<boost::json::value> structured_answer(const chat_completion& c);
} // namespace detail

/// A complete answer to a chat request (`"object": "chat.completion"`).
struct chat_completion {
  /// An empty completion, as the parser starts one.
  chat_completion() = default;
  /// A copy; `raw`'s nodes are copied into the storage `other.raw` uses
  /// (Boost.JSON's copy constructor).
  chat_completion(const chat_completion&) = default;
  /// Takes `other`'s members, `raw` with the storage it has.
  chat_completion(chat_completion&&) noexcept = default;
  /// A copy; `raw`'s nodes are copied into the storage this `raw` uses.
  chat_completion& operator=(const chat_completion&) = default;
  /// Takes `other`'s members, `raw` with the storage it has. (Boost.JSON's
  /// own move assignment keeps the target's storage, and copies the tree node
  /// by node when the two differ, as they do for every parsed `raw`, which
  /// lives in an arena of its own: `c = client.create(request)` into an
  /// existing completion would copy the answer's JSON.)
  chat_completion& operator=(chat_completion&& other) noexcept {
    static_assert(std::is_nothrow_move_constructible_v<boost::json::object>);
    if (this != &other) {
      this->~chat_completion();
      ::new (static_cast<void*>(this)) chat_completion(std::move(other));
    }
    return *this;
  }

  /// The server's id for the completion ("chatcmpl-..."); "" when absent.
  std::string id;
  /// Always "chat.completion": the parser rejects any other value and fills
  /// this in when the server left it out.
  std::string object = "chat.completion";
  /// When the completion was created, in Unix seconds; 0 when absent.
  std::int64_t created = 0;
  /// The model that answered, as the server names it; "" when absent.
  std::string model;
  /// The backend configuration that answered. With a seed, equal fingerprints
  /// are the condition for reproducible answers. Absent when the server sent
  /// null or nothing (vLLM sends null; Ollama sends "fp_ollama").
  std::optional<std::string> system_fingerprint;
  /// The service tier that processed the request (OpenAI: "default", "flex", ...).
  std::optional<std::string> service_tier;
  /// The answers, in the server's order (usually by `index`).
  std::vector<choice> choices;
  /// Token counts; absent when the server sent null or nothing.
  std::optional<knobs::usage> usage;
  /// The whole parsed body, for members knobs does not model (llama.cpp's
  /// `timings`, vLLM's `prompt_logprobs`, ...). For a completion folded from a
  /// stream by `chat_accumulator`, see there.
  boost::json::object raw;
  /// The `x-request-id` response header. Set by the client; the parser
  /// leaves it empty.
  std::string request_id;
  /// How many times the client retried the request before this answer. Set by
  /// the client; the parser leaves it 0.
  int retries = 0;

  /// The first choice's content, or "" when there is no choice or its content
  /// is null (a tool-call-only answer or a refusal: look at
  /// `choices[0].message` for those).
  std::string text() const {
    if (choices.empty() || !choices.front().message.content)
      return {};
    return *choices.front().message.content;
  }

  /// The first choice's content read as a `T`: the other half of
  /// `response_format_for<T>()` (<knobs/schema.hpp>). `T` is any type
  /// <knobs/schema.hpp> can write a schema for (a struct described with
  /// BOOST_DESCRIBE_STRUCT, typically). Never throws for bad input: the
  /// error is
  /// - `errc::refused` when the model declined (`message.refusal`): the
  ///   message is the model's words after `refusal_error::prefix()`;
  /// - `errc::invalid_response` when there is no choice, the content is null,
  ///   the text is not JSON (said so when `finish_reason` is "length": the
  ///   answer was cut off), or the JSON does not fit `T`: `where` is the JSON
  ///   path inside the answer ("cities[2].population") and the message reads
  ///   "the answer as city_facts: cities[2].population: expected an integer,
  ///   got string \"many\"".
  /// A completion folded from a stream (`chat_stream::completion()`) parses
  /// the same way.
  template <class T> result<T> try_parse() const {
    auto answer = detail::structured_answer(*this);
    if (!answer)
      return answer.error();
    return detail::read_as<T>(*answer, "the answer");
  }

  /// The first choice's content read as a `T`, as `try_parse`.
  /// \throws refusal_error when the model refused, parse_error when the
  /// content does not read as a `T`.
  template <class T> T parse() const { return try_parse<T>().value(); }
};

static_assert(std::is_nothrow_move_constructible_v<chat_completion> &&
                  std::is_nothrow_move_assignable_v<chat_completion>,
              "chat_completion's move assignment destroys and constructs in place");

/// Parses a chat-completion response body. Never throws for bad input.
///
/// Returns an `errc::invalid_response` error when the body is not JSON (the
/// message has Boost.JSON's reason and the first 80 bytes of the body), is not
/// an object, is another kind of body (a `chat.completion.chunk`, an API error
/// body), lacks `choices`, or has a member of the wrong type (`where` is the
/// member's JSON path, e.g. "choices[0].message.content").
KNOBS_DECL result<chat_completion> try_parse_chat_completion(std::string_view body);

/// Parses a chat-completion response body.
/// \throws parse_error with the message and `where()` described at
/// `try_parse_chat_completion`.
KNOBS_DECL chat_completion parse_chat_completion(std::string_view body);

namespace detail {
// `try_parse_chat_completion` into `out`, a default-constructed completion:
// the client reads an answer where it hands it over instead of moving it
// there. Returns what is wrong with the body, or nothing.
KNOBS_DECL std::optional<error_info> parse_chat_completion_into(std::string_view body,
                                                                chat_completion& out);
} // namespace detail

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/chat_completion.ipp>
#endif

#endif
