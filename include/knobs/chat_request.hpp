// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_CHAT_REQUEST_HPP
#define KNOBS_CHAT_REQUEST_HPP

/// \file
/// A chat-completion request: the messages, a typed builder for every field of
/// `POST /chat/completions`, its lint (`warnings()`), its checks (`validate()`)
/// and its exact bytes (`to_json()`). What goes into the fields has headers of
/// its own, all included here: `message.hpp` (roles, content parts, messages),
/// `response_format.hpp`, `tool.hpp` (tools and `tool_choice`), `tool_call.hpp`,
/// `warning.hpp` (what `warnings()` returns) and `sampling.hpp` (the knobs).
///
/// ```cpp
/// auto request = knobs::chat_request{"gpt-oss-120b"}
///                    .user("In one sentence, describe a city at night.")
///                    .temperature(0.7)
///                    .max_tokens(60);
/// knobs::to_json(request);
/// // {"model":"gpt-oss-120b","messages":[{"role":"user","content":"In one sentence,
/// //  describe a city at night."}],"temperature":0.7,"max_tokens":60}   (one line)
/// ```
///
/// Setters are named as the JSON fields, take the knob types of `sampling.hpp`
/// and return the request, so they chain; each field has a same-named getter
/// with no arguments. The one exception is the `user` field (an end-user id,
/// deprecated by OpenAI in favour of `safety_identifier`): its setter is
/// `end_user()`, because `user(text)` adds a user message.
///
/// ## What to_json writes
/// One line of compact JSON (no spaces, no trailing newline), with unset fields
/// omitted (never `null`), in this fixed key order:
///
///  1. `model`, `messages`
///  2. `temperature`, `top_p`, `n`, `stop`, `max_tokens`, `max_completion_tokens`,
///     `frequency_penalty`, `presence_penalty`, `logit_bias`, `logprobs`,
///     `top_logprobs`, `seed`
///  3. `stream`, `stream_options`, `response_format`, `tools`, `tool_choice`,
///     `parallel_tool_calls`, `reasoning_effort`, `service_tier`
///  4. `user`, `safety_identifier`, `prompt_cache_key`, `metadata`, `store`
///  5. extensions: `top_k`, `min_p`, `repetition_penalty`
///  6. the `extra()` fields, in the order they were first set.
///
/// Inside a message: `role`, `name`, `tool_call_id`, `content`, `tool_calls`. A
/// tool call: `id`, `type`, `function` {`name`, `arguments`}. A tool: `type`,
/// `function` {`name`, `description`, `parameters`, `strict`}. A JSON schema
/// format: `type`, `json_schema` {`name`, `description`, `schema`, `strict`}.
/// `stream_options`: `include_usage`, `include_obfuscation`. `metadata` is
/// written in ascending key order, `logit_bias` in ascending token-id order (ids
/// as strings), `stop` always as an array. User-provided JSON (`extra`, schemas,
/// tool parameters) keeps its own key order.
///
/// Numbers are written without regard to the locale, as the shortest text that
/// reads back as the same double (0.7 is `0.7`). Real-valued knobs and JSON
/// doubles that are integral keep a `.0` (1.0 is `1.0`, as Python's json writes
/// it) so their type survives; integer knobs are integers. The one exception is
/// `logit_bias`: the API types a bias as an integer, so an integral bias is
/// written as one (-100.0 is `-100`); a fractional bias (which vLLM and
/// llama.cpp accept, OpenAI does not) is written as a real. Strings escape `"`,
/// `\` and the control characters (`\b \f \n \r \t`, the rest as `\u00XX`);
/// everything else, UTF-8 included, is written verbatim.
///
/// ## Extensions
/// `top_k`, `min_p` and `repetition_penalty` are accepted by OpenAI-compatible
/// servers (vLLM, llama.cpp's server, Ollama's OpenAI endpoint, LM Studio), not
/// by OpenAI itself. Anything else a server accepts goes in `extra(key, value)`.

