// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.

// Every request the builder can make matches the official schema: each is sent
// with knobs::client to Prism, which validates the body against the spec and
// answers 200 with an example completion that knobs must parse.
#include "contract.hpp"

#include <doctest/doctest.h>

#include <knobs/schema.hpp>

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <boost/json/parse.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace json = boost::json;

namespace contract_types {
enum class mood { calm, busy };
BOOST_DESCRIBE_ENUM(mood, calm, busy)
struct point {
  double lat = 0;
  double lon = 0;
};
BOOST_DESCRIBE_STRUCT(point, (), (lat, lon))
struct city {
  std::string name;
  std::optional<std::string> nickname;
  mood at_night = mood::calm;
  point location;
  std::vector<std::string> districts;
};
BOOST_DESCRIBE_STRUCT(city, (), (name, nickname, at_night, location, districts))
} // namespace contract_types

namespace {

knobs::client& client() {
  static knobs::client c{contract::prism_options()};
  return c;
}

knobs::chat_request base() {
  return knobs::chat_request{"gpt-5.4"}.user("In one sentence, describe a city at night.");
}

// Sends `r` and checks that Prism took it (200) and that knobs parsed its
// example completion; `field`, when given, must be in the body sent, so that a
// 200 cannot come from a field silently left out.
void expect_accepted(const knobs::chat_request& r, std::string_view field = {}) {
  const std::string body = knobs::to_json(r);
  INFO("sent: ", body.size() > 600 ? body.substr(0, 600) + "..." : body);
  if (!field.empty())
    CHECK(json::parse(body).as_object().contains(field));
  auto result = client().try_create(r);
  if (!result) {
    // knobs reports Prism's problem+json as an api_error; the raw answer says
    // which fields Prism found invalid.
    const contract::answer a = contract::post(body);
    FAIL_CHECK("knobs: ", result.error().message, "; Prism answers ", a.status, ": ", a.body);
    return;
  }
  CHECK_FALSE(result->choices.empty());
  CHECK(result->id == "string"); // Prism's example completion
  CHECK(result->text() == "string");
}

// A knob at its minimum, its maximum and a typical value, each sent alone.
template <class Knob, class Value>
void at_min_max_typical(std::string_view field, Value min, Value max, Value typical,
                        knobs::chat_request& (knobs::chat_request::*set)(Knob)) {
  for (Value v : {min, max, typical}) {
    INFO(field, " = ", v);
    auto r = base();
    (r.*set)(Knob{knobs::runtime(v)});
    expect_accepted(r, field);
  }
}

template <class Knob> double lowest() {
  return Knob::range.lo_open ? std::nextafter(Knob::range.lo, 1.0) : Knob::range.lo;
}
template <class Knob> double highest() {
  return std::isinf(Knob::range.hi) ? std::numeric_limits<double>::max() : Knob::range.hi;
}

using request = knobs::chat_request;

} // namespace

TEST_CASE("every real-valued knob is accepted at its minimum, its maximum and a typical value") {
  at_min_max_typical<knobs::temperature>("temperature", lowest<knobs::temperature>(),
                                         highest<knobs::temperature>(), 0.7, &request::temperature);
  at_min_max_typical<knobs::top_p>("top_p", lowest<knobs::top_p>(), highest<knobs::top_p>(), 0.9,
                                   &request::top_p);
  at_min_max_typical<knobs::frequency_penalty>(
      "frequency_penalty", lowest<knobs::frequency_penalty>(), highest<knobs::frequency_penalty>(),
      0.5, &request::frequency_penalty);
  at_min_max_typical<knobs::presence_penalty>("presence_penalty", lowest<knobs::presence_penalty>(),
                                              highest<knobs::presence_penalty>(), 0.6,
                                              &request::presence_penalty);
  // The extensions: the spec does not define them and lets them through.
  at_min_max_typical<knobs::min_p>("min_p", lowest<knobs::min_p>(), highest<knobs::min_p>(), 0.05,
                                   &request::min_p);
  at_min_max_typical<knobs::repetition_penalty>(
      "repetition_penalty", lowest<knobs::repetition_penalty>(),
      highest<knobs::repetition_penalty>(), 1.1, &request::repetition_penalty);
}

