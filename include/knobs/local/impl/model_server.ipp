// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_IMPL_MODEL_SERVER_IPP
#define KNOBS_LOCAL_IMPL_MODEL_SERVER_IPP

#include <knobs/local/model_server.hpp>

#include <knobs/sampling.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <iostream>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace knobs {
namespace local {

namespace detail {

// The first thing wrong with a request: a 400's message, param and code.
struct bad_field {
  std::string message;
  std::string param;
  std::string code;
};

// Reads the fields of a chat request, remembering the first problem. JSON
// null reads as absent.
class request_reader {
public:
  explicit request_reader(const boost::json::object& o) : o_(o) {}

  const boost::json::value* find(std::string_view key) const {
    const boost::json::value* v = o_.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
  }

  void fail(std::string message, std::string_view param, std::string_view code) {
    if (!error)
      error = bad_field{std::move(message), std::string(param), std::string(code)};
  }

  std::optional<double> number(std::string_view key) {
    const boost::json::value* v = find(key);
    if (!v)
      return std::nullopt;
    if (v->is_double())
      return v->get_double();
    if (v->is_int64())
      return static_cast<double>(v->get_int64());
    if (v->is_uint64())
      return static_cast<double>(v->get_uint64());
    fail(std::string(key) + " must be a number", key, "invalid_type");
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(std::string_view key) {
    const boost::json::value* v = find(key);
    if (!v)
      return std::nullopt;
    if (v->is_int64())
      return v->get_int64();
    if (v->is_uint64() &&
        v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return static_cast<std::int64_t>(v->get_uint64());
    // 2.0 is an integer written as a real (as some clients write them).
    if (v->is_double() && std::floor(v->get_double()) == v->get_double() &&
        std::abs(v->get_double()) < 9.2e18)
      return static_cast<std::int64_t>(v->get_double());
    fail(std::string(key) + " must be an integer", key, "invalid_type");
    return std::nullopt;
  }

  std::optional<bool> boolean(std::string_view key) {
    const boost::json::value* v = find(key);
    if (!v)
      return std::nullopt;
    if (v->is_bool())
      return v->get_bool();
    fail(std::string(key) + " must be a boolean", key, "invalid_type");
    return std::nullopt;
  }

  // A knob, checked by its own make(), so the message is the SDK's.
  template <class Knob> std::optional<Knob> real(std::string_view key) {
    return made<Knob>(key, number(key));
  }

  template <class Knob> std::optional<Knob> whole(std::string_view key) {
    return made<Knob>(key, integer(key));
  }

  // The knob made from `x` (absent when `x` is), or the knob's own error.
  template <class Knob, class T>
  std::optional<Knob> made(std::string_view key, const std::optional<T>& x) {
    if (!x)
      return std::nullopt;
    auto knob = Knob::make(*x);
    if (!knob) {
      fail(knob.error().message, key, "invalid_value");
      return std::nullopt;
    }
    return *knob;
  }

  std::optional<bad_field> error;

private:
  const boost::json::object& o_;
};

// The text of a message's content: a string, or the text parts of an array.
inline std::string content_text(const boost::json::value& content) {
  if (content.is_string())
    return std::string(content.get_string());
  std::string out;
  if (content.is_array())
    for (const boost::json::value& part : content.get_array())
      if (const auto* o = part.if_object())
        if (const auto* text = o->if_contains("text"); text && text->is_string()) {
          if (!out.empty())
            out += ' ';
          out += text->get_string();
        }
  return out;
}

// A chat request, read and checked.
struct chat_call {
  std::string prompt;
  std::int64_t prompt_tokens = 0;
  generation_options generation;
  std::int64_t n = 1;
  std::optional<std::int64_t> seed;
  bool logprobs = false;
  bool stream = false;
  bool include_usage = false;
};

inline std::optional<bad_field> read_chat_call(const boost::json::object& o, chat_call& call) {
  request_reader r(o);
  // `model` must be there (as OpenAI requires) but may name any model.
  const boost::json::value* model = r.find("model");
  if (!model)
    r.fail("you must provide a model parameter", "model", "missing_required_parameter");
  else if (!model->is_string())
    r.fail("model must be a string", "model", "invalid_type");

  const boost::json::value* messages = r.find("messages");
  if (!messages)
    r.fail("you must provide a messages parameter", "messages", "missing_required_parameter");
  else if (!messages->is_array())
    r.fail("messages must be an array", "messages", "invalid_type");
  else if (messages->get_array().empty())
    r.fail("messages must not be empty", "messages", "invalid_value");
  else {
    std::optional<std::string> last_user;
    std::string last_any;
    const boost::json::array& list = messages->get_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string where = "messages[" + std::to_string(i) + "]";
      const boost::json::object* m = list[i].if_object();
      if (!m) {
        r.fail(where + " must be an object", where, "invalid_type");
        break;
      }
      const boost::json::value* role = m->if_contains("role");
      static constexpr std::string_view roles[] = {"system",    "developer", "user",
                                                   "assistant", "tool",      "function"};
      if (!role || !role->is_string() ||
          std::find(std::begin(roles), std::end(roles), std::string_view(role->get_string())) ==
              std::end(roles)) {
        r.fail(where + ".role must be one of system, developer, user, assistant, tool",
               where + ".role", "invalid_value");
        break;
      }
      std::string text;
      if (const boost::json::value* content = m->if_contains("content")) {
        if (!content->is_string() && !content->is_array() && !content->is_null()) {
          r.fail(where + ".content must be a string, an array of parts or null", where + ".content",
                 "invalid_type");
          break;
        }
        text = content_text(*content);
      }
      // Each message costs its text plus a few tokens of framing (role,
      // separators), as chat templates do.
      call.prompt_tokens += offline_model::count_tokens(text) + 3;
      if (role->get_string() == "user")
        last_user = text;
      if (!text.empty())
        last_any = text;
    }
    call.prompt = last_user ? *last_user : last_any;
    call.prompt_tokens += 3; // the assistant's reply is primed
  }

  knobs::sampling& s = call.generation.sampling;
  s.temperature = r.real<knobs::temperature>("temperature");
  s.top_p = r.real<knobs::top_p>("top_p");
  s.top_k = r.whole<knobs::top_k>("top_k");
  s.min_p = r.real<knobs::min_p>("min_p");
  s.frequency_penalty = r.real<knobs::frequency_penalty>("frequency_penalty");
  s.presence_penalty = r.real<knobs::presence_penalty>("presence_penalty");
  call.generation.repetition_penalty = r.real<knobs::repetition_penalty>("repetition_penalty");
  if (const boost::json::value* bias = r.find("logit_bias")) {
    if (!bias->is_object())
      r.fail("logit_bias must be an object of token id to bias", "logit_bias", "invalid_type");
    else
      for (const auto& [key, value] : bias->get_object()) {
        std::int64_t id = -1;
        const std::string k(key);
        const bool digits =
            !k.empty() && k.size() < 19 && k.find_first_not_of("0123456789") == std::string::npos;
        if (digits)
          id = std::stoll(k);
        if (!digits || !(value.is_number())) {
          r.fail("logit_bias keys must be token ids and its values numbers, got \"" + k + "\"",
                 "logit_bias", "invalid_value");
          break;
        }
        if (auto added = s.logit_bias.try_add(id, value.to_number<double>()); !added) {
          r.fail(added.error().message, "logit_bias", "invalid_value");
          break;
        }
      }
  }
  if (const std::optional<std::int64_t> seed = r.integer("seed"))
    call.seed = *seed;
  if (const auto n = r.whole<knobs::n>("n"))
    call.n = n->value();
  if (const boost::json::value* stop = r.find("stop")) {
    std::vector<std::string> sequences;
    bool typed = true;
    if (stop->is_string())
      sequences.emplace_back(stop->get_string());
    else if (stop->is_array())
      for (const boost::json::value& v : stop->get_array()) {
        if (!v.is_string()) {
          typed = false;
          break;
        }
        sequences.emplace_back(v.get_string());
      }
    else
      typed = false;
    if (!typed)
      r.fail("stop must be a string or an array of strings", "stop", "invalid_type");
    else if (auto made = knobs::stop::make(std::move(sequences)); !made)
      r.fail(made.error().message, "stop", "invalid_value");
    else
      call.generation.stop = made->sequences();
  }
  const auto max_tokens = r.whole<knobs::max_tokens>("max_tokens");
  const auto max_completion_tokens = r.whole<knobs::max_completion_tokens>("max_completion_tokens");
  if (max_tokens && max_completion_tokens)
    r.fail("max_tokens and max_completion_tokens cannot both be set; use max_completion_tokens",
           "max_tokens", "invalid_value");
  if (max_tokens)
    call.generation.max_tokens = max_tokens->value();
  if (max_completion_tokens)
    call.generation.max_tokens = max_completion_tokens->value();
  call.logprobs = r.boolean("logprobs").value_or(false);
  if (const auto top = r.whole<knobs::top_logprobs>("top_logprobs")) {
    if (!call.logprobs)
      r.fail("top_logprobs requires logprobs to be true", "top_logprobs", "invalid_value");
    call.generation.top_logprobs = static_cast<std::size_t>(top->value());
  }
  if (const boost::json::value* format = r.find("response_format")) {
    // An n-gram model writes prose: it cannot keep to JSON, let alone a
    // schema. Saying so, as OpenAI's 400 does for a format a model does not
    // support, beats prose the caller's parse<T>() would then refuse.
    const boost::json::value* type =
        format->is_object() ? format->get_object().if_contains("type") : nullptr;
    if (!type || !type->is_string())
      r.fail("response_format must be an object with a string type", "response_format",
             "invalid_type");
    else if (type->get_string() != "text")
      r.fail("response_format " + std::string(type->get_string()) +
                 " is not supported by knobs' offline model: an n-gram model writes prose and "
                 "cannot keep to JSON. Set OPENAI_BASE_URL to a server with a real model for "
                 "structured answers",
             "response_format", "invalid_value");
  }
  call.stream = r.boolean("stream").value_or(false);
  if (const boost::json::value* options = r.find("stream_options")) {
    if (!options->is_object())
      r.fail("stream_options must be an object", "stream_options", "invalid_type");
    else if (!call.stream)
      r.fail("stream_options is only allowed when stream is true", "stream_options",
             "invalid_value");
    else if (const boost::json::value* usage = options->get_object().if_contains("include_usage")) {
      if (usage->is_bool())
        call.include_usage = usage->get_bool();
      else if (!usage->is_null())
        r.fail("stream_options.include_usage must be a boolean", "stream_options.include_usage",
               "invalid_type");
    }
  }
  return r.error;
}

inline boost::json::array utf8_bytes(std::string_view text) {
  boost::json::array out;
  for (char c : text)
    out.emplace_back(static_cast<std::int64_t>(static_cast<unsigned char>(c)));
  return out;
}

inline boost::json::object token_logprob_json(const generated_token& t, bool with_top) {
  boost::json::object o;
  o["token"] = t.text;
  o["logprob"] = t.logprob;
  o["bytes"] = utf8_bytes(t.text);
  boost::json::array top;
  if (with_top)
    for (const knobs::token& alt : t.top_logprobs) {
      boost::json::object a;
      a["token"] = alt.text;
      a["logprob"] = alt.logprob;
      a["bytes"] = utf8_bytes(alt.text);
      top.emplace_back(std::move(a));
    }
  o["top_logprobs"] = std::move(top);
  return o;
}

inline boost::json::object logprobs_json(const std::vector<generated_token>& tokens) {
  boost::json::array content;
  for (const generated_token& t : tokens)
    content.emplace_back(token_logprob_json(t, true));
  boost::json::object o;
  o["content"] = std::move(content);
  o["refusal"] = nullptr;
  return o;
}

inline std::string random_hex(std::size_t digits) {
  static constexpr char hex[] = "0123456789abcdef";
  std::random_device device;
  std::string out;
  while (out.size() < digits) {
    std::uint32_t bits = device();
    for (int i = 0; i < 8 && out.size() < digits; ++i, bits >>= 4)
      out += hex[bits & 0xf];
  }
  return out;
}

// Choice i's stream: the seed itself for choice 0, a well-mixed other for the rest.
inline knobs::seed choice_seed(std::int64_t seed, std::int64_t choice) {
  const std::uint64_t mixed =
      static_cast<std::uint64_t>(seed) + static_cast<std::uint64_t>(choice) * 0x9e3779b97f4a7c15ull;
  std::int64_t out = 0;
  std::memcpy(&out, &mixed, sizeof out);
  return knobs::seed{out};
}

// The 405 for a path this server knows, asked with a method it does not serve.
inline response_plan wrong_method(const received_request& request) {
  return response_plan::api_error(
      405, "Method " + request.method + " is not allowed on " + request.target,
      "invalid_request_error", std::nullopt, "method_not_allowed");
}

// The answer to POST /v1/chat/completions with `body`: a completion, a stream
// of chunks, or the 400 for a request the API would reject.
inline response_plan chat(const offline_model& model, std::string_view body) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec);
  if (ec)
    return response_plan::api_error(
        400, "We could not parse the JSON body of your request (" + ec.message() + ")",
        "invalid_request_error");
  if (!parsed.is_object())
    return response_plan::api_error(400, "The body of a chat request must be a JSON object",
                                    "invalid_request_error");
  chat_call call;
  if (auto bad = read_chat_call(parsed.get_object(), call))
    return response_plan::api_error(400, bad->message, "invalid_request_error", bad->param,
                                    bad->code);

