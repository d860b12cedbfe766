#include <knobs/tool.hpp>

#include <doctest/doctest.h>

#include <boost/json/object.hpp>

TEST_CASE("tool_choice modes are the JSON strings none, auto and required") {
  CHECK(knobs::tool_choice::none().mode() == "none");
  CHECK(knobs::tool_choice::auto_().mode() == "auto");
  CHECK(knobs::tool_choice::required().mode() == "required");
  CHECK(knobs::tool_choice::none().function_name().empty());
  CHECK(knobs::tool_choice::auto_().function_name().empty());
  CHECK(knobs::tool_choice::required().function_name().empty());
}

TEST_CASE("tool_choice::function names the function the model must call") {
  const auto choice = knobs::tool_choice::function("get_weather");
  CHECK(choice.mode() == "function");
  CHECK(choice.function_name() == "get_weather");
}

TEST_CASE("a function tool leaves description, parameters and strict unset unless given") {
  const knobs::function_tool bare{"get_time", {}, {}, {}};
  CHECK(bare.name == "get_time");
  CHECK_FALSE(bare.description);
  CHECK_FALSE(bare.parameters);
  CHECK_FALSE(bare.strict);

  const knobs::function_tool full{"get_weather", "The weather in a city",
                                  boost::json::object{{"type", "object"}}, true};
  CHECK(full.description == "The weather in a city");
  REQUIRE(full.parameters);
  CHECK(*full.parameters == boost::json::object{{"type", "object"}});
  CHECK(full.strict == true);
}
