#include <knobs/schema.hpp>

#include <knobs/chat_completion.hpp>
#include <knobs/chat_request.hpp>
#include <knobs/server_profile.hpp>

#include <doctest/doctest.h>

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace json = boost::json;

// The types of the golden schemas, in a namespace of their own as a user's
// would be (describe_schema is found there by argument-dependent lookup).
namespace app {

enum class sky { clear, cloudy, rain };
BOOST_DESCRIBE_ENUM(sky, clear, cloudy, rain)

struct point {
  double lat = 0;
  double lon = 0;
};
BOOST_DESCRIBE_STRUCT(point, (), (lat, lon))

struct city_facts {
  std::string name;
  std::int64_t population = 0;
  std::optional<std::string> nickname;
  bool capital = false;
  point location;
  std::optional<point> twin;
  sky usual_sky = sky::clear;
  std::optional<sky> tonight;
  std::vector<std::string> districts;
  std::array<double, 2> temperature_range{};
};
BOOST_DESCRIBE_STRUCT(city_facts, (),
                      (name, population, nickname, capital, location, twin, usual_sky, tonight,
                       districts, temperature_range))

knobs::schema_doc describe_schema(knobs::schema_tag<city_facts>) {
  return {"city_facts",
          "Facts about one city",
          {{"population", "Inhabitants of the city proper"}, {"twin", "A twin city, if any"}}};
}

struct word_counts {
  std::map<std::string, int> counts;
};
BOOST_DESCRIBE_STRUCT(word_counts, (), (counts))

struct topic {
  std::string title;
  std::vector<topic> subtopics;
};
BOOST_DESCRIBE_STRUCT(topic, (), (title, subtopics))

struct outline {
  std::string subject;
  std::vector<topic> topics;
};
BOOST_DESCRIBE_STRUCT(outline, (), (subject, topics))

struct named {
  std::string name;
};
BOOST_DESCRIBE_STRUCT(named, (), (name))

struct weather_args : named {
  std::optional<std::string> unit;
  std::uint8_t days = 1;
};
BOOST_DESCRIBE_STRUCT(weather_args, (named), (unit, days))

struct nothing {};
BOOST_DESCRIBE_STRUCT(nothing, (), ())

struct misdescribed {
  int a = 0;
};
BOOST_DESCRIBE_STRUCT(misdescribed, (), (a))

knobs::schema_doc describe_schema(knobs::schema_tag<misdescribed>) {
  return {"", "", {{"b", "a typo"}}};
}

struct badly_named {
  int a = 0;
};
BOOST_DESCRIBE_STRUCT(badly_named, (), (a))

knobs::schema_doc describe_schema(knobs::schema_tag<badly_named>) { return {"bad name", "", {}}; }

} // namespace app

namespace {

std::filesystem::path schema_dir() {
  return std::filesystem::path(KNOBS_TEST_DATA_DIR) / "golden" / "schema";
}

struct golden_schema {
  const char* file;
  json::object (*make)();
};

const golden_schema golden_schemas[] = {
    {"city_facts.json", [] { return knobs::json_schema_of<app::city_facts>(); }},
    {"word_counts.json", [] { return knobs::json_schema_of<app::word_counts>(); }},
    {"outline.json", [] { return knobs::json_schema_of<app::outline>(); }},
    {"weather_args.json", [] { return knobs::json_schema_of<app::weather_args>(); }},
    {"nothing.json", [] { return knobs::json_schema_of<app::nothing>(); }},
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << p.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string text = bytes.str();
  REQUIRE_MESSAGE((!text.empty() && text.back() == '\n'), p.string() << " must end with a newline");
  text.pop_back();
  return text;
}

// What OpenAI's strict mode requires of every object of a schema (Structured
// Outputs guide, "Supported schemas"): all properties required, and
// additionalProperties false. Returns the path of the first object that breaks it.
std::string strict_violation(const json::value& v, const std::string& path) {
  if (v.is_array()) {
    for (std::size_t i = 0; i < v.get_array().size(); ++i)
      if (auto bad = strict_violation(v.get_array()[i], path + "[" + std::to_string(i) + "]");
          !bad.empty())
        return bad;
    return {};
  }
  if (!v.is_object())
    return {};
  const json::object& o = v.get_object();
  if (const auto* type = o.if_contains("type"); type && *type == "object") {
    const auto* props = o.if_contains("properties");
    const auto* extra = o.if_contains("additionalProperties");
    if (!props || !extra || *extra != false)
      return path;
    std::set<std::string> keys, required;
    for (const auto& kv : props->as_object())
      keys.insert(std::string(kv.key()));
    if (const auto* r = o.if_contains("required"))
      for (const auto& name : r->as_array())
        required.insert(std::string(name.as_string()));
    if (keys != required)
      return path;
  }
  for (const auto& kv : o)
    if (auto bad = strict_violation(kv.value(), path + "/" + std::string(kv.key())); !bad.empty())
      return bad;
  return {};
}

knobs::chat_completion answer(const std::string& content, const char* finish = "stop") {
  json::object body{{"object", "chat.completion"},
                    {"choices", json::array{json::object{
                                    {"index", 0},
                                    {"message", {{"role", "assistant"}, {"content", content}}},
                                    {"finish_reason", finish}}}}};
  return knobs::parse_chat_completion(json::serialize(body));
}

const char* oslo = R"({"name":"Oslo","population":709037,"nickname":null,"capital":true,)"
                   R"("location":{"lat":59.91,"lon":10.75},"twin":null,"usual_sky":"cloudy",)"
                   R"("tonight":"rain","districts":["Frogner","Grunerlokka"],)"
                   R"("temperature_range":[-4.5,22]})";

} // namespace

