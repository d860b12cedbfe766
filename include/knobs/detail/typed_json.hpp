// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_TYPED_JSON_HPP
#define KNOBS_DETAIL_TYPED_JSON_HPP

// JSON read into a user's C++ type and written from one: the mechanics of
// `chat_completion::parse<T>()`, `tool_call::parse_arguments<T>()` and
// <knobs/schema.hpp>.
//
// The types are those a JSON Schema can say and OpenAI's strict mode
// accepts: bool, integers (not the character types), floating point,
// std::string, enums described with BOOST_DESCRIBE_ENUM (as their
// enumerators' names), structs described with BOOST_DESCRIBE_STRUCT (as
// objects with a member per described member, bases' members included), and
// std::optional (null), std::vector and std::array (arrays) and
// std::map<std::string, T> (objects) of those. Anything else is a compile
// error naming the member and its type (`member_has_schema`).
//
// Reading is strict, as the schema is: a missing member is an error unless it
// is a std::optional (strict mode sends null; a server without a schema may
// leave it out), and a member the struct does not have is an error (the schema
// forbids it: `additionalProperties: false`). The first error stops the read;
// its `where` is the JSON path inside the value ("cities[2].population").
//
// The templates only walk the type; everything that does not depend on it
// (messages, number ranges, parsing the text) is compiled once in
// detail/impl/typed_json.ipp.

#include <knobs/detail/config.hpp>
#include <knobs/error.hpp>

#include <boost/describe/enumerators.hpp>
#include <boost/describe/members.hpp>
#include <boost/describe/modifiers.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace knobs {
namespace detail {

template <class T> struct is_std_optional : std::false_type {};
template <class T> struct is_std_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_std_vector : std::false_type {};
template <class T, class A> struct is_std_vector<std::vector<T, A>> : std::true_type {};
template <class T> struct is_std_array : std::false_type {};
template <class T, std::size_t N> struct is_std_array<std::array<T, N>> : std::true_type {};
template <class T> struct is_string_map : std::false_type {};
template <class T, class C, class A>
struct is_string_map<std::map<std::string, T, C, A>> : std::true_type {};

// The character types are integers to C++ and text to a reader: neither
// reading is safe to guess, so they are left out. (signed and unsigned char
// are std::int8_t and std::uint8_t: numbers.)
template <class T>
inline constexpr bool is_json_integer_v =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char> &&
    !std::is_same_v<T, wchar_t> && !std::is_same_v<T, char16_t> && !std::is_same_v<T, char32_t>
#if defined(__cpp_char8_t)
    && !std::is_same_v<T, char8_t>
#endif
    ;

template <class T>
inline constexpr bool is_described_struct_v =
    std::is_class_v<T>&& boost::describe::has_describe_members<T>::value;

template <class T>
inline constexpr bool is_described_enum_v =
    std::is_enum_v<T>&& boost::describe::has_describe_enumerators<T>::value;

// The members read and written: public ones, the bases' included.
template <class T>
using json_members = boost::describe::describe_members<T, boost::describe::mod_public |
                                                              boost::describe::mod_inherited>;

// (std::map's value_type is a pair: the element asked about is its mapped_type.)
template <class T> struct element_of { using type = typename T::value_type; };
template <class T, class C, class A> struct element_of<std::map<std::string, T, C, A>> {
  using type = T;
};

// Whether T has a JSON shape. A described struct has one whatever its members
// are: each member is checked where it is used, by `member_has_schema`, so that
// the error names it (and a struct may hold a vector of itself).
template <class T> constexpr bool has_shape() {
  if constexpr (std::is_same_v<T, bool> || is_json_integer_v<T> || std::is_floating_point_v<T> ||
                std::is_same_v<T, std::string> || is_described_enum_v<T> ||
                is_described_struct_v<T>)
    return true;
  else if constexpr (is_std_optional<T>::value)
    // optional<optional<T>> would have two nulls and one JSON null.
    return !is_std_optional<typename T::value_type>::value && has_shape<typename T::value_type>();
  else if constexpr (is_std_vector<T>::value || is_std_array<T>::value || is_string_map<T>::value)
    return has_shape<typename element_of<T>::type>();
  else
    return false;
}

// The check behind every member: a type without a JSON shape stops the build
// here, and the compiler's note "in instantiation of member_has_schema<
// &city::founded, std::deque<int>>" names the member and its type.
template <auto Member, class Type> struct member_has_schema {
  static_assert(has_shape<Type>(),
                "knobs: this member's type has no JSON Schema (see the instantiation of "
                "member_has_schema<&Struct::member, Type> above). Supported: bool, integers "
                "(not char), floating point, std::string, enums described with "
                "BOOST_DESCRIBE_ENUM, structs described with BOOST_DESCRIBE_STRUCT, and "
                "std::optional, std::vector, std::array and std::map<std::string, T> of them");
  static constexpr bool value = true;
};

// The same for a type used at the top (`parse<T>()`, `json_schema_of<T>()`).
template <class Type> struct type_has_schema {
  static_assert(has_shape<Type>(),
                "knobs: this type has no JSON Schema. Supported: bool, integers (not char), "
                "floating point, std::string, enums described with BOOST_DESCRIBE_ENUM, "
                "structs described with BOOST_DESCRIBE_STRUCT, and std::optional, "
                "std::vector, std::array and std::map<std::string, T> of them");
  static constexpr bool value = true;
};

// The type's name for messages, demangled ("app::city_facts").
KNOBS_DECL std::string type_name(const std::type_info& t);

// Where a read is, and its first error.
class typed_reader {
public:
  // The JSON path of the value being read, "" at the top.
  std::string path;
  // The first error: "expected integer, got string" and the like, without
  // the path (`read_as` puts the path and the context in front).
  std::optional<std::string> error;
  // The path of the first error.
  std::string error_path;

