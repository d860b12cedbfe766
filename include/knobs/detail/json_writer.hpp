// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_JSON_WRITER_HPP
#define KNOBS_DETAIL_JSON_WRITER_HPP

// A small, byte-stable JSON writer: compact (no spaces), locale-independent,
// shortest round-trip numbers. Used by to_json(chat_request) for the typed fields
// and for any boost::json::value a user hands us (extra fields, schemas, tool
// parameters), so both follow one set of rules.
//
// Why not boost::json::serialize: Boost 1.81 writes 0.7 as 7E-1 and 1.0 as 1E0.
// Both are valid JSON, but neither is what a reader expects to see, and 1E0 hides
// that the value is real-valued from anyone comparing bytes.

#include <knobs/detail/number.hpp>
#include <knobs/error.hpp>

#include <boost/json/value.hpp>

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace knobs {
namespace detail {

// Eight bytes of text as one word, for the scans below.
inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}
inline constexpr std::uint64_t byte_low_bits = 0x0101010101010101u;
inline constexpr std::uint64_t byte_high_bits = 0x8080808080808080u;

// Whether one of the eight bytes in w is one a JSON string cannot hold as it
// is: a control character, `"` or `\`. Such a byte (below 0x20, or equal to
// the byte compared with) sets the high bit of its byte in the result; the
// bytes at and above 0x80, UTF-8's, never do.
inline bool json_escape_in(std::uint64_t w) noexcept {
  const auto zero_byte = [](std::uint64_t x) { return (x - byte_low_bits) & ~x & byte_high_bits; };
  return (((w - 0x20 * byte_low_bits) & ~w & byte_high_bits) |
          zero_byte(w ^ ('"' * byte_low_bits)) | zero_byte(w ^ ('\\' * byte_low_bits))) != 0;
}

inline bool json_escape_byte(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return c < 0x20 || c == '"' || c == '\\';
}

// Whether `s` needs no escape in a JSON string: eight bytes at a time, the
// last eight overlapping the ones before when the length is no multiple of 8.
inline bool json_plain(std::string_view s) noexcept {
  const std::size_t n = s.size();
  if (n < 8) {
    for (const char c : s)
      if (json_escape_byte(c))
        return false;
    return true;
  }
  for (std::size_t i = 0; i + 8 <= n; i += 8)
    if (json_escape_in(load8(s.data() + i)))
      return false;
  return n % 8 == 0 || !json_escape_in(load8(s.data() + n - 8));
}

// The length of the start of `s` that a JSON string holds as it is.
inline std::size_t json_plain_prefix(std::string_view s) noexcept {
  std::size_t i = 0;
  for (; s.size() - i >= 8; i += 8)
    if (json_escape_in(load8(s.data() + i)))
      break;
  while (i < s.size() && !json_escape_byte(s[i]))
    ++i;
  return i;
}

// The offset of the first byte that does not start a well-formed UTF-8 sequence
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or npos.
inline std::size_t find_invalid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    // ASCII, the usual text, eight bytes at a time.
    if (n - i >= 8 && (load8(s.data() + i) & byte_high_bits) == 0) {
      i += 8;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80; // the allowed range of the second byte
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c == 0xE0) {
      len = 3;
      lo = 0xA0; // overlong below U+0800
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      len = 3;
    } else if (c == 0xED) {
      len = 3;
      hi = 0x9F; // U+D800..U+DFFF are surrogates
    } else if (c == 0xF0) {
      len = 4;
      lo = 0x90; // overlong below U+10000
    } else if (c >= 0xF1 && c <= 0xF3) {
      len = 4;
    } else if (c == 0xF4) {
      len = 4;
      hi = 0x8F; // above U+10FFFF
    } else {
      return i;
    }
    if (n - i < len)
      return i;
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c1 < lo || c1 > hi)
      return i;
    for (std::size_t k = 2; k < len; ++k) {
      const auto ck = static_cast<unsigned char>(s[i + k]);
      if (ck < 0x80 || ck > 0xBF)
        return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

// The number of code points in valid UTF-8 text: what the API means by a
// string's length.
inline std::size_t utf8_length(std::string_view s) noexcept {
  std::size_t count = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
      ++count;
  return count;
}

// An invalid_request error for `where` if `s` is not valid UTF-8.
inline std::optional<error_info> check_utf8(std::string_view s, const std::string& where) {
  const auto at = find_invalid_utf8(s);
  if (at == std::string_view::npos)
    return std::nullopt;
  return make_error(errc::invalid_request,
                    where + " is not valid UTF-8 (bad byte at offset " +
                        format_number(static_cast<std::int64_t>(at)) + ")",
                    where);
}

// The same, with the path made by `where()` only when `s` is not valid UTF-8,
// for checks that run on every request sent.
template <class Where, std::enable_if_t<std::is_invocable_r_v<std::string, Where>, int> = 0>
std::optional<error_info> check_utf8(std::string_view s, Where&& where) {
  if (find_invalid_utf8(s) == std::string_view::npos)
    return std::nullopt;
  return check_utf8(s, std::string(where()));
}

// The first thing in `v` that cannot be written as JSON text: a NaN or infinite
// double, or a string or key that is not valid UTF-8. `path` names `v` in the
// error ("tools[0].function.parameters"); nested values extend it with ".key"
// and "[i]".
inline std::optional<error_info> check_json(const boost::json::value& v, const std::string& path) {
  switch (v.kind()) {
  case boost::json::kind::double_:
    if (!std::isfinite(v.get_double()))
      return make_error(errc::invalid_request,
                        path + " is " + format_number(v.get_double()) +
                            ", but JSON numbers must be finite",
                        path);
    return std::nullopt;
  case boost::json::kind::string:
    return check_utf8(v.get_string(), path);
  case boost::json::kind::array: {
    const auto& a = v.get_array();
    for (std::size_t i = 0; i < a.size(); ++i)
      if (auto e = check_json(a[i], path + "[" + format_number(static_cast<std::int64_t>(i)) + "]"))
        return e;
    return std::nullopt;
  }
  case boost::json::kind::object:
    for (const auto& member : v.get_object()) {
      const std::string_view key = member.key();
      if (find_invalid_utf8(key) != std::string_view::npos)
        return make_error(errc::invalid_request, path + " has a key that is not valid UTF-8", path);
      if (auto e = check_json(member.value(), path + "." + std::string(key)))
        return e;
    }
    return std::nullopt;
  case boost::json::kind::null:
  case boost::json::kind::bool_:
  case boost::json::kind::int64:
  case boost::json::kind::uint64:
    return std::nullopt;
  }
  return std::nullopt;
}

// A JSON string literal: `"` and `\` escaped, the control characters as \b \f
// \n \r \t or \u00XX (lowercase hex, as Python's json writes them), every other
// byte (UTF-8 included) verbatim.
inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  // Most text needs no escape: copy runs of plain bytes in one append.
  std::size_t plain = 0;
  for (std::size_t i = json_plain_prefix(s); i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
}

// A real number: the shortest text that reads back as the same double, with
// ".0" added when that text looks like an integer (1.0 -> "1.0", as Python's json
// writes it), so a reader still sees a real number. NaN and infinities have no
// JSON spelling: they throw request_error.
inline void append_json_real(std::string& out, double v) {
  if (!std::isfinite(v))
    throw request_error(
        make_error(errc::invalid_request,
                   "cannot write " + format_number(v) + " as JSON: JSON numbers must be finite"));
  const auto start = out.size();
  append_number(out, v);
  if (std::string_view(out).substr(start).find_first_of(".e") == std::string_view::npos)
    out += ".0";
}

// Writes JSON into a string, inserting the commas. The caller pairs every
// begin_* with its end_* and puts a key() before each value inside an object.
class json_writer {
public:
  explicit json_writer(std::string& out) noexcept : out_(out) {}

  void begin_object() {
    separate();
    out_ += '{';
  }
  void end_object() {
    out_ += '}';
    need_comma_ = true;
  }
  void begin_array() {
    separate();
    out_ += '[';
  }
  void end_array() {
    out_ += ']';
    need_comma_ = true;
  }

  // An object key; the next call writes its value.
  void key(std::string_view k) { quoted(k, ':'); }

  // A key of knobs' own (an API field's name, a literal), which needs no
  // escape: written without looking for one.
  void plain_key(std::string_view k) {
    assert(json_plain(k));
    if (k.size() <= short_text)
      put_short(k, ':');
    else
      key(k);
  }
  // A literal key, `w.key("model")`: one of knobs' own.
  template <std::size_t N> void key(const char (&k)[N]) { plain_key(std::string_view(k, N - 1)); }

  void string(std::string_view s) {
    quoted(s, '\0');
    need_comma_ = true;
  }
  void boolean(bool b) {
    separate();
    out_ += b ? "true" : "false";
    need_comma_ = true;
  }
  void integer(std::int64_t v) {
    separate();
    append_number(out_, v);
    need_comma_ = true;
  }
  void integer(std::uint64_t v) {
    separate();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
    need_comma_ = true;
  }
  // Throws request_error for NaN or infinity (see append_json_real).
  void real(double v) {
    separate();
    append_json_real(out_, v);
    need_comma_ = true;
  }

  // Any Boost.JSON value, objects in their insertion order, with the number and
  // string rules above. Throws request_error for a NaN or infinite double.
  void value(const boost::json::value& v) {
    switch (v.kind()) {
    case boost::json::kind::null:
      separate();
      out_ += "null";
      need_comma_ = true;
      return;
    case boost::json::kind::bool_:
      boolean(v.get_bool());
      return;
    case boost::json::kind::int64:
      integer(v.get_int64());
      return;
    case boost::json::kind::uint64:
      integer(v.get_uint64());
      return;
    case boost::json::kind::double_:
      real(v.get_double());
      return;
    case boost::json::kind::string:
      string(v.get_string());
      return;
    case boost::json::kind::array:
      begin_array();
      for (const auto& element : v.get_array())
        value(element);
      end_array();
      return;
    case boost::json::kind::object:
      begin_object();
      for (const auto& member : v.get_object()) {
        key(member.key());
        value(member.value());
      }
      end_object();
      return;
    }
  }

private:
  // The comma that is due, `s` as a JSON string and `after` (unless '\0'): in
  // one append when `s` is short and needs no escape, as keys and most values
  // are.
  void quoted(std::string_view s, char after) {
    if (s.size() <= short_text && json_plain(s))
      return put_short(s, after);
    if (need_comma_)
      out_ += ',';
    need_comma_ = false;
    append_json_string(out_, s);
    if (after != '\0')
      out_ += after;
  }

  // The same for a short `s` that needs no escape.
  void put_short(std::string_view s, char after) {
    char buf[short_text + 4];
    char* p = buf;
    if (need_comma_)
      *p++ = ',';
    need_comma_ = false;
    *p++ = '"';
    if (!s.empty())
      std::memcpy(p, s.data(), s.size());
    p += s.size();
    *p++ = '"';
    if (after != '\0')
      *p++ = after;
    out_.append(buf, static_cast<std::size_t>(p - buf));
  }

  static constexpr std::size_t short_text = 60;

  // A comma is due before anything that follows a complete value; never right
  // after '{', '[' or a key.
  void separate() {
    if (need_comma_)
      out_ += ',';
    need_comma_ = false;
  }

  std::string& out_;
  bool need_comma_ = false;
};

} // namespace detail
} // namespace knobs

#endif