#include <knobs/detail/json_writer.hpp>
#include <knobs/detail/number.hpp>
#include <knobs/error.hpp>
#include <knobs/message.hpp>
#include <knobs/response_format.hpp>
#include <knobs/sampling.hpp>
#include <knobs/tool.hpp>
#include <knobs/tool_call.hpp>
#include <knobs/warning.hpp>

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace knobs {

// ---------------------------------------------------------------------------
// Other field types (messages, response formats, tools and warnings have
// headers of their own: message.hpp, response_format.hpp, tool.hpp, warning.hpp)

/// Options for a streamed response (`stream_options`, needs `stream(true)`).
struct stream_options {
  /// Send one last chunk with the token usage of the whole request.
  bool include_usage = false;
  /// OpenAI pads stream events with random characters against side-channel
  /// attacks; false turns that off to save bandwidth. Omitted when unset.
  std::optional<bool> include_obfuscation;
};

/// The processing tier OpenAI serves a request on (`service_tier`). The
/// trailing `_` on `auto_` and `default_` only avoids the keywords.
enum class service_tier { auto_, default_, flex, scale, priority, fast };

/// The JSON spelling: "auto", "default", "flex", "scale", "priority", "fast".
constexpr std::string_view to_string(service_tier t) noexcept {
  switch (t) {
  case service_tier::auto_:
    return "auto";
  case service_tier::default_:
    return "default";
  case service_tier::flex:
    return "flex";
  case service_tier::scale:
    return "scale";
  case service_tier::priority:
    return "priority";
  case service_tier::fast:
    return "fast";
  }
  return "";
}

// ---------------------------------------------------------------------------
// The request

/// A request to `POST /chat/completions`, built field by field.
///
/// Every setter stores its argument (replacing an earlier value) and returns
/// `*this`; knob ranges are checked by the knob types, so a setter throws only
/// what its argument's conversion throws (`knobs::knob_error`), except
/// `extra()`. Combinations the API rejects are not checked as fields are set
/// but by `validate()`, so a request can be built in any order.
class chat_request {
public:
  /// A request with no model: set one with `model()` before sending.
  chat_request() = default;

  /// A request for `model`, e.g. "gpt-oss-120b".
  explicit chat_request(std::string model) : model_(std::move(model)) {}

  // -- model and messages ---------------------------------------------------

  /// Sets the model. Must not be empty (see `validate()`).
  chat_request& model(std::string m) {
    model_ = std::move(m);
    return *this;
  }
  /// The model.
  const std::string& model() const noexcept { return model_; }

  /// Appends a system message: instructions from the application.
  chat_request& system(std::string text, std::optional<std::string> name = std::nullopt) {
    return add(knobs::role::system, std::move(text), std::move(name));
  }
  /// Appends a developer message: the newer name for system instructions on
  /// OpenAI's reasoning models.
  chat_request& developer(std::string text, std::optional<std::string> name = std::nullopt) {
    return add(knobs::role::developer, std::move(text), std::move(name));
  }
  /// Appends a user message.
  chat_request& user(std::string text, std::optional<std::string> name = std::nullopt) {
    return add(knobs::role::user, std::move(text), std::move(name));
  }
  /// Appends a user message made of parts (text and images), in order.
  chat_request& user(std::vector<content_part> parts,
                     std::optional<std::string> name = std::nullopt) {
    return add(knobs::role::user, std::move(parts), std::move(name));
  }
  /// Appends an assistant message: an earlier reply, for a multi-turn conversation.
  chat_request& assistant(std::string text, std::optional<std::string> name = std::nullopt) {
    return add(knobs::role::assistant, std::move(text), std::move(name));
  }
  /// Appends an assistant message that made tool calls, with optional text.
  /// Answer each call with `tool(call.id, result)`.
  chat_request& assistant(std::optional<std::string> text, std::vector<tool_call> calls) {
    knobs::message m;
    m.role = knobs::role::assistant;
    if (text)
      m.content = std::move(*text);
    m.tool_calls = std::move(calls);
    return message(std::move(m));
  }
  /// Appends a tool message: the result of the tool call whose id is `tool_call_id`.
  chat_request& tool(std::string tool_call_id, std::string content) {
    knobs::message m;
    m.role = knobs::role::tool;
    m.tool_call_id = std::move(tool_call_id);
    m.content = std::move(content);
    return message(std::move(m));
  }
  /// Appends any message, as given.
  chat_request& message(knobs::message m) {
    messages_.push_back(std::move(m));
    return *this;
  }
  /// The messages, in order.
  const std::vector<knobs::message>& messages() const noexcept { return messages_; }

  // -- sampling ---------------------------------------------------------------

  /// Sets `temperature`, in [0, 2] (see `knobs::temperature`).
  chat_request& temperature(knobs::temperature v) {
    temperature_ = v;
    return *this;
  }
  /// The temperature, if set.
  std::optional<knobs::temperature> temperature() const noexcept { return temperature_; }

  /// Sets `top_p`, in [0, 1] (see `knobs::top_p`).
  chat_request& top_p(knobs::top_p v) {
    top_p_ = v;
    return *this;
  }
  /// The top_p, if set.
  std::optional<knobs::top_p> top_p() const noexcept { return top_p_; }

  /// Sets `n`, the number of choices, in [1, 128].
  chat_request& n(knobs::n v) {
    n_ = v;
    return *this;
  }
  /// The number of choices, if set.
  std::optional<knobs::n> n() const noexcept { return n_; }

  /// Sets `stop`: 1 to 4 non-empty sequences (always written as an array).
  chat_request& stop(knobs::stop v) {
    stop_ = std::move(v);
    return *this;
  }
  /// The stop sequences, if set.
  const std::optional<knobs::stop>& stop() const noexcept { return stop_; }

  /// Sets `max_tokens`, >= 1. Not together with `max_completion_tokens`.
  chat_request& max_tokens(knobs::max_tokens v) {
    max_tokens_ = v;
    return *this;
  }
  /// The max_tokens, if set.
  std::optional<knobs::max_tokens> max_tokens() const noexcept { return max_tokens_; }

  /// Sets `max_completion_tokens`, >= 1. Not together with `max_tokens`.
  chat_request& max_completion_tokens(knobs::max_completion_tokens v) {
    max_completion_tokens_ = v;
    return *this;
  }
  /// The max_completion_tokens, if set.
  std::optional<knobs::max_completion_tokens> max_completion_tokens() const noexcept {
    return max_completion_tokens_;
  }

  /// Sets `frequency_penalty`, in [-2, 2].
  chat_request& frequency_penalty(knobs::frequency_penalty v) {
    frequency_penalty_ = v;
    return *this;
  }
  /// The frequency_penalty, if set.
  std::optional<knobs::frequency_penalty> frequency_penalty() const noexcept {
    return frequency_penalty_;
  }

  /// Sets `presence_penalty`, in [-2, 2].
  chat_request& presence_penalty(knobs::presence_penalty v) {
    presence_penalty_ = v;
    return *this;
  }
  /// The presence_penalty, if set.
  std::optional<knobs::presence_penalty> presence_penalty() const noexcept {
    return presence_penalty_;
  }

  /// Sets `logit_bias`: token id -> bias in [-100, 100].
  chat_request& logit_bias(knobs::logit_bias v) {
    logit_bias_ = std::move(v);
    return *this;
  }
  /// The logit_bias, if set.
  const std::optional<knobs::logit_bias>& logit_bias() const noexcept { return logit_bias_; }

  /// Sets `logprobs`: return the log probability of each output token.
  chat_request& logprobs(bool v) {
    logprobs_ = v;
    return *this;
  }
  /// Only `bool` is accepted: the legacy completions API took an integer here,
  /// which is now `top_logprobs(k)` together with `logprobs(true)`.
  template <class T> chat_request& logprobs(T) = delete;
  /// The logprobs flag, if set.
  std::optional<bool> logprobs() const noexcept { return logprobs_; }

  /// Sets `top_logprobs`, in [0, 20]. Needs `logprobs(true)`.
  chat_request& top_logprobs(knobs::top_logprobs v) {
    top_logprobs_ = v;
    return *this;
  }
  /// The top_logprobs, if set.
  std::optional<knobs::top_logprobs> top_logprobs() const noexcept { return top_logprobs_; }

  /// Sets `seed`: any int64; same seed and inputs give the same output, best-effort.
  chat_request& seed(knobs::seed v) {
    seed_ = v;
    return *this;
  }
  /// The seed, if set.
  std::optional<knobs::seed> seed() const noexcept { return seed_; }

  // -- streaming ----------------------------------------------------------------

  /// Sets `stream`: deliver the reply as server-sent events.
  chat_request& stream(bool v) {
    stream_ = v;
    return *this;
  }
  /// Only `bool` is accepted (no silent conversion from numbers or pointers).
  template <class T> chat_request& stream(T) = delete;
  /// The stream flag, if set.
  std::optional<bool> stream() const noexcept { return stream_; }

  /// Sets `stream_options`. Needs `stream(true)`.
  chat_request& stream_options(knobs::stream_options v) {
    stream_options_ = v;
    return *this;
  }
  /// The stream options, if set.
  std::optional<knobs::stream_options> stream_options() const noexcept { return stream_options_; }

  // -- output format and tools ----------------------------------------------------

  /// Sets `response_format`.
  chat_request& response_format(knobs::response_format v) {
    response_format_ = std::move(v);
    return *this;
  }
  /// The response format, if set.
  const std::optional<knobs::response_format>& response_format() const noexcept {
    return response_format_;
  }

  /// Sets `tools`: the functions the model may call (at least one).
  chat_request& tools(std::vector<function_tool> v) {
    tools_ = std::move(v);
    return *this;
  }
  /// The tools, if set.
  const std::optional<std::vector<function_tool>>& tools() const noexcept { return tools_; }

  /// Sets `tool_choice`. Needs `tools`.
  chat_request& tool_choice(knobs::tool_choice v) {
    tool_choice_ = std::move(v);
    return *this;
  }
  /// The tool choice, if set.
  const std::optional<knobs::tool_choice>& tool_choice() const noexcept { return tool_choice_; }

  /// Sets `parallel_tool_calls`: whether the model may call several tools in
  /// one turn. Needs `tools`.
  chat_request& parallel_tool_calls(bool v) {
    parallel_tool_calls_ = v;
    return *this;
  }
  /// Only `bool` is accepted (no silent conversion from numbers or pointers).
  template <class T> chat_request& parallel_tool_calls(T) = delete;
  /// The parallel_tool_calls flag, if set.
  std::optional<bool> parallel_tool_calls() const noexcept { return parallel_tool_calls_; }

  /// Sets `reasoning_effort` (OpenAI's reasoning models; gpt-oss on vLLM,
  /// llama.cpp and Ollama). Which values a model accepts varies.
  chat_request& reasoning_effort(knobs::reasoning_effort v) {
    reasoning_effort_ = v;
    return *this;
  }
  /// The reasoning effort, if set.
  std::optional<knobs::reasoning_effort> reasoning_effort() const noexcept {
    return reasoning_effort_;
  }

  /// Sets `service_tier`.
  chat_request& service_tier(knobs::service_tier v) {
    service_tier_ = v;
    return *this;
  }
  /// The service tier, if set.
  std::optional<knobs::service_tier> service_tier() const noexcept { return service_tier_; }

  // -- identification and storage ---------------------------------------------------

  /// Sets the JSON field `user`: an id for your end user (deprecated by OpenAI
  /// in favour of `safety_identifier` and `prompt_cache_key`). Not named
  /// `user()`, which appends a user message.
  chat_request& end_user(std::string id) {
    end_user_ = std::move(id);
    return *this;
  }
  /// The `user` field, if set.
  const std::optional<std::string>& end_user() const noexcept { return end_user_; }

  /// Sets `safety_identifier`: a stable id for your end user (at most 64
  /// characters; hash it rather than send a name or e-mail address).
  chat_request& safety_identifier(std::string id) {
    safety_identifier_ = std::move(id);
    return *this;
  }
  /// The safety identifier, if set.
  const std::optional<std::string>& safety_identifier() const noexcept {
    return safety_identifier_;
  }

  /// Sets `prompt_cache_key`: requests with the same key share the prompt cache.
  chat_request& prompt_cache_key(std::string key) {
    prompt_cache_key_ = std::move(key);
    return *this;
  }
  /// The prompt cache key, if set.
  const std::optional<std::string>& prompt_cache_key() const noexcept { return prompt_cache_key_; }

  /// Sets `metadata`: at most 16 pairs, keys at most 64 characters, values at
  /// most 512 (checked by `validate()`). Written in ascending key order.
  chat_request& metadata(std::map<std::string, std::string> v) {
    metadata_ = std::move(v);
    return *this;
  }
  /// The metadata, if set.
  const std::optional<std::map<std::string, std::string>>& metadata() const noexcept {
    return metadata_;
  }

  /// Sets `store`: keep the completion for OpenAI's evals and distillation.
  chat_request& store(bool v) {
    store_ = v;
    return *this;
  }
  /// Only `bool` is accepted (no silent conversion from numbers or pointers).
  template <class T> chat_request& store(T) = delete;
  /// The store flag, if set.
  std::optional<bool> store() const noexcept { return store_; }

  // -- extensions (vLLM, llama.cpp, Ollama, LM Studio; not OpenAI) -------------------

  /// Extension: sets `top_k`, >= 1. OpenAI rejects it; compatible servers accept it.
  chat_request& top_k(knobs::top_k v) {
    top_k_ = v;
    return *this;
  }
  /// The top_k, if set.
  std::optional<knobs::top_k> top_k() const noexcept { return top_k_; }

  /// Extension: sets `min_p`, in [0, 1]. OpenAI rejects it; compatible servers
  /// accept it.
  chat_request& min_p(knobs::min_p v) {
    min_p_ = v;
    return *this;
  }
  /// The min_p, if set.
  std::optional<knobs::min_p> min_p() const noexcept { return min_p_; }

  /// Extension: sets `repetition_penalty`, finite and > 0. OpenAI rejects it;
  /// vLLM, llama.cpp and Ollama accept it.
  chat_request& repetition_penalty(knobs::repetition_penalty v) {
    repetition_penalty_ = v;
    return *this;
  }
  /// The repetition_penalty, if set.
  std::optional<knobs::repetition_penalty> repetition_penalty() const noexcept {
    return repetition_penalty_;
  }

  // -- anything else ----------------------------------------------------------------

  /// Adds a top-level field knobs has no setter for (a server's own extension,
  /// e.g. `chat_template_kwargs` on vLLM), written after every typed field in
  /// the order keys were first added. Setting a key again replaces its value
  /// and keeps its place.
  /// \throws request_error (`errc::invalid_request`, `where()` == `key`) if
  /// `key` is a field this class writes ("temperature", "messages", "user",
  /// ...); the message names the setter to use instead.
  chat_request& extra(std::string key, boost::json::value v);

  /// The extra fields, in order.
  const std::vector<std::pair<std::string, boost::json::value>>& extra() const noexcept {
    return extra_;
  }

  // -- checks -------------------------------------------------------------------------

  /// Suspicious but legal combinations, in this order (each at most once):
  ///  - `temperature_and_top_p`: both set;
  ///  - `several_truncation_knobs`: two or more of top_p, top_k, min_p set;
  ///  - `n_at_temperature_zero`: n > 1 with temperature 0.
  /// Empty for a request with none of these. Never throws except `bad_alloc`.
  std::vector<warning> warnings() const;

  /// What the API would reject, as an `errc::invalid_request` error whose
  /// `where` is the field at fault (a JSON path such as "messages[2].content"
  /// or "tools[0].function.name"). Checks run in the order to_json writes the
  /// fields, and the first failure is returned:
  ///  1. `model`: not empty; valid UTF-8.
  ///  2. `messages`: at least one. Then each message, in order, field by field:
  ///     `name` not on a tool message; `tool_call_id` present and non-empty on
  ///     a tool message, absent on the others; `content` present (an assistant
  ///     message may omit it when it has tool calls), a list of parts
  ///     non-empty, images only in user messages, image URLs non-empty;
  ///     `tool_calls` only on assistant messages; every string valid UTF-8.
  ///  3. `stop`: valid UTF-8.
  ///  4. `max_tokens`: not together with `max_completion_tokens`.
  ///  5. `top_logprobs`: only with `logprobs(true)`.
  ///  6. `stream_options`: only with `stream(true)`.
  ///  7. `response_format`: a json_schema name of 1 to 64 of [a-zA-Z0-9_-];
  ///     description valid UTF-8; schema writable (finite numbers, UTF-8
  ///     strings and keys); json_object only when a message mentions "json".
  ///  8. `tools`: at least one; each name 1 to 64 of [a-zA-Z0-9_-];
  ///     description valid UTF-8; parameters writable.
  ///  9. `tool_choice`: only with `tools`; a named function must be one of them.
  /// 10. `parallel_tool_calls`: only with `tools`.
  /// 11. `user` (`end_user()`), `safety_identifier`, `prompt_cache_key`: valid
  ///     UTF-8; `safety_identifier` at most 64 characters.
  /// 12. `metadata`: at most 16 pairs; each key valid UTF-8 and at most 64
  ///     characters, each value valid UTF-8 and at most 512.
  /// 13. `extra`, in order: keys valid UTF-8, values writable.
  ///
  /// `validate().value()` throws the error as `knobs::request_error`.
  result<void> validate() const;

private:
  chat_request& add(knobs::role r, message_content content, std::optional<std::string> name) {
    knobs::message m;
    m.role = r;
    m.content = std::move(content);
    m.name = std::move(name);
    return message(std::move(m));
  }

  std::string model_;
  std::vector<knobs::message> messages_;
  std::optional<knobs::temperature> temperature_;
  std::optional<knobs::top_p> top_p_;
  std::optional<knobs::n> n_;
  std::optional<knobs::stop> stop_;
  std::optional<knobs::max_tokens> max_tokens_;
  std::optional<knobs::max_completion_tokens> max_completion_tokens_;
  std::optional<knobs::frequency_penalty> frequency_penalty_;
  std::optional<knobs::presence_penalty> presence_penalty_;
  std::optional<knobs::logit_bias> logit_bias_;
  std::optional<bool> logprobs_;
  std::optional<knobs::top_logprobs> top_logprobs_;
  std::optional<knobs::seed> seed_;
  std::optional<bool> stream_;
  std::optional<knobs::stream_options> stream_options_;
  std::optional<knobs::response_format> response_format_;
  std::optional<std::vector<function_tool>> tools_;
  std::optional<knobs::tool_choice> tool_choice_;
  std::optional<bool> parallel_tool_calls_;
  std::optional<knobs::reasoning_effort> reasoning_effort_;
  std::optional<knobs::service_tier> service_tier_;
  std::optional<std::string> end_user_;
  std::optional<std::string> safety_identifier_;
  std::optional<std::string> prompt_cache_key_;
  std::optional<std::map<std::string, std::string>> metadata_;
  std::optional<bool> store_;
  std::optional<knobs::top_k> top_k_;
  std::optional<knobs::min_p> min_p_;
  std::optional<knobs::repetition_penalty> repetition_penalty_;
  std::vector<std::pair<std::string, boost::json::value>> extra_;
};

/// The request as the bytes sent to the server: compact JSON in the fixed key
/// order documented at the top of this header, unset fields omitted. The same
/// request gives the same bytes, whatever the locale.
/// \throws request_error if the request cannot be written as JSON text: a
/// string that is not valid UTF-8, or a NaN or infinity inside user-provided
/// JSON (`extra`, a schema, tool parameters); `where()` names it, as
/// `validate()` does. It does not check the API's other rules: call
/// `validate()` for those.
std::string to_json(const chat_request& request);

// ---------------------------------------------------------------------------
// Implementation

namespace detail {

// The top-level keys chat_request writes itself, in to_json's order, with the
// setter to use for each: extra() refuses these names.
struct typed_field {
  std::string_view key;
  std::string_view setter;
};

inline constexpr typed_field typed_fields[] = {
    {"model", ".model(...) or the constructor"},
    {"messages", ".system(), .developer(), .user(), .assistant(), .tool() or .message()"},
    {"temperature", ".temperature(...)"},
    {"top_p", ".top_p(...)"},
    {"n", ".n(...)"},
    {"stop", ".stop(...)"},
    {"max_tokens", ".max_tokens(...)"},
    {"max_completion_tokens", ".max_completion_tokens(...)"},
    {"frequency_penalty", ".frequency_penalty(...)"},
    {"presence_penalty", ".presence_penalty(...)"},
    {"logit_bias", ".logit_bias(...)"},
    {"logprobs", ".logprobs(...)"},
    {"top_logprobs", ".top_logprobs(...)"},
    {"seed", ".seed(...)"},
    {"stream", ".stream(...)"},
    {"stream_options", ".stream_options(...)"},
    {"response_format", ".response_format(...)"},
    {"tools", ".tools(...)"},
    {"tool_choice", ".tool_choice(...)"},
    {"parallel_tool_calls", ".parallel_tool_calls(...)"},
    {"reasoning_effort", ".reasoning_effort(...)"},
    {"service_tier", ".service_tier(...)"},
    {"user", ".end_user(...) (.user(text) appends a user message)"},
    {"safety_identifier", ".safety_identifier(...)"},
    {"prompt_cache_key", ".prompt_cache_key(...)"},
    {"metadata", ".metadata(...)"},
    {"store", ".store(...)"},
    {"top_k", ".top_k(...)"},
    {"min_p", ".min_p(...)"},
    {"repetition_penalty", ".repetition_penalty(...)"},
};

inline std::optional<error_info> invalid(std::string where, std::string message) {
  return make_error(errc::invalid_request, std::move(message), std::move(where));
}

inline std::string at_index(std::size_t i) {
  return "[" + format_number(static_cast<std::int64_t>(i)) + "]";
}

// OpenAI's rule for function and response-format names.
inline bool is_valid_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64)
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-'))
      return false;
  return true;
}