  std::size_t enter(std::string_view member) {
    const std::size_t n = path.size();
    if (!path.empty())
      path += '.';
    path.append(member.data(), member.size());
    return n;
  }
  std::size_t enter(std::size_t index) {
    const std::size_t n = path.size();
    path += '[';
    path += std::to_string(index);
    path += ']';
    return n;
  }
  // A map's key: ["key"], since a key may hold anything.
  KNOBS_DECL std::size_t enter_key(std::string_view key);
  void leave(std::size_t n) { path.resize(n); }

  // Records "expected <what>, got <got's type and a glimpse of it>".
  KNOBS_DECL bool mismatch(std::string_view what, const boost::json::value& got);
  // Records `message` at the current path.
  KNOBS_DECL bool fail(std::string message);

  KNOBS_DECL bool read_bool(const boost::json::value& v, bool& out);
  KNOBS_DECL bool read_signed(const boost::json::value& v, std::int64_t lo, std::int64_t hi,
                              std::int64_t& out);
  KNOBS_DECL bool read_unsigned(const boost::json::value& v, std::uint64_t hi, std::uint64_t& out);
  KNOBS_DECL bool read_number(const boost::json::value& v, double lowest, double highest,
                              double& out);
  KNOBS_DECL bool read_string(const boost::json::value& v, std::string& out);
  // `size` elements where the type wants `n`.
  KNOBS_DECL bool wrong_length(std::size_t n, std::size_t size);
  // The member at the current path is absent.
  KNOBS_DECL bool missing();
  // The member `name` is not one of the struct's.
  KNOBS_DECL bool unexpected(std::string_view name);
  // An enum's name not among `names` ("a", "b").
  KNOBS_DECL bool not_enumerator(const boost::json::value& got, const std::string& names);
};

template <class T> bool read_typed(typed_reader& r, const boost::json::value& v, T& out);

template <class T> bool read_struct(typed_reader& r, const boost::json::value& v, T& out) {
  if (!v.is_object())
    return r.mismatch("object", v);
  const boost::json::object& o = v.as_object();
  bool ok = true;
  boost::mp11::mp_for_each<json_members<T>>([&](auto d) {
    using type = std::remove_reference_t<decltype(out.*d.pointer)>;
    static_assert(member_has_schema<decltype(d)::pointer, type>::value);
    if (!ok)
      return;
    const boost::json::value* m = o.if_contains(d.name);
    const std::size_t n = r.enter(d.name);
    if (m)
      ok = read_typed(r, *m, out.*d.pointer);
    else if constexpr (is_std_optional<type>::value)
      (out.*d.pointer).reset();
    else
      ok = r.missing();
    r.leave(n);
  });
  if (!ok)
    return false;
  for (const auto& kv : o) {
    bool known = false;
    boost::mp11::mp_for_each<json_members<T>>(
        [&](auto d) { known = known || kv.key() == boost::json::string_view(d.name); });
    if (!known)
      return r.unexpected(std::string_view(kv.key().data(), kv.key().size()));
  }
  return true;
}

template <class T> bool read_typed(typed_reader& r, const boost::json::value& v, T& out) {
  if constexpr (std::is_same_v<T, bool>) {
    return r.read_bool(v, out);
  } else if constexpr (is_json_integer_v<T> && std::is_signed_v<T>) {
    std::int64_t x = 0;
    if (!r.read_signed(v, (std::numeric_limits<T>::min)(), (std::numeric_limits<T>::max)(), x))
      return false;
    out = static_cast<T>(x);
    return true;
  } else if constexpr (is_json_integer_v<T>) {
    std::uint64_t x = 0;
    if (!r.read_unsigned(v, (std::numeric_limits<T>::max)(), x))
      return false;
    out = static_cast<T>(x);
    return true;
  } else if constexpr (std::is_floating_point_v<T>) {
    double x = 0;
    if (!r.read_number(v, static_cast<double>(std::numeric_limits<T>::lowest()),
                       static_cast<double>((std::numeric_limits<T>::max)()), x))
      return false;
    out = static_cast<T>(x);
    return true;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return r.read_string(v, out);
  } else if constexpr (is_described_enum_v<T>) {
    if (!v.is_string())
      return r.mismatch("string", v);
    bool found = false;
    std::string names;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>([&](auto e) {
      if (!found && v.get_string() == boost::json::string_view(e.name)) {
        out = e.value;
        found = true;
      }
      names += names.empty() ? "\"" : ", \"";
      names += e.name;
      names += '"';
    });
    return found || r.not_enumerator(v, names);
  } else if constexpr (is_std_optional<T>::value) {
    if (v.is_null()) {
      out.reset();
      return true;
    }
    typename T::value_type inner{};
    if (!read_typed(r, v, inner))
      return false;
    out = std::move(inner);
    return true;
  } else if constexpr (is_std_vector<T>::value) {
    if (!v.is_array())
      return r.mismatch("array", v);
    const boost::json::array& a = v.get_array();
    T items;
    items.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::size_t n = r.enter(i);
      items.emplace_back();
      if (!read_typed(r, a[i], items.back()))
        return false;
      r.leave(n);
    }
    out = std::move(items);
    return true;
  } else if constexpr (is_std_array<T>::value) {
    if (!v.is_array())
      return r.mismatch("array", v);
    const boost::json::array& a = v.get_array();
    if (a.size() != out.size())
      return r.wrong_length(out.size(), a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::size_t n = r.enter(i);
      if (!read_typed(r, a[i], out[i]))
        return false;
      r.leave(n);
    }
    return true;
  } else if constexpr (is_string_map<T>::value) {
    if (!v.is_object())
      return r.mismatch("object", v);
    T entries;
    for (const auto& kv : v.get_object()) {
      const std::string_view key(kv.key().data(), kv.key().size());
      const std::size_t n = r.enter_key(key);
      typename T::mapped_type item{};
      if (!read_typed(r, kv.value(), item))
        return false;
      entries.emplace(std::string(key), std::move(item));
      r.leave(n);
    }
    out = std::move(entries);
    return true;
  } else if constexpr (is_described_struct_v<T>) {
    return read_struct(r, v, out);
  } else {
    static_assert(type_has_schema<T>::value);
    return false;
  }
}

