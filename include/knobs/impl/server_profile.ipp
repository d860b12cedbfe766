// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_SERVER_PROFILE_IPP
#define KNOBS_IMPL_SERVER_PROFILE_IPP

// The compiled part of <knobs/server_profile.hpp>: the built-in profiles
// (each fact with its source), the profile's lint, and the request written
// in a server's spelling.

#include <knobs/server_profile.hpp>

#include <knobs/detail/http_field.hpp>
#include <knobs/detail/number.hpp>
#include <knobs/detail/url.hpp>
#include <knobs/impl/chat_request.ipp> // detail::check_request

#include <algorithm>
#include <utility>

namespace knobs {

namespace detail {

inline field_rule rule(std::string field, field_support support, std::string advice = {}) {
  field_rule r;
  r.field = std::move(field);
  r.support = support;
  r.advice = std::move(advice);
  return r;
}

inline field_rule deprecated(std::string field, std::string successor, std::string advice) {
  field_rule r = rule(std::move(field), field_support::accepted, std::move(advice));
  r.deprecated = true;
  r.deprecated_for = std::move(successor);
  return r;
}

inline field_rule renamed(std::string field, std::string sent_as) {
  field_rule r;
  r.field = std::move(field);
  r.support = field_support::renamed;
  r.sent_as = std::move(sent_as);
  return r;
}

// "gpt-5.1", "gpt-5.2-mini", "gpt-5.4": gpt-5 followed by a minor version.
inline bool gpt5_point_release(std::string_view model) noexcept {
  constexpr std::string_view base = "gpt-5.";
  if (model.substr(0, base.size()) != base || model.size() == base.size())
    return false;
  const char c = model[base.size()];
  return c >= '1' && c <= '9';
}

} // namespace detail

bool model_id_is(std::string_view model, std::string_view prefix) noexcept {
  if (model.substr(0, prefix.size()) != prefix)
    return false;
  return model.size() == prefix.size() || model[prefix.size()] == '-';
}

// OpenAI's reasoning models and their sampling fields.
// - o-series and gpt-5 (and its -mini, -nano): temperature only at its
//   default 1, and no top_p, presence_penalty, frequency_penalty, logprobs,
//   top_logprobs or logit_bias; max_tokens is refused for
//   max_completion_tokens. Sources: Azure OpenAI "reasoning models" how-to
//   (MicrosoftDocs/azure-ai-docs, articles/ai-foundry/openai/how-to/
//   reasoning.md @645e0190, "Not supported" parameters), and the 400 texts
//   OpenAI returns ("Unsupported value: 'temperature' does not support 0.7
//   with this model. Only the default (1) value is supported.";
//   "Unsupported parameter: 'max_tokens' is not supported with this model.
//   Use 'max_completion_tokens' instead.").
// - gpt-5.1 and later: reasoning_effort "none" is accepted and is the
//   default (reasoning.md @645e0190, footnotes), and with it temperature,
//   top_p and logprobs are accepted (OpenAI's "GPT-5.1 parameter
//   compatibility" guide, as cited by vercel/ai pull request 10940,
//   2025-12-07); with reasoning on, the gpt-5 rules hold.
// - gpt-5-chat (gpt-5-chat-latest) is not a reasoning model: no row.
// - gpt-oss (open weights, served by vLLM, Ollama, llama.cpp...): refuses
//   nothing; its model card recommends temperature 1 and top_p 1.
std::vector<model_rule> openai_model_rules() {
  const std::vector<std::string> reasoning_refused{
      "top_p",        "presence_penalty", "frequency_penalty", "logprobs",
      "top_logprobs", "logit_bias",       "max_tokens"};
  std::vector<model_rule> rows;
  rows.push_back({"the o-series",
                  [](std::string_view m) {
                    return model_id_is(m, "o1") || model_id_is(m, "o3") ||
                           model_id_is(m, "o4-mini");
                  },
                  reasoning_refused, true, false});
  rows.push_back(
      {"gpt-5",
       [](std::string_view m) { return model_id_is(m, "gpt-5") && !model_id_is(m, "gpt-5-chat"); },
       reasoning_refused, true, false});
  rows.push_back({"gpt-5.1 and later",
                  [](std::string_view m) { return detail::gpt5_point_release(m); },
                  reasoning_refused, true, true});
  rows.push_back(
      {"gpt-oss", [](std::string_view m) { return model_id_is(m, "gpt-oss"); }, {}, false, false});
  return rows;
}

server_profile server_profile::of(server_kind kind) {
  using detail::renamed;
  using detail::rule;
  server_profile p;
  p.kind = kind;
  switch (kind) {
  case server_kind::unknown:
    break;
  case server_kind::openai:
    p.name = "OpenAI";
    // Fields outside the API's schema are refused with 400 "Unrecognized
    // request argument supplied: top_k" (OpenAI API reference, "Create chat
    // completion"; openai-openapi 2.3.0 CreateChatCompletionRequest has none
    // of them; tests/contract/exceptions.cpp proves they are not in it).
    p.fields.push_back(
        rule("top_k", field_support::rejected, "OpenAI has no top_k: use top_p to cut the tail"));
    p.fields.push_back(
        rule("min_p", field_support::rejected, "OpenAI has no min_p: use top_p to cut the tail"));
    p.fields.push_back(rule("repetition_penalty", field_support::rejected,
                            "OpenAI has no repetition_penalty: use frequency_penalty or "
                            "presence_penalty"));
    // Deprecated in the spec (openai-openapi 2.3.0, tests/contract/
    // chat-completions.json: `deprecated: true`, pinned by
    // tests/contract/spec.cpp): max_tokens for max_completion_tokens, user
    // for safety_identifier (and prompt_cache_key), seed with no successor
    // (openai-node src/resources/chat/completions/completions.ts @2f679e61
    // marks max_tokens `@deprecated` too).
    p.fields.push_back(detail::deprecated("max_tokens", "max_completion_tokens", ""));
    p.fields.push_back(detail::deprecated(
        "user", "safety_identifier",
        "end_user() is deprecated there: use safety_identifier() (and prompt_cache_key())"));
    p.fields.push_back(detail::deprecated(
        "seed", "",
        "OpenAI marks seed deprecated: reproducibility there is best-effort, watch "
        "system_fingerprint"));
    // Unset temperature and top_p are 1 (API reference): neutral, no defaults
    // to warn about.
    p.models = openai_model_rules();
    break;
  case server_kind::azure_openai:
    p.name = "Azure OpenAI";
    // The reasoning models' rules are Azure's own documentation's
    // (reasoning.md @645e0190); how Azure answers fields outside OpenAI's
    // schema (top_k, ...) is not documented, so the profile says nothing.
    p.models = openai_model_rules();
    break;
  case server_kind::vllm:
    p.name = "vLLM";
    // vLLM reads every sampling extension under knobs' names
    // (vllm/entrypoints/openai/protocol.py @0052bed3, ChatCompletionRequest:
    // top_k, min_p, repetition_penalty; to_sampling_params) and logs, then
    // drops, fields it does not model ("... present in the request but
    // ignored"): service_tier, store, metadata, user (protocol.py
    // @0052bed3 has none of them).
    p.fields.push_back(rule("service_tier", field_support::ignored));
    p.fields.push_back(rule("store", field_support::ignored));
    p.fields.push_back(rule("metadata", field_support::ignored));
    // A schema for the reply is read in OpenAI's spelling:
    // ChatCompletionRequest.to_sampling_params (protocol.py) turns a
    // json_schema response_format into its own guided_json, which is an
    // extension knobs does not need to send.
    // Unset knobs come from the model's generation_config.json, else
    // SamplingParams' neutral defaults (vllm/sampling_params.py @00388f65):
    // not fixed per server, so no defaults here.
    break;
  case server_kind::llamacpp:
    p.name = "llama.cpp's server";
    // examples/server/server.cpp @03d4bccb (early 2025, the b4748 era),
    // params_from_json_cmpl: the repetition penalty is read as
    // "repeat_penalty", the length limit as "n_predict" or "max_tokens";
    // unknown fields are dropped. "repetition_penalty" and
    // "max_completion_tokens" are not read there.
    p.fields.push_back(renamed("repetition_penalty", "repeat_penalty"));
    p.fields.push_back(renamed("max_completion_tokens", "max_tokens"));
    // The OpenAI object form of logit_bias ({"123": -100}) is not read in
    // that period: only the array form [[123, -100]] (params_from_json_cmpl
    // checks is_array()); later builds read both.
    p.fields.push_back(rule("logit_bias", field_support::ignored,
                            "this build reads only the array form [[token, bias]]: pass it "
                            "with extra(\"logit_bias\", ...) in that form"));
    // Not read anywhere in server.cpp or utils.hpp @15ae7dd5: reasoning is a
    // server flag (--reasoning-format), the rest are OpenAI's bookkeeping.
    p.fields.push_back(rule("reasoning_effort", field_support::ignored,
                            "start llama-server with --reasoning-format / --reasoning-budget"));
    p.fields.push_back(rule("service_tier", field_support::ignored));
    p.fields.push_back(rule("store", field_support::ignored));
    p.fields.push_back(rule("metadata", field_support::ignored));
    // A schema for the reply: examples/server/utils.hpp (the b4748 era and
    // before), oaicompat_completion_params_parse, reads
    // {"type":"json_object","schema":S} as the grammar's schema. Later builds
    // also read {"type":"json_schema","json_schema":{"schema":S}}; earlier
    // ones answer that with "response_format type must be one of \"text\" or
    // \"json_object\"". The json_object form is read by both.
    p.json_schema_as = json_schema_spelling::json_object_schema;
    // common/common.h @00b4c3da, common_params_sampling: temp 0.80, top_k
    // 40, top_p 0.95, min_p 0.05 (repeat_penalty 1.00: neutral).
    p.defaults = {{"temperature", 0.8}, {"top_k", 40}, {"top_p", 0.95}, {"min_p", 0.05}};
    break;
  case server_kind::ollama:
    p.name = "Ollama";
    // openai/openai.go @634c4166, ChatCompletionRequest and FromChatRequest:
    // the fields it maps to Ollama's options are temperature, top_p, seed,
    // stop, max_tokens (num_predict), frequency_penalty, presence_penalty;
    // the rest of knobs' fields are not in the struct and are dropped by
    // the JSON decoder.
    p.fields.push_back(renamed("max_completion_tokens", "max_tokens"));
    for (const char* f : {"top_k", "min_p", "repetition_penalty"})
      p.fields.push_back(rule(f, field_support::ignored,
                              "Ollama's OpenAI API does not read it: set it in the model's "
                              "Modelfile (PARAMETER), or use Ollama's own /api/chat"));
    for (const char* f : {"n", "logit_bias", "tool_choice", "parallel_tool_calls", "service_tier",
                          "store", "metadata"})
      p.fields.push_back(rule(f, field_support::ignored));
    // A schema for the reply is read in OpenAI's spelling: FromChatRequest
    // (openai/openai.go, Ollama 0.5 and later) turns a json_schema
    // response_format into Ollama's own `format`, which /v1 does not read
    // under that name.
    // Unset temperature and top_p are set to 1.0 by FromChatRequest
    // (@634c4166): neutral.
    break;
  case server_kind::lmstudio:
    p.name = "LM Studio";
    // lmstudio-ai/docs 1_developer/3_openai-compat/chat-completions.md
    // @51c92c69, "Supported payload parameters": model, top_p, top_k,
    // messages, temperature, max_tokens, stream, stop, presence_penalty,
    // frequency_penalty, logit_bias, repeat_penalty, seed. LM Studio is
    // closed source: only what that list says is here.
    p.fields.push_back(renamed("repetition_penalty", "repeat_penalty"));
    break;
  case server_kind::knobs_offline:
    p.name = "knobs' offline model";
    // knobs::local::model_server (local/impl/model_server.ipp) samples with
    // every knob of distribution.hpp and does not read these (pinned by
    // tests/integration/server_profiles.cpp).
    for (const char* f :
         {"reasoning_effort", "tools", "tool_choice", "parallel_tool_calls", "service_tier"})
      p.fields.push_back(rule(f, field_support::ignored));
    // An n-gram model writes prose and cannot keep to JSON: it answers a
    // json_object or json_schema format with a 400 naming response_format
    // (model_server.ipp), rather than prose that would not parse.
    p.fields.push_back(rule("response_format", field_support::rejected,
                            "the offline model writes prose only; set OPENAI_BASE_URL to a "
                            "server with a real model for JSON answers"));
    break;
  }
  return p;
}

const field_rule* server_profile::find(std::string_view field) const noexcept {
  for (const field_rule& r : fields)
    if (r.field == field)
      return &r;
  return nullptr;
}

std::string_view server_profile::spelling(std::string_view field) const noexcept {
  const field_rule* r = find(field);
  return r && r->support == field_support::renamed ? std::string_view(r->sent_as) : field;
}

server_kind server_from_url(std::string_view base_url) {
  auto ep = detail::parse_base_url(base_url);
  if (!ep)
    return server_kind::unknown;
  std::string host = ep->host;
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (host == "api.openai.com")
    return server_kind::openai;
  for (std::string_view suffix :
       {".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com"})
    if (detail::ends_with(host, suffix))
      return server_kind::azure_openai;
  return server_kind::unknown;
}

server_kind server_from_models(const std::vector<model_info>& models) {
  if (models.empty())
    return server_kind::unknown;
  const auto all = [&](auto&& pred) { return std::all_of(models.begin(), models.end(), pred); };
  const auto owned = [&](std::string_view by) {
    return all([&](const model_info& m) { return m.owned_by == by; });
  };
  // The owned_by each server writes (tests/fixtures/*/models*.json and
  // their sources in tests/fixtures/README.md).
  if (owned("vllm"))
    return server_kind::vllm;
  if (owned("llamacpp"))
    return server_kind::llamacpp;
  if (owned("organization_owner"))
    return server_kind::lmstudio;
  if (owned("knobs"))
    return server_kind::knobs_offline;
  if (all([](const model_info& m) { return !m.owned_by && m.raw.contains("created_at"); }))
    return server_kind::azure_openai;
  if (all([](const model_info& m) {
        return m.owned_by == "system" || m.owned_by == "openai" || m.owned_by == "openai-internal";
      }))
    return server_kind::openai;
  // Ollama writes the model's namespace ("library", a user) as owned_by and
  // ids with a tag (openai/openai.go, toModel): "llama3.2:latest".
  if (all([](const model_info& m) { return m.owned_by && m.id.find(':') != std::string::npos; }))
    return server_kind::ollama;
  return server_kind::unknown;
}

server_kind server_from_headers(const std::vector<std::pair<std::string, std::string>>& fields) {
  const auto has = [&](std::string_view name) {
    return std::any_of(fields.begin(), fields.end(),
                       [&](const auto& f) { return detail::iequal(f.first, name); });
  };
  // llama.cpp's server sets `Server: llama.cpp` on every response
  // (examples/server/server.cpp @03d4bccb, main(): set_default_headers).
  for (const auto& f : fields)
    if (detail::iequal(f.first, "server") && detail::iequal(f.second, "llama.cpp"))
      return server_kind::llamacpp;
  // Azure OpenAI's gateway adds apim-request-id and x-ms-region (a recorded
  // Azure OpenAI chat completion response, 2024; no openai-organization in it).
  if (has("apim-request-id") || has("x-ms-region"))
    return server_kind::azure_openai;
  // OpenAI's "Debugging requests" (API reference): openai-organization,
  // openai-processing-ms, openai-version on every response.
  if (has("openai-version") || has("openai-processing-ms"))
    return server_kind::openai;
  return server_kind::unknown;
}

namespace detail {

inline const model_rule* rule_for(const server_profile& server, std::string_view model) {
  for (const model_rule& row : server.models)
    if (row.matches && row.matches(model))
      return &row;
  return nullptr;
}

inline renames renames_of(const server_profile& server) {
  renames out;
  for (const field_rule& f : server.fields)
    if (f.support == field_support::renamed)
      out.emplace_back(f.field, f.sent_as);
  return out;
}

bool lints(const server_profile& server) noexcept {
  return !(server.fields.empty() && server.defaults.empty() && server.models.empty());
}

result<std::string> write_request(const chat_request& r, const server_profile& server,
                                  std::vector<std::string>* keys) {
  const renames as = renames_of(server);
  // The fields written are needed only to check the renames (and by the
  // caller that asks for them): the unknown profile's requests skip it.
  std::vector<std::string> written;
  std::vector<std::string>* collect = keys ? keys : as.empty() ? nullptr : &written;
  std::string body =
      write_request(r, as.empty() ? nullptr : &as, collect,
                    server.json_schema_as == json_schema_spelling::json_object_schema);
  const std::vector<std::string>& sent = keys ? *keys : written;
  for (const auto& rename : as) {
    // (Named, not bound: clang 14 cannot capture a structured binding.)
    const std::string_view ours = rename.first;
    const std::string_view theirs = rename.second;
    if (std::find(sent.begin(), sent.end(), ours) == sent.end() ||
        std::none_of(r.extra().begin(), r.extra().end(),
                     [&](const auto& e) { return e.first == theirs; }))
      continue;
    return make_error(errc::invalid_request,
                      std::string(ours) + " is sent to " + server.name + " as " +
                          std::string(theirs) + ", and extra(\"" + std::string(theirs) +
                          "\", ...) sets that field too: keep one",
                      std::string(theirs));
  }
  return body;
}

} // namespace detail

std::string to_json(const chat_request& request, const server_profile& server) {
  if (auto e = detail::check_request(request, false))
    throw request_error(std::move(*e));
  return detail::write_request(request, server).value();
}

std::vector<warning> chat_request::warnings(const server_profile& server) const {
  if (!detail::lints(server))
    return warnings();
  std::vector<std::string> keys;
  detail::write_request(*this, nullptr, &keys);
  return detail::profile_warnings(*this, server, keys);
}

std::vector<warning> detail::profile_warnings(const chat_request& r, const server_profile& server,
                                              const std::vector<std::string>& keys) {
  std::vector<warning> out = r.warnings();
  const auto sent = [&](std::string_view k) {
    return std::find(keys.begin(), keys.end(), k) != keys.end();
  };
  const auto advice = [](const field_rule& f) {
    return f.advice.empty() ? std::string() : ": " + f.advice;
  };

  // A text format is the default every server accepts, whatever the
  // profile says of the field's other forms.
  const bool plain_text_format = r.response_format() && r.response_format()->type() == "text";
  for (const std::string& k : keys)
    if (const field_rule* f = server.find(k); f && f->support == field_support::rejected &&
                                              !(k == "response_format" && plain_text_format))
      out.push_back({warning_code::rejected_by_server,
                     server.name + " rejects " + k + " (HTTP 400)" + advice(*f)});
  for (const std::string& k : keys)
    if (const field_rule* f = server.find(k); f && f->support == field_support::ignored)
      out.push_back({warning_code::ignored_by_server,
                     server.name + " ignores " + k + ", so setting it changes nothing" +
                         (f->advice.empty() ? "; leave it unset" : advice(*f))});

  const model_rule* row = rule_for(server, r.model());
  if (row) {
    const bool reasoning_off =
        row->accepted_without_reasoning &&
        (!r.reasoning_effort() || *r.reasoning_effort() == knobs::reasoning_effort::none);
    if (!reasoning_off) {
      const std::string fix =
          row->accepted_without_reasoning ? "unset it, or set reasoning_effort none" : "unset it";
      if (row->temperature_one_only && r.temperature() && r.temperature()->value() != 1.0)
        out.push_back({warning_code::rejected_by_model,
                       r.model() + " (" + row->family + ") accepts only temperature 1, not " +
                           format_number(r.temperature()->value()) + ": " + fix});
      for (const std::string& f : row->refused)
        if (sent(f))
          out.push_back(
              {warning_code::rejected_by_model,
               r.model() + " (" + row->family + ") refuses " + f +
                   (f == "max_tokens" ? ": use max_completion_tokens instead" : ": " + fix)});
    }
  }

  for (const std::string& k : keys)
    if (const field_rule* f = server.find(k); f && f->deprecated) {
      // The model's own refusal already said it.
      if (row && std::find(row->refused.begin(), row->refused.end(), k) != row->refused.end())
        continue;
      out.push_back(
          {warning_code::deprecated_field,
           server.name + " deprecates " + k +
               (f->advice.empty() ? ": use " + f->deprecated_for + " instead" : ": " + f->advice)});
    }

  // Unset knobs the server fills with reshaping or cutting values. A knob
  // whose default is neutral (temperature 1, top_p 1, min_p 0) is left out,
  // and so are the truncation knobs at temperature 0: greedy decoding takes
  // the most likely token, which every truncation keeps.
  const bool greedy = r.temperature() && r.temperature()->value() == 0.0;
  std::string unset;
  for (const knob_default& d : server.defaults) {
    if (sent(server.spelling(d.field)) || sent(d.field))
      continue;
    if (greedy && d.field != "temperature")
      continue;
    const bool neutral = (d.field == "temperature" || d.field == "top_p") ? d.value == 1.0
                         : d.field == "min_p"                             ? d.value == 0.0
                                                                          : false;
    if (neutral)
      continue;
    unset += (unset.empty() ? "" : ", ") + d.field + " " + format_number(d.value);
  }
  if (!unset.empty())
    out.push_back({warning_code::server_default_differs,
                   server.name + " samples knobs left unset with its own defaults (" + unset +
                       "), not the model's plain distribution: set them (temperature 1, "
                       "top_p 1, min_p 0, a top_k as large as the vocabulary) to observe one "
                       "knob alone"});
  return out;
}

} // namespace knobs

#endif
