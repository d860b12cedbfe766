#include <knobs/warning.hpp>

#include <doctest/doctest.h>

TEST_CASE("warning codes have stable snake_case ids") {
  CHECK(knobs::to_string(knobs::warning_code::temperature_and_top_p) == "temperature_and_top_p");
  CHECK(knobs::to_string(knobs::warning_code::several_truncation_knobs) ==
        "several_truncation_knobs");
  CHECK(knobs::to_string(knobs::warning_code::n_at_temperature_zero) == "n_at_temperature_zero");
  static_assert(knobs::to_string(knobs::warning_code::temperature_and_top_p) ==
                "temperature_and_top_p");
}

TEST_CASE("a warning carries its code and its message") {
  const knobs::warning w{knobs::warning_code::n_at_temperature_zero, "n is 3 at temperature 0"};
  CHECK(w.code == knobs::warning_code::n_at_temperature_zero);
  CHECK(w.message == "n is 3 at temperature 0");
}
