// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_MODEL_INFO_IPP
#define KNOBS_IMPL_MODEL_INFO_IPP

// The compiled part of <knobs/model_info.hpp>: the model list's parser.

#include <knobs/model_info.hpp>

#include <knobs/detail/json_read.hpp>

namespace knobs {

result<std::vector<model_info>> try_parse_models(std::string_view body) {
  result<boost::json::object> parsed = detail::parse_json_object(body);
  if (!parsed)
    return parsed.error();
  const boost::json::object& o = *parsed;
  detail::json_reader r;
  detail::check_body_kind(r, o, "list", body);
  std::vector<model_info> out;
  // Ollama (openai/openai.go, ListCompletion) sends "data": null for no
  // models; each_object reads null and absent as an empty array.
  r.each_object(o, "data", [&](const boost::json::object& entry, std::size_t) {
    model_info& m = out.emplace_back();
    if (!entry.contains("id"))
      return r.fail_here("required member \"id\" is missing");
    r.read(entry, "id", m.id);
    r.read(entry, "owned_by", m.owned_by);
    // Azure OpenAI's GET /openai/models (REST spec azureopenai.json,
    // 2024-10-21, definition Model) names it created_at.
    std::int64_t created = 0;
    const char* key = entry.contains("created") ? "created" : "created_at";
    if (const boost::json::value* v = entry.if_contains(key); v && !v->is_null()) {
      r.read(entry, key, created);
      m.created = created;
    }
    m.raw = entry; // a copy in its own storage: the list's tree goes
  });
  if (r.failed())
    return r.take_error();
  return out;
}

std::vector<model_info> parse_models(std::string_view body) {
  result<std::vector<model_info>> r = try_parse_models(body);
  if (!r)
    throw parse_error(r.error());
  return std::move(*r);
}

} // namespace knobs

#endif