  const std::int64_t seed = call.seed ? *call.seed : [] {
    std::random_device device;
    const std::uint64_t bits = (static_cast<std::uint64_t>(device()) << 32) | device();
    std::int64_t out = 0;
    std::memcpy(&out, &bits, sizeof out);
    return out;
  }();
  const prompt_conditioning conditioning = model.condition(call.prompt);
  std::vector<generation> answers;
  std::int64_t completion_tokens = 0;
  for (std::int64_t i = 0; i < call.n; ++i) {
    generator gen{choice_seed(seed, i)};
    answers.push_back(model.generate(conditioning, call.generation, gen));
    completion_tokens += answers.back().completion_tokens;
  }

  boost::json::object usage;
  usage["prompt_tokens"] = call.prompt_tokens;
  usage["completion_tokens"] = completion_tokens;
  usage["total_tokens"] = call.prompt_tokens + completion_tokens;

  boost::json::object head;
  head["id"] = "chatcmpl-" + random_hex(24);
  head["object"] = call.stream ? "chat.completion.chunk" : "chat.completion";
  head["created"] = static_cast<std::int64_t>(std::time(nullptr));
  head["model"] = offline_model_id;
  head["system_fingerprint"] = model.fingerprint();
  const std::string request_id = "req_" + random_hex(24);