inline std::optional<error_info> check_name(std::string_view name, const std::string& where) {
  if (auto e = check_utf8(name, where))
    return e;
  if (!is_valid_name(name))
    return invalid(where, where + " must be 1 to 64 of a-z, A-Z, 0-9, '_' and '-', got \"" +
                              std::string(name) + "\"");
  return std::nullopt;
}

inline bool mentions_json(std::string_view s) noexcept {
  for (std::size_t i = 0; i + 4 <= s.size(); ++i) {
    bool match = true;
    for (std::size_t k = 0; k < 4 && match; ++k) {
      char c = s[i + k];
      if (c >= 'A' && c <= 'Z')
        c = static_cast<char>(c - 'A' + 'a');
      match = c == "json"[k];
    }
    if (match)
      return true;
  }
  return false;
}

inline bool any_message_mentions_json(const std::vector<message>& messages) {
  for (const auto& m : messages) {
    if (const auto* s = std::get_if<std::string>(&m.content)) {
      if (mentions_json(*s))
        return true;
    } else if (const auto* parts = std::get_if<std::vector<content_part>>(&m.content)) {
      for (const auto& part : *parts)
        if (const auto* t = std::get_if<text_part>(&part); t && mentions_json(t->text))
          return true;
    }
  }
  return false;
}

