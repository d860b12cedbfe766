#include <knobs/response_format.hpp>

#include <doctest/doctest.h>

#include <boost/json/object.hpp>

TEST_CASE("text and json_object formats name their type and carry no schema") {
  CHECK(knobs::response_format::text().type() == "text");
  CHECK_FALSE(knobs::response_format::text().schema());
  CHECK(knobs::response_format::json_object().type() == "json_object");
  CHECK_FALSE(knobs::response_format::json_object().schema());
}

TEST_CASE("a json_schema format keeps its name, schema, description and strict flag") {
  knobs::json_schema_format format;
  format.name = "city_facts";
  format.schema = boost::json::object{{"type", "object"}};
  format.description = "Facts about a city";
  format.strict = true;

  const auto f = knobs::response_format::json_schema(format);
  CHECK(f.type() == "json_schema");
  REQUIRE(f.schema());
  CHECK(f.schema()->name == "city_facts");
  CHECK(f.schema()->schema == boost::json::object{{"type", "object"}});
  CHECK(f.schema()->description == "Facts about a city");
  CHECK(f.schema()->strict == true);
}

TEST_CASE("a json_schema format leaves description and strict unset unless given") {
  const auto f = knobs::response_format::json_schema({"answer", {}, {}, {}});
  REQUIRE(f.schema());
  CHECK_FALSE(f.schema()->description);
  CHECK_FALSE(f.schema()->strict);
}
