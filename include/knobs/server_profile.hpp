// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_SERVER_PROFILE_HPP
#define KNOBS_SERVER_PROFILE_HPP

/// \file
/// What a server does with each request field: reads it, reads it under
/// another name, ignores it, or rejects it; what it uses for a knob left
/// unset; and (OpenAI, Azure OpenAI) which sampling fields each family of
/// models refuses. The lesson's method, "change one knob, observe", fails
/// silently when the server ignores the knob: a profile says so before the
/// request is sent.
///
/// ```cpp
/// const auto llama = knobs::server_profile::of(knobs::server_kind::llamacpp);
/// auto r = knobs::chat_request{"qwen"}.user("hi").repetition_penalty(1.3);
/// knobs::to_json(r, llama);  // ... "repeat_penalty":1.3 ...: llama.cpp's spelling
/// r.warnings(llama);         // server_default_differs: its temperature 0.8, top_k 40, ...
/// ```
///
/// A client applies its profile (`client_options::server`, or the one
/// detected from the base URL's host, or `client::detect_server()`) to every
/// request: the server's spelling on the wire, the profile's warnings through
/// `on_warning`, and with `strict` a refusal of what the server would reject
/// or ignore. The tables are data: copy a built-in profile and change it, or
/// build your own, without patching knobs.

#include <knobs/chat_request.hpp>
#include <knobs/detail/config.hpp>
#include <knobs/model_info.hpp>
#include <knobs/warning.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace knobs {

/// The servers knobs has a profile for.
enum class server_kind {
  unknown,       ///< no profile: every field is sent as knobs names it, nothing is linted
  openai,        ///< api.openai.com
  azure_openai,  ///< *.openai.azure.com
  vllm,          ///< vLLM's OpenAI-compatible server
  llamacpp,      ///< llama.cpp's server (`llama-server`)
  ollama,        ///< Ollama's OpenAI compatibility (`/v1`)
  lmstudio,      ///< LM Studio's server
  knobs_offline, ///< knobs' offline model (`knobs::local::model_server`)
};

/// "unknown", "openai", "azure_openai", "vllm", "llamacpp", "ollama",
/// "lmstudio", "knobs_offline".
constexpr std::string_view to_string(server_kind k) noexcept {
  switch (k) {
  case server_kind::unknown:
    return "unknown";
  case server_kind::openai:
    return "openai";
  case server_kind::azure_openai:
    return "azure_openai";
  case server_kind::vllm:
    return "vllm";
  case server_kind::llamacpp:
    return "llamacpp";
  case server_kind::ollama:
    return "ollama";
  case server_kind::lmstudio:
    return "lmstudio";
  case server_kind::knobs_offline:
    return "knobs_offline";
  }
  return "";
}

/// What a server does with a field it is sent.
enum class field_support {
  accepted, ///< reads it under knobs' name
  renamed,  ///< reads it under another name (`field_rule::sent_as`): knobs sends that
  ignored,  ///< drops it without a word: the knob changes nothing
  rejected, ///< answers 400
};

/// How a server reads a JSON Schema for the reply (a `response_format` of
/// type json_schema, as `response_format_for<T>()` makes).
enum class json_schema_spelling {
  /// OpenAI's: `{"type":"json_schema","json_schema":{"name":...,"schema":...,
  /// "strict":...}}`.
  response_format,
  /// `{"type":"json_object","schema":...}`: llama.cpp's server's own form,
  /// which every build of it reads (the name and strict are dropped: it reads
  /// neither).
  json_object_schema,
};

/// What one server does with one top-level request field.
struct field_rule {
  /// The JSON key knobs writes: "repetition_penalty", "top_k", "max_tokens".
  std::string field;
  /// What the server does with `field`.
  field_support support = field_support::accepted;
  /// For `renamed`: the server's spelling ("repeat_penalty").
  std::string sent_as;
  /// Accepted but deprecated there: the field to use instead
  /// ("max_completion_tokens"), or empty when there is none.
  std::string deprecated_for;
  /// What to do instead, for the warning ("use top_p or min_p instead").
  std::string advice;
  /// Whether the server deprecates the field (see `deprecated_for`).
  bool deprecated = false;
};

/// What a server uses for a sampling knob the request leaves unset.
struct knob_default {
  std::string field; ///< "temperature", "top_k", "top_p", "min_p", ...
  double value = 0;  ///< the server's value
};

/// A family of models (by model id) and the sampling fields it refuses: the
/// reasoning models of OpenAI and Azure OpenAI. A user may add rows or change
/// them: the table is `server_profile::models`.
struct model_rule {
  /// Shown in messages: "gpt-5", "the o-series".
  std::string family;
  /// Whether a model id belongs to the family.
  std::function<bool(std::string_view model)> matches;
  /// Fields the family refuses (400), e.g. "top_p", "presence_penalty".
  std::vector<std::string> refused;
  /// Whether it refuses a temperature other than 1 (1 itself is accepted).
  bool temperature_one_only = false;
  /// Whether `refused` and the temperature rule hold only while reasoning is
  /// on: with reasoning_effort "none" (gpt-5.1 and later, where it is also
  /// the default) the fields are accepted.
  bool accepted_without_reasoning = false;
};

