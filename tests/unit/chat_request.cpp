#include <knobs/chat_request.hpp>

// json_writer and find_invalid_utf8 are tested here too; with
// KNOBS_SEPARATE_COMPILATION chat_request.hpp no longer brings them along.
#include <knobs/detail/json_writer.hpp>

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <charconv>
#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <locale>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

// -- requests shared by several tests, and the golden files they must match ----

boost::json::object weather_parameters() {
  return {{"type", "object"},
          {"properties", {{"city", {{"type", "string"}}}}},
          {"required", boost::json::array{"city"}}};
}

// The lesson's temperature.py, one request of it, exactly as the lesson sends it.
knobs::chat_request lesson_temperature() {
  return knobs::chat_request{"gpt-oss-120b"}
      .user("In one sentence, describe a city at night.")
      .temperature(0.7)
      .max_tokens(60);
}

// The lesson's seed.py.
knobs::chat_request lesson_seed() {
  return knobs::chat_request{"gpt-oss-120b"}
      .user("Invent a name for a coffee shop.")
      .temperature(1.0)
      .seed(42)
      .max_tokens(20);
}

// Every setter once. Not a valid request (max_tokens with max_completion_tokens,
// json_object without "json" in a message): it pins the bytes of every field.
knobs::chat_request every_field() {
  return knobs::chat_request{"gpt-oss-120b"}
      .system("You are terse.", "house_rules")
      .developer("Answer in English.")
      .user("What is the weather in Paris?", "alice")
      .assistant(std::nullopt,
                 {knobs::tool_call{"call_1", "function", "get_weather", R"({"city":"Paris"})"}})
      .tool("call_1", "18C, clear")
      .assistant("18 degrees and clear.")
      .temperature(0.7)
      .top_p(0.9)
      .n(2)
      .stop({"\n\n", "END"})
      .max_tokens(60)
      .max_completion_tokens(80)
      .frequency_penalty(0.5)
      .presence_penalty(-0.25)
      .logit_bias({{50256, -100.0}, {1234, 2.5}, {9, 1.0}})
      .logprobs(true)
      .top_logprobs(3)
      .seed(42)
      .stream(true)
      .stream_options({true, false})
      .response_format(knobs::response_format::json_object())
      .tools({{"get_weather", "Current weather for a city", weather_parameters(), std::nullopt}})
      .tool_choice(knobs::tool_choice::auto_())
      .parallel_tool_calls(false)
      .reasoning_effort(knobs::reasoning_effort::low)
      .service_tier(knobs::service_tier::flex)
      .end_user("user-1234")
      .safety_identifier("sid-5678")
      .prompt_cache_key("weather-v1")
      .metadata({{"team", "docs"}, {"app", "knobs"}})
      .store(false)
      .top_k(40)
      .min_p(0.05)
      .repetition_penalty(1.1)
      .extra("chat_template_kwargs", {{"enable_thinking", false}})
      .extra("priority", 5);
}

knobs::chat_request tools_request() {
  auto strict_parameters = weather_parameters();
  strict_parameters["additionalProperties"] = false;
  return knobs::chat_request{"gpt-oss-120b"}
      .user("What is the weather in Paris?")
      .tools({{"get_weather", "Current weather for a city", strict_parameters, true},
              {"get_time", std::nullopt, std::nullopt, std::nullopt}})
      .tool_choice(knobs::tool_choice::function("get_weather"))
      .parallel_tool_calls(false);
}

knobs::chat_request json_schema_request() {
  boost::json::object schema{
      {"type", "object"},
      {"properties",
       {{"name", {{"type", "string"}}},
        {"population", {{"type", "integer"}, {"minimum", 0}}},
        {"area_km2",
         {{"type", "number"}, {"minimum", 0.0}, {"maximum", 1.5e4}, {"multipleOf", 0.001}}}}},
      {"required", boost::json::array{"name", "population", "area_km2"}},
      {"additionalProperties", false}};
  return knobs::chat_request{"gpt-oss-120b"}
      .system("Answer in JSON.")
      .user("Describe Lyon.")
      .temperature(0.0)
      .response_format(knobs::response_format::json_schema(
          {"city", std::move(schema), "A city and its size", true}));
}

knobs::chat_request image_parts_request() {
  return knobs::chat_request{"gpt-4o-mini"}
      .user({knobs::text_part{"What is in this picture?"},
             knobs::image_url_part{"https://example.com/night.png", knobs::image_detail::low},
             knobs::image_url_part{"data:image/png;base64,iVBORw0KGgo=", std::nullopt}})
      .max_completion_tokens(100);
}

knobs::chat_request extensions_request() {
  return knobs::chat_request{"gpt-oss-120b"}
      .user("Invent a name for a coffee shop.")
      .temperature(0.8)
      .top_k(40)
      .min_p(0.05)
      .repetition_penalty(1.1)
      .extra("chat_template_kwargs", {{"enable_thinking", false}});
}

knobs::chat_request streaming_request() {
  return knobs::chat_request{"gpt-oss-120b"}
      .user("In one sentence, describe a city at night.")
      .stream(true)
      .stream_options({true, std::nullopt});
}

knobs::chat_request escaping_request() {
  return knobs::chat_request{"gpt-oss-120b"}.user(
      "She said \"hi\" \\ left.\nTab:\t, CR:\r, bell:\x01, unit sep:\x1f, caf\xc3\xa9 "
      "\xe2\x98\x95 /");
}

struct golden_case {
  const char* file;
  knobs::chat_request (*make)();
};

const golden_case golden_cases[] = {
    {"lesson_temperature.json", lesson_temperature},
    {"lesson_seed.json", lesson_seed},
    {"every_field.json", every_field},
    {"tools.json", tools_request},
    {"json_schema.json", json_schema_request},
    {"image_parts.json", image_parts_request},
    {"extensions.json", extensions_request},
    {"streaming.json", streaming_request},
    {"escaping.json", escaping_request},
};

std::filesystem::path golden_dir() { return std::filesystem::path(KNOBS_TEST_DATA_DIR) / "golden"; }

// A golden file's expected bytes: the file minus its one final newline (see
// tests/golden/README.md).
std::string read_golden(const std::string& file) {
  std::ifstream in(golden_dir() / file, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open golden file " << (golden_dir() / file).string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string text = bytes.str();
  REQUIRE_MESSAGE((!text.empty() && text.back() == '\n'),
                  file << " must end with exactly one newline");
  text.pop_back();
  return text;
}

// The JSON of a request with only model "m" and one user message "hi", with
// `fields` (",\"key\":value...") appended: one setter's effect, alone.
std::string minimal_with(const std::string& fields) {
  return R"({"model":"m","messages":[{"role":"user","content":"hi"}])" + fields + "}";
}

knobs::chat_request minimal() { return knobs::chat_request{"m"}.user("hi"); }

// The JSON of a request whose messages are `messages`, and nothing else.
std::string with_messages(const std::string& messages) {
  return R"({"model":"m","messages":[)" + messages + "]}";
}

// The one validation failure of `r`, checked to be an invalid_request.
knobs::error_info problem(const knobs::chat_request& r) {
  auto v = r.validate();
  REQUIRE_FALSE(v.has_value());
  CHECK(v.error().code == knobs::errc::invalid_request);
  return v.error();
}

std::vector<knobs::warning_code> codes(const std::vector<knobs::warning>& warnings) {
  std::vector<knobs::warning_code> out;
  for (const auto& w : warnings)
    out.push_back(w.code);
  return out;
}

// Writes `v` with the writer alone.
std::string write(const boost::json::value& v) {
  std::string out;
  knobs::detail::json_writer w(out);
  w.value(v);
  return out;
}

template <class T, class = void> struct logprobs_accepts : std::false_type {};
template <class T>
struct logprobs_accepts<
    T, std::void_t<decltype(std::declval<knobs::chat_request&>().logprobs(std::declval<T>()))>>
    : std::true_type {};

template <class T, class = void> struct stream_accepts : std::false_type {};
template <class T>
struct stream_accepts<
    T, std::void_t<decltype(std::declval<knobs::chat_request&>().stream(std::declval<T>()))>>
    : std::true_type {};

} // namespace