// One message's problems, in the order its fields are written. With `api` false
// only what would make the JSON text itself invalid is checked (UTF-8); to_json
// uses that mode.
//
// Paths and role names are made only for an error: a valid request (every
// request a client sends) builds no strings here.
inline std::optional<error_info> check_message(const message& m, std::size_t index, bool api) {
  const auto at = [index] { return "messages" + at_index(index); };
  const auto role_name = [&m] { return std::string(to_string(m.role)); };
  if (m.name) {
    if (api && m.role == role::tool)
      return invalid(at() + ".name", at() + " is a tool message with a name; only system, "
                                            "developer, user and assistant messages take one");
    if (auto e = check_utf8(*m.name, [&] { return at() + ".name"; }))
      return e;
  }
  if (m.role == role::tool) {
    if (api && (!m.tool_call_id || m.tool_call_id->empty()))
      return invalid(at() + ".tool_call_id",
                     at() + " is a tool message without a tool_call_id: give the id of the "
                            "assistant's tool call it answers, as in .tool(call.id, result)");
  } else if (api && m.tool_call_id) {
    return invalid(at() + ".tool_call_id", at() + " is a " + role_name() +
                                               " message with a tool_call_id; only tool "
                                               "messages answer tool calls");
  }
  if (m.tool_call_id)
    if (auto e = check_utf8(*m.tool_call_id, [&] { return at() + ".tool_call_id"; }))
      return e;

  if (std::holds_alternative<std::monostate>(m.content)) {
    if (api && m.role == role::assistant && m.tool_calls.empty())
      return invalid(at() + ".content", at() + " is an assistant message with neither content nor "
                                               "tool_calls; give it text or tool calls");
    if (api && m.role != role::assistant)
      return invalid(at() + ".content",
                     at() + ".content is missing: a " + role_name() + " message needs content");
  } else if (const auto* text = std::get_if<std::string>(&m.content)) {
    if (auto e = check_utf8(*text, [&] { return at() + ".content"; }))
      return e;
  } else {
    const auto& parts = std::get<std::vector<content_part>>(m.content);
    if (api && parts.empty())
      return invalid(at() + ".content", at() + ".content is an empty list of parts; give at least "
                                               "one part, or a string");
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const auto part_at = [&at, i] { return at() + ".content" + at_index(i); };
      if (const auto* t = std::get_if<text_part>(&parts[i])) {
        if (auto e = check_utf8(t->text, [&] { return part_at() + ".text"; }))
          return e;
        continue;
      }
      const auto& image = std::get<image_url_part>(parts[i]);
      if (api && m.role != role::user)
        return invalid(part_at(), part_at() + " is an image in a " + role_name() +
                                      " message; only user messages may hold images");
      if (api && image.url.empty())
        return invalid(part_at() + ".image_url.url", part_at() + ".image_url.url is empty");
      if (auto e = check_utf8(image.url, [&] { return part_at() + ".image_url.url"; }))
        return e;
    }
  }

  if (!m.tool_calls.empty()) {
    if (api && m.role != role::assistant)
      return invalid(at() + ".tool_calls", at() + " is a " + role_name() +
                                               " message with tool_calls; only assistant "
                                               "messages make tool calls");
    for (std::size_t i = 0; i < m.tool_calls.size(); ++i) {
      const auto& call = m.tool_calls[i];
      const auto call_at = [&at, i] { return at() + ".tool_calls" + at_index(i); };
      if (auto e = check_utf8(call.id, [&] { return call_at() + ".id"; }))
        return e;
      if (auto e = check_utf8(call.type, [&] { return call_at() + ".type"; }))
        return e;
      if (auto e = check_utf8(call.name, [&] { return call_at() + ".function.name"; }))
        return e;
      if (auto e = check_utf8(call.arguments, [&] { return call_at() + ".function.arguments"; }))
        return e;
    }
  }
  return std::nullopt;
}

