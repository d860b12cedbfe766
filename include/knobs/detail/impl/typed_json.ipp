// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_IMPL_TYPED_JSON_IPP
#define KNOBS_DETAIL_IMPL_TYPED_JSON_IPP

// The compiled part of detail/typed_json.hpp: what does not depend on the
// user's type.

#include <knobs/detail/typed_json.hpp>

#include <knobs/detail/number.hpp>

#include <boost/core/demangle.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>

namespace knobs {
namespace detail {

// The kind of a JSON value and, for a scalar, the value itself, cut short:
// "string \"many\"", "number 3.5", "null", "array".
inline std::string describe_json(const boost::json::value& v) {
  switch (v.kind()) {
  case boost::json::kind::null:
    return "null";
  case boost::json::kind::bool_:
    return v.get_bool() ? "boolean true" : "boolean false";
  case boost::json::kind::int64:
  case boost::json::kind::uint64:
    return "number " + boost::json::serialize(v);
  case boost::json::kind::double_:
    return "number " + format_number(v.get_double());
  case boost::json::kind::string: {
    std::string s = boost::json::serialize(v);
    if (s.size() > 42)
      s = s.substr(0, 40) + "...\"";
    return "string " + s;
  }
  case boost::json::kind::array:
    return "array";
  case boost::json::kind::object:
    return "object";
  }
  return "value";
}

std::string type_name(const std::type_info& t) { return boost::core::demangle(t.name()); }

std::size_t typed_reader::enter_key(std::string_view key) {
  const std::size_t n = path.size();
  path += '[';
  path += boost::json::serialize(boost::json::string_view(key.data(), key.size()));
  path += ']';
  return n;
}

bool typed_reader::fail(std::string message) {
  if (!error) {
    error = std::move(message);
    error_path = path;
  }
  return false;
}

bool typed_reader::mismatch(std::string_view what, const boost::json::value& got) {
  return fail("expected " + std::string(what) + ", got " + describe_json(got));
}

bool typed_reader::read_bool(const boost::json::value& v, bool& out) {
  if (!v.is_bool())
    return mismatch("boolean", v);
  out = v.get_bool();
  return true;
}

bool typed_reader::read_signed(const boost::json::value& v, std::int64_t lo, std::int64_t hi,
                               std::int64_t& out) {
  const auto range = [&] {
    return "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
           describe_json(v);
  };
  if (v.is_int64()) {
    const std::int64_t x = v.get_int64();
    if (x < lo || x > hi)
      return fail(range());
    out = x;
    return true;
  }
  if (v.is_uint64()) {
    // A uint64 is above INT64_MAX (Boost.JSON keeps smaller ones as int64).
    return fail(range());
  }
  if (v.is_double()) {
    // "3.0" is an integer that a writer spelled as a real: accept it when it
    // is one exactly.
    const double d = v.get_double();
    if (std::isfinite(d) && std::trunc(d) == d && d >= static_cast<double>(lo) &&
        d < 9223372036854775808.0 && static_cast<std::int64_t>(d) <= hi) {
      out = static_cast<std::int64_t>(d);
      return true;
    }
    return std::isfinite(d) && std::trunc(d) == d ? fail(range()) : mismatch("an integer", v);
  }
  return mismatch("an integer", v);
}

bool typed_reader::read_unsigned(const boost::json::value& v, std::uint64_t hi,
                                 std::uint64_t& out) {
  const auto range = [&] {
    return "expected an integer in [0, " + std::to_string(hi) + "], got " + describe_json(v);
  };
  if (v.is_int64()) {
    const std::int64_t x = v.get_int64();
    if (x < 0 || static_cast<std::uint64_t>(x) > hi)
      return fail(range());
    out = static_cast<std::uint64_t>(x);
    return true;
  }
  if (v.is_uint64()) {
    if (v.get_uint64() > hi)
      return fail(range());
    out = v.get_uint64();
    return true;
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::isfinite(d) && std::trunc(d) == d && d >= 0 && d < 18446744073709551616.0 &&
        static_cast<std::uint64_t>(d) <= hi) {
      out = static_cast<std::uint64_t>(d);
      return true;
    }
    return std::isfinite(d) && std::trunc(d) == d ? fail(range()) : mismatch("an integer", v);
  }
  return mismatch("an integer", v);
}

bool typed_reader::read_number(const boost::json::value& v, double lowest, double highest,
                               double& out) {
  if (!v.is_number())
    return mismatch("a number", v);
  const double d = v.to_number<double>();
  if (d < lowest || d > highest)
    return fail("expected a number in [" + format_number(lowest) + ", " + format_number(highest) +
                "], got " + describe_json(v));
  out = d;
  return true;
}

bool typed_reader::read_string(const boost::json::value& v, std::string& out) {
  if (!v.is_string())
    return mismatch("a string", v);
  out.assign(v.get_string().data(), v.get_string().size());
  return true;
}

bool typed_reader::wrong_length(std::size_t n, std::size_t size) {
  return fail("expected an array of " + std::to_string(n) + " elements, got " +
              std::to_string(size));
}

bool typed_reader::missing() { return fail("required member is missing"); }

bool typed_reader::unexpected(std::string_view name) {
  const std::size_t n = enter(name);
  fail("a member the type does not have (the schema forbids it)");
  leave(n);
  return false;
}

bool typed_reader::not_enumerator(const boost::json::value& got, const std::string& names) {
  return fail("expected one of " + names + ", got " + describe_json(got));
}

error_info read_error(const typed_reader& r, std::string_view context, const std::type_info& type) {
  std::string message = std::string(context) + " as " + type_name(type) + ": ";
  if (!r.error_path.empty())
    message += r.error_path + ": ";
  message += r.error.value_or("no reason recorded");
  return make_error(errc::invalid_response, std::move(message), r.error_path);
}

result<boost::json::value> parse_json_text(std::string_view text, std::string_view context,
                                           const boost::json::value* empty_as) {
  if (empty_as && text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return *empty_as;
  boost::json::parser p;
  boost::system::error_code ec;
  // write() wants the whole text: it reports a value cut short and bytes after
  // the value, and says how far it got.
  const std::size_t used = p.write(text.data(), text.size(), ec);
  if (ec) {
    std::string glimpse(text.substr(0, 80));
    if (text.size() > 80)
      glimpse += "...";
    return make_error(errc::invalid_response, std::string(context) + ": not JSON (" + ec.message() +
                                                  " at byte " + std::to_string(used) +
                                                  "): " + glimpse);
  }
  return p.release();
}

boost::json::value json_number(double x, std::string_view where) {
  if (!std::isfinite(x))
    throw request_error(make_error(errc::invalid_request,
                                   (where.empty() ? std::string() : std::string(where) + ": ") +
                                       format_number(x) +
                                       " has no JSON form (JSON has no NaN "
                                       "or infinity)",
                                   std::string(where)));
  return boost::json::value(x);
}

} // namespace detail
} // namespace knobs

#endif