// -- golden files ------------------------------------------------------------------

TEST_CASE("to_json writes the lesson's temperature request exactly") {
  CHECK(knobs::to_json(lesson_temperature()) ==
        R"({"model":"gpt-oss-120b","messages":[{"role":"user","content":"In one sentence, )"
        R"(describe a city at night."}],"temperature":0.7,"max_tokens":60})");
}

TEST_CASE("to_json matches every golden file byte for byte") {
  for (const auto& c : golden_cases) {
    CAPTURE(c.file);
    const std::string expected = read_golden(c.file);
    CHECK(knobs::to_json(c.make()) == expected);
  }
}

TEST_CASE("every golden file on disk is checked by a golden case") {
  std::set<std::string> named;
  for (const auto& c : golden_cases)
    named.insert(c.file);
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(golden_dir()))
    if (entry.path().extension() == ".json")
      on_disk.insert(entry.path().filename().string());
  CHECK(on_disk == named);
}

TEST_CASE("every golden file is valid JSON that Boost.JSON reads back") {
  for (const auto& c : golden_cases) {
    CAPTURE(c.file);
    boost::system::error_code ec;
    auto v = boost::json::parse(read_golden(c.file), ec);
    CHECK_FALSE(ec);
    CHECK(v.is_object());
  }
}

// -- fields, keys, values -------------------------------------------------------------

TEST_CASE("to_json omits unset fields") {
  CHECK(knobs::to_json(minimal()) == minimal_with(""));
  CHECK(knobs::to_json(knobs::chat_request{"m"}) == R"({"model":"m","messages":[]})");
  // Nothing is ever written as null, not even in a request with every field set.
  CHECK(knobs::to_json(every_field()).find("null") == std::string::npos);
}

TEST_CASE("every sampling setter appears in to_json with its key and value") {
  CHECK(knobs::to_json(minimal().temperature(0.7)) == minimal_with(R"(,"temperature":0.7)"));
  CHECK(knobs::to_json(minimal().top_p(0.9)) == minimal_with(R"(,"top_p":0.9)"));
  CHECK(knobs::to_json(minimal().n(3)) == minimal_with(R"(,"n":3)"));
  CHECK(knobs::to_json(minimal().stop("END")) == minimal_with(R"(,"stop":["END"])"));
  CHECK(knobs::to_json(minimal().stop({"a", "b", "c", "d"})) ==
        minimal_with(R"(,"stop":["a","b","c","d"])"));
  CHECK(knobs::to_json(minimal().max_tokens(60)) == minimal_with(R"(,"max_tokens":60)"));
  CHECK(knobs::to_json(minimal().max_completion_tokens(80)) ==
        minimal_with(R"(,"max_completion_tokens":80)"));
  CHECK(knobs::to_json(minimal().frequency_penalty(-2.0)) ==
        minimal_with(R"(,"frequency_penalty":-2.0)"));
  CHECK(knobs::to_json(minimal().presence_penalty(1.5)) ==
        minimal_with(R"(,"presence_penalty":1.5)"));
  CHECK(knobs::to_json(minimal().logit_bias({{50256, -100.0}})) ==
        minimal_with(R"(,"logit_bias":{"50256":-100})"));
  CHECK(knobs::to_json(minimal().logprobs(true)) == minimal_with(R"(,"logprobs":true)"));
  CHECK(knobs::to_json(minimal().logprobs(false)) == minimal_with(R"(,"logprobs":false)"));
  CHECK(knobs::to_json(minimal().top_logprobs(0)) == minimal_with(R"(,"top_logprobs":0)"));
  CHECK(knobs::to_json(minimal().seed(-9223372036854775807 - 1)) ==
        minimal_with(R"(,"seed":-9223372036854775808)"));
  CHECK(knobs::to_json(minimal().top_k(40)) == minimal_with(R"(,"top_k":40)"));
  CHECK(knobs::to_json(minimal().min_p(0.05)) == minimal_with(R"(,"min_p":0.05)"));
  CHECK(knobs::to_json(minimal().repetition_penalty(1.1)) ==
        minimal_with(R"(,"repetition_penalty":1.1)"));
}

TEST_CASE("every other setter appears in to_json with its key and value") {
  CHECK(knobs::to_json(minimal().stream(true)) == minimal_with(R"(,"stream":true)"));
  CHECK(knobs::to_json(minimal().stream_options({false, std::nullopt})) ==
        minimal_with(R"(,"stream_options":{"include_usage":false})"));
  CHECK(knobs::to_json(minimal().stream_options({true, true})) ==
        minimal_with(R"(,"stream_options":{"include_usage":true,"include_obfuscation":true})"));
  CHECK(knobs::to_json(minimal().response_format(knobs::response_format::text())) ==
        minimal_with(R"(,"response_format":{"type":"text"})"));
  CHECK(knobs::to_json(minimal().response_format(knobs::response_format::json_object())) ==
        minimal_with(R"(,"response_format":{"type":"json_object"})"));
  CHECK(knobs::to_json(
            minimal().response_format(knobs::response_format::json_schema({"x", {}, {}, {}}))) ==
        minimal_with(R"(,"response_format":{"type":"json_schema","json_schema":{"name":"x",)"
                     R"("schema":{}}})"));
  CHECK(knobs::to_json(minimal().tools({{"f", std::nullopt, std::nullopt, false}})) ==
        minimal_with(R"(,"tools":[{"type":"function","function":{"name":"f","strict":false}}])"));
  CHECK(knobs::to_json(minimal().tool_choice(knobs::tool_choice::none())) ==
        minimal_with(R"(,"tool_choice":"none")"));
  CHECK(knobs::to_json(minimal().tool_choice(knobs::tool_choice::auto_())) ==
        minimal_with(R"(,"tool_choice":"auto")"));
  CHECK(knobs::to_json(minimal().tool_choice(knobs::tool_choice::required())) ==
        minimal_with(R"(,"tool_choice":"required")"));
  CHECK(knobs::to_json(minimal().tool_choice(knobs::tool_choice::function("f"))) ==
        minimal_with(R"(,"tool_choice":{"type":"function","function":{"name":"f"}})"));
  CHECK(knobs::to_json(minimal().parallel_tool_calls(true)) ==
        minimal_with(R"(,"parallel_tool_calls":true)"));
  CHECK(knobs::to_json(minimal().reasoning_effort(knobs::reasoning_effort::high)) ==
        minimal_with(R"(,"reasoning_effort":"high")"));
  CHECK(knobs::to_json(minimal().end_user("u-1")) == minimal_with(R"(,"user":"u-1")"));
  CHECK(knobs::to_json(minimal().safety_identifier("s-1")) ==
        minimal_with(R"(,"safety_identifier":"s-1")"));
  CHECK(knobs::to_json(minimal().prompt_cache_key("k-1")) ==
        minimal_with(R"(,"prompt_cache_key":"k-1")"));
  CHECK(knobs::to_json(minimal().metadata({{"b", "2"}, {"a", "1"}})) ==
        minimal_with(R"(,"metadata":{"a":"1","b":"2"})"));
  CHECK(knobs::to_json(minimal().store(true)) == minimal_with(R"(,"store":true)"));
  CHECK(knobs::to_json(minimal().extra("vllm_xargs", {{"k", 1}})) ==
        minimal_with(R"(,"vllm_xargs":{"k":1})"));
}

TEST_CASE("service_tier writes each official value") {
  using knobs::service_tier;
  const std::pair<service_tier, const char*> tiers[] = {
      {service_tier::auto_, "auto"},        {service_tier::default_, "default"},
      {service_tier::flex, "flex"},         {service_tier::scale, "scale"},
      {service_tier::priority, "priority"}, {service_tier::fast, "fast"}};
  for (const auto& entry : tiers) {
    // Plain variables, not structured bindings: clang 14 cannot capture those.
    const auto tier = entry.first;
    const char* json = entry.second;
    CAPTURE(json);
    CHECK(knobs::to_json(minimal().service_tier(tier)) ==
          minimal_with(std::string(R"(,"service_tier":")") + json + "\""));
  }
}

