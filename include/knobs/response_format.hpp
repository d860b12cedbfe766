// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_RESPONSE_FORMAT_HPP
#define KNOBS_RESPONSE_FORMAT_HPP

/// \file
/// The shape a reply must take (`response_format`): plain text, any JSON
/// object, or JSON matching a schema (OpenAI's structured outputs).
///
/// ```cpp
/// request.response_format(knobs::response_format::json_schema(
///     {"city_facts", boost::json::object{{"type", "object"}, ...}}));
/// ```
///
/// In JSON: `{"type":"text"}`, `{"type":"json_object"}`, or
/// `{"type":"json_schema","json_schema":{"name":...,"description":...,
/// "schema":...,"strict":...}}` in that key order, unset members omitted; the
/// schema keeps its own key order. `chat_request::validate()` checks the name
/// and that a json_object request mentions JSON in a message.

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace knobs {

/// The schema of a `json_schema` response format.
struct json_schema_format {
  /// The format's name: 1 to 64 of a-z, A-Z, 0-9, `_` and `-`.
  std::string name;
  /// A JSON Schema the reply must match.
  boost::json::object schema;
  /// What the format is for, to help the model. Omitted when unset.
  std::optional<std::string> description;
  /// Enforce the schema exactly (OpenAI's structured outputs). Omitted when unset.
  std::optional<bool> strict;
};

/// The shape of the reply: plain text, any JSON object, or JSON matching a schema.
class response_format {
public:
  /// `{"type":"text"}`: the default.
  static response_format text() { return response_format(kind::text, std::nullopt); }

  /// `{"type":"json_object"}`: some JSON object. OpenAI rejects this unless a
  /// message asks for JSON (the word "json" must appear in the messages).
  static response_format json_object() { return response_format(kind::json_object, std::nullopt); }

  /// `{"type":"json_schema","json_schema":{...}}`: JSON matching `format.schema`.
  static response_format json_schema(json_schema_format format) {
    return response_format(kind::json_schema, std::move(format));
  }

  /// "text", "json_object" or "json_schema".
  std::string_view type() const noexcept {
    switch (kind_) {
    case kind::text:
      return "text";
    case kind::json_object:
      return "json_object";
    case kind::json_schema:
      return "json_schema";
    }
    return "";
  }

  /// The schema of a "json_schema" format; empty for the other two.
  const std::optional<json_schema_format>& schema() const noexcept { return schema_; }

private:
  enum class kind { text, json_object, json_schema };

  response_format(kind k, std::optional<json_schema_format> s) : kind_(k), schema_(std::move(s)) {}

  kind kind_;
  std::optional<json_schema_format> schema_;
};

} // namespace knobs

#endif
