// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_API_ERROR_IPP
#define KNOBS_IMPL_API_ERROR_IPP

// The compiled part of <knobs/api_error.hpp>: the error-body parser.

#include <knobs/api_error.hpp>

#include <knobs/detail/json_read.hpp>
#include <knobs/detail/number.hpp>

namespace knobs {

namespace detail {

// `code` is a string, an integer or null, depending on the server.
inline void read_error_code(json_reader& r, const boost::json::object& o,
                            std::optional<std::string>& out) {
  const boost::json::value* v = r.find(o, "code");
  if (!v || v->is_null())
    return;
  if (v->is_string())
    out = to_std_string(v->get_string());
  else if (std::optional<std::int64_t> i = json_to_int64(*v))
    out = format_number(*i);
  else
    r.expected("code", "string, integer or null", *v);
}

inline void read_error_fields(json_reader& r, const boost::json::object& o, api_error_info& out) {
  r.read(o, "message", out.message);
  r.read(o, "type", out.type);
  r.read(o, "param", out.param);
  read_error_code(r, o, out.code);
}

} // namespace detail

result<api_error_info> try_parse_api_error(std::string_view body, int status) {
  result<boost::json::object> parsed = detail::parse_json_object(body);
  if (!parsed)
    return parsed.error();
  const boost::json::object& o = *parsed;

  api_error_info out;
  out.status = status;
  detail::json_reader r;
  const boost::json::value* error = o.if_contains("error");
  const boost::json::value* object = o.if_contains("object");
  if (error && error->is_object()) {
    r.in_object(o, "error",
                [&](const boost::json::object& e) { detail::read_error_fields(r, e, out); });
  } else if (error && error->is_string()) {
    out.message = detail::to_std_string(error->get_string());
  } else if (error && !error->is_null()) {
    r.expected("error", "object or string", *error);
  } else if (object && object->is_string() && object->get_string() == "error") {
    detail::read_error_fields(r, o, out);
  } else {
    return make_error(errc::invalid_response,
                      "body is not an API error (expected an \"error\" member): " +
                          detail::body_snippet(body));
  }
  if (r.failed())
    return r.take_error();
  return out;
}

api_error_info parse_api_error(std::string_view body, int status) {
  result<api_error_info> r = try_parse_api_error(body, status);
  if (!r)
    throw parse_error(r.error());
  return std::move(*r);
}

} // namespace knobs

#endif
