// libFuzzer target: knobs::try_parse_api_error on arbitrary bytes (the body of
// an HTTP error response, or the data of an error event).
//
// Invariants: it never throws and never crashes; a failure is an
// invalid_response error with a message, and parse_api_error throws
// parse_error with the same message; a success records the status it was
// given, leaves request_id to the client, and agrees with the body's shape
// (`{"error": "text"}` keeps the text as the message; an integer `code` is
// kept in decimal).
#include <knobs/api_error.hpp>
#include <knobs/detail/json_read.hpp>

#include "fuzz.hpp"

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace json = boost::json;

void check_shape(std::string_view body, const knobs::api_error_info& e) {
  boost::system::error_code ec;
  const json::value v = json::parse(json::string_view(body.data(), body.size()), ec);
  KNOBS_FUZZ_CHECK(!ec && v.is_object());
  const json::object& o = v.get_object();
  const json::value* error = o.if_contains("error");
  const json::object* fields = &o;
  if (error && error->is_string()) {
    KNOBS_FUZZ_CHECK(e.message == std::string_view(error->get_string()));
    KNOBS_FUZZ_CHECK(!e.type && !e.param && !e.code);
    return;
  }
  if (error && error->is_object())
    fields = &error->get_object();
  else
    KNOBS_FUZZ_CHECK(o.contains("object") && o.at("object").is_string() &&
                     o.at("object").get_string() == "error");
  const json::value* code = fields->if_contains("code");
  KNOBS_FUZZ_CHECK(e.code.has_value() == (code && !code->is_null()));
  if (code && code->is_string())
    KNOBS_FUZZ_CHECK(*e.code == std::string_view(code->get_string()));
  else if (code && !code->is_null())
    KNOBS_FUZZ_CHECK(*e.code == std::to_string(knobs::detail::json_to_int64(*code).value()));
  const json::value* message = fields->if_contains("message");
  KNOBS_FUZZ_CHECK(message ? message->is_string() &&
                                 e.message == std::string_view(message->get_string())
                           : e.message.empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  // Any HTTP status, and 0 as an error event in a stream has.
  const int status = size % 7 == 0 ? 0 : static_cast<int>(400 + size % 200);
  knobs::result<knobs::api_error_info> r = knobs::try_parse_api_error(body, status);
  if (!r) {
    knobs_fuzz::check_response_error(r.error());
    knobs_fuzz::check_throws_parse_error([&] { (void)knobs::parse_api_error(body, status); },
                                         r.error());
    return 0;
  }
  KNOBS_FUZZ_CHECK(r->status == status);
  KNOBS_FUZZ_CHECK(r->request_id.empty());
  check_shape(body, *r);
  return 0;
}