// -- schemas -----------------------------------------------------------------------

TEST_CASE("each golden schema is what json_schema_of writes, byte for byte") {
  for (const auto& g : golden_schemas) {
    CAPTURE(g.file);
    CHECK(knobs::detail::json_text(g.make()) == read_file(schema_dir() / g.file));
  }
}

TEST_CASE("every file in tests/golden/schema is a golden schema a test names") {
  std::set<std::string> named, on_disk;
  for (const auto& g : golden_schemas)
    named.insert(g.file);
  for (const auto& entry : std::filesystem::directory_iterator(schema_dir()))
    on_disk.insert(entry.path().filename().string());
  CHECK(on_disk == named);
}

TEST_CASE("every schema without a map meets strict mode: all members required, no others") {
  for (const auto& g : golden_schemas) {
    CAPTURE(g.file);
    const std::string bad = strict_violation(g.make(), "#");
    if (std::string(g.file) == "word_counts.json")
      CHECK(bad == "#/properties/counts"); // the control: a map's object cannot be strict
    else
      CHECK(bad.empty());
  }
}

TEST_CASE("an optional member is a union with null, still required") {
  const json::object s = knobs::json_schema_of<app::city_facts>();
  const json::object& p = s.at("properties").as_object();
  CHECK(p.at("nickname") == json::parse(R"({"type":["string","null"]})"));
  CHECK(p.at("tonight") ==
        json::parse(R"({"type":["string","null"],"enum":["clear","cloudy","rain",null]})"));
  CHECK(p.at("twin").at("anyOf").as_array().at(1) == json::parse(R"({"type":"null"})"));
  CHECK(p.at("twin").at("description") == "A twin city, if any");
  const json::array& required = s.at("required").as_array();
  CHECK(std::find(required.begin(), required.end(), json::value("nickname")) != required.end());
}

