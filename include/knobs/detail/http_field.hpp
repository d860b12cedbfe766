// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_HTTP_FIELD_HPP
#define KNOBS_DETAIL_HTTP_FIELD_HPP

// What may go into a request's header fields and query, for the checks of
// client_options and request_options, and the query's encoding.

#include <knobs/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace knobs {
namespace detail {

// Appends each of `fields` (Beast's header fields, in their order) as
// "Name: value" and CRLF, then the blank line that ends a head: the bytes
// Beast's serializer writes after the start line.
template <class Fields> void append_fields_and_end(std::string& head, const Fields& fields) {
  for (const auto& field : fields)
    head.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  head.append("\r\n");
}

// Why `value` cannot be an HTTP field value (RFC 9110: visible characters,
// space, tab and bytes from 0x80), or an empty string when it can. A CR or LF
// would end the field and let the rest pass as fields of its own.
inline std::string field_value_problem(std::string_view value) {
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7F) {
      static constexpr char hex[] = "0123456789ABCDEF";
      return std::string("contains the control character 0x") + hex[c >> 4] + hex[c & 0xF] +
             (c == '\r' || c == '\n' ? ", which would end the header field" : "");
    }
  }
  return {};
}

// Why `name` cannot be an HTTP field name (a token: letters, digits and
// !#$%&'*+-.^_`|~), or an empty string when it can.
inline std::string field_name_problem(std::string_view name) {
  if (name.empty())
    return "is empty";
  for (const char c : name) {
    const bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token)
      return "contains a character that is not allowed in a header name";
  }
  return {};
}

inline bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z')
      x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z')
      y = static_cast<char>(y - 'A' + 'a');
    if (x != y)
      return false;
  }
  return true;
}

using field_list = std::vector<std::pair<std::string, std::string>>;

// The first problem of extra header fields named `field` ("headers"), or
// nullopt-like success. Content-Length and Transfer-Encoding are knobs' to
// set: the body's framing depends on them.
inline result<void> check_fields(const field_list& fields, const std::string& field) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& [name, value] = fields[i];
    const std::string where = field + "[" + std::to_string(i) + "]";
    if (std::string problem = field_name_problem(name); !problem.empty())
      return make_error(errc::invalid_request, where + ": the name " + problem, where);
    if (iequal(name, "content-length") || iequal(name, "transfer-encoding"))
      return make_error(errc::invalid_request,
                        where + ": " + name + " is set by knobs from the body", where);
    if (std::string problem = field_value_problem(value); !problem.empty())
      return make_error(errc::invalid_request, where + ": the value of " + name + " " + problem,
                        where);
  }
  return {};
}

// Query parameters: any bytes (they are percent-encoded), but a name.
inline result<void> check_query(const field_list& query, const std::string& field) {
  for (std::size_t i = 0; i < query.size(); ++i)
    if (query[i].first.empty()) {
      const std::string where = field + "[" + std::to_string(i) + "]";
      return make_error(errc::invalid_request, where + ": the parameter's name is empty", where);
    }
  return {};
}

// Appends `text` percent-encoded: everything but RFC 3986's unreserved
// characters (letters, digits, -._~) becomes %XX.
inline void append_percent_encoded(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
}

// Appends `query` to a request target: "?a=1&b=2", or "&a=1" after a target
// that has a query already.
inline void append_query(std::string& target, const field_list& query) {
  for (const auto& [name, value] : query) {
    target += target.find('?') == std::string::npos ? '?' : '&';
    append_percent_encoded(target, name);
    target += '=';
    append_percent_encoded(target, value);
  }
}

} // namespace detail
} // namespace knobs

#endif
