// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_IMPL_RESPONSE_PLAN_IPP
#define KNOBS_LOCAL_IMPL_RESPONSE_PLAN_IPP

#include <knobs/local/response_plan.hpp>

#include <boost/beast/core/string.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace knobs {
namespace local {

std::optional<std::string> received_request::header(std::string_view name) const {
  for (const header_field& field : headers)
    if (boost::beast::iequals(field.first, name))
      return field.second;
  return std::nullopt;
}

std::string api_error_body(std::string_view message, std::string_view type,
                           std::optional<std::string_view> param,
                           std::optional<std::string_view> code) {
  auto optional_string = [](std::optional<std::string_view> s) -> boost::json::value {
    if (!s)
      return nullptr;
    return boost::json::string(*s);
  };
  boost::json::object error;
  error["message"] = boost::json::string(message);
  error["type"] = boost::json::string(type);
  error["param"] = optional_string(param);
  error["code"] = optional_string(code);
  boost::json::object body;
  body["error"] = std::move(error);
  return boost::json::serialize(body);
}

std::string sse_event(std::string_view data, std::string_view event) {
  std::string out;
  if (!event.empty()) {
    out += "event: ";
    out += event;
    out += '\n';
  }
  for (;;) {
    const std::size_t end = data.find('\n');
    out += "data: ";
    out += data.substr(0, end);
    out += '\n';
    if (end == std::string_view::npos)
      break;
    data.remove_prefix(end + 1);
  }
  out += '\n';
  return out;
}

} // namespace local
} // namespace knobs

#endif