TEST_CASE("a struct that holds itself is written once under $defs and referred to") {
  const json::object s = knobs::json_schema_of<app::outline>();
  CHECK(s.at("properties").at("topics").at("items").at("properties").at("subtopics").at("items") ==
        json::parse(R"({"$ref":"#/$defs/topic"})"));
  CHECK(s.at("$defs").as_object().size() == 1);
}

TEST_CASE("a base's described members come first, then the struct's own") {
  const json::object s = knobs::json_schema_of<app::weather_args>();
  CHECK(s.at("required") == json::parse(R"(["name","unit","days"])"));
}

TEST_CASE("describe_schema naming a member the type lacks is an error naming it") {
  try {
    (void)knobs::json_schema_of<app::misdescribed>();
    FAIL("a description of a member that does not exist must be refused");
  } catch (const knobs::request_error& e) {
    CHECK(e.where() == "b");
    CHECK(std::string(e.what()) ==
          "describe_schema for app::misdescribed describes a member \"b\", which it does not "
          "have (its members: a)");
  }
}

TEST_CASE("a format's name comes from describe_schema, else from the type, else as given") {
  CHECK(knobs::schema_name_of<app::city_facts>() == "city_facts");
  CHECK(knobs::schema_name_of<app::point>() == "point");
  CHECK(knobs::response_format_for<app::point>("where_is_it").schema()->name == "where_is_it");
  CHECK_THROWS_WITH_AS(knobs::response_format_for<app::badly_named>(),
                       "the name describe_schema gives app::badly_named must be 1 to 64 of a-z, "
                       "A-Z, 0-9, '_' and '-', got \"bad name\"",
                       knobs::request_error);
  CHECK_THROWS_AS(knobs::response_format_for<app::point>("has space"), knobs::request_error);
}

TEST_CASE("response_format_for is a strict json_schema format, unless the type holds a map") {
  const knobs::response_format f = knobs::response_format_for<app::city_facts>();
  CHECK(f.type() == "json_schema");
  REQUIRE(f.schema());
  CHECK(f.schema()->strict == true);
  CHECK(f.schema()->schema == knobs::json_schema_of<app::city_facts>());
  CHECK(knobs::response_format_for<app::word_counts>().schema()->strict == false);
}

TEST_CASE("a request with response_format_for is written with the schema inside") {
  const auto request = knobs::chat_request{"gpt-4o-mini"}
                           .user("Facts about Oslo, as JSON.")
                           .response_format(knobs::response_format_for<app::point>());
  CHECK(
      knobs::to_json(request) ==
      R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"Facts about Oslo, as JSON."}],)"
      R"("response_format":{"type":"json_schema","json_schema":{"name":"point","schema":)"
      R"({"type":"object","properties":{"lat":{"type":"number"},"lon":{"type":"number"}},)"
      R"("required":["lat","lon"],"additionalProperties":false},"strict":true}}})");
}

TEST_CASE("llama.cpp's server is sent the schema as a json_object format's schema") {
  const auto request =
      knobs::chat_request{"m"}.user("hi").response_format(knobs::response_format_for<app::point>());
  CHECK(knobs::to_json(request, knobs::server_profile::of(knobs::server_kind::llamacpp)) ==
        R"({"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":)"
        R"({"type":"json_object","schema":{"type":"object","properties":{"lat":{"type":"number"},)"
        R"("lon":{"type":"number"}},"required":["lat","lon"],"additionalProperties":false}}})");
  // The other servers read OpenAI's spelling (see impl/server_profile.ipp).
  for (auto kind : {knobs::server_kind::openai, knobs::server_kind::vllm,
                    knobs::server_kind::ollama, knobs::server_kind::lmstudio}) {
    CAPTURE(knobs::to_string(kind));
    CHECK(knobs::to_json(request, knobs::server_profile::of(kind)) == knobs::to_json(request));
  }
}

TEST_CASE("function_tool_for makes the tool's parameters from the argument struct") {
  const knobs::function_tool t =
      knobs::function_tool_for<app::weather_args>("get_weather", "The weather in a city");
  CHECK(t.name == "get_weather");
  CHECK(t.description == "The weather in a city");
  REQUIRE(t.parameters);
  CHECK(*t.parameters == knobs::json_schema_of<app::weather_args>());
  CHECK(t.strict == true);
  CHECK_THROWS_AS(knobs::function_tool_for<app::weather_args>("get weather"), knobs::request_error);
}

// -- values as JSON ----------------------------------------------------------------

TEST_CASE("to_json_text writes a value in its schema's shape, nullopt as null") {
  app::weather_args a;
  a.name = "Oslo";
  a.days = 3;
  CHECK(knobs::to_json_text(a) == R"({"name":"Oslo","unit":null,"days":3})");
  CHECK(knobs::to_json_text(app::point{59.91, 10.75}) == R"({"lat":59.91,"lon":10.75})");
  CHECK(knobs::to_json_text(std::map<std::string, int>{{"a\"b", 1}}) == R"({"a\"b":1})");
  CHECK(knobs::to_json_text(std::string("x")) == R"("x")");
}

TEST_CASE("a NaN has no JSON form: to_json_text refuses it and names where it is") {
  CHECK_THROWS_WITH_AS(knobs::to_json_text(app::point{std::numeric_limits<double>::quiet_NaN(), 0}),
                       "lat: nan has no JSON form (JSON has no NaN or infinity)",
                       knobs::request_error);
}