/// The model rows knobs knows: the o-series, gpt-5 and its minis, gpt-5.1
/// and later, gpt-oss (open weights: refuses nothing), in that order; the
/// first row whose `matches` holds applies, and a model no row matches (the
/// rest: gpt-4o, gpt-4.1, ...) has no refusals.
KNOBS_DECL std::vector<model_rule> openai_model_rules();

/// Whether `model` is one of the ids `prefix` names: the prefix itself or it
/// followed by "-" ("o3" matches "o3" and "o3-mini-2025-01-31", not "o30").
KNOBS_DECL bool model_id_is(std::string_view model, std::string_view prefix) noexcept;

/// What knobs knows about one server.
struct server_profile {
  /// Which server the profile describes (`unknown` by default), as `of` sets
  /// it. A label only: the tables below, not `kind`, decide what is renamed
  /// and what is warned about.
  server_kind kind = server_kind::unknown;
  /// For messages: "llama.cpp's server".
  std::string name = "the server";
  /// The fields whose fate is known; a field not listed is sent as it is.
  std::vector<field_rule> fields;
  /// The values the server uses for unset sampling knobs, where they are
  /// fixed (vLLM takes them from each model's generation_config.json, so its
  /// profile has none).
  std::vector<knob_default> defaults;
  /// The model families' rules (OpenAI, Azure OpenAI); empty elsewhere.
  std::vector<model_rule> models;
  /// How the server reads a json_schema response format: knobs sends that
  /// spelling.
  json_schema_spelling json_schema_as = json_schema_spelling::response_format;

  /// The built-in profile of `kind`. Each fact in it cites its source (the
  /// server's documentation or source file and version) in
  /// impl/server_profile.ipp.
  KNOBS_DECL static server_profile of(server_kind kind);

  /// The rule for `field`, or nullptr when the profile says nothing about it.
  KNOBS_DECL const field_rule* find(std::string_view field) const noexcept;

  /// The key the server reads for knobs' `field` (itself unless renamed).
  KNOBS_DECL std::string_view spelling(std::string_view field) const noexcept;
};

/// The profile a base URL implies by its host: api.openai.com is OpenAI,
/// *.openai.azure.com (and *.cognitiveservices.azure.com,
/// *.services.ai.azure.com) Azure OpenAI; any other host is `unknown`.
KNOBS_DECL server_kind server_from_url(std::string_view base_url);

/// The server a `GET /v1/models` answer implies, by its entries' `owned_by`
/// (and, for Ollama, which has none of its own, ids with a tag such as
/// "llama3.2:latest"), or `unknown`: "vllm" is vLLM, "llamacpp" llama.cpp's
/// server, "organization_owner" LM Studio, "knobs" the offline model, an
/// entry with `created_at` and no `owned_by` Azure OpenAI, "system",
/// "openai" and "openai-internal" OpenAI.
KNOBS_DECL server_kind server_from_models(const std::vector<model_info>& models);

/// The server a response's header fields imply (names in any case), or
/// `unknown`: `Server: llama.cpp` is llama.cpp's server, `apim-request-id` or
/// `x-ms-region` Azure OpenAI, `openai-version` or `openai-processing-ms`
/// OpenAI. vLLM's `server: uvicorn` is any Python server's and says nothing;
/// Ollama and LM Studio send nothing of their own.
KNOBS_DECL server_kind
server_from_headers(const std::vector<std::pair<std::string, std::string>>& fields);

/// The request as `to_json(request)` writes it, with each field the profile
/// renames under the server's spelling.
/// \throws request_error for what `to_json(request)` refuses, and for a
/// renamed field whose spelling is also one of the request's `extra()` keys.
KNOBS_DECL std::string to_json(const chat_request& request, const server_profile& server);

namespace detail {
// Whether the profile has anything to say (the unknown one has not).
KNOBS_DECL bool lints(const server_profile& server) noexcept;
// to_json with a profile, without the checks (the client has validated);
// `keys` as write_request's.
KNOBS_DECL result<std::string> write_request(const chat_request& r, const server_profile& server,
                                             std::vector<std::string>* keys = nullptr);
// warnings(server) for a request whose top-level fields are `keys`.
KNOBS_DECL std::vector<warning> profile_warnings(const chat_request& r,
                                                 const server_profile& server,
                                                 const std::vector<std::string>& keys);
} // namespace detail

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/server_profile.ipp>
#endif

#endif
