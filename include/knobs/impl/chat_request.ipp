// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_CHAT_REQUEST_IPP
#define KNOBS_IMPL_CHAT_REQUEST_IPP

// The compiled part of chat_request.hpp: copying and moving a request, the
// checks (validate(), and the subset to_json runs), the lint, and the writer
// of the bytes. Header-only
// builds include it at the end of chat_request.hpp; with
// KNOBS_SEPARATE_COMPILATION, <knobs/src.hpp> does.

#include <knobs/chat_request.hpp>

#include <knobs/detail/json_writer.hpp>
#include <knobs/detail/number.hpp>
#include <knobs/detail/request_fields.hpp>
#include <knobs/error.hpp>

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace knobs {

namespace detail {

// The helpers below are `inline` because, header-only, this file is part of
// every translation unit that includes chat_request.hpp.

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

chat_request::chat_request(const chat_request& other) = default;
chat_request::chat_request(chat_request&& other) noexcept = default;
chat_request& chat_request::operator=(const chat_request& other) = default;
chat_request& chat_request::operator=(chat_request&& other) = default;
chat_request::~chat_request() = default;

chat_request& chat_request::extra(std::string key, boost::json::value v) {
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

std::vector<warning> chat_request::warnings() const {
  std::vector<warning> out;
  // A knob at its neutral value changes nothing, so it fights nothing:
  // temperature 1 divides the scores by 1, top_p 1 keeps every token, min_p
  // 0 keeps every token. (The lesson's challenge 2 pins temperature at 1 on
  // purpose, to sweep top_p alone.)
  const bool reshapes = temperature_ && temperature_->value() != 1.0;
  const bool top_p_cuts = top_p_ && top_p_->value() != 1.0;
  const bool min_p_cuts = min_p_ && min_p_->value() != 0.0;
  if (reshapes && top_p_cuts)
    out.push_back(
        {warning_code::temperature_and_top_p,
         "temperature (" + detail::format_number(temperature_->value()) + ") and top_p (" +
             detail::format_number(top_p_->value()) +
             ") are both set: temperature reshapes the whole distribution and top_p then cuts "
             "its tail, so each changes what the other does and neither can be tuned on its "
             "own; change one, not both, and leave the other unset"});

  std::vector<std::string> levers;
  if (top_p_cuts)
    levers.push_back("top_p " + detail::format_number(top_p_->value()));
  if (top_k_)
    levers.push_back("top_k " + detail::format_number(top_k_->value()));
  if (min_p_cuts)
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

result<void> chat_request::validate() const {
  if (auto e = detail::check_request(*this, true))
    return std::move(*e);
  return {};
}

std::string detail::write_request(const chat_request& r, const renames* as,
                                  std::vector<std::string>* keys, bool json_object_schema) {
  std::string out;
  out.reserve(256);
  detail::json_writer w(out);
  // A top-level field's key (a literal here: nothing to escape), under the
  // server's spelling when its profile has one (a profile may be a user's).
  const auto key = [&](std::string_view k) {
    if (keys)
      keys->emplace_back(k);
    if (as)
      for (const auto& [ours, theirs] : *as)
        if (ours == k)
          return w.key(theirs);
    w.plain_key(k);
  };
  w.begin_object();
  w.key("model");
  w.string(r.model());
  w.key("messages");
  w.begin_array();
  for (const auto& m : r.messages())
    detail::write_message(w, m);
  w.end_array();

  if (auto v = r.temperature()) {
    key("temperature");
    w.real(v->value());
  }
  if (auto v = r.top_p()) {
    key("top_p");
    w.real(v->value());
  }
  if (auto v = r.n()) {
    key("n");
    w.integer(v->value());
  }
  if (const auto& v = r.stop()) {
    key("stop");
    w.begin_array();
    for (const auto& s : v->sequences())
      w.string(s);
    w.end_array();
  }
  if (auto v = r.max_tokens()) {
    key("max_tokens");
    w.integer(v->value());
  }
  if (auto v = r.max_completion_tokens()) {
    key("max_completion_tokens");
    w.integer(v->value());
  }
  if (auto v = r.frequency_penalty()) {
    key("frequency_penalty");
    w.real(v->value());
  }
  if (auto v = r.presence_penalty()) {
    key("presence_penalty");
    w.real(v->value());
  }
  if (const auto& v = r.logit_bias()) {
    key("logit_bias");
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
    key("logprobs");
    w.boolean(*v);
  }
  if (auto v = r.top_logprobs()) {
    key("top_logprobs");
    w.integer(v->value());
  }
  if (auto v = r.seed()) {
    key("seed");
    w.integer(v->value());
  }
  if (auto v = r.stream()) {
    key("stream");
    w.boolean(*v);
  }
  if (auto v = r.stream_options()) {
    key("stream_options");
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
    key("response_format");
    w.begin_object();
    w.key("type");
    const auto& schema = v->schema();
    if (schema && json_object_schema) {
      // The schema alone, the spelling llama.cpp's server reads
      // (server_profile::json_schema_as); it reads no name and no strict.
      w.string("json_object");
      w.key("schema");
      w.value(schema->schema);
    } else if (schema) {
      w.string(v->type());
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
    } else {
      w.string(v->type());
    }
    w.end_object();
  }
  if (const auto& v = r.tools()) {
    key("tools");
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
    key("tool_choice");
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
    key("parallel_tool_calls");
    w.boolean(*v);
  }
  if (auto v = r.reasoning_effort()) {
    key("reasoning_effort");
    w.string(to_string(*v));
  }
  if (auto v = r.service_tier()) {
    key("service_tier");
    w.string(to_string(*v));
  }
  if (const auto& v = r.end_user()) {
    key("user");
    w.string(*v);
  }
  if (const auto& v = r.safety_identifier()) {
    key("safety_identifier");
    w.string(*v);
  }
  if (const auto& v = r.prompt_cache_key()) {
    key("prompt_cache_key");
    w.string(*v);
  }
  if (const auto& v = r.metadata()) {
    key("metadata");
    w.begin_object();
    for (const auto& [key, value] : *v) {
      w.key(key);
      w.string(value);
    }
    w.end_object();
  }
  if (auto v = r.store()) {
    key("store");
    w.boolean(*v);
  }
  if (auto v = r.top_k()) {
    key("top_k");
    w.integer(v->value());
  }
  if (auto v = r.min_p()) {
    key("min_p");
    w.real(v->value());
  }
  if (auto v = r.repetition_penalty()) {
    key("repetition_penalty");
    w.real(v->value());
  }
  for (const auto& [name, value] : r.extra()) {
    if (keys)
      keys->push_back(name);
    w.key(name);
    w.value(value);
  }
  w.end_object();
  return out;
}

std::string to_json(const chat_request& r) {
  if (auto e = detail::check_request(r, false))
    throw request_error(std::move(*e));
  return detail::write_request(r);
}

} // namespace knobs

#endif