// Every rule of chat_request::validate(), in its documented order. With `api`
// false, only the rules that make the JSON text itself writable (UTF-8, finite
// numbers): to_json's precondition.
inline std::optional<error_info> check_request(const chat_request& r, bool api) {
  if (api && r.model().empty())
    return invalid("model", "model is empty; name the model to use, e.g. "
                            "chat_request{\"gpt-oss-120b\"}");
  if (auto e = check_utf8(r.model(), "model"))
    return e;

  if (api && r.messages().empty())
    return invalid("messages", "messages is empty; add at least one, e.g. .user(\"...\")");
  for (std::size_t i = 0; i < r.messages().size(); ++i)
    if (auto e = check_message(r.messages()[i], i, api))
      return e;

  if (const auto& stop = r.stop())
    for (std::size_t i = 0; i < stop->sequences().size(); ++i)
      if (auto e = check_utf8(stop->sequences()[i], "stop" + at_index(i)))
        return e;

  if (api && r.max_tokens() && r.max_completion_tokens())
    return invalid("max_tokens",
                   "max_tokens and max_completion_tokens are both set; set one: "
                   "max_completion_tokens is the current field (and counts reasoning tokens), "
                   "max_tokens the older one some servers still expect");

  if (api && r.top_logprobs() && r.logprobs() != true)
    return invalid("top_logprobs", "top_logprobs is set but logprobs is not true; add "
                                   ".logprobs(true): top_logprobs picks how many alternatives "
                                   "come with each token's log probability");

  if (api && r.stream_options() && r.stream() != true)
    return invalid("stream_options", "stream_options is set but stream is not true; add "
                                     ".stream(true), or drop stream_options: they apply to "
                                     "streamed responses only");

  if (const auto& format = r.response_format()) {
    if (const auto& schema = format->schema()) {
      const std::string at = "response_format.json_schema";
      if (auto e =
              api ? check_name(schema->name, at + ".name") : check_utf8(schema->name, at + ".name"))
        return e;
      if (schema->description)
        if (auto e = check_utf8(*schema->description, at + ".description"))
          return e;
      if (auto e = check_json(schema->schema, at + ".schema"))
        return e;
    } else if (api && format->type() == "json_object" && !any_message_mentions_json(r.messages())) {
      return invalid("response_format",
                     "response_format is json_object but no message mentions JSON; say in a "
                     "system or user message that the answer must be JSON (OpenAI rejects the "
                     "request otherwise, and a model not told may emit whitespace until "
                     "max_tokens)");
    }
  }

  if (const auto& tools = r.tools()) {
    if (api && tools->empty())
      return invalid("tools", "tools is an empty list; give at least one tool, or leave tools "
                              "unset");
    for (std::size_t i = 0; i < tools->size(); ++i) {
      const auto& tool = (*tools)[i];
      const std::string at = "tools" + at_index(i) + ".function";
      if (auto e = api ? check_name(tool.name, at + ".name") : check_utf8(tool.name, at + ".name"))
        return e;
      if (tool.description)
        if (auto e = check_utf8(*tool.description, at + ".description"))
          return e;
      if (tool.parameters)
        if (auto e = check_json(*tool.parameters, at + ".parameters"))
          return e;
    }
  }

  if (const auto& choice = r.tool_choice()) {
    if (api && !r.tools())
      return invalid("tool_choice", "tool_choice is set but tools is not; add .tools(...) or "
                                    "drop tool_choice");
    if (choice->mode() == "function") {
      const std::string at = "tool_choice.function.name";
      if (auto e = check_utf8(choice->function_name(), at))
        return e;
      bool found = false;
      if (r.tools())
        for (const auto& tool : *r.tools())
          found = found || tool.name == choice->function_name();
      if (api && !found)
        return invalid(at, "tool_choice names the function \"" + choice->function_name() +
                               "\", which is not one of the tools");
    }
  }

  if (api && r.parallel_tool_calls() && !r.tools())
    return invalid("parallel_tool_calls", "parallel_tool_calls is set but tools is not; add "
                                          ".tools(...) or drop parallel_tool_calls");

  if (const auto& user = r.end_user())
    if (auto e = check_utf8(*user, "user"))
      return e;
  if (const auto& id = r.safety_identifier()) {
    if (auto e = check_utf8(*id, "safety_identifier"))
      return e;
    if (api && utf8_length(*id) > 64)
      return invalid("safety_identifier",
                     "safety_identifier must be at most 64 characters, got " +
                         format_number(static_cast<std::int64_t>(utf8_length(*id))));
  }
  if (const auto& key = r.prompt_cache_key())
    if (auto e = check_utf8(*key, "prompt_cache_key"))
      return e;

  if (const auto& metadata = r.metadata()) {
    if (api && metadata->size() > 16)
      return invalid("metadata", "metadata must hold at most 16 pairs, got " +
                                     format_number(static_cast<std::int64_t>(metadata->size())));
    for (const auto& [key, value] : *metadata) {
      if (find_invalid_utf8(key) != std::string_view::npos)
        return invalid("metadata", "metadata has a key that is not valid UTF-8");
      const std::size_t key_length = utf8_length(key);
      if (api && key_length > 64)
        return invalid("metadata", "metadata key \"" + key +
                                       "\" must be at most 64 characters, got " +
                                       format_number(static_cast<std::int64_t>(key_length)));
      if (auto e = check_utf8(value, "metadata." + key))
        return e;
      const std::size_t value_length = utf8_length(value);
      if (api && value_length > 512)
        return invalid("metadata." + key,
                       "metadata." + key + " must be at most 512 characters, got " +
                           format_number(static_cast<std::int64_t>(value_length)));
    }
  }

  for (const auto& [key, value] : r.extra()) {
    if (find_invalid_utf8(key) != std::string_view::npos)
      return invalid("extra", "an extra field's key is not valid UTF-8");
    if (auto e = check_json(value, key))
      return e;
  }
  return std::nullopt;
}