TEST_CASE("a value written and read back is the same value") {
  const app::city_facts oslo_facts = answer(oslo).parse<app::city_facts>();
  const app::city_facts again = answer(knobs::to_json_text(oslo_facts)).parse<app::city_facts>();
  CHECK(knobs::to_json_text(again) == knobs::to_json_text(oslo_facts));
}

TEST_CASE("tool_result answers a call with a value's JSON, or with a string as it is") {
  knobs::tool_call call;
  call.id = "call_1";
  call.name = "where";
  const knobs::message m = knobs::tool_result(call, app::point{1, 2});
  CHECK(m.role == knobs::role::tool);
  CHECK(m.tool_call_id == "call_1");
  CHECK(std::get<std::string>(m.content) == R"({"lat":1.0,"lon":2.0})");
  CHECK(std::get<std::string>(knobs::tool_result(call, "sunny").content) == "sunny");
}

// -- answers read as values --------------------------------------------------------

TEST_CASE("parse reads an answer into the struct, every member") {
  const app::city_facts c = answer(oslo).parse<app::city_facts>();
  CHECK(c.name == "Oslo");
  CHECK(c.population == 709037);
  CHECK_FALSE(c.nickname);
  CHECK(c.capital);
  CHECK(c.location.lat == doctest::Approx(59.91));
  CHECK_FALSE(c.twin);
  CHECK(c.usual_sky == app::sky::cloudy);
  CHECK(c.tonight == app::sky::rain);
  CHECK(c.districts == std::vector<std::string>{"Frogner", "Grunerlokka"});
  CHECK(c.temperature_range[1] == 22);
}

TEST_CASE("an answer that does not fit names the JSON path and what was wrong there") {
  struct row {
    const char* content;
    const char* where;
    const char* message;
  };
  const row rows[] = {
      {R"({"name":"Oslo","population":"many"})", "population",
       "the answer as app::city_facts: population: expected an integer, got string \"many\""},
      {R"({"name":"Oslo","population":1,"nickname":null,"capital":true,"location":{"lat":1,"lon":"x"}})",
       "location.lon",
       "the answer as app::city_facts: location.lon: expected a number, got string \"x\""},
      {R"({"name":"Oslo","population":1.5})", "population",
       "the answer as app::city_facts: population: expected an integer, got number 1.5"},
      {R"({"name":"Oslo"})", "population",
       "the answer as app::city_facts: population: required member is missing"},
      {R"({"name":"Oslo","population":1,"nickname":null,"capital":true,"location":{"lat":1,"lon":2},"twin":null,"usual_sky":"sunny"})",
       "usual_sky",
       "the answer as app::city_facts: usual_sky: expected one of \"clear\", \"cloudy\", \"rain\", "
       "got string \"sunny\""},
      {R"({"name":"Oslo","population":1,"nickname":null,"capital":true,"location":{"lat":1,"lon":2},"twin":null,"usual_sky":"rain","tonight":null,"districts":["a",7]})",
       "districts[1]",
       "the answer as app::city_facts: districts[1]: expected a string, got number 7"},
      {R"({"name":"Oslo","population":1,"nickname":null,"capital":true,"location":{"lat":1,"lon":2},"twin":null,"usual_sky":"rain","tonight":null,"districts":[],"temperature_range":[1]})",
       "temperature_range",
       "the answer as app::city_facts: temperature_range: expected an array of 2 elements, got 1"},
      {R"({"name":"Oslo","population":1,"nickname":null,"capital":true,"location":{"lat":1,"lon":2},"twin":null,"usual_sky":"rain","tonight":null,"districts":[],"temperature_range":[1,2],"mayor":"x"})",
       "mayor",
       "the answer as app::city_facts: mayor: a member the type does not have (the schema forbids "
       "it)"},
      {R"([1,2])", "", "the answer as app::city_facts: expected object, got array"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.content);
    auto parsed = answer(r.content).try_parse<app::city_facts>();
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == knobs::errc::invalid_response);
    CHECK(parsed.error().where == r.where);
    CHECK(parsed.error().message == r.message);
  }
}

TEST_CASE("a map's key is written into the path in brackets") {
  auto parsed = answer(R"({"counts":{"the cat":1,"a \"b\"":"x"}})").try_parse<app::word_counts>();
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().where == R"(counts["a \"b\""])");
}