  if (!call.stream) {
    boost::json::array choices;
    for (std::size_t i = 0; i < answers.size(); ++i) {
      boost::json::object message;
      message["role"] = "assistant";
      message["content"] = answers[i].text;
      message["refusal"] = nullptr;
      boost::json::object choice;
      choice["index"] = static_cast<std::int64_t>(i);
      choice["message"] = std::move(message);
      if (call.logprobs)
        choice["logprobs"] = logprobs_json(answers[i].tokens);
      else
        choice["logprobs"] = nullptr;
      choice["finish_reason"] = answers[i].finish_reason;
      choices.emplace_back(std::move(choice));
    }
    boost::json::object out = head;
    out["choices"] = std::move(choices);
    out["usage"] = std::move(usage);
    return response_plan::json(200, boost::json::serialize(out))
        .with_header("x-request-id", request_id);
  }

  std::vector<std::string> events;
  auto chunk = [&](std::int64_t index, boost::json::object delta, boost::json::value logprobs,
                   boost::json::value finish_reason) {
    boost::json::object choice;
    choice["index"] = index;
    choice["delta"] = std::move(delta);
    choice["logprobs"] = std::move(logprobs);
    choice["finish_reason"] = std::move(finish_reason);
    boost::json::object c = head;
    c["choices"] = boost::json::array{std::move(choice)};
    if (call.include_usage)
      c["usage"] = nullptr;
    events.push_back(sse_event(boost::json::serialize(c)));
  };
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const auto index = static_cast<std::int64_t>(i);
    boost::json::object first;
    first["role"] = "assistant";
    first["content"] = "";
    chunk(index, std::move(first), nullptr, nullptr);
    for (const generated_token& t : answers[i].tokens) {
      boost::json::object delta;
      delta["content"] = t.text;
      boost::json::value logprobs = nullptr;
      if (call.logprobs) {
        boost::json::object lp;
        lp["content"] = boost::json::array{token_logprob_json(t, true)};
        lp["refusal"] = nullptr;
        logprobs = std::move(lp);
      }
      chunk(index, std::move(delta), std::move(logprobs), nullptr);
    }
    chunk(index, boost::json::object{}, nullptr, boost::json::string(answers[i].finish_reason));
  }
  if (call.include_usage) {
    boost::json::object last = head;
    last["choices"] = boost::json::array{};
    last["usage"] = std::move(usage);
    events.push_back(sse_event(boost::json::serialize(last)));
  }
  events.push_back(sse_event("[DONE]"));
  return response_plan::event_stream(std::move(events)).with_header("x-request-id", request_id);
}

} // namespace detail