TEST_CASE("every message setter writes its role, content and optional fields") {
  auto r = knobs::chat_request{"m"}
               .system("s")
               .system("s", "n1")
               .developer("d", "n2")
               .user("u", "n3")
               .user({knobs::text_part{"t"}}, "n4")
               .assistant("a", "n5")
               .assistant("calling", {knobs::tool_call{"c1", "function", "f", "{}"}})
               .tool("c1", "r");
  CHECK(knobs::to_json(r) ==
        with_messages(R"({"role":"system","content":"s"},)"
                      R"({"role":"system","name":"n1","content":"s"},)"
                      R"({"role":"developer","name":"n2","content":"d"},)"
                      R"({"role":"user","name":"n3","content":"u"},)"
                      R"({"role":"user","name":"n4","content":[{"type":"text","text":"t"}]},)"
                      R"({"role":"assistant","name":"n5","content":"a"},)"
                      R"({"role":"assistant","content":"calling","tool_calls":[{"id":"c1",)"
                      R"("type":"function","function":{"name":"f","arguments":"{}"}}]},)"
                      R"({"role":"tool","tool_call_id":"c1","content":"r"})"));
}

TEST_CASE("message() writes a hand-made message with every field") {
  knobs::message m;
  m.role = knobs::role::assistant;
  m.content = std::vector<knobs::content_part>{knobs::text_part{"x"}};
  m.name = "bot";
  m.tool_calls = {knobs::tool_call{"c1", "function", "f", "{}"}};
  auto r = knobs::chat_request{"m"}.message(m);
  CHECK(knobs::to_json(r) ==
        with_messages(R"({"role":"assistant","name":"bot","content":[{"type":"text",)"
                      R"("text":"x"}],"tool_calls":[{"id":"c1","type":"function",)"
                      R"("function":{"name":"f","arguments":"{}"}}]})"));
  CHECK(r.messages().size() == 1);
  CHECK(r.messages()[0].name == "bot");
}

