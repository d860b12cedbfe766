// Shared by the parser tests: the error a body gets from a non-throwing parser,
// after checking that the throwing twin throws a parse_error carrying the same.
#ifndef KNOBS_TESTS_PARSE_FAILURE_HPP
#define KNOBS_TESTS_PARSE_FAILURE_HPP

#include <knobs/error.hpp>

#include <doctest/doctest.h>

#include <initializer_list>
#include <string>

template <class TryParse, class Parse>
knobs::error_info parse_failure(TryParse try_parse, Parse parse) {
  auto r = try_parse();
  REQUIRE_FALSE(r.has_value());
  const knobs::error_info info = r.error();
  CHECK(info.code == knobs::errc::invalid_response);
  CHECK_FALSE(info.api.has_value());
  try {
    (void)parse();
    FAIL("the throwing parser did not throw");
  } catch (const knobs::parse_error& e) {
    CHECK(std::string(e.what()) == info.message);
    CHECK(e.where() == info.where);
    CHECK(e.code() == knobs::errc::invalid_response);
  }
  return info;
}

// A body a parser must reject, the JSON path it must blame and its message.
struct failure_case {
  const char* body;
  const char* where;
  const char* message;
};

// Checks every case with `failure(body)`, one of the wrappers above.
template <class Failure>
void check_failures(std::initializer_list<failure_case> cases, Failure failure) {
  for (const failure_case& c : cases) {
    const std::string body = c.body;
    CAPTURE(body);
    const knobs::error_info info = failure(c.body);
    CHECK(info.where == c.where);
    CHECK(info.message == c.message);
  }
}

#endif
