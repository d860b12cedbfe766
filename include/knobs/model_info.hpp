// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_MODEL_INFO_HPP
#define KNOBS_MODEL_INFO_HPP

/// \file
/// What a server serves: the entries of its `GET /v1/models` list
/// (`client::models()`), and their parser.
///
/// ```cpp
/// for (const knobs::model_info& m : client.models())
///   std::cout << m.id << " (" << m.owned_by.value_or("?") << ")\n";
/// ```
///
/// One parser reads every server's shape (tests/fixtures/*/models*.json):
/// OpenAI's `{"object": "list", "data": [{"id", "object", "created",
/// "owned_by"}]}`; vLLM's and llama.cpp's, which add members (`root`,
/// `max_model_len`, `meta`, ...: kept in `raw`); LM Studio's, without
/// `created`; Azure OpenAI's `/openai/models`, with `created_at` for
/// `created` and no `owned_by`; Ollama's, whose empty list is `"data": null`.
/// A member of the wrong type is an `errc::invalid_response` error naming its
/// JSON path, e.g. "data[1].id: expected string, got number".

#include <knobs/detail/config.hpp>
#include <knobs/error.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace knobs {

/// One model a server serves.
struct model_info {
  /// What to put in `chat_request::model()`: "gpt-4o", "llama3.2:latest",
  /// a GGUF path for llama.cpp's server.
  std::string id;
  /// Who owns it, as the server says: "openai" or "system" (OpenAI), "vllm",
  /// "llamacpp", "library" or a user (Ollama), "organization_owner" (LM
  /// Studio), "knobs" (the offline model). Absent on Azure OpenAI.
  std::optional<std::string> owned_by;
  /// When it was made, in seconds since 1970 (`created`, or Azure's
  /// `created_at`). Absent on LM Studio.
  std::optional<std::int64_t> created;
  /// The entry as the server sent it, with every member knobs does not model.
  boost::json::object raw;
};

/// Equal when every member is.
inline bool operator==(const model_info& a, const model_info& b) {
  return a.id == b.id && a.owned_by == b.owned_by && a.created == b.created && a.raw == b.raw;
}
/// Unequal when any member differs.
inline bool operator!=(const model_info& a, const model_info& b) { return !(a == b); }

/// Parses a `GET /models` body into its entries, in the server's order, or
/// the `errc::invalid_response` error that says what did not fit (`where` is
/// the JSON path). `data` null or absent is an empty list; every entry needs
/// a string `id`.
KNOBS_DECL result<std::vector<model_info>> try_parse_models(std::string_view body);

/// As `try_parse_models`, throwing `parse_error` on failure.
KNOBS_DECL std::vector<model_info> parse_models(std::string_view body);

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/model_info.ipp>
#endif

#endif
