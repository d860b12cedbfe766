// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_SCHEMA_HPP
#define KNOBS_SCHEMA_HPP

/// \file
/// Answers as C++ values: a JSON Schema written from a C++ type, a
/// `response_format` and a function tool made from it, and a tool's result
/// made from a value. The answer is read back with
/// `chat_completion::parse<T>()`, a tool call's arguments with
/// `tool_call::parse_arguments<Args>()`.
///
/// ```cpp
/// struct city_facts {
///   std::string name;
///   std::int64_t population;
///   std::optional<std::string> nickname;
/// };
/// BOOST_DESCRIBE_STRUCT(city_facts, (), (name, population, nickname))
///
/// auto request = knobs::chat_request{"gpt-4o-mini"}
///                    .user("Facts about Oslo.")
///                    .response_format(knobs::response_format_for<city_facts>());
/// city_facts oslo = client.create(request).parse<city_facts>();
/// ```
///
/// The types: bool, integers (not the character types), floating point,
/// std::string, enums described with BOOST_DESCRIBE_ENUM (their enumerators'
/// names), structs described with BOOST_DESCRIBE_STRUCT (their public members,
/// bases' included, in the order described), and std::optional, std::vector,
/// std::array and std::map<std::string, T> of those. Another member type is a
/// compile error whose notes name the member and its type
/// (`member_has_schema<&city::founded, std::deque<int>>`).
///
/// The schema is written for OpenAI's strict mode (Structured Outputs guide,
/// "Supported schemas"): every object lists all its members in `required`
/// and has `"additionalProperties": false`; an optional member is a union
/// with null (`"type": ["string", "null"]`, or `anyOf` with `{"type":
/// "null"}` for objects, enums and references); a std::array has
/// `minItems` and `maxItems`; a struct that holds itself (through a vector or
/// a map) is written once under `$defs` and referred to with `$ref`. A
/// std::map cannot be said in strict mode (its object has
/// `additionalProperties` of the value's schema), so a format or tool made
/// from a type that holds one has `strict` false; nothing else changes.
///
/// Descriptions help the model: give a type a name, a description and a
/// description per member with a function found by argument-dependent lookup
/// in the type's namespace:
///
/// ```cpp
/// knobs::schema_doc describe_schema(knobs::schema_tag<city_facts>) {
///   return {"city_facts", "Facts about one city",
///           {{"population", "Inhabitants of the city proper"}}};
/// }
/// ```

#include <knobs/detail/typed_json.hpp>
#include <knobs/message.hpp>
#include <knobs/response_format.hpp>
#include <knobs/tool.hpp>
#include <knobs/tool_call.hpp>

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace knobs {

/// What a type's schema says in words: returned by the user's
/// `describe_schema(schema_tag<T>)`.
struct schema_doc {
  /// The name of a format or tool made from the type (1 to 64 of a-z, A-Z,
  /// 0-9, `_` and `-`); empty: the type's own name, its namespaces left out.
  std::string name;
  /// The type's description: the object's `description` in the schema.
  std::string description;
  /// (member, description) pairs: each member's `description`. A member name
  /// the type does not have is an error (a request_error naming it).
  std::vector<std::pair<std::string, std::string>> members;
};

/// The argument of `describe_schema`, which users overload for their types.
template <class T> struct schema_tag {};

/// The JSON Schema of `T`, written for OpenAI's strict mode as the header's
/// comment says. `T` is any supported type; a format or a tool's parameters
/// must be an object (a described struct).
/// \throws request_error when `describe_schema` names a member `T` does not
/// have, or gives a type's name that is not 1 to 64 of [a-zA-Z0-9_-].
template <class T> boost::json::object json_schema_of();

/// The name a format or tool made from `T` takes: the `schema_doc`'s name,
/// else the type's own (`app::city_facts` is "city_facts", a template's
/// arguments left out).
template <class T> std::string schema_name_of();

/// `{"type":"json_schema","json_schema":{"name":...,"schema":...,"strict":true}}`
/// for `T`, a described struct (the root of a format must be an object):
/// the reply will be a `T`, read with `chat_completion::parse<T>()`. `name`
/// defaults to `schema_name_of<T>()`. `strict` is true unless `T` holds a
/// std::map. A server profile that reads another spelling (llama.cpp's
/// server) is sent that spelling (`server_profile::json_schema_as`).
/// \throws request_error as `json_schema_of`, or for a bad `name`.
template <class T> knobs::response_format response_format_for(std::string name = {});

/// A function tool whose `parameters` are `Args`' schema (a described
/// struct), `strict` as in `response_format_for`. Its calls' arguments are
/// read with `tool_call::parse_arguments<Args>()`.
template <class Args>
function_tool function_tool_for(std::string name, std::optional<std::string> description = {});

/// `value` as JSON text, in the shape its schema says (std::nullopt as null;
/// a std::string is a JSON string here). A Boost.JSON value, object or array
/// (a schema, say) is written as it is. Numbers are written as `to_json`
/// writes them (3.0, not 3E0).
/// \throws request_error for a NaN or infinite number, naming its path.
template <class T> std::string to_json_text(const T& value);

/// The tool message answering `call` with `value`: a std::string (or
/// anything convertible to one) is sent as it is, any other supported type
/// as its JSON text (`to_json_text`).
template <class T> message tool_result(const tool_call& call, const T& value);

} // namespace knobs

#include <knobs/impl/schema.hpp>

#endif