TEST_CASE("every integer knob is accepted at its minimum, its maximum and a typical value") {
  using limits = std::numeric_limits<std::int64_t>;
  at_min_max_typical<knobs::n>("n", knobs::n::range.lo, knobs::n::range.hi, std::int64_t{2},
                               &request::n);
  at_min_max_typical<knobs::max_tokens>("max_tokens", knobs::max_tokens::range.lo,
                                        knobs::max_tokens::range.hi, std::int64_t{60},
                                        &request::max_tokens);
  at_min_max_typical<knobs::max_completion_tokens>(
      "max_completion_tokens", knobs::max_completion_tokens::range.lo,
      knobs::max_completion_tokens::range.hi, std::int64_t{600}, &request::max_completion_tokens);
  at_min_max_typical<knobs::seed>("seed", limits::min(), limits::max(), std::int64_t{42},
                                  &request::seed);
  at_min_max_typical<knobs::top_k>("top_k", knobs::top_k::range.lo, knobs::top_k::range.hi,
                                   std::int64_t{40}, &request::top_k);
  // top_logprobs needs logprobs(true).
  for (std::int64_t k :
       {knobs::top_logprobs::range.lo, knobs::top_logprobs::range.hi, std::int64_t{5}}) {
    INFO("top_logprobs = ", k);
    expect_accepted(base().logprobs(true).top_logprobs(knobs::runtime(k)), "top_logprobs");
  }
}

TEST_CASE("logit_bias is accepted at -100, at 100 and with a typical bias") {
  expect_accepted(base().logit_bias({{0, -100.0}}), "logit_bias");
  expect_accepted(base().logit_bias({{200000, 100.0}}), "logit_bias");
  expect_accepted(base().logit_bias({{50256, -100.0}, {1234, 5.0}}), "logit_bias");
}

TEST_CASE("stop is accepted as one sequence and as four") {
  expect_accepted(base().stop("\n"), "stop");
  expect_accepted(base().stop({"END", "\n\n", "。", "</answer>"}), "stop");
}

TEST_CASE("logprobs and store are accepted true and false") {
  for (bool v : {true, false}) {
    INFO("value: ", v);
    expect_accepted(base().logprobs(v), "logprobs");
    expect_accepted(base().store(v), "store");
  }
}

TEST_CASE("every reasoning_effort and every service_tier is accepted") {
  for (auto e : {knobs::reasoning_effort::none, knobs::reasoning_effort::minimal,
                 knobs::reasoning_effort::low, knobs::reasoning_effort::medium,
                 knobs::reasoning_effort::high, knobs::reasoning_effort::xhigh,
                 knobs::reasoning_effort::max}) {
    INFO("reasoning_effort: ", to_string(e));
    expect_accepted(base().reasoning_effort(e), "reasoning_effort");
  }
  for (auto t :
       {knobs::service_tier::auto_, knobs::service_tier::default_, knobs::service_tier::flex,
        knobs::service_tier::scale, knobs::service_tier::priority, knobs::service_tier::fast}) {
    INFO("service_tier: ", to_string(t));
    expect_accepted(base().service_tier(t), "service_tier");
  }
}

TEST_CASE("every message role is accepted, with and without a name") {
  expect_accepted(request{"gpt-5.4"}.system("Be brief.").user("Hi"));
  expect_accepted(request{"gpt-5.4"}.system("Be brief.", "rules").user("Hi"));
  expect_accepted(request{"gpt-5.4"}.developer("Be brief.").user("Hi"));
  expect_accepted(request{"gpt-5.4"}.developer("Be brief.", "rules").user("Hi", "ada"));
  expect_accepted(request{"gpt-5.4"}.user("Hi").assistant("Hello.").user("Again"));
  expect_accepted(request{"gpt-5.4"}.user("Hi").assistant("Hello.", "bot").user("Again"));
}

TEST_CASE("a tool-call round trip is accepted: assistant calls, with and without text, and tool "
          "answers") {
  const knobs::tool_call call{"call_1", "function", "get_weather", R"({"city":"Oslo"})"};
  const std::vector<knobs::function_tool> tools = {{"get_weather", {}, {}, {}}};
  expect_accepted(request{"gpt-5.4"}
                      .user("Weather in Oslo?")
                      .assistant(std::nullopt, {call})
                      .tool("call_1", R"({"celsius":-3})")
                      .tools(tools));
  expect_accepted(
      request{"gpt-5.4"}
          .user("Weather in Oslo and Rome?")
          .assistant("Looking both up.",
                     {call, {"call_2", "function", "get_weather", R"({"city":"Rome"})"}})
          .tool("call_1", "-3")
          .tool("call_2", "14")
          .tools(tools));
}