model_server::model_server(model_server_options options)
    : model_(std::make_shared<const offline_model>(options.parameters)),
      server_([model = model_](const received_request& r) { return respond(*model, r); },
              server_options{options.port, false, std::nullopt, std::chrono::milliseconds(0)}) {
  if (!options.quiet)
    std::cerr << "knobs: serving an offline n-gram model (" << offline_model_id << ") at "
              << base_url()
              << ", a toy trained on knobs' own corpus, not a real LLM; to use a real "
                 "model, set OPENAI_BASE_URL and OPENAI_API_KEY\n";
}

response_plan model_server::respond(const offline_model& model, const received_request& request) {
  std::string_view target = request.target;
  target = target.substr(0, target.find('?'));
  if (target.size() > 1 && target.back() == '/')
    target.remove_suffix(1);
  const std::string models_path = "/v1/models/" + std::string(offline_model_id);
  if (target == "/v1/chat/completions") {
    if (request.method != "POST")
      return detail::wrong_method(request);
    return detail::chat(model, request.body);
  }
  if (target == "/v1/models" || target == models_path) {
    if (request.method != "GET")
      return detail::wrong_method(request);
    boost::json::object m;
    m["id"] = offline_model_id;
    m["object"] = "model";
    m["created"] = 0;
    m["owned_by"] = "knobs";
    if (target == models_path)
      return response_plan::json(200, boost::json::serialize(m));
    boost::json::object list;
    list["object"] = "list";
    list["data"] = boost::json::array{std::move(m)};
    return response_plan::json(200, boost::json::serialize(list));
  }
  if (target.rfind("/v1/models/", 0) == 0)
    return response_plan::api_error(404,
                                    "The model '" + std::string(target.substr(11)) +
                                        "' does not exist; this server has " +
                                        std::string(offline_model_id),
                                    "invalid_request_error", "model", "model_not_found");
  return response_plan::api_error(404,
                                  "Unknown request URL: " + request.method + " " + request.target +
                                      ". This server serves POST /v1/chat/completions and "
                                      "GET /v1/models.",
                                  "invalid_request_error", std::nullopt, "unknown_url");
}

} // namespace local
} // namespace knobs

#endif