inline void write_message(json_writer& w, const message& m) {
  w.begin_object();
  w.key("role");
  w.string(to_string(m.role));
  if (m.name) {
    w.key("name");
    w.string(*m.name);
  }
  if (m.tool_call_id) {
    w.key("tool_call_id");
    w.string(*m.tool_call_id);
  }
  if (const auto* text = std::get_if<std::string>(&m.content)) {
    w.key("content");
    w.string(*text);
  } else if (const auto* parts = std::get_if<std::vector<content_part>>(&m.content)) {
    w.key("content");
    w.begin_array();
    for (const auto& part : *parts) {
      w.begin_object();
      if (const auto* t = std::get_if<text_part>(&part)) {
        w.key("type");
        w.string("text");
        w.key("text");
        w.string(t->text);
      } else {
        const auto& image = std::get<image_url_part>(part);
        w.key("type");
        w.string("image_url");
        w.key("image_url");
        w.begin_object();
        w.key("url");
        w.string(image.url);
        if (image.detail) {
          w.key("detail");
          w.string(to_string(*image.detail));
        }
        w.end_object();
      }
      w.end_object();
    }
    w.end_array();
  }
  if (!m.tool_calls.empty()) {
    w.key("tool_calls");
    w.begin_array();
    for (const auto& call : m.tool_calls) {
      w.begin_object();
      w.key("id");
      w.string(call.id);
      w.key("type");
      w.string(call.type);
      w.key("function");
      w.begin_object();
      w.key("name");
      w.string(call.name);
      w.key("arguments");
      w.string(call.arguments);
      w.end_object();
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
}

} // namespace detail

inline chat_request& chat_request::extra(std::string key, boost::json::value v) {
  for (const auto& field : detail::typed_fields)
    if (field.key == key)
      throw request_error(make_error(
          errc::invalid_request,
          "extra(\"" + key + "\", ...) would duplicate a field chat_request writes itself; use " +
              std::string(field.setter) + " instead",
          key));
  for (auto& [existing, value] : extra_)
    if (existing == key) {
      value = std::move(v);
      return *this;
    }
  extra_.emplace_back(std::move(key), std::move(v));
  return *this;
}

inline std::vector<warning> chat_request::warnings() const {
  std::vector<warning> out;
  if (temperature_ && top_p_)
    out.push_back(
        {warning_code::temperature_and_top_p,
         "temperature (" + detail::format_number(temperature_->value()) + ") and top_p (" +
             detail::format_number(top_p_->value()) +
             ") are both set: temperature reshapes the whole distribution and top_p then cuts "
             "its tail, so each changes what the other does and neither can be tuned on its "
             "own; change one, not both, and leave the other unset"});

  std::vector<std::string> levers;
  if (top_p_)
    levers.push_back("top_p " + detail::format_number(top_p_->value()));
  if (top_k_)
    levers.push_back("top_k " + detail::format_number(top_k_->value()));
  if (min_p_)
    levers.push_back("min_p " + detail::format_number(min_p_->value()));
  if (levers.size() >= 2) {
    std::string list = levers[0];
    for (std::size_t i = 1; i < levers.size(); ++i)
      list += (i + 1 == levers.size() ? " and " : ", ") + levers[i];
    out.push_back({warning_code::several_truncation_knobs,
                   list + " are all set: each cuts the unlikely tail off the distribution, "
                          "the server applies them one after another in its own order, and "
                          "the strictest one wins, so the others may do nothing; use one "
                          "truncation knob"});
  }

  if (n_ && n_->value() > 1 && temperature_ && temperature_->value() == 0.0)
    out.push_back({warning_code::n_at_temperature_zero,
                   "n is " + detail::format_number(n_->value()) +
                       " at temperature 0: greedy decoding takes the most likely token every "
                       "time, so all " +
                       detail::format_number(n_->value()) +
                       " choices will be identical (and each is billed); raise the "
                       "temperature for different choices, or set n to 1"});
  return out;
}

inline result<void> chat_request::validate() const {
  if (auto e = detail::check_request(*this, true))
    return std::move(*e);
  return {};
}

namespace detail {

// to_json without its checks, for a caller that has just run validate(),
// which checks everything they do: the client serializes each request once and
// checks it once.
inline std::string write_request(const chat_request& r) {
  std::string out;
  out.reserve(256);
  detail::json_writer w(out);
  w.begin_object();
  w.key("model");
  w.string(r.model());
  w.key("messages");
  w.begin_array();
  for (const auto& m : r.messages())
    detail::write_message(w, m);
  w.end_array();

  if (auto v = r.temperature()) {
    w.key("temperature");
    w.real(v->value());
  }
  if (auto v = r.top_p()) {
    w.key("top_p");
    w.real(v->value());
  }
  if (auto v = r.n()) {
    w.key("n");
    w.integer(v->value());
  }
  if (const auto& v = r.stop()) {
    w.key("stop");
    w.begin_array();
    for (const auto& s : v->sequences())
      w.string(s);
    w.end_array();
  }
  if (auto v = r.max_tokens()) {
    w.key("max_tokens");
    w.integer(v->value());
  }
  if (auto v = r.max_completion_tokens()) {
    w.key("max_completion_tokens");
    w.integer(v->value());
  }
  if (auto v = r.frequency_penalty()) {
    w.key("frequency_penalty");
    w.real(v->value());
  }
  if (auto v = r.presence_penalty()) {
    w.key("presence_penalty");
    w.real(v->value());
  }
  if (const auto& v = r.logit_bias()) {
    w.key("logit_bias");
    w.begin_object();
    for (const auto& [token, bias] : v->entries()) {
      w.key(detail::format_number(token));
      // The API types a bias as an integer; the range [-100, 100] makes the
      // conversion exact whenever the bias is integral.
      const auto whole = static_cast<std::int64_t>(bias);
      if (static_cast<double>(whole) == bias)
        w.integer(whole);
      else
        w.real(bias);
    }
    w.end_object();
  }
  if (auto v = r.logprobs()) {
    w.key("logprobs");
    w.boolean(*v);
  }
  if (auto v = r.top_logprobs()) {
    w.key("top_logprobs");
    w.integer(v->value());
  }
  if (auto v = r.seed()) {
    w.key("seed");
    w.integer(v->value());
  }
  if (auto v = r.stream()) {
    w.key("stream");
    w.boolean(*v);
  }
  if (auto v = r.stream_options()) {
    w.key("stream_options");
    w.begin_object();
    w.key("include_usage");
    w.boolean(v->include_usage);
    if (v->include_obfuscation) {
      w.key("include_obfuscation");
      w.boolean(*v->include_obfuscation);
    }
    w.end_object();
  }
  if (const auto& v = r.response_format()) {
    w.key("response_format");
    w.begin_object();
    w.key("type");
    w.string(v->type());
    if (const auto& schema = v->schema()) {
      w.key("json_schema");
      w.begin_object();
      w.key("name");
      w.string(schema->name);
      if (schema->description) {
        w.key("description");
        w.string(*schema->description);
      }
      w.key("schema");
      w.value(schema->schema);
      if (schema->strict) {
        w.key("strict");
        w.boolean(*schema->strict);
      }
      w.end_object();
    }
    w.end_object();
  }
  if (const auto& v = r.tools()) {
    w.key("tools");
    w.begin_array();
    for (const auto& tool : *v) {
      w.begin_object();
      w.key("type");
      w.string("function");
      w.key("function");
      w.begin_object();
      w.key("name");
      w.string(tool.name);
      if (tool.description) {
        w.key("description");
        w.string(*tool.description);
      }
      if (tool.parameters) {
        w.key("parameters");
        w.value(*tool.parameters);
      }
      if (tool.strict) {
        w.key("strict");
        w.boolean(*tool.strict);
      }
      w.end_object();
      w.end_object();
    }
    w.end_array();
  }
  if (const auto& v = r.tool_choice()) {
    w.key("tool_choice");
    if (v->mode() == "function") {
      w.begin_object();
      w.key("type");
      w.string("function");
      w.key("function");
      w.begin_object();
      w.key("name");
      w.string(v->function_name());
      w.end_object();
      w.end_object();
    } else {
      w.string(v->mode());
    }
  }
  if (auto v = r.parallel_tool_calls()) {
    w.key("parallel_tool_calls");
    w.boolean(*v);
  }
  if (auto v = r.reasoning_effort()) {
    w.key("reasoning_effort");
    w.string(to_string(*v));
  }
  if (auto v = r.service_tier()) {
    w.key("service_tier");
    w.string(to_string(*v));
  }
  if (const auto& v = r.end_user()) {
    w.key("user");
    w.string(*v);
  }
  if (const auto& v = r.safety_identifier()) {
    w.key("safety_identifier");
    w.string(*v);
  }
  if (const auto& v = r.prompt_cache_key()) {
    w.key("prompt_cache_key");
    w.string(*v);
  }
  if (const auto& v = r.metadata()) {
    w.key("metadata");
    w.begin_object();
    for (const auto& [key, value] : *v) {
      w.key(key);
      w.string(value);
    }
    w.end_object();
  }
  if (auto v = r.store()) {
    w.key("store");
    w.boolean(*v);
  }
  if (auto v = r.top_k()) {
    w.key("top_k");
    w.integer(v->value());
  }
  if (auto v = r.min_p()) {
    w.key("min_p");
    w.real(v->value());
  }
  if (auto v = r.repetition_penalty()) {
    w.key("repetition_penalty");
    w.real(v->value());
  }
  for (const auto& [key, value] : r.extra()) {
    w.key(key);
    w.value(value);
  }
  w.end_object();
  return out;
}

} // namespace detail

inline std::string to_json(const chat_request& r) {
  if (auto e = detail::check_request(r, false))
    throw request_error(std::move(*e));
  return detail::write_request(r);
}

} // namespace knobs

#endif