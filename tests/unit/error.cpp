#include <knobs/error.hpp>

#include <doctest/doctest.h>

#include <string>

TEST_CASE("knobs error codes have their own category and readable messages") {
  boost::system::error_code ec = knobs::errc::invalid_knob;
  CHECK(ec.category() == knobs::error_category());
  CHECK(std::string(ec.category().name()) == "knobs");
  CHECK(ec.message() == "sampling knob out of range");
  CHECK(boost::system::error_code(knobs::errc::api_error).message() ==
        "error reported by the API server");
  CHECK(ec != boost::system::error_code(knobs::errc::invalid_request));
}

TEST_CASE("throw_error throws the exception class that matches the code") {
  CHECK_THROWS_AS(knobs::throw_error(knobs::make_error(knobs::errc::invalid_knob, "m")),
                  knobs::knob_error);
  CHECK_THROWS_AS(knobs::throw_error(knobs::make_error(knobs::errc::invalid_request, "m")),
                  knobs::request_error);
  CHECK_THROWS_AS(knobs::throw_error(knobs::make_error(knobs::errc::invalid_response, "m")),
                  knobs::parse_error);
  // A 407 from the proxy: its own class, caught as a connection_error too.
  CHECK_THROWS_AS(knobs::throw_error(knobs::make_error(knobs::errc::proxy_authentication, "m")),
                  knobs::proxy_authentication_error);
  CHECK_THROWS_AS(knobs::throw_error(knobs::make_error(knobs::errc::proxy_authentication, "m")),
                  knobs::connection_error);
  CHECK(boost::system::error_code(knobs::errc::proxy_authentication).message() ==
        "proxy authentication required or failed");
  // A model's refusal and a tool run that stopped have classes of their own.
  CHECK_THROWS_AS(knobs::throw_error(knobs::make_error(knobs::errc::refused,
                                                       knobs::refusal_error::prefix() + "No.")),
                  knobs::refusal_error);
  try {
    knobs::throw_error(
        knobs::make_error(knobs::errc::refused, knobs::refusal_error::prefix() + "No."));
  } catch (const knobs::refusal_error& e) {
    CHECK(e.refusal() == "No.");
  }
  CHECK_THROWS_AS(knobs::throw_error(knobs::make_error(knobs::errc::tool_failed, "m")),
                  knobs::tool_error);
  CHECK(boost::system::error_code(knobs::errc::refused).message() == "the model refused to answer");
  auto api =
      knobs::make_error(knobs::errc::api_error, "Invalid value for temperature", "temperature");
  api.api = knobs::api_error_info{400,           "Invalid value", "invalid_request_error",
                                  "temperature", "invalid_value", "req_123"};
  try {
    knobs::throw_error(api);
    FAIL("throw_error returned");
  } catch (const knobs::api_error& e) {
    CHECK(e.api().status == 400);
    CHECK(e.api().param == "temperature");
    CHECK(e.api().request_id == "req_123");
    CHECK(std::string(e.what()) == "Invalid value for temperature");
    CHECK(e.where() == "temperature");
  }
}

TEST_CASE("result<T>::value() throws the error's exception, carrying its info") {
  knobs::result<int> r =
      knobs::make_error(knobs::errc::invalid_response, "choices: expected array", "choices");
  CHECK_FALSE(r.has_value());
  try {
    (void)r.value();
    FAIL("value() returned");
  } catch (const knobs::parse_error& e) {
    CHECK(e.where() == "choices");
    CHECK(e.code() == knobs::errc::invalid_response);
    CHECK(std::string(e.what()) == "choices: expected array");
  }
  knobs::result<int> ok = 3;
  CHECK(ok.value() == 3);
}
