// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_SCHEMA_IPP
#define KNOBS_IMPL_SCHEMA_IPP

// The compiled part of <knobs/schema.hpp>.

#include <knobs/schema.hpp>

#include <knobs/detail/json_writer.hpp>

#include <algorithm>

namespace knobs {
namespace detail {

const std::string& schema_builder::define(const std::type_info& type, std::string name,
                                          body_fn body) {
  for (const definition& d : definitions)
    if (*d.type == type)
      return d.name;
  for (const definition& d : definitions)
    if (d.name == name)
      // Two types of one name (a::node and b::node): tell them apart.
      name += "_" + std::to_string(definitions.size());
  definitions.push_back({&type, std::move(name), body, false});
  return definitions.back().name;
}

void schema_builder::write_definitions() {
  // By index: writing a body may add definitions (and move the vector).
  for (std::size_t i = 0; i < definitions.size(); ++i) {
    if (definitions[i].written)
      continue;
    definitions[i].written = true;
    const body_fn body = definitions[i].body;
    boost::json::object s = body(*this);
    defs[definitions[i].name] = std::move(s);
  }
}

std::string short_type_name(const std::type_info& type) {
  std::string full = type_name(type);
  // "app::detail::city_facts<int>" -> "city_facts": the template's arguments
  // and the namespaces say nothing to a model.
  if (const auto lt = full.find('<'); lt != std::string::npos)
    full.erase(lt);
  if (const auto colon = full.rfind("::"); colon != std::string::npos)
    full.erase(0, colon + 2);
  std::string out;
  for (char c : full) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty())
    out = "value";
  if (out.size() > 64)
    out.resize(64);
  return out;
}

void check_schema_name(const std::string& name, const std::string& what) {
  const bool ok =
      !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
      });
  if (!ok)
    throw request_error(make_error(
        errc::invalid_request,
        what + " must be 1 to 64 of a-z, A-Z, 0-9, '_' and '-', got \"" + name + "\"", "name"));
}

boost::json::object nullable(boost::json::object schema) {
  // A plain type takes "null" beside it; an enum takes null among its values
  // too (the value must be one of them). Objects and references are wrapped:
  // {"anyOf": [schema, {"type": "null"}]}, the form OpenAI's guide gives.
  boost::json::value* type = schema.if_contains("type");
  const bool simple =
      type && type->is_string() && type->get_string() != "object" && !schema.contains("$ref");
  if (simple) {
    *type = boost::json::array{type->get_string(), "null"};
    if (boost::json::value* values = schema.if_contains("enum"))
      values->as_array().emplace_back(nullptr);
    return schema;
  }
  return {{"anyOf", boost::json::array{std::move(schema), boost::json::object{{"type", "null"}}}}};
}

void check_doc_members(const schema_doc& doc, const std::vector<const char*>& names,
                       const std::type_info& type) {
  for (const auto& entry : doc.members) {
    const std::string& member = entry.first;
    if (std::any_of(names.begin(), names.end(), [&](const char* n) { return member == n; }))
      continue;
    std::string list;
    for (const char* n : names)
      list += (list.empty() ? "" : ", ") + std::string(n);
    throw request_error(make_error(
        errc::invalid_request,
        "describe_schema for " + type_name(type) + " describes a member \"" + member +
            "\", which it does not have (its members: " + (list.empty() ? "none" : list) + ")",
        member));
  }
}

boost::json::object object_schema(const std::string& description, boost::json::object properties,
                                  boost::json::array required) {
  boost::json::object s;
  s["type"] = "object";
  if (!description.empty())
    s["description"] = description;
  s["properties"] = std::move(properties);
  s["required"] = std::move(required);
  s["additionalProperties"] = false;
  return s;
}

std::string json_text(const boost::json::value& v) {
  std::string out;
  json_writer w(out);
  w.value(v);
  return out;
}

} // namespace detail
} // namespace knobs

#endif