TEST_CASE("image parts write their URL and, when set, their detail") {
  using knobs::image_detail;
  for (const auto& entry :
       {std::pair{image_detail::auto_, "auto"}, std::pair{image_detail::low, "low"},
        std::pair{image_detail::high, "high"}}) {
    const auto detail = entry.first;
    const char* json = entry.second;
    CAPTURE(json);
    auto r = knobs::chat_request{"m"}.user({knobs::image_url_part{"https://x/y.png", detail}});
    CHECK(knobs::to_json(r) ==
          with_messages(std::string(R"({"role":"user","content":[{"type":"image_url",)") +
                        R"("image_url":{"url":"https://x/y.png","detail":")" + json + R"("}}]})"));
  }
}

TEST_CASE("to_json writes the keys in the documented order") {
  const std::vector<std::string> documented = {
      "model", "messages", "temperature", "top_p", "n", "stop", "max_tokens",
      "max_completion_tokens", "frequency_penalty", "presence_penalty", "logit_bias", "logprobs",
      "top_logprobs", "seed", "stream", "stream_options", "response_format", "tools", "tool_choice",
      "parallel_tool_calls", "reasoning_effort", "service_tier", "user", "safety_identifier",
      "prompt_cache_key", "metadata", "store", "top_k", "min_p", "repetition_penalty",
      // then extra() keys in the order they were added
      "chat_template_kwargs", "priority"};
  // Boost.JSON keeps an object's keys in the order it read them.
  const auto parsed = boost::json::parse(knobs::to_json(every_field())).as_object();
  std::vector<std::string> keys;
  for (const auto& member : parsed)
    keys.emplace_back(member.key());
  CHECK(keys == documented);

  // The setters' call order does not matter: the same fields set backwards
  // give the same bytes.
  auto backwards = knobs::chat_request{"m"}
                       .repetition_penalty(1.1)
                       .store(true)
                       .seed(1)
                       .temperature(0.5)
                       .user("hi")
                       .extra("z", 1)
                       .extra("a", 2);
  CHECK(knobs::to_json(backwards) ==
        minimal_with(R"(,"temperature":0.5,"seed":1,"store":true,"repetition_penalty":1.1,)"
                     R"("z":1,"a":2)"));
}

TEST_CASE("logit_bias is written in ascending numeric token-id order") {
  // Numeric order, not string order: "9" < "1234" < "50256".
  CHECK(knobs::to_json(minimal().logit_bias({{50256, -100.0}, {9, 1.0}, {1234, 2.5}})) ==
        minimal_with(R"(,"logit_bias":{"9":1,"1234":2.5,"50256":-100})"));
  // Integral biases are integers, as the API's schema types them.
  CHECK(knobs::to_json(minimal().logit_bias({{1, 100.0}, {2, -0.0}})) ==
        minimal_with(R"(,"logit_bias":{"1":100,"2":0})"));
}

TEST_CASE("each getter returns what its setter stored, and nothing when unset") {
  const auto unset = knobs::chat_request{};
  CHECK(unset.model().empty());
  CHECK(unset.messages().empty());
  CHECK_FALSE(unset.temperature());
  CHECK_FALSE(unset.top_p());
  CHECK_FALSE(unset.n());
  CHECK_FALSE(unset.stop());
  CHECK_FALSE(unset.max_tokens());
  CHECK_FALSE(unset.max_completion_tokens());
  CHECK_FALSE(unset.frequency_penalty());
  CHECK_FALSE(unset.presence_penalty());
  CHECK_FALSE(unset.logit_bias());
  CHECK_FALSE(unset.logprobs());
  CHECK_FALSE(unset.top_logprobs());
  CHECK_FALSE(unset.seed());
  CHECK_FALSE(unset.stream());
  CHECK_FALSE(unset.stream_options());
  CHECK_FALSE(unset.response_format());
  CHECK_FALSE(unset.tools());
  CHECK_FALSE(unset.tool_choice());
  CHECK_FALSE(unset.parallel_tool_calls());
  CHECK_FALSE(unset.reasoning_effort());
  CHECK_FALSE(unset.service_tier());
  CHECK_FALSE(unset.end_user());
  CHECK_FALSE(unset.safety_identifier());
  CHECK_FALSE(unset.prompt_cache_key());
  CHECK_FALSE(unset.metadata());
  CHECK_FALSE(unset.store());
  CHECK_FALSE(unset.top_k());
  CHECK_FALSE(unset.min_p());
  CHECK_FALSE(unset.repetition_penalty());
  CHECK(unset.extra().empty());

  const auto r = every_field();
  CHECK(r.model() == "gpt-oss-120b");
  CHECK(r.messages().size() == 6);
  CHECK(r.messages()[2].role == knobs::role::user);
  CHECK(r.messages()[2].name == "alice");
  CHECK(std::get<std::string>(r.messages()[2].content) == "What is the weather in Paris?");
  CHECK(r.messages()[3].tool_calls.at(0).name == "get_weather");
  CHECK(r.messages()[4].tool_call_id == "call_1");
  CHECK(r.temperature() == knobs::temperature{0.7});
  CHECK(r.top_p() == knobs::top_p{0.9});
  CHECK(r.n() == knobs::n{2});
  CHECK(r.stop() == knobs::stop{"\n\n", "END"});
  CHECK(r.max_tokens() == knobs::max_tokens{60});
  CHECK(r.max_completion_tokens() == knobs::max_completion_tokens{80});
  CHECK(r.frequency_penalty() == knobs::frequency_penalty{0.5});
  CHECK(r.presence_penalty() == knobs::presence_penalty{-0.25});
  CHECK(r.logit_bias() == knobs::logit_bias{{50256, -100.0}, {1234, 2.5}, {9, 1.0}});
  CHECK(r.logprobs() == true);
  CHECK(r.top_logprobs() == knobs::top_logprobs{3});
  CHECK(r.seed() == knobs::seed{42});
  CHECK(r.stream() == true);
  REQUIRE(r.stream_options());
  CHECK(r.stream_options()->include_usage);
  CHECK(r.stream_options()->include_obfuscation == false);
  REQUIRE(r.response_format());
  CHECK(r.response_format()->type() == "json_object");
  CHECK_FALSE(r.response_format()->schema());
  REQUIRE(r.tools());
  CHECK(r.tools()->at(0).name == "get_weather");
  CHECK(r.tools()->at(0).parameters == weather_parameters());
  REQUIRE(r.tool_choice());
  CHECK(r.tool_choice()->mode() == "auto");
  CHECK(r.parallel_tool_calls() == false);
  CHECK(r.reasoning_effort() == knobs::reasoning_effort::low);
  CHECK(r.service_tier() == knobs::service_tier::flex);
  CHECK(r.end_user() == "user-1234");
  CHECK(r.safety_identifier() == "sid-5678");
  CHECK(r.prompt_cache_key() == "weather-v1");
  CHECK(r.metadata() == std::map<std::string, std::string>{{"app", "knobs"}, {"team", "docs"}});
  CHECK(r.store() == false);
  CHECK(r.top_k() == knobs::top_k{40});
  CHECK(r.min_p() == knobs::min_p{0.05});
  CHECK(r.repetition_penalty() == knobs::repetition_penalty{1.1});
  REQUIRE(r.extra().size() == 2);
  CHECK(r.extra()[0].first == "chat_template_kwargs");
  CHECK(r.extra()[1].second == boost::json::value(5));

  auto schema = json_schema_request();
  REQUIRE(schema.response_format());
  REQUIRE(schema.response_format()->schema());
  CHECK(schema.response_format()->schema()->name == "city");
  CHECK(schema.response_format()->schema()->strict == true);
  auto tools = tools_request();
  CHECK(tools.tool_choice()->mode() == "function");
  CHECK(tools.tool_choice()->function_name() == "get_weather");
}

TEST_CASE("a setter called twice keeps the last value") {
  auto r = minimal().temperature(0.2).temperature(0.9).model("other");
  CHECK(r.temperature() == knobs::temperature{0.9});
  CHECK(knobs::to_json(r) ==
        R"({"model":"other","messages":[{"role":"user","content":"hi"}],"temperature":0.9})");
}

TEST_CASE("run-time values reach the setters through knobs::runtime") {
  double from_user = 0.25;
  auto r = minimal().temperature(knobs::runtime(from_user)).max_tokens(knobs::runtime(12));
  CHECK(knobs::to_json(r) == minimal_with(R"(,"temperature":0.25,"max_tokens":12)"));
  double too_hot = 2.5;
  CHECK_THROWS_WITH_AS(minimal().temperature(knobs::runtime(too_hot)),
                       "temperature must be in [0, 2], got 2.5", knobs::knob_error);
}

#if !KNOBS_HAS_CONSTEVAL
TEST_CASE("under C++17 an out-of-range literal throws knob_error from the setter") {
  // Under C++20 the same line does not compile (consteval).
  CHECK_THROWS_AS(minimal().temperature(2.5), knobs::knob_error);
  CHECK_THROWS_AS(minimal().n(0), knobs::knob_error);
}
#endif

TEST_CASE("the bool setters refuse numbers, so logprobs(5) cannot mean top_logprobs(5)") {
  CHECK(logprobs_accepts<bool>::value);
  CHECK_FALSE(logprobs_accepts<int>::value);
  CHECK_FALSE(logprobs_accepts<double>::value);
  CHECK(stream_accepts<bool>::value);
  CHECK_FALSE(stream_accepts<const char*>::value);
}

// -- extra ----------------------------------------------------------------------------

TEST_CASE("extra refuses every field chat_request writes itself, naming the setter") {
  const std::pair<const char*, const char*> fields[] = {
      {"model", ".model("},
      {"messages", ".user()"},
      {"temperature", ".temperature("},
      {"top_p", ".top_p("},
      {"n", ".n("},
      {"stop", ".stop("},
      {"max_tokens", ".max_tokens("},
      {"max_completion_tokens", ".max_completion_tokens("},
      {"frequency_penalty", ".frequency_penalty("},
      {"presence_penalty", ".presence_penalty("},
      {"logit_bias", ".logit_bias("},
      {"logprobs", ".logprobs("},
      {"top_logprobs", ".top_logprobs("},
      {"seed", ".seed("},
      {"stream", ".stream("},
      {"stream_options", ".stream_options("},
      {"response_format", ".response_format("},
      {"tools", ".tools("},
      {"tool_choice", ".tool_choice("},
      {"parallel_tool_calls", ".parallel_tool_calls("},
      {"reasoning_effort", ".reasoning_effort("},
      {"service_tier", ".service_tier("},
      {"user", ".end_user("},
      {"safety_identifier", ".safety_identifier("},
      {"prompt_cache_key", ".prompt_cache_key("},
      {"metadata", ".metadata("},
      {"store", ".store("},
      {"top_k", ".top_k("},
      {"min_p", ".min_p("},
      {"repetition_penalty", ".repetition_penalty("},
  };
  for (const auto& field : fields) {
    const char* key = field.first;
    const char* setter = field.second;
    CAPTURE(key);
    auto r = minimal();
    try {
      r.extra(key, 1);
      FAIL("extra accepted a typed field");
    } catch (const knobs::request_error& e) {
      CHECK(e.code() == knobs::errc::invalid_request);
      CHECK(e.where() == key);
      const std::string message = e.what();
      CHECK(message.find(std::string("extra(\"") + key + "\"") != std::string::npos);
      CHECK(message.find(setter) != std::string::npos);
    }
    CHECK(r.extra().empty());
  }
  CHECK_THROWS_WITH_AS(minimal().extra("temperature", 0.7),
                       "extra(\"temperature\", ...) would duplicate a field chat_request writes "
                       "itself; use .temperature(...) instead",
                       knobs::request_error);
}

TEST_CASE("extra writes an unknown key after every typed field, in insertion order") {
  auto r = minimal()
               .extra("chat_template_kwargs", {{"enable_thinking", false}})
               .extra("guided_choice", boost::json::array{"yes", "no"})
               .extra("Temperature", 1) // keys are case-sensitive: not the typed field
               .max_tokens(5);
  CHECK(knobs::to_json(r) ==
        minimal_with(R"(,"max_tokens":5,"chat_template_kwargs":{"enable_thinking":false},)"
                     R"("guided_choice":["yes","no"],"Temperature":1)"));
}

TEST_CASE("a repeated extra key replaces the earlier value and keeps its place") {
  auto r = minimal().extra("a", 1).extra("b", 2).extra("a", "again");
  REQUIRE(r.extra().size() == 2);
  CHECK(knobs::to_json(r) == minimal_with(R"(,"a":"again","b":2)"));
}

// -- strings and numbers ------------------------------------------------------------------

TEST_CASE("to_json escapes quotes, backslashes and control characters") {
  CHECK(knobs::to_json(knobs::chat_request{"m"}.user("say \"hi\"")) ==
        with_messages(R"({"role":"user","content":"say \"hi\""})"));
  CHECK(knobs::to_json(knobs::chat_request{"m"}.user("C:\\path")) ==
        with_messages(R"({"role":"user","content":"C:\\path"})"));
  CHECK(knobs::to_json(knobs::chat_request{"m"}.user("a\nb")) ==
        with_messages(R"({"role":"user","content":"a\nb"})"));
  CHECK(knobs::to_json(knobs::chat_request{"m"}.user("a\x01z")) ==
        with_messages(R"({"role":"user","content":"a\u0001z"})"));
  CHECK(knobs::to_json(knobs::chat_request{"m"}.user("\b\f\r\t\x1f")) ==
        with_messages(R"({"role":"user","content":"\b\f\r\t\u001f"})"));
  // A NUL byte inside a std::string is text too.
  CHECK(knobs::to_json(knobs::chat_request{"m"}.user(std::string("a\0b", 3))) ==
        with_messages(R"({"role":"user","content":"a\u0000b"})"));
}

TEST_CASE("to_json writes UTF-8 and the other printable characters verbatim") {
  CHECK(knobs::to_json(knobs::chat_request{"m"}.user("caf\xc3\xa9")) ==
        with_messages("{\"role\":\"user\",\"content\":\"caf\xc3\xa9\"}"));
  // DEL, '/', U+2028 and a 4-byte emoji need no escape in JSON.
  CHECK(knobs::to_json(knobs::chat_request{"m"}.user("\x7f/\xe2\x80\xa8\xf0\x9f\x8c\x83")) ==
        with_messages("{\"role\":\"user\",\"content\":\"\x7f/\xe2\x80\xa8\xf0\x9f\x8c\x83\"}"));
  // Keys are escaped by the same rules.
  CHECK(knobs::to_json(minimal().extra("we\"ird\n", true)) == minimal_with(R"(,"we\"ird\n":true)"));
}

TEST_CASE("real numbers are written as the shortest text that reads back exactly") {
  CHECK(knobs::to_json(minimal().temperature(0.7)) == minimal_with(R"(,"temperature":0.7)"));
  CHECK(knobs::to_json(minimal().temperature(1.0)) == minimal_with(R"(,"temperature":1.0)"));
  CHECK(knobs::to_json(minimal().temperature(0.0)) == minimal_with(R"(,"temperature":0.0)"));
  CHECK(knobs::to_json(minimal().temperature(2.0)) == minimal_with(R"(,"temperature":2.0)"));

  const double sum = 0.1 + 0.2;
  const std::string json = knobs::to_json(minimal().extra("x", sum));
  CHECK(json == minimal_with(R"(,"x":0.30000000000000004)"));
  CHECK(boost::json::parse(json).at("x").as_double() == sum);

  // Whatever std::to_chars gives for 1e-7 (the shortest form, "1e-07"), unchanged:
  // it already reads as a real.
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, 1e-7).ptr;
  CHECK(std::string(buf, end) == "1e-07");
  CHECK(knobs::to_json(minimal().extra("x", 1e-7)) == minimal_with(R"(,"x":1e-07)"));
  CHECK(knobs::to_json(minimal().min_p(1e-7)) == minimal_with(R"(,"min_p":1e-07)"));
}

TEST_CASE("a number is written as std::to_chars writes it, by the short path or not") {
  // append_number takes a short path for values with up to four decimals;
  // it must write the very text std::to_chars writes, which golden files and
  // users' tests compare byte for byte.
  const auto to_chars_text = [](double v) {
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  };
  const auto ours = [](double v) {
    std::string out;
    knobs::detail::append_number(out, v);
    return out;
  };
  std::size_t checked = 0;
  std::size_t different = 0;
  std::size_t short_path = 0;
  const auto check = [&](double v) {
    std::string probe;
    short_path += knobs::detail::append_few_decimals(probe, v) ? 1 : 0;
    ++checked;
    if (ours(v) != to_chars_text(v)) {
      if (++different <= 5)
        CHECK(ours(v) == to_chars_text(v));
    }
  };
  // Every m / 10^k up to 6 decimals, around the short path's edges too
  // (1e-3, 1e7, where scientific notation gets shorter: 1e+06, 0.0001), with
  // the doubles on either side of each.
  static constexpr double scale[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
  for (const double p : scale)
    for (std::int64_t m = -3000; m <= 3000; ++m)
      for (const double f : {1.0, 1e3, 1e6, 1e9}) {
        const double v = static_cast<double>(m) * f / p;
        check(v);
        check(std::nextafter(v, 1e300));
        check(std::nextafter(v, -1e300));
      }
  for (double v = 1e-3; v < 2e7; v *= 1.0001)
    check(v);
  // Doubles of every exponent the short path takes, from their bits.
  std::uint64_t bits = 0x9E3779B97F4A7C15u;
  for (int i = 0; i < 200000; ++i) {
    bits ^= bits << 13;
    bits ^= bits >> 7;
    bits ^= bits << 17;
    double v;
    std::memcpy(&v, &bits, sizeof v);
    int exponent = 0;
    if (std::isfinite(v))
      check(std::ldexp(std::frexp(v, &exponent), static_cast<int>(bits % 36) - 12));
  }
  CHECK(different == 0);
  CHECK(checked > 900000);
  CHECK(short_path > 100000); // the short path is what was tested
  std::string probe;
  CHECK(knobs::detail::append_few_decimals(probe, 0.7));
  CHECK(probe == "0.7");
  CHECK_FALSE(knobs::detail::append_few_decimals(probe, 1e6)); // "1e+06" is shorter
  CHECK_FALSE(knobs::detail::append_few_decimals(probe, 0.1 + 0.2));
}

TEST_CASE("the writer escapes a character wherever it stands in a string") {
  // The writer scans eight bytes at a time: put each character that needs an
  // escape, and some that do not, at every offset of strings of many lengths.
  const auto escaped = [](const std::string& s) {
    std::string out = "\"";
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"')
        out += "\\\"";
      else if (c == '\\')
        out += "\\\\";
      else if (c == '\n')
        out += "\\n";
      else if (c == '\t')
        out += "\\t";
      else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else
        out += ch;
    }
    return out + "\"";
  };
  std::size_t wrong = 0;
  for (const char special : {'"', '\\', '\n', '\t', '\x01', '\x1f', '\0', ' ', '\x7f', '\xc3'})
    for (std::size_t length = 1; length <= 24; ++length)
      for (std::size_t at = 0; at < length; ++at) {
        std::string s(length, 'a');
        s[at] = special;
        std::string out;
        knobs::detail::json_writer w(out);
        w.string(s);
        if (out != escaped(s) && ++wrong <= 5)
          CHECK(out == escaped(s));
      }
  CHECK(wrong == 0);
}

TEST_CASE("JSON doubles that happen to be integral keep a .0; integers stay integers") {
  CHECK(write(1.0) == "1.0");
  CHECK(write(-3.0) == "-3.0");
  CHECK(write(-0.0) == "-0.0");
  CHECK(write(15000.0) == "15000.0");
  CHECK(write(1e21) == "1e+21");
  // std::to_chars takes fixed notation when it is no longer than scientific, and
  // fixed notation spells the double's exact value; it still reads back exactly.
  CHECK(write(1.2345678901234568e+20) == "123456789012345683968.0");
  CHECK(boost::json::parse("123456789012345683968.0").as_double() == 1.2345678901234568e+20);
  CHECK(write(std::numeric_limits<double>::max()) == "1.7976931348623157e+308");
  CHECK(write(std::numeric_limits<double>::denorm_min()) == "5e-324");
  CHECK(write(1) == "1");
  CHECK(write(std::numeric_limits<std::int64_t>::min()) == "-9223372036854775808");
  CHECK(write(std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615");
}

TEST_CASE("the writer writes any Boost.JSON value compactly, keys in insertion order") {
  const boost::json::value v = {{"z", nullptr},
                                {"a", {1, 2.5, "s", true, false}},
                                {"m", boost::json::object{}},
                                {"e", boost::json::array{}}};
  CHECK(write(v) == R"({"z":null,"a":[1,2.5,"s",true,false],"m":{},"e":[]})");
  // null is written when the user put it there: only unset typed fields are omitted.
  CHECK(knobs::to_json(minimal().extra("x", nullptr)) == minimal_with(R"(,"x":null)"));
}

TEST_CASE("the writer refuses NaN and infinity") {
  CHECK_THROWS_AS(write(std::numeric_limits<double>::quiet_NaN()), knobs::request_error);
  CHECK_THROWS_AS(write(std::numeric_limits<double>::infinity()), knobs::request_error);
}

TEST_CASE("to_json throws request_error for a non-finite number in user JSON, naming it") {
  const double inf = std::numeric_limits<double>::infinity();
  auto r = minimal().extra("vllm_xargs", {{"alpha", {1.0, inf}}});
  CHECK_THROWS_WITH_AS(knobs::to_json(r),
                       "vllm_xargs.alpha[1] is inf, but JSON numbers must be finite",
                       knobs::request_error);
  try {
    (void)knobs::to_json(r);
    FAIL("to_json did not throw");
  } catch (const knobs::request_error& e) {
    CHECK(e.where() == "vllm_xargs.alpha[1]");
  }
  // validate() reports the same problem.
  CHECK(problem(r).where == "vllm_xargs.alpha[1]");

  auto schema = minimal().response_format(knobs::response_format::json_schema(
      {"s", {{"maximum", std::numeric_limits<double>::quiet_NaN()}}, {}, {}}));
  CHECK_THROWS_WITH_AS(knobs::to_json(schema),
                       "response_format.json_schema.schema.maximum is nan, but JSON numbers "
                       "must be finite",
                       knobs::request_error);
  auto tool = minimal().tools({{"f", std::nullopt, boost::json::object{{"x", -inf}}, {}}});
  CHECK_THROWS_WITH_AS(knobs::to_json(tool),
                       "tools[0].function.parameters.x is -inf, but JSON numbers must be finite",
                       knobs::request_error);
}

TEST_CASE("to_json throws request_error for a string that is not valid UTF-8, naming it") {
  auto r = knobs::chat_request{"m"}.system("ok").user("fine").user("bad\xff");
  CHECK_THROWS_WITH_AS(knobs::to_json(r),
                       "messages[2].content is not valid UTF-8 (bad byte at offset 3)",
                       knobs::request_error);
  CHECK(problem(r).where == "messages[2].content");
  CHECK(problem(r).message == "messages[2].content is not valid UTF-8 (bad byte at offset 3)");
}

TEST_CASE("to_json does not check the API's rules: validate() does") {
  // Both token limits: the API rejects it, but the bytes can still be inspected.
  auto r = minimal().max_tokens(1).max_completion_tokens(2);
  CHECK(knobs::to_json(r) == minimal_with(R"(,"max_tokens":1,"max_completion_tokens":2)"));
  CHECK_FALSE(r.validate());
}

TEST_CASE("the UTF-8 check rejects overlong forms, surrogates, truncation and > U+10FFFF") {
  using knobs::detail::find_invalid_utf8;
  constexpr auto ok = std::string_view::npos;
  CHECK(find_invalid_utf8("") == ok);
  CHECK(find_invalid_utf8("plain ascii") == ok);
  CHECK(find_invalid_utf8("caf\xc3\xa9") == ok);      // U+00E9
  CHECK(find_invalid_utf8("\xe2\x98\x95") == ok);     // U+2615
  CHECK(find_invalid_utf8("\xed\x9f\xbf") == ok);     // U+D7FF
  CHECK(find_invalid_utf8("\xee\x80\x80") == ok);     // U+E000
  CHECK(find_invalid_utf8("\xf0\x9f\x8c\x83") == ok); // U+1F303
  CHECK(find_invalid_utf8("\xf4\x8f\xbf\xbf") == ok); // U+10FFFF
  CHECK(find_invalid_utf8("ab\x80") == 2);            // lone continuation
  CHECK(find_invalid_utf8("\xc0\xaf") == 0);          // overlong '/'
  CHECK(find_invalid_utf8("\xc1\xbf") == 0);          // overlong
  CHECK(find_invalid_utf8("\xe0\x9f\xbf") == 0);      // overlong 3-byte
  CHECK(find_invalid_utf8("\xf0\x8f\xbf\xbf") == 0);  // overlong 4-byte
  CHECK(find_invalid_utf8("x\xed\xa0\x80") == 1);     // U+D800 surrogate
  CHECK(find_invalid_utf8("\xf4\x90\x80\x80") == 0);  // U+110000
  CHECK(find_invalid_utf8("\xf5\x80\x80\x80") == 0);  // never valid
  CHECK(find_invalid_utf8("\xff") == 0);
  CHECK(find_invalid_utf8("caf\xc3") == 3);          // truncated
  CHECK(find_invalid_utf8("\xe2\x98") == 0);         // truncated
  CHECK(find_invalid_utf8("\xe2\x28\xa1") == 0);     // bad second byte
  CHECK(find_invalid_utf8("\xf0\x9f\x8c\x28") == 0); // bad fourth byte
  // After runs of ASCII, which the check takes eight bytes at a time.
  CHECK(find_invalid_utf8("plain ascii, a little longer") == ok);
  CHECK(find_invalid_utf8("0123456789abcdef\x80") == 16);
  CHECK(find_invalid_utf8("0123456\x80") == 7);
  CHECK(find_invalid_utf8("01234567\xc3\xa9 and more ascii\xff") == 25);
  CHECK(find_invalid_utf8("0123456\xc3\xa9 and more") == ok);
}

TEST_CASE("to_json writes the same bytes under the de_DE.UTF-8 locale") {
  // Restores the classic "C" locale however the test ends.
  struct restore_c_locale {
    ~restore_c_locale() {
      std::locale::global(std::locale::classic());
      std::setlocale(LC_ALL, "C");
    }
  } restore;

  std::vector<std::string> in_c;
  for (const auto& c : golden_cases)
    in_c.push_back(knobs::to_json(c.make()));

  const char* name = "de_DE.UTF-8";
  // Fails, not skips: a machine without this locale cannot prove what the test
  // is for. Generate it with locale-gen (see .ci/run).
  REQUIRE_MESSAGE(std::setlocale(LC_ALL, name) != nullptr,
                  "the de_DE.UTF-8 locale is not installed; run locale-gen for it");
  REQUIRE_NOTHROW(std::locale::global(std::locale(name)));

  // The locale is really in effect: printf now writes a decimal comma.
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", 0.7);
  REQUIRE(std::string(buf) == "0,7");
  std::ostringstream stream;
  stream << 1234.5;
  REQUIRE(stream.str() == "1.234,5");

  for (std::size_t i = 0; i < std::size(golden_cases); ++i) {
    CAPTURE(golden_cases[i].file);
    CHECK(knobs::to_json(golden_cases[i].make()) == in_c[i]);
  }
  CHECK(knobs::to_json(minimal().temperature(0.7).extra("x", 1234.5)) ==
        minimal_with(R"(,"temperature":0.7,"x":1234.5)"));
}

// -- warnings -------------------------------------------------------------------------------

TEST_CASE("a plain request has no warnings") {
  CHECK(lesson_temperature().warnings().empty());
  CHECK(lesson_seed().warnings().empty());
  CHECK(minimal().warnings().empty());
  CHECK(minimal().top_p(0.9).warnings().empty());
  CHECK(minimal().top_k(40).temperature(0.8).warnings().empty());
  CHECK(minimal().n(3).temperature(0.7).warnings().empty());
  CHECK(minimal().n(1).temperature(0.0).warnings().empty());
  CHECK(minimal().n(3).warnings().empty()); // the server's default temperature is 1
  CHECK(minimal().temperature(0.7).seed(42).logit_bias({{1, -100.0}}).warnings().empty());
}

TEST_CASE("temperature with top_p warns: change one, not both") {
  const auto w = minimal().temperature(0.7).top_p(0.9).warnings();
  REQUIRE(codes(w) == std::vector{knobs::warning_code::temperature_and_top_p});
  CHECK(w[0].message.find("temperature (0.7) and top_p (0.9) are both set") != std::string::npos);
  CHECK(w[0].message.find("change one, not both") != std::string::npos);
  // It says why, not just what.
  CHECK(w[0].message.find("each changes what the other does") != std::string::npos);
}

TEST_CASE("a knob at its neutral value fights nothing: no warning") {
  // The lesson's challenge 2 sweeps top_p at temperature 1, which reshapes
  // nothing; top_p 1 and min_p 0 cut nothing.
  for (double p : {0.3, 0.7, 1.0})
    CHECK(minimal().temperature(1.0).top_p(knobs::runtime(p)).warnings().empty());
  CHECK(minimal().temperature(0.7).top_p(1.0).warnings().empty());
  CHECK(minimal().top_p(1.0).top_k(40).warnings().empty());
  CHECK(minimal().min_p(0.0).top_k(40).warnings().empty());
  CHECK(minimal().top_p(1.0).min_p(0.0).warnings().empty());
  // Cutting values still warn.
  CHECK(codes(minimal().temperature(0.99).top_p(0.99).warnings()) ==
        std::vector{knobs::warning_code::temperature_and_top_p});
  CHECK(codes(minimal().top_p(0.9).min_p(0.05).warnings()) ==
        std::vector{knobs::warning_code::several_truncation_knobs});
}

TEST_CASE("two or more truncation knobs warn, naming the ones set") {
  auto w = minimal().top_p(0.9).top_k(40).warnings();
  REQUIRE(codes(w) == std::vector{knobs::warning_code::several_truncation_knobs});
  CHECK(w[0].message.rfind("top_p 0.9 and top_k 40 are all set", 0) == 0);

  w = minimal().top_k(40).min_p(0.05).warnings();
  REQUIRE(codes(w) == std::vector{knobs::warning_code::several_truncation_knobs});
  CHECK(w[0].message.rfind("top_k 40 and min_p 0.05 are all set", 0) == 0);

  w = minimal().min_p(0.1).top_k(50).top_p(0.95).warnings();
  REQUIRE(codes(w) == std::vector{knobs::warning_code::several_truncation_knobs});
  CHECK(w[0].message.rfind("top_p 0.95, top_k 50 and min_p 0.1 are all set", 0) == 0);
  CHECK(w[0].message.find("use one truncation knob") != std::string::npos);
}

TEST_CASE("n > 1 at temperature 0 warns that the choices will be identical") {
  const auto w = minimal().n(3).temperature(0.0).warnings();
  REQUIRE(codes(w) == std::vector{knobs::warning_code::n_at_temperature_zero});
  CHECK(w[0].message.find("n is 3 at temperature 0") != std::string::npos);
  CHECK(w[0].message.find("all 3 choices will be identical") != std::string::npos);
}

TEST_CASE("warnings come in the documented order, each at most once") {
  const auto w = minimal().temperature(0.0).top_p(0.5).min_p(0.1).n(2).warnings();
  CHECK(codes(w) == std::vector{knobs::warning_code::temperature_and_top_p,
                                knobs::warning_code::several_truncation_knobs,
                                knobs::warning_code::n_at_temperature_zero});
}

TEST_CASE("warning codes have stable snake_case ids") {
  CHECK(knobs::to_string(knobs::warning_code::temperature_and_top_p) == "temperature_and_top_p");
  CHECK(knobs::to_string(knobs::warning_code::several_truncation_knobs) ==
        "several_truncation_knobs");
  CHECK(knobs::to_string(knobs::warning_code::n_at_temperature_zero) == "n_at_temperature_zero");
}

// -- validate ---------------------------------------------------------------------------------

TEST_CASE("validate passes a good request") {
  CHECK(minimal().validate());
  CHECK(lesson_temperature().validate());
  CHECK(lesson_seed().validate());
  CHECK(tools_request().validate());
  CHECK(json_schema_request().validate());
  CHECK(image_parts_request().validate());
  CHECK(extensions_request().validate());
  CHECK(streaming_request().validate());
  CHECK(escaping_request().validate());
  // A full tool round trip.
  auto round_trip =
      knobs::chat_request{"m"}
          .user("Weather in Paris?")
          .assistant(std::nullopt, {knobs::tool_call{"c1", "function", "get_weather", "{}"}})
          .tool("c1", "18C")
          .tools({{"get_weather", std::nullopt, std::nullopt, std::nullopt}})
          .tool_choice(knobs::tool_choice::none())
          .parallel_tool_calls(true);
  CHECK(round_trip.validate());
  CHECK(minimal().logprobs(true).top_logprobs(5).validate());
  CHECK(minimal().stream(true).stream_options({true, std::nullopt}).validate());
  CHECK(minimal().max_completion_tokens(5).validate());
  CHECK(knobs::chat_request{"m"}
            .user("Reply in JSON.")
            .response_format(knobs::response_format::json_object())
            .validate());
}

TEST_CASE("validate: the model must not be empty") {
  const auto e = problem(knobs::chat_request{}.user("hi"));
  CHECK(e.where == "model");
  CHECK(e.message.rfind("model is empty", 0) == 0);
  CHECK(problem(knobs::chat_request{"m"}.model("").user("hi")).where == "model");
}

TEST_CASE("validate: there must be at least one message") {
  const auto e = problem(knobs::chat_request{"m"});
  CHECK(e.where == "messages");
  CHECK(e.message.rfind("messages is empty", 0) == 0);
}

TEST_CASE("validate: top_logprobs needs logprobs(true)") {
  const auto e = problem(minimal().top_logprobs(5));
  CHECK(e.where == "top_logprobs");
  CHECK(e.message.rfind("top_logprobs is set but logprobs is not true; add .logprobs(true)", 0) ==
        0);
  CHECK(problem(minimal().logprobs(false).top_logprobs(5)).where == "top_logprobs");
}

TEST_CASE("validate: stream_options needs stream(true)") {
  const auto e = problem(minimal().stream_options({true, std::nullopt}));
  CHECK(e.where == "stream_options");
  CHECK(e.message.rfind("stream_options is set but stream is not true; add .stream(true)", 0) == 0);
  CHECK(problem(minimal().stream(false).stream_options({true, std::nullopt})).where ==
        "stream_options");
}

TEST_CASE("validate: max_tokens and max_completion_tokens are not both set") {
  const auto e = problem(minimal().max_tokens(10).max_completion_tokens(10));
  CHECK(e.where == "max_tokens");
  CHECK(e.message.rfind("max_tokens and max_completion_tokens are both set; set one", 0) == 0);
}

TEST_CASE("validate: a tool message needs a tool_call_id") {
  knobs::message m;
  m.role = knobs::role::tool;
  m.content = "18C";
  auto e = problem(minimal().message(m));
  CHECK(e.where == "messages[1].tool_call_id");
  CHECK(e.message.rfind("messages[1] is a tool message without a tool_call_id", 0) == 0);
  CHECK(problem(minimal().tool("", "18C")).where == "messages[1].tool_call_id");
}

TEST_CASE("validate: message fields belong to the right roles") {
  knobs::message with_id;
  with_id.role = knobs::role::user;
  with_id.content = "hi";
  with_id.tool_call_id = "c1";
  auto e = problem(knobs::chat_request{"m"}.message(with_id));
  CHECK(e.where == "messages[0].tool_call_id");
  CHECK(e.message ==
        "messages[0] is a user message with a tool_call_id; only tool messages answer tool calls");

  knobs::message calling_user;
  calling_user.role = knobs::role::user;
  calling_user.content = "hi";
  calling_user.tool_calls = {knobs::tool_call{"c1", "function", "f", "{}"}};
  e = problem(knobs::chat_request{"m"}.message(calling_user));
  CHECK(e.where == "messages[0].tool_calls");

  knobs::message named_tool;
  named_tool.role = knobs::role::tool;
  named_tool.content = "18C";
  named_tool.tool_call_id = "c1";
  named_tool.name = "weather";
  CHECK(problem(minimal().message(named_tool)).where == "messages[1].name");
}

TEST_CASE("validate: message content is present, non-empty and of the right kind") {
  knobs::message empty_user;
  empty_user.role = knobs::role::user;
  auto e = problem(knobs::chat_request{"m"}.message(empty_user));
  CHECK(e.where == "messages[0].content");
  CHECK(e.message == "messages[0].content is missing: a user message needs content");

  CHECK(problem(knobs::chat_request{"m"}.assistant(std::nullopt, {})).where ==
        "messages[0].content");
  CHECK(problem(knobs::chat_request{"m"}.user(std::vector<knobs::content_part>{})).where ==
        "messages[0].content");

  knobs::message system_image;
  system_image.role = knobs::role::system;
  system_image.content = std::vector<knobs::content_part>{knobs::image_url_part{"https://x", {}}};
  e = problem(knobs::chat_request{"m"}.message(system_image));
  CHECK(e.where == "messages[0].content[0]");
  CHECK(e.message == "messages[0].content[0] is an image in a system message; only user messages "
                     "may hold images");

  CHECK(
      problem(knobs::chat_request{"m"}.user({knobs::text_part{"a"}, knobs::image_url_part{"", {}}}))
          .where == "messages[0].content[1].image_url.url");
}

TEST_CASE("validate: every string that will be sent must be valid UTF-8") {
  const std::string bad = "x\xc3";
  CHECK(problem(knobs::chat_request{bad}.user("hi")).where == "model");
  CHECK(problem(knobs::chat_request{"m"}.user("hi", bad)).where == "messages[0].name");
  CHECK(problem(knobs::chat_request{"m"}.user({knobs::text_part{"ok"}, knobs::text_part{bad}}))
            .where == "messages[0].content[1].text");
  CHECK(problem(knobs::chat_request{"m"}.user({knobs::image_url_part{bad, {}}})).where ==
        "messages[0].content[0].image_url.url");
  CHECK(problem(knobs::chat_request{"m"}.assistant(std::nullopt,
                                                   {knobs::tool_call{"c", "function", "f", bad}}))
            .where == "messages[0].tool_calls[0].function.arguments");
  CHECK(problem(minimal().tool(bad, "x")).where == "messages[1].tool_call_id");
  CHECK(problem(minimal().stop({"ok", bad})).where == "stop[1]");
  CHECK(problem(minimal().end_user(bad)).where == "user");
  CHECK(problem(minimal().safety_identifier(bad)).where == "safety_identifier");
  CHECK(problem(minimal().prompt_cache_key(bad)).where == "prompt_cache_key");
  CHECK(problem(minimal().metadata({{"k", bad}})).where == "metadata.k");
  CHECK(problem(minimal().metadata({{bad, "v"}})).where == "metadata");
  CHECK(problem(minimal().extra("x", {{"y", bad}})).where == "x.y");
  CHECK(problem(minimal().extra(bad, 1)).where == "extra");
  CHECK(problem(minimal().tools({{"f", bad, std::nullopt, std::nullopt}})).where ==
        "tools[0].function.description");
  CHECK(problem(minimal().response_format(
                    knobs::response_format::json_schema({"s", {{bad, 1}}, {}, {}})))
            .where == "response_format.json_schema.schema");
}

TEST_CASE("validate: a json_schema format needs a valid name") {
  auto e =
      problem(minimal().response_format(knobs::response_format::json_schema({"", {}, {}, {}})));
  CHECK(e.where == "response_format.json_schema.name");
  CHECK(e.message == "response_format.json_schema.name must be 1 to 64 of a-z, A-Z, 0-9, '_' and "
                     "'-', got \"\"");
  CHECK(problem(
            minimal().response_format(knobs::response_format::json_schema({"a city", {}, {}, {}})))
            .where == "response_format.json_schema.name");
  CHECK(
      minimal()
          .response_format(knobs::response_format::json_schema({std::string(64, 'a'), {}, {}, {}}))
          .validate());
  CHECK_FALSE(
      minimal()
          .response_format(knobs::response_format::json_schema({std::string(65, 'a'), {}, {}, {}}))
          .validate());
}

TEST_CASE("validate: json_object needs a message that asks for JSON") {
  auto e = problem(minimal().response_format(knobs::response_format::json_object()));
  CHECK(e.where == "response_format");
  CHECK(e.message.rfind("response_format is json_object but no message mentions JSON", 0) == 0);
  CHECK(knobs::chat_request{"m"}
            .user({knobs::text_part{"Answer as Json, please."}})
            .response_format(knobs::response_format::json_object())
            .validate());
}

TEST_CASE("validate: tools, tool_choice and parallel_tool_calls agree") {
  auto e = problem(minimal().tools({}));
  CHECK(e.where == "tools");
  e = problem(minimal().tools({{"get weather", std::nullopt, std::nullopt, std::nullopt}}));
  CHECK(e.where == "tools[0].function.name");
  CHECK(e.message == "tools[0].function.name must be 1 to 64 of a-z, A-Z, 0-9, '_' and '-', "
                     "got \"get weather\"");
  e = problem(minimal().tool_choice(knobs::tool_choice::required()));
  CHECK(e.where == "tool_choice");
  CHECK(e.message.rfind("tool_choice is set but tools is not", 0) == 0);
  e = problem(minimal()
                  .tools({{"f", std::nullopt, std::nullopt, std::nullopt}})
                  .tool_choice(knobs::tool_choice::function("g")));
  CHECK(e.where == "tool_choice.function.name");
  CHECK(e.message == "tool_choice names the function \"g\", which is not one of the tools");
  e = problem(minimal().parallel_tool_calls(false));
  CHECK(e.where == "parallel_tool_calls");
}

TEST_CASE("validate: metadata holds at most 16 pairs of short strings") {
  std::map<std::string, std::string> sixteen;
  for (int i = 0; i < 16; ++i)
    sixteen["key" + std::to_string(i)] = "v";
  CHECK(minimal().metadata(sixteen).validate());
  auto seventeen = sixteen;
  seventeen["key16"] = "v";
  auto e = problem(minimal().metadata(seventeen));
  CHECK(e.where == "metadata");
  CHECK(e.message == "metadata must hold at most 16 pairs, got 17");

  // Lengths are in characters, not bytes: 64 e-acutes are 128 bytes and fine.
  std::string key64;
  for (int i = 0; i < 64; ++i)
    key64 += "\xc3\xa9";
  CHECK(minimal().metadata({{key64, "v"}}).validate());
  e = problem(minimal().metadata({{std::string(65, 'k'), "v"}}));
  CHECK(e.where == "metadata");
  CHECK(e.message ==
        "metadata key \"" + std::string(65, 'k') + "\" must be at most 64 characters, got 65");

  CHECK(minimal().metadata({{"k", std::string(512, 'v')}}).validate());
  e = problem(minimal().metadata({{"k", std::string(513, 'v')}}));
  CHECK(e.where == "metadata.k");
  CHECK(e.message == "metadata.k must be at most 512 characters, got 513");
}

TEST_CASE("validate: safety_identifier is at most 64 characters") {
  CHECK(minimal().safety_identifier(std::string(64, 's')).validate());
  const auto e = problem(minimal().safety_identifier(std::string(65, 's')));
  CHECK(e.where == "safety_identifier");
  CHECK(e.message == "safety_identifier must be at most 64 characters, got 65");
}

TEST_CASE("validate reports the first problem in the documented order") {
  // Every rule broken at once; fix them one at a time and the next one shows.
  auto r = knobs::chat_request{}
               .tool("", "x")
               .max_tokens(1)
               .max_completion_tokens(1)
               .top_logprobs(1)
               .stream_options({true, std::nullopt})
               .tool_choice(knobs::tool_choice::auto_())
               .metadata({{std::string(65, 'k'), "v"}})
               .extra("x", std::numeric_limits<double>::infinity());
  CHECK(problem(r).where == "model");
  r.model("m");
  CHECK(problem(r).where == "messages[0].tool_call_id");
  r = knobs::chat_request{"m"}
          .user("hi")
          .max_tokens(1)
          .max_completion_tokens(1)
          .top_logprobs(1)
          .stream_options({true, std::nullopt})
          .tool_choice(knobs::tool_choice::auto_())
          .metadata({{std::string(65, 'k'), "v"}})
          .extra("x", std::numeric_limits<double>::infinity());
  CHECK(problem(r).where == "max_tokens");
  r = knobs::chat_request{"m"}
          .user("hi")
          .top_logprobs(1)
          .stream_options({true, std::nullopt})
          .tool_choice(knobs::tool_choice::auto_())
          .metadata({{std::string(65, 'k'), "v"}})
          .extra("x", std::numeric_limits<double>::infinity());
  CHECK(problem(r).where == "top_logprobs");
  r.logprobs(true);
  CHECK(problem(r).where == "stream_options");
  r.stream(true);
  CHECK(problem(r).where == "tool_choice");
  r.tools({{"f", std::nullopt, std::nullopt, std::nullopt}});
  CHECK(problem(r).where == "metadata");
  r.metadata({});
  CHECK(problem(r).where == "x");
  r.extra("x", 1);
  CHECK(r.validate());
}

TEST_CASE("validate().value() throws the problem as request_error") {
  CHECK_THROWS_WITH_AS(minimal().top_logprobs(2).validate().value(),
                       doctest::Contains("top_logprobs is set but logprobs is not true"),
                       knobs::request_error);
  CHECK_NOTHROW(minimal().validate().value());
}

// Roles, image detail, response formats and tool choices are spelled in
// their own headers' tests (message.cpp, response_format.cpp, tool.cpp).
TEST_CASE("service tiers have their JSON spellings") {
  CHECK(knobs::to_string(knobs::service_tier::default_) == "default");
}
