// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_SCHEMA_HPP
#define KNOBS_IMPL_SCHEMA_HPP

// The templates of <knobs/schema.hpp>: they walk the user's type and call the
// compiled part (impl/schema.ipp) for everything that does not depend on it.

#include <knobs/schema.hpp>

#include <boost/json/array.hpp>
#include <boost/mp11/algorithm.hpp>

#include <cstddef>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace knobs {
namespace detail {

// The user's `describe_schema(schema_tag<T>)`, when there is one.
template <class T, class = void> struct has_schema_doc : std::false_type {};
template <class T>
struct has_schema_doc<T, std::void_t<decltype(describe_schema(schema_tag<T>{}))>> : std::true_type {
};

template <class T> schema_doc schema_doc_of() {
  if constexpr (has_schema_doc<T>::value)
    return describe_schema(schema_tag<T>{});
  else
    return {};
}

// The schemas being written: the structs open on the way down (a struct met
// again inside itself becomes a `$ref`) and the `$defs` those refer to.
struct schema_builder {
  using body_fn = boost::json::object (*)(schema_builder&);
  struct definition {
    const std::type_info* type;
    std::string name;
    body_fn body;
    bool written;
  };
  std::vector<const std::type_info*> open;
  std::vector<definition> definitions;
  boost::json::object defs;
  // False once a std::map is met: strict mode cannot say it.
  bool strict = true;

  // The `$defs` name of `type`, registered on first use.
  KNOBS_DECL const std::string& define(const std::type_info& type, std::string name, body_fn body);
  // Writes the bodies of every definition not yet written (one may add more).
  KNOBS_DECL void write_definitions();
};

// The name of a type in a schema: the doc's, or the type's own, shortened.
KNOBS_DECL std::string short_type_name(const std::type_info& type);
// Checks a format or tool name. \throws request_error naming `what`.
KNOBS_DECL void check_schema_name(const std::string& name, const std::string& what);
// `schema` made to accept null as well.
KNOBS_DECL boost::json::object nullable(boost::json::object schema);
// The members a doc describes, checked against the type's `names`.
// \throws request_error for a name the type does not have.
KNOBS_DECL void check_doc_members(const schema_doc& doc, const std::vector<const char*>& names,
                                  const std::type_info& type);
// An object schema: "type", "description" (when not empty), "properties",
// "required" (every member) and "additionalProperties": false.
KNOBS_DECL boost::json::object object_schema(const std::string& description,
                                             boost::json::object properties,
                                             boost::json::array required);
// `v` as compact JSON text, numbers as knobs writes them everywhere.
KNOBS_DECL std::string json_text(const boost::json::value& v);

template <class T> boost::json::object schema_for(schema_builder& b);

template <class T> std::string schema_name() {
  schema_doc doc = schema_doc_of<T>();
  if (!doc.name.empty()) {
    check_schema_name(doc.name, "the name describe_schema gives " + type_name(typeid(T)));
    return doc.name;
  }
  return short_type_name(typeid(T));
}

template <class T> boost::json::object struct_body(schema_builder& b) {
  const schema_doc doc = schema_doc_of<T>();
  std::vector<const char*> names;
  boost::mp11::mp_for_each<json_members<T>>([&](auto d) { names.push_back(d.name); });
  check_doc_members(doc, names, typeid(T));

  b.open.push_back(&typeid(T));
  boost::json::object properties;
  boost::json::array required;
  boost::mp11::mp_for_each<json_members<T>>([&](auto d) {
    using type = std::remove_cv_t<std::remove_reference_t<decltype(std::declval<T&>().*d.pointer)>>;
    static_assert(member_has_schema<decltype(d)::pointer, type>::value);
    boost::json::object s = schema_for<type>(b);
    for (const auto& [member, text] : doc.members)
      if (member == d.name)
        s["description"] = text;
    properties[d.name] = std::move(s);
    required.emplace_back(d.name);
  });
  b.open.pop_back();
  return object_schema(doc.description, std::move(properties), std::move(required));
}

template <class T> boost::json::object schema_for(schema_builder& b) {
  if constexpr (std::is_same_v<T, bool>) {
    return {{"type", "boolean"}};
  } else if constexpr (is_json_integer_v<T>) {
    return {{"type", "integer"}};
  } else if constexpr (std::is_floating_point_v<T>) {
    return {{"type", "number"}};
  } else if constexpr (std::is_same_v<T, std::string>) {
    return {{"type", "string"}};
  } else if constexpr (is_described_enum_v<T>) {
    boost::json::array names;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>(
        [&](auto e) { names.emplace_back(e.name); });
    return {{"type", "string"}, {"enum", std::move(names)}};
  } else if constexpr (is_std_optional<T>::value) {
    return nullable(schema_for<typename T::value_type>(b));
  } else if constexpr (is_std_vector<T>::value) {
    return {{"type", "array"}, {"items", schema_for<typename T::value_type>(b)}};
  } else if constexpr (is_std_array<T>::value) {
    constexpr std::size_t n = std::tuple_size<T>::value;
    // OpenAI's strict mode reads minItems and maxItems (Structured Outputs
    // guide, "Supported properties", arrays).
    return {{"type", "array"},
            {"items", schema_for<typename T::value_type>(b)},
            {"minItems", n},
            {"maxItems", n}};
  } else if constexpr (is_string_map<T>::value) {
    b.strict = false;
    return {{"type", "object"}, {"additionalProperties", schema_for<typename T::mapped_type>(b)}};
  } else if constexpr (is_described_struct_v<T>) {
    for (const std::type_info* t : b.open)
      if (*t == typeid(T))
        return {{"$ref", "#/$defs/" + b.define(typeid(T), schema_name<T>(), &struct_body<T>)}};
    return struct_body<T>(b);
  } else {
    static_assert(type_has_schema<T>::value);
    return {};
  }
}

template <class T> boost::json::object root_schema(bool* strict) {
  static_assert(type_has_schema<T>::value);
  schema_builder b;
  boost::json::object s = schema_for<T>(b);
  b.write_definitions();
  if (!b.defs.empty())
    s["$defs"] = std::move(b.defs);
  if (strict)
    *strict = b.strict;
  return s;
}

} // namespace detail

