// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_JSON_READ_HPP
#define KNOBS_DETAIL_JSON_READ_HPP

// Typed reading of server responses, shared by the parsers of completions,
// chunks and API error bodies.
//
// The parsers are tolerant of what servers add or leave out, and strict about
// what they send: an unknown member is ignored, a missing optional member keeps
// its default, and a member of the wrong type is an `errc::invalid_response`
// error whose `where` is the JSON path of the offending value and whose message
// reads "choices[0].message.content: expected string or null, got number".

#include <knobs/detail/number.hpp>
#include <knobs/error.hpp>

#include <boost/container/small_vector.hpp>
#include <boost/json/array.hpp>
#include <boost/json/kind.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace knobs {
namespace detail {

// The name of a JSON value's type as error messages say it. JSON has one
// number type, so int64, uint64 and double are all "number".
inline const char* json_type_name(const boost::json::value& v) noexcept {
  switch (v.kind()) {
  case boost::json::kind::null:
    return "null";
  case boost::json::kind::bool_:
    return "boolean";
  case boost::json::kind::int64:
  case boost::json::kind::uint64:
  case boost::json::kind::double_:
    return "number";
  case boost::json::kind::string:
    return "string";
  case boost::json::kind::array:
    return "array";
  case boost::json::kind::object:
    return "object";
  }
  return "unknown";
}

// A number as it appears in a message: the value itself, so that "got 1.5"
// explains why 1.5 is not an integer.
inline std::string json_number_text(const boost::json::value& v) {
  if (v.is_int64())
    return format_number(v.get_int64());
  if (v.is_uint64())
    return std::to_string(v.get_uint64());
  return format_number(v.get_double());
}

// The integer a JSON number holds, when it holds one that fits in an int64.
// JSON does not tell 2 from 2.0, and a server written in a language without
// integers may send either, so an integral double counts.
inline std::optional<std::int64_t> json_to_int64(const boost::json::value& v) noexcept {
  switch (v.kind()) {
  case boost::json::kind::int64:
    return v.get_int64();
  case boost::json::kind::uint64:
    if (v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return static_cast<std::int64_t>(v.get_uint64());
    return std::nullopt;
  case boost::json::kind::double_: {
    const double d = v.get_double();
    // [-2^63, 2^63) is exactly the doubles that convert to int64 without overflow.
    if (std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
      return static_cast<std::int64_t>(d);
    return std::nullopt;
  }
  default:
    return std::nullopt;
  }
}

inline std::string to_std_string(const boost::json::string& s) { return {s.data(), s.size()}; }

// The start of a body for an error message: at most 80 bytes including the
// "..." that marks a cut, never cutting a UTF-8 character in two, with control
// characters (newlines in an HTML error page) shown as spaces.
inline std::string body_snippet(std::string_view body) {
  constexpr std::size_t limit = 80;
  const bool cut = body.size() > limit;
  std::size_t n = body.size();
  if (cut) {
    n = limit - 3;
    while (n > 0 && (static_cast<unsigned char>(body[n]) & 0xC0) == 0x80)
      --n;
  }
  std::string s(body.substr(0, n));
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      c = ' ';
  if (cut)
    s += "...";
  return s;
}

// Parses a response body that must be a JSON object, into the tree's storage
// `sp`. The errors say what the body was instead: not JSON at all (with
// Boost.JSON's reason and the body's first bytes, e.g. an HTML page from a
// proxy), or JSON of another type.
inline result<boost::json::object> parse_json_object(std::string_view body,
                                                     boost::json::storage_ptr sp) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return make_error(errc::invalid_response, "body is empty, expected a JSON object");
  boost::system::error_code ec;
  boost::json::value v =
      boost::json::parse(boost::json::string_view(body.data(), body.size()), ec, std::move(sp));
  if (ec)
    return make_error(errc::invalid_response,
                      "body is not JSON (" + ec.message() + "): " + body_snippet(body));
  if (!v.is_object())
    return make_error(errc::invalid_response,
                      std::string("body: expected a JSON object, got ") + json_type_name(v));
  return std::move(v.get_object());
}

// Parses a response body that must be a JSON object, to be kept.
//
// The parsed tree lives in an arena of its own (a shared monotonic resource):
// one allocation or two instead of one per string, array and object, and no
// frees node by node. A response's JSON is read once and kept as it came
// (`raw`), so an arena's only cost, memory not reused until the tree goes, is
// no cost here. Copies made elsewhere (`value = raw[...]`) use their own storage.
inline result<boost::json::object> parse_json_object(std::string_view body) {
  // The tree takes about twice the text; the arena grows if it needs more.
  return parse_json_object(body, boost::json::make_shared_resource<boost::json::monotonic_resource>(
                                     2 * body.size() + 256));
}

// Parses a body that must be a JSON object and returns `read(object)`, or the
// parse error converted to read's result type. The tree lives only during the
// call.
//
// For the small bodies that come hundreds to an answer (a stream's chunks):
// the tree goes into an arena the thread keeps and empties after each call, so
// a parse allocates nothing once the arena has grown to the chunks' size, and
// the tree is dropped without being walked (its storage is not reference
// counted). Nothing of the tree may outlive the call; `read` copies out what
// it keeps. A `read` that parses again on the same thread gets an arena of its
// own.
struct scratch_arena {
  alignas(std::max_align_t) unsigned char buffer[16 * 1024];
  boost::json::monotonic_resource arena{buffer, sizeof buffer};
  bool busy = false;
};

// One per thread, shared by every reader (a function, not a variable of the
// template below, which would make one per reader type).
inline scratch_arena& thread_scratch_arena() {
  thread_local scratch_arena s;
  return s;
}

template <class Read>
auto read_scratch_object(std::string_view body, Read&& read)
    -> decltype(read(std::declval<const boost::json::object&>())) {
  using out = decltype(read(std::declval<const boost::json::object&>()));
  scratch_arena& s = thread_scratch_arena();
  auto parse_and_read = [&](boost::json::monotonic_resource& arena) -> out {
    result<boost::json::object> parsed = parse_json_object(body, boost::json::storage_ptr(&arena));
    if (!parsed)
      return out(parsed.error());
    return read(*parsed);
  };
  if (s.busy) {
    boost::json::monotonic_resource own(2 * body.size() + 256);
    return parse_and_read(own);
  }
  struct release {
    scratch_arena& s;
    ~release() {
      s.arena.release();
      s.busy = false;
    }
  } guard{s};
  s.busy = true;
  return parse_and_read(s.arena);
}

// Makes `member` the tree `parsed`, arena and all. Assigning would not do: a
// Boost.JSON container keeps the memory resource it was made with, so
// assignment copies the tree node by node into the member's resource.
// Re-making the member in place moves it instead.
inline void adopt(boost::json::object& member, boost::json::object&& parsed) noexcept {
  member.~object();
  ::new (static_cast<void*>(&member)) boost::json::object(std::move(parsed));
}

// Reads typed members out of parsed JSON while keeping track of where it is, so
// that the first type mismatch becomes an error naming its JSON path.
//
// The first error sticks: after it, every read does nothing, and the parser
// checks `failed()` once at the end instead of after every member. A read of
// an absent member leaves its destination alone (the default stays), so
// optional members need no code of their own.
//
// Members holding objects are read into knobs' structs by a free function
// `read_members(json_reader&, const boost::json::object&, T&)` for each struct,
// found by argument-dependent lookup in this namespace.
class json_reader {
public:
  /// Whether an error has been recorded.
  bool failed() const noexcept { return error_.has_value(); }

  /// The first error recorded. Call only when `failed()`.
  error_info take_error() { return std::move(*error_); }

  /// The member `key` of `o`, or nullptr when it is absent or an error has
  /// already been recorded (so that nothing more is read).
  const boost::json::value* find(const boost::json::object& o, std::string_view key) const {
    if (failed())
      return nullptr;
    return o.if_contains(boost::json::string_view(key.data(), key.size()));
  }

  /// A member already looked up by `members()`; every reading function takes
  /// one in place of an object, with the key for the error path.
  struct found {
    const boost::json::value* value = nullptr;
  };

  const boost::json::value* find(found f, std::string_view) const {
    return failed() ? nullptr : f.value;
  }

  /// Looks up all of `keys` in one pass over `o`: element i is the member
  /// named keys[i] (null when absent). Reading a hot object this way costs one
  /// walk instead of one search per key.
  template <std::size_t N>
  static std::array<found, N> members(const boost::json::object& o,
                                      const std::array<std::string_view, N>& keys) {
    std::array<found, N> out{};
    for (const boost::json::key_value_pair& kv : o) {
      const boost::json::string_view k = kv.key();
      for (std::size_t i = 0; i < N; ++i) {
        if (k.size() == keys[i].size() && std::memcmp(k.data(), keys[i].data(), k.size()) == 0) {
          out[i].value = &kv.value();
          break;
        }
      }
    }
    return out;
  }

  /// Records "<path>: <message>" for the current path, unless an error is
  /// already recorded.
  void fail_here(const std::string& message) {
    if (failed())
      return;
    std::string where = path();
    std::string text = where.empty() ? message : where + ": " + message;
    error_ = make_error(errc::invalid_response, std::move(text), std::move(where));
  }

  /// Records "<path>.<key>: <message>".
  void fail(std::string_view key, const std::string& message) {
    at(key, [&] { fail_here(message); });
  }

  /// Records "<path>.<key>: expected <what>, got <type of got>".
  void expected(std::string_view key, const char* what, const boost::json::value& got) {
    fail(key, std::string("expected ") + what + ", got " + json_type_name(got));
  }

  /// Runs `f` with `key` appended to the path.
  template <class F> void at(std::string_view key, F&& f) {
    path_.push_back(step{key, 0});
    f();
    path_.pop_back();
  }

  /// Runs `f` with `[index]` appended to the path.
  template <class F> void at(std::size_t index, F&& f) {
    path_.push_back(step{{}, index});
    f();
    path_.pop_back();
  }

  /// Checks that the member `key` is present and of kind `k` (array or
  /// object): "<path>.<key>: required member is missing (expected array)" or
  /// "<path>.<key>: expected array, got null".
  template <class Object> void require(const Object& o, std::string_view key, boost::json::kind k) {
    const boost::json::value* v = find(o, key);
    if (failed())
      return;
    const char* what = k == boost::json::kind::array ? "array" : "object";
    if (!v)
      fail(key, std::string("required member is missing (expected ") + what + ")");
    else if (v->kind() != k)
      expected(key, what, *v);
  }

  /// A string member. Null is a type error: use std::optional for nullable ones.
  template <class Object> void read(const Object& o, std::string_view key, std::string& out) {
    if (const boost::json::value* v = find(o, key)) {
      if (v->is_string())
        out.assign(v->get_string().data(), v->get_string().size());
      else
        expected(key, "string", *v);
    }
  }

  /// A string member that may be null; null and absent both leave `out` empty.
  template <class Object>
  void read(const Object& o, std::string_view key, std::optional<std::string>& out) {
    if (const boost::json::value* v = find(o, key)) {
      if (v->is_string())
        out.emplace(v->get_string().data(), v->get_string().size());
      else if (!v->is_null())
        expected(key, "string or null", *v);
    }
  }

  /// An integer member (see `json_to_int64`).
  template <class Object> void read(const Object& o, std::string_view key, std::int64_t& out) {
    if (const boost::json::value* v = find(o, key)) {
      if (std::optional<std::int64_t> i = json_to_int64(*v))
        out = *i;
      else if (v->is_number())
        fail(key, "expected integer, got " + json_number_text(*v));
      else
        expected(key, "integer", *v);
    }
  }

  /// A finite number member. JSON has no infinity or NaN, but Boost.JSON
  /// reads a literal beyond the range of a double (`1e400`) as infinity and
  /// `0e400` as NaN; neither is a value a server meant, so both are refused.
  template <class Object> void read(const Object& o, std::string_view key, double& out) {
    if (const boost::json::value* v = find(o, key)) {
      if (!v->is_number())
        return expected(key, "number", *v);
      const double d = v->to_number<double>();
      if (!std::isfinite(d))
        return fail(key, "number out of the range of a double");
      out = d;
    }
  }

  /// A list of byte values ([0, 255]) that may be null, like a logprob's `bytes`.
  template <class Object>
  void read(const Object& o, std::string_view key, std::optional<std::vector<std::uint8_t>>& out) {
    const boost::json::value* v = find(o, key);
    if (!v || v->is_null())
      return;
    if (!v->is_array())
      return expected(key, "array of integers or null", *v);
    std::vector<std::uint8_t> bytes;
    bytes.reserve(v->get_array().size());
    at(key, [&] {
      for (const boost::json::value& e : v->get_array()) {
        const std::optional<std::int64_t> b = json_to_int64(e);
        if (!b || *b < 0 || *b > 255) {
          at(bytes.size(), [&] {
            fail_here(std::string("expected integer in [0, 255], got ") +
                      (e.is_number() ? json_number_text(e) : json_type_name(e)));
          });
          return;
        }
        bytes.push_back(static_cast<std::uint8_t>(*b));
      }
    });
    if (!failed())
      out = std::move(bytes);
  }

  /// Calls `f(object)` with the path extended by `key` when the member is an
  /// object. Absent and null do nothing; returns whether `f` was called.
  template <class Object, class F> bool in_object(const Object& o, std::string_view key, F&& f) {
    const boost::json::value* v = find(o, key);
    if (!v || v->is_null())
      return false;
    if (!v->is_object()) {
      expected(key, "object or null", *v);
      return false;
    }
    at(key, [&] { f(v->get_object()); });
    return true;
  }

  /// Calls `f(object, position)` for each element of an array member, with the
  /// path extended by `key[position]`. Every element must be an object. Absent
  /// and null are an empty array.
  template <class Object, class F> void each_object(const Object& o, std::string_view key, F&& f) {
    const boost::json::value* v = find(o, key);
    if (!v || v->is_null())
      return;
    if (!v->is_array())
      return expected(key, "array or null", *v);
    at(key, [&] {
      const boost::json::array& a = v->get_array();
      for (std::size_t i = 0; i < a.size() && !failed(); ++i) {
        at(i, [&] {
          if (a[i].is_object())
            f(a[i].get_object(), i);
          else
            fail_here(std::string("expected object, got ") + json_type_name(a[i]));
        });
      }
    });
  }

  /// An object member read by `read_members`; absent or null leave `out` empty.
  template <class Object, class T>
  void read(const Object& o, std::string_view key, std::optional<T>& out) {
    T value{};
    if (in_object(o, key,
                  [&](const boost::json::object& member) { read_members(*this, member, value); }))
      out = std::move(value);
  }

  /// An array of objects, each read by `read_members` and appended to `out`.
  template <class Object, class T>
  void read(const Object& o, std::string_view key, std::vector<T>& out) {
    each_object(o, key, [&](const boost::json::object& element, std::size_t) {
      read_members(*this, element, out.emplace_back());
    });
  }

private:
  // One step of a path: a member name, or an array index when `key` is null.
  struct step {
    std::string_view key;
    std::size_t index;
  };

  // "choices[0].message.content"
  std::string path() const {
    std::string s;
    for (const step& p : path_) {
      if (p.key.data() == nullptr) {
        s += '[';
        s += std::to_string(p.index);
        s += ']';
      } else {
        if (!s.empty())
          s += '.';
        s += p.key;
      }
    }
    return s;
  }

  // Responses nest a few levels deep: no allocation for the path.
  boost::container::small_vector<step, 8> path_;
  std::optional<error_info> error_;
};

// What a body that claims to be something else is, for the hint in the error.
inline const char* other_body_hint(std::string_view object) noexcept {
  if (object == "chat.completion")
    return " (a complete response: use parse_chat_completion)";
  if (object == "chat.completion.chunk")
    return " (a streaming chunk: use parse_chat_chunk)";
  if (object == "error")
    return " (an API error: use parse_api_error)";
  return "";
}

// Checks that a body is the kind the parser expects before reading it, so that
// a chunk given to the completion parser, or an error body given to either,
// gets an error saying so rather than one about a missing member. `object` is
// checked when present; servers that leave it out are let through.
// `object_member` and `has_choices` are the body's "object" member and whether
// it has "choices", as the caller looked them up.
inline void check_body_kind(json_reader& r, const boost::json::object& o, std::string_view expected,
                            std::string_view body, const boost::json::value* object_member,
                            bool has_choices) {
  if (const boost::json::value* v = r.find(json_reader::found{object_member}, "object")) {
    if (!v->is_string())
      return r.expected("object", "string", *v);
    const boost::json::string& got = v->get_string();
    if (std::string_view(got.data(), got.size()) != expected) {
      const std::string actual = to_std_string(got);
      r.fail("object", "expected \"" + std::string(expected) + "\", got \"" + actual + "\"" +
                           other_body_hint(actual));
    }
  } else if (!has_choices && o.contains("error")) {
    r.fail_here("expected \"" + std::string(expected) +
                "\", got an API error body (use parse_api_error): " + body_snippet(body));
  }
}

inline void check_body_kind(json_reader& r, const boost::json::object& o, std::string_view expected,
                            std::string_view body) {
  check_body_kind(r, o, expected, body, o.if_contains("object"), o.contains("choices"));
}

} // namespace detail
} // namespace knobs

#endif