TEST_CASE("every content part is accepted: text, images by URL and by data URL, each detail") {
  using parts = std::vector<knobs::content_part>;
  expect_accepted(request{"gpt-5.4"}.user(parts{knobs::text_part{"Describe this."}}));
  expect_accepted(request{"gpt-5.4"}.user(
      parts{knobs::text_part{"Describe this."},
            knobs::image_url_part{"https://example.com/city.png", std::nullopt}}));
  for (auto d : {knobs::image_detail::auto_, knobs::image_detail::low, knobs::image_detail::high}) {
    INFO("detail: ", to_string(d));
    expect_accepted(request{"gpt-5.4"}.user(
        parts{knobs::image_url_part{"data:image/png;base64,iVBORw0KGgo=", d},
              knobs::text_part{"What is this?"}},
        "ada"));
  }
}

TEST_CASE("system, developer, assistant and tool messages are accepted as lists of text parts") {
  using parts = std::vector<knobs::content_part>;
  const parts text{knobs::text_part{"one"}, knobs::text_part{"two"}};
  for (auto role : {knobs::role::system, knobs::role::developer, knobs::role::assistant}) {
    INFO("role: ", to_string(role));
    knobs::message m;
    m.role = role;
    m.content = text;
    expect_accepted(request{"gpt-5.4"}.message(m).user("Hi"));
  }
  knobs::message answer;
  answer.role = knobs::role::tool;
  answer.tool_call_id = "call_1";
  answer.content = text;
  expect_accepted(request{"gpt-5.4"}
                      .user("Weather?")
                      .assistant(std::nullopt, {{"call_1", "function", "get_weather", "{}"}})
                      .message(answer)
                      .tools({{"get_weather", {}, {}, {}}}));
}

TEST_CASE("each response_format is accepted: text, json_object and json_schema in full") {
  expect_accepted(base().response_format(knobs::response_format::text()), "response_format");
  expect_accepted(request{"gpt-5.4"}
                      .user("Reply in JSON: a city and its country.")
                      .response_format(knobs::response_format::json_object()),
                  "response_format");
  knobs::json_schema_format minimal{"city", {{"type", "object"}}, std::nullopt, std::nullopt};
  expect_accepted(base().response_format(knobs::response_format::json_schema(minimal)),
                  "response_format");
  knobs::json_schema_format full{
      "city_at_night",
      json::parse(R"({"type":"object","properties":{"city":{"type":"string"},)"
                  R"("mood":{"type":"string","enum":["calm","busy"]}},)"
                  R"("required":["city","mood"],"additionalProperties":false})")
          .as_object(),
      "A city and its mood at night.", true};
  expect_accepted(base().response_format(knobs::response_format::json_schema(full)),
                  "response_format");
}

TEST_CASE("a format, a tool and a tool result made from C++ types are accepted") {
  // The spec's ResponseFormatJsonSchema and FunctionObject, as Prism checks
  // them, for what <knobs/schema.hpp> writes: nested, optional, enum, array.
  expect_accepted(base().response_format(knobs::response_format_for<contract_types::city>()),
                  "response_format");
  const auto tool = knobs::function_tool_for<contract_types::point>("where_is", "A city's place");
  expect_accepted(base().tools({tool}), "tools");
  knobs::tool_call call;
  call.id = "call_1";
  call.name = "where_is";
  call.arguments = R"({"lat":59.9,"lon":10.7})";
  expect_accepted(
      base()
          .tools({tool})
          .assistant(std::nullopt, {call})
          .message(knobs::tool_result(call, call.parse_arguments<contract_types::point>())),
      "tools");
}

TEST_CASE("tools are accepted bare and in full, with every tool_choice and parallel_tool_calls") {
  const knobs::function_tool bare{"get_time", std::nullopt, std::nullopt, std::nullopt};
  const knobs::function_tool full{
      "get_weather", "The weather in a city, now.",
      json::parse(R"({"type":"object","properties":{"city":{"type":"string"}},)"
                  R"("required":["city"],"additionalProperties":false})")
          .as_object(),
      true};
  expect_accepted(base().tools({bare}), "tools");
  expect_accepted(base().tools({bare, full}), "tools");
  for (const auto& choice :
       {knobs::tool_choice::none(), knobs::tool_choice::auto_(), knobs::tool_choice::required(),
        knobs::tool_choice::function("get_weather")}) {
    INFO("tool_choice: ", choice.mode(), " ", choice.function_name());
    expect_accepted(base().tools({bare, full}).tool_choice(choice), "tool_choice");
  }
  for (bool v : {true, false}) {
    INFO("parallel_tool_calls: ", v);
    expect_accepted(base().tools({full}).parallel_tool_calls(v), "parallel_tool_calls");
  }
}