template <class T> boost::json::object json_schema_of() { return detail::root_schema<T>(nullptr); }

template <class T> std::string schema_name_of() { return detail::schema_name<T>(); }

template <class T> knobs::response_format response_format_for(std::string name) {
  static_assert(detail::is_described_struct_v<T>,
                "knobs: a response format's schema must be an object: make T a struct "
                "described with BOOST_DESCRIBE_STRUCT (wrap a list or a value in one)");
  if (name.empty())
    name = schema_name_of<T>();
  else
    detail::check_schema_name(name, "response_format_for's name");
  bool strict = true;
  json_schema_format f;
  f.schema = detail::root_schema<T>(&strict);
  f.name = std::move(name);
  f.strict = strict;
  return knobs::response_format::json_schema(std::move(f));
}

template <class Args>
function_tool function_tool_for(std::string name, std::optional<std::string> description) {
  static_assert(detail::is_described_struct_v<Args>,
                "knobs: a function's parameters must be an object: make Args a struct "
                "described with BOOST_DESCRIBE_STRUCT");
  detail::check_schema_name(name, "function_tool_for's name");
  bool strict = true;
  function_tool t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.parameters = detail::root_schema<Args>(&strict);
  t.strict = strict;
  return t;
}

template <class T> std::string to_json_text(const T& value) {
  if constexpr (std::is_same_v<T, boost::json::value> || std::is_same_v<T, boost::json::object> ||
                std::is_same_v<T, boost::json::array>)
    return detail::json_text(boost::json::value(value));
  else
    return detail::json_text(detail::write_typed(value));
}

template <class T> message tool_result(const tool_call& call, const T& value) {
  message m;
  m.role = role::tool;
  m.tool_call_id = call.id;
  if constexpr (std::is_convertible_v<const T&, std::string>)
    m.content = std::string(value);
  else
    m.content = to_json_text(value);
  return m;
}

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/schema.ipp>
#endif

#endif
