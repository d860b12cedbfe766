// Two translation units including every header, linked into one program: a
// non-inline function defined in a header is defined twice and fails to link.
#include <knobs/knobs.hpp>

#include <doctest/doctest.h>

double first_tu_temperature() { return knobs::temperature::make(0.7).value().value(); }

TEST_CASE("two translation units including knobs.hpp link into one program") {
  double second_tu_temperature();
  CHECK(first_tu_temperature() == second_tu_temperature());
}