TEST_CASE("the identification fields are accepted at knobs' limits") {
  std::map<std::string, std::string> metadata;
  for (int i = 0; i < 16; ++i) // 16 pairs, 64-character keys, 512-character values
    metadata[std::to_string(10 + i) + std::string(62, 'k')] = std::string(512, 'v');
  expect_accepted(base().end_user("user-1234"), "user");
  expect_accepted(base().safety_identifier(std::string(64, 'a')), "safety_identifier");
  expect_accepted(base().prompt_cache_key("lesson-1"), "prompt_cache_key");
  expect_accepted(base().metadata(metadata), "metadata");
  expect_accepted(base().metadata({}), "metadata");
}

TEST_CASE("the extensions top_k, min_p and repetition_penalty are accepted together") {
  expect_accepted(base().top_k(40).min_p(0.05).repetition_penalty(1.1), "top_k");
}

TEST_CASE("stream(false) is accepted, and a streamed request's body is valid for the spec") {
  expect_accepted(base().stream(false), "stream");
  // Prism cannot stream (it answers 500 to Accept: text/event-stream), so the
  // body knobs would stream with is checked by a POST that asks for JSON.
  knobs::stream_options with_usage;
  with_usage.include_usage = true;
  knobs::stream_options all = with_usage;
  all.include_obfuscation = false;
  for (const auto& options : {with_usage, all}) {
    const auto r = base().stream(true).stream_options(options);
    REQUIRE(r.validate().has_value());
    const contract::answer a = contract::post(knobs::to_json(r));
    INFO("sent: ", knobs::to_json(r), "\nPrism: ", a.body);
    CHECK(a.status == 200);
  }
}

TEST_CASE("a request with every typed field set at once is accepted") {
  expect_accepted(request{"gpt-5.4"}
                      .developer("Answer as a travel guide.", "guide")
                      .user("Describe Oslo at night, then check the weather.", "ada")
                      .assistant(std::nullopt, {{"call_1", "function", "get_weather", "{}"}})
                      .tool("call_1", "-3 C, clear")
                      .temperature(0.7)
                      .top_p(0.9)
                      .n(2)
                      .stop({"END"})
                      .max_completion_tokens(600)
                      .frequency_penalty(0.5)
                      .presence_penalty(0.5)
                      .logit_bias({{50256, -100.0}})
                      .logprobs(true)
                      .top_logprobs(3)
                      .seed(42)
                      .stream(false)
                      .response_format(knobs::response_format::text())
                      .tools({{"get_weather", "The weather now.", std::nullopt, std::nullopt}})
                      .tool_choice(knobs::tool_choice::auto_())
                      .parallel_tool_calls(false)
                      .reasoning_effort(knobs::reasoning_effort::low)
                      .service_tier(knobs::service_tier::flex)
                      .end_user("user-1234")
                      .safety_identifier("5f1d")
                      .prompt_cache_key("lesson-1")
                      .metadata({{"lesson", "sampling"}})
                      .store(false)
                      .top_k(40)
                      .min_p(0.05)
                      .repetition_penalty(1.1)
                      .extra("verbosity", "low"));
}

TEST_CASE("every field left to extra is accepted when sent with extra") {
  for (const auto& f : contract::left_to_extra()) {
    INFO("extra: ", f.field, " = ", f.example);
    auto r = base();
    if (f.field == "function_call") // names one of `functions`
      r.extra("functions", json::parse(R"([{"name":"get_weather"}])"));
    expect_accepted(r.extra(std::string(f.field), json::parse(f.example)), f.field);
  }
}

TEST_CASE("without an API key Prism answers 401, which knobs reports as authentication_error") {
  knobs::client_options o = contract::prism_options();
  o.api_key.clear();
  knobs::client anonymous{o};
  CHECK_THROWS_AS(anonymous.create(base()), knobs::authentication_error);
}
