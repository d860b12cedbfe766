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

#include <knobs/detail/config.hpp>
#include <knobs/detail/request_fields.hpp>
#include <knobs/error.hpp>
#include <knobs/message.hpp>
#include <knobs/response_format.hpp>
#include <knobs/sampling.hpp>
#include <knobs/tool.hpp>
#include <knobs/tool_call.hpp>
#include <knobs/warning.hpp>

// A public type: extra() holds boost::json::value (the schemas and tool
// parameters of response_format.hpp and tool.hpp are boost::json::object).
#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace knobs {

struct server_profile; // <knobs/server_profile.hpp>

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

  /// Copies and moves are member-wise (a moved-from request is valid, its
  /// fields unspecified). They are declared here and defaulted in the .ipp so
  /// that, compiled separately, the code that copies some thirty fields is
  /// compiled once rather than in every file that passes a request around.
  KNOBS_DECL chat_request(const chat_request& other);
  /// Takes `other`'s fields; `other` stays valid, its fields unspecified.
  KNOBS_DECL chat_request(chat_request&& other) noexcept;
  /// Replaces every field with a copy of `other`'s.
  KNOBS_DECL chat_request& operator=(const chat_request& other);
  /// Replaces every field with `other`'s; `other` stays valid, its fields
  /// unspecified.
  KNOBS_DECL chat_request& operator=(chat_request&& other);
  KNOBS_DECL ~chat_request();

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
  KNOBS_DECL chat_request& extra(std::string key, boost::json::value v);

  /// The extra fields, in order.
  const std::vector<std::pair<std::string, boost::json::value>>& extra() const noexcept {
    return extra_;
  }

  // -- checks -------------------------------------------------------------------------

  /// Suspicious but legal combinations, in this order (each at most once):
  ///  - `temperature_and_top_p`: both set, neither at its neutral value
  ///    (temperature 1 reshapes nothing, top_p 1 cuts nothing);
  ///  - `several_truncation_knobs`: two or more of top_p, top_k, min_p set
  ///    and cutting (top_p 1 and min_p 0 cut nothing);
  ///  - `n_at_temperature_zero`: n > 1 with temperature 0.
  /// Empty for a request with none of these. Never throws except `bad_alloc`.
  KNOBS_DECL std::vector<warning> warnings() const;

  /// `warnings()`, then what `server`'s profile finds, in this order:
  ///  - `rejected_by_server`: a field the server answers with 400;
  ///  - `ignored_by_server`: a field it drops, so the knob changes nothing;
  ///  - `rejected_by_model`: a field the model's family refuses (OpenAI's
  ///    reasoning models: temperature other than 1, top_p, the penalties, ...);
  ///  - `deprecated_field`: a field the server deprecates, and its successor;
  ///  - `server_default_differs`: sampling knobs left unset that the server
  ///    fills with values that reshape or cut the distribution (llama.cpp's
  ///    server: temperature 0.8, top_k 40, top_p 0.95, min_p 0.05).
  /// A field the profile renames is sent under the server's spelling and
  /// needs no warning. Works offline.
  KNOBS_DECL std::vector<warning> warnings(const server_profile& server) const;

  /// What the API would reject, as an `errc::invalid_request` error whose
  /// `where` is the field at fault (a JSON path such as "messages[2].content"
  /// or "tools[0].function.name"). Checks run in the order to_json writes the
  /// fields, and the first failure is returned:
  /// 1. `model`: not empty; valid UTF-8.
  /// 2. `messages`: at least one. Then each message, in order, field by field:
  ///     `name` not on a tool message; `tool_call_id` present and non-empty on
  ///     a tool message, absent on the others; `content` present (an assistant
  ///     message may omit it when it has tool calls), a list of parts
  ///     non-empty, images only in user messages, image URLs non-empty;
  ///     `tool_calls` only on assistant messages; every string valid UTF-8.
  /// 3. `stop`: valid UTF-8.
  /// 4. `max_tokens`: not together with `max_completion_tokens`.
  /// 5. `top_logprobs`: only with `logprobs(true)`.
  /// 6. `stream_options`: only with `stream(true)`.
  /// 7. `response_format`: a json_schema name of 1 to 64 of [a-zA-Z0-9_-];
  ///     description valid UTF-8; schema writable (finite numbers, UTF-8
  ///     strings and keys); json_object only when a message mentions "json".
  /// 8. `tools`: at least one; each name 1 to 64 of [a-zA-Z0-9_-];
  ///     description valid UTF-8; parameters writable.
  /// 9. `tool_choice`: only with `tools`; a named function must be one of them.
  /// 10. `parallel_tool_calls`: only with `tools`.
  /// 11. `user` (`end_user()`), `safety_identifier`, `prompt_cache_key`: valid
  ///     UTF-8; `safety_identifier` at most 64 characters.
  /// 12. `metadata`: at most 16 pairs; each key valid UTF-8 and at most 64
  ///     characters, each value valid UTF-8 and at most 512.
  /// 13. `extra`, in order: keys valid UTF-8, values writable.
  ///
  /// `validate().value()` throws the error as `knobs::request_error`.
  KNOBS_DECL result<void> validate() const;

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
KNOBS_DECL std::string to_json(const chat_request& request);

namespace detail {

// to_json without its checks, for a caller that has just run validate(),
// which checks everything they do: the client serializes each request once and
// checks it once.
// Top-level keys written under other names: {knobs' key, the server's}
// (server_profile::fields' renamed ones).
using renames = std::vector<std::pair<std::string_view, std::string_view>>;
// `keys`, when given, receives the top-level fields written after model and
// messages, in order, by knobs' names (the extra() ones as given).
// `json_object_schema`: a json_schema response format is written as
// {"type":"json_object","schema":...} (server_profile::json_schema_as).
KNOBS_DECL std::string write_request(const chat_request& r, const renames* as = nullptr,
                                     std::vector<std::string>* keys = nullptr,
                                     bool json_object_schema = false);

} // namespace detail

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/chat_request.ipp>
#endif

#endif