TEST_CASE("integers keep to their type's range; 3.0 is the integer 3") {
  auto too_many =
      answer(R"({"name":"Oslo","unit":null,"days":300})").try_parse<app::weather_args>();
  REQUIRE_FALSE(too_many.has_value());
  CHECK(too_many.error().message ==
        "the answer as app::weather_args: days: expected an integer in [0, 255], got number 300");
  CHECK(answer(R"({"name":"Oslo","unit":null,"days":3.0})").parse<app::weather_args>().days == 3);
  // A missing optional member reads as nullopt: a server without strict mode may leave it out.
  CHECK_FALSE(answer(R"({"name":"Oslo","days":1})").parse<app::weather_args>().unit);
}

TEST_CASE("parse throws parse_error with the same message and path") {
  try {
    (void)answer(R"({"name":1})").parse<app::named>();
    FAIL("must throw");
  } catch (const knobs::parse_error& e) {
    CHECK(e.where() == "name");
    CHECK(std::string(e.what()) ==
          "the answer as app::named: name: expected a string, got number 1");
  }
}

TEST_CASE("a refusal is a refusal_error carrying the model's words") {
  const auto refused = knobs::parse_chat_completion(
      R"({"choices":[{"index":0,"message":{"role":"assistant","content":null,)"
      R"("refusal":"I can't help with that."},"finish_reason":"stop"}]})");
  auto r = refused.try_parse<app::point>();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == knobs::errc::refused);
  CHECK(r.error().where == "choices[0].message.refusal");
  try {
    (void)refused.parse<app::point>();
    FAIL("must throw");
  } catch (const knobs::refusal_error& e) {
    CHECK(e.refusal() == "I can't help with that.");
    CHECK(std::string(e.what()) == "the model refused to answer: I can't help with that.");
  }
}

TEST_CASE("an answer cut off by max_tokens says so, not only that the JSON is bad") {
  auto r = answer(R"({"lat":59.9,"lo)", "length").try_parse<app::point>();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == knobs::errc::invalid_response);
  CHECK(r.error().where == "choices[0].message.content");
  CHECK(r.error().message.rfind("the answer was cut off by max_tokens (finish_reason \"length\") "
                                "before its JSON ended: the answer: not JSON (",
                                0) == 0);
  auto prose = answer("Oslo is at 59.9 N.").try_parse<app::point>();
  REQUIRE_FALSE(prose.has_value());
  CHECK(prose.error().message.rfind("the answer: not JSON (", 0) == 0);
  CHECK(prose.error().message.find("): Oslo is at 59.9 N.") != std::string::npos);
}

TEST_CASE("no choice, or no content, is an error that says which") {
  auto none = knobs::parse_chat_completion(R"({"choices":[]})").try_parse<app::point>();
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().where == "choices");
  auto calls = knobs::parse_chat_completion(
                   R"({"choices":[{"index":0,"message":{"role":"assistant","content":null,)"
                   R"("tool_calls":[{"id":"c","type":"function","function":{"name":"f",)"
                   R"("arguments":"{}"}}]},"finish_reason":"tool_calls"}]})")
                   .try_parse<app::point>();
  REQUIRE_FALSE(calls.has_value());
  CHECK(calls.error().message == "the answer has no content (the model called 1 tool instead)");
}

TEST_CASE("tool call arguments read into the argument struct, with the call in the message") {
  knobs::tool_call call;
  call.id = "call_7";
  call.name = "get_weather";
  call.arguments = R"({"name":"Oslo","unit":"celsius","days":2})";
  const app::weather_args a = call.parse_arguments<app::weather_args>();
  CHECK(a.name == "Oslo");
  CHECK(a.unit == "celsius");
  CHECK(a.days == 2);

  call.arguments = R"({"name":3})";
  auto bad = call.try_parse_arguments<app::weather_args>();
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().where == "name");
  CHECK(bad.error().message ==
        "the arguments of get_weather (call_7) as app::weather_args: name: expected a string, got "
        "number 3");

  call.arguments = "{\"name\":";
  auto cut = call.try_parse_arguments<app::weather_args>();
  REQUIRE_FALSE(cut.has_value());
  CHECK(cut.error().message.rfind("the arguments of get_weather (call_7): not JSON (", 0) == 0);
}

TEST_CASE("a call without arguments reads as an empty struct") {
  knobs::tool_call call;
  call.name = "now";
  for (const char* args : {"", " ", "{}"}) {
    call.arguments = args;
    CHECK(call.try_parse_arguments<app::nothing>().has_value());
  }
}