// Makes the error of a failed read: "<context> as <type>: <path>: <what>",
// `where` the path.
KNOBS_DECL error_info read_error(const typed_reader& r, std::string_view context,
                                 const std::type_info& type);

// `v` read as a T; `context` says what `v` is ("the answer").
template <class T> result<T> read_as(const boost::json::value& v, std::string_view context) {
  static_assert(type_has_schema<T>::value);
  static_assert(std::is_default_constructible_v<T>,
                "knobs: a type read from JSON must be default-constructible");
  typed_reader r;
  T out{};
  if (!read_typed(r, v, out))
    return read_error(r, context, typeid(T));
  return out;
}

// Parses `text` as JSON; `context` names it in the error ("the answer",
// "the arguments of get_weather"). A text of white space alone reads as
// `empty_as` when that is given (a tool call with no arguments), and as an
// error otherwise.
KNOBS_DECL result<boost::json::value> parse_json_text(std::string_view text,
                                                      std::string_view context,
                                                      const boost::json::value* empty_as = nullptr);

// A floating-point value as JSON: NaN and the infinities have no JSON form.
KNOBS_DECL boost::json::value json_number(double x, std::string_view where);

// `value` as JSON, in the shape `read_typed` reads (std::nullopt as null).
// \throws request_error for a NaN or infinite number, naming its path.
template <class T>
boost::json::value write_typed(const T& value, const std::string& path = std::string()) {
  if constexpr (std::is_same_v<T, bool>) {
    return boost::json::value(value);
  } else if constexpr (is_json_integer_v<T> && std::is_signed_v<T>) {
    return boost::json::value(static_cast<std::int64_t>(value));
  } else if constexpr (is_json_integer_v<T>) {
    return boost::json::value(static_cast<std::uint64_t>(value));
  } else if constexpr (std::is_floating_point_v<T>) {
    return json_number(static_cast<double>(value), path);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return boost::json::value(boost::json::string_view(value.data(), value.size()));
  } else if constexpr (is_described_enum_v<T>) {
    const char* name = nullptr;
    boost::mp11::mp_for_each<boost::describe::describe_enumerators<T>>([&](auto e) {
      if (!name && e.value == value)
        name = e.name;
    });
    if (!name)
      throw request_error(make_error(errc::invalid_request,
                                     (path.empty() ? std::string() : path + ": ") + "the value " +
                                         std::to_string(static_cast<long long>(value)) +
                                         " is none of " + type_name(typeid(T)) +
                                         "'s described enumerators",
                                     path));
    return boost::json::value(name);
  } else if constexpr (is_std_optional<T>::value) {
    return value ? write_typed(*value, path) : boost::json::value(nullptr);
  } else if constexpr (is_std_vector<T>::value || is_std_array<T>::value) {
    boost::json::array a;
    a.reserve(value.size());
    std::size_t i = 0;
    for (const auto& item : value)
      a.push_back(write_typed(item, path + "[" + std::to_string(i++) + "]"));
    return a;
  } else if constexpr (is_string_map<T>::value) {
    boost::json::object o;
    for (const auto& [key, item] : value)
      o[boost::json::string_view(key.data(), key.size())] =
          write_typed(item, path + "[\"" + key + "\"]");
    return o;
  } else if constexpr (is_described_struct_v<T>) {
    boost::json::object o;
    boost::mp11::mp_for_each<json_members<T>>([&](auto d) {
      using type = std::remove_cv_t<std::remove_reference_t<decltype(value.*d.pointer)>>;
      static_assert(member_has_schema<decltype(d)::pointer, type>::value);
      o[d.name] =
          write_typed(value.*d.pointer, path.empty() ? std::string(d.name) : path + "." + d.name);
    });
    return o;
  } else {
    static_assert(type_has_schema<T>::value);
    return {};
  }
}

} // namespace detail
} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/detail/impl/typed_json.ipp>
#endif

#endif
