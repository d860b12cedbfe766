#include <knobs/version.hpp>

#include <doctest/doctest.h>

#include <string>

TEST_CASE("the version macros, string and user agent agree") {
  const std::string expected = std::to_string(KNOBS_VERSION_MAJOR) + "." +
                               std::to_string(KNOBS_VERSION_MINOR) + "." +
                               std::to_string(KNOBS_VERSION_PATCH);
  CHECK(std::string(knobs::version_string) == expected);
  CHECK(std::string(KNOBS_VERSION_STRING) == expected);
  CHECK(std::string(knobs::default_user_agent) == "knobs-cpp/" + expected);
#ifdef KNOBS_CMAKE_PROJECT_VERSION
  CHECK(std::string(KNOBS_CMAKE_PROJECT_VERSION) == expected);
#endif
  CHECK(KNOBS_VERSION ==
        KNOBS_VERSION_MAJOR * 10000 + KNOBS_VERSION_MINOR * 100 + KNOBS_VERSION_PATCH);
}
