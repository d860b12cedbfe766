// The tool runner against a scripted knobs::local::server on 127.0.0.1: the
// server plays the model, asking for tools and checking what comes back.
#include <knobs/tool_runner.hpp>

#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include "../loopback.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/describe/class.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace json = boost::json;
using knobs::local::received_request;
using knobs::local::response_plan;

namespace app {
struct weather_args {
  std::string city;
};
BOOST_DESCRIBE_STRUCT(weather_args, (), (city))

struct weather {
  std::string city;
  double celsius = 0;
};
BOOST_DESCRIBE_STRUCT(weather, (), (city, celsius))
} // namespace app

namespace {

// An assistant answer that calls tools: {id, name, arguments} each.
struct call {
  std::string id, name, arguments;
};
response_plan calls(const std::vector<call>& cs) {
  json::array tool_calls;
  for (const auto& c : cs)
    tool_calls.push_back({{"id", c.id},
                          {"type", "function"},
                          {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
  json::object body{
      {"object", "chat.completion"},
      {"model", "test-model"},
      {"choices",
       json::array{json::object{
           {"index", 0},
           {"message",
            {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", std::move(tool_calls)}}},
           {"finish_reason", "tool_calls"}}}}};
  return response_plan::json(200, json::serialize(body));
}

// The messages of a request the server received.
json::array messages_of(const received_request& r) {
  return json::parse(r.body).at("messages").as_array();
}

knobs::tool_set weather_tools(std::atomic<int>* running = nullptr,
                              std::atomic<int>* most = nullptr) {
  knobs::tool_set tools;
  tools.add<app::weather_args>("get_weather", "The weather in a city now",
                               [running, most](const app::weather_args& a) {
                                 if (a.city == "Atlantis")
                                   throw std::runtime_error("no weather station in Atlantis");
                                 if (running) {
                                   // Held long enough for a second call to start beside it, if it
                                   // runs at once.
                                   const int now = ++*running;
                                   int seen = most->load();
                                   while (now > seen && !most->compare_exchange_weak(seen, now)) {
                                   }
                                   std::this_thread::sleep_for(std::chrono::milliseconds(200));
                                   --*running;
                                 }
                                 return app::weather{a.city, a.city == "Oslo" ? 3.5 : 21.0};
                               });
  return tools;
}

knobs::chat_request question() {
  return knobs::chat_request{"test-model"}.user("Is it warmer in Oslo or in Rome?");
}

} // namespace

TEST_CASE(
    "two calls in one turn run, their results go back in order, and the answer ends the run") {
  knobs::local::server server([](const received_request& r) {
    const json::array m = messages_of(r);
    if (m.size() == 1)
      return calls({{"call_1", "get_weather", R"({"city":"Oslo"})"},
                    {"call_2", "get_weather", R"({"city":"Rome"})"}});
    return loopback::ok("Rome is warmer.");
  });
  knobs::client client{loopback::options_for(server)};
  std::atomic<int> running{0}, most{0};
  std::vector<knobs::tool_step> steps;
  knobs::tool_run_options o;
  o.on_step = [&](const knobs::tool_step& s) { steps.push_back(s); };

  const knobs::chat_completion answer =
      knobs::run_tools(client, question(), weather_tools(&running, &most), o);
  CHECK(answer.text() == "Rome is warmer.");
  CHECK(most.load() == 2); // the two calls ran at the same time

  // What the model was sent: the tools, then its own calls and their results.
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  const json::value first = json::parse(requests[0].body);
  CHECK(first.at("tools").at(0).at("function").at("name") == "get_weather");
  CHECK(first.at("tools").at(0).at("function").at("parameters") ==
        json::value(knobs::json_schema_of<app::weather_args>()));
  const json::array m = messages_of(requests[1]);
  REQUIRE(m.size() == 4);
  CHECK(m[1].at("role") == "assistant");
  CHECK(m[1].at("tool_calls").as_array().size() == 2);
  CHECK(m[2] == json::parse(R"({"role":"tool","tool_call_id":"call_1",)"
                            R"("content":"{\"city\":\"Oslo\",\"celsius\":3.5}"})"));
  CHECK(m[3] == json::parse(R"({"role":"tool","tool_call_id":"call_2",)"
                            R"("content":"{\"city\":\"Rome\",\"celsius\":21.0}"})"));

  // Every step was shown: the calls with their outcomes, then the answer.
  REQUIRE(steps.size() == 2);
  CHECK(steps[0].number == 1);
  REQUIRE(steps[0].outcomes.size() == 2);
  CHECK(steps[0].outcomes[1].call.id == "call_2");
  CHECK_FALSE(steps[0].outcomes[1].failed);
  CHECK(steps[1].outcomes.empty());
  CHECK(steps[1].completion.text() == "Rome is warmer.");
}

TEST_CASE("without parallel, the calls of one turn run one after another") {
  knobs::local::server server([](const received_request& r) {
    if (messages_of(r).size() == 1)
      return calls(
          {{"a", "get_weather", R"({"city":"Oslo"})"}, {"b", "get_weather", R"({"city":"Rome"})"}});
    return loopback::ok("done");
  });
  knobs::client client{loopback::options_for(server)};
  std::atomic<int> running{0}, most{0};
  knobs::tool_run_options o;
  o.parallel = false;
  CHECK(knobs::run_tools(client, question(), weather_tools(&running, &most), o).text() == "done");
  CHECK(most.load() == 1);
}

TEST_CASE("a failing tool, bad arguments and an unknown tool are told to the model") {
  knobs::local::server server([](const received_request& r) {
    if (messages_of(r).size() == 1)
      return calls({{"c1", "get_weather", R"({"city":"Atlantis"})"},
                    {"c2", "get_weather", R"({"town":"Oslo"})"},
                    {"c3", "get_tides", R"({})"}});
    return loopback::ok("Sorry.");
  });
  knobs::client client{loopback::options_for(server)};
  std::vector<knobs::tool_outcome> outcomes;
  knobs::tool_run_options o;
  o.on_step = [&](const knobs::tool_step& s) {
    if (!s.outcomes.empty())
      outcomes = s.outcomes;
  };
  CHECK(knobs::run_tools(client, question(), weather_tools(), o).text() == "Sorry.");
  REQUIRE(outcomes.size() == 3);
  for (const auto& out : outcomes)
    CHECK(out.failed);
  CHECK(outcomes[0].output == "error: no weather station in Atlantis");
  CHECK(outcomes[1].output ==
        "error: the arguments of get_weather (c2) as app::weather_args: city: "
        "required member is missing");
  CHECK(outcomes[2].output ==
        "error: there is no tool named \"get_tides\"; the tools are: get_weather");
  const json::array m = messages_of(server.requests().at(1));
  CHECK(m[2].at("content") == "error: no weather station in Atlantis");
}

TEST_CASE("stop_on_tool_error ends the run at the first failed call, naming it") {
  knobs::local::server server([](const received_request&) {
    return calls({{"c1", "get_weather", R"({"city":"Atlantis"})"}});
  });
  knobs::client client{loopback::options_for(server)};
  knobs::tool_run_options o;
  o.stop_on_tool_error = true;
  try {
    (void)knobs::run_tools(client, question(), weather_tools(), o);
    FAIL("the run must stop");
  } catch (const knobs::tool_error& e) {
    CHECK(e.where() == "get_weather");
    CHECK(std::string(e.what()) == "the tool call get_weather (c1) failed and the run stops on "
                                   "failures: error: no weather station in Atlantis");
  }
  CHECK(server.requests().size() == 1);
}

TEST_CASE("a model that keeps calling tools stops at max_steps, with its last answer") {
  knobs::local::server server([](const received_request&) {
    return calls({{"again", "get_weather", R"({"city":"Oslo"})"}});
  });
  knobs::client client{loopback::options_for(server)};
  knobs::tool_run_options o;
  o.max_steps = 3;
  int steps = 0;
  o.on_step = [&](const knobs::tool_step&) { ++steps; };
  try {
    (void)knobs::run_tools(client, question(), weather_tools(), o);
    FAIL("the run must stop");
  } catch (const knobs::tool_error& e) {
    CHECK(e.code() == knobs::errc::tool_failed);
    CHECK(e.where() == "max_steps");
    CHECK(std::string(e.what()) == "the model still called tools (get_weather) after 3 requests; "
                                   "raise tool_run_options::max_steps to let it go on");
    REQUIRE(e.info().partial);
    CHECK(e.info().partial->choices.at(0).message.tool_calls.at(0).id == "again");
  }
  CHECK(server.requests().size() == 3);
  CHECK(steps == 2); // the calls of requests 1 and 2 ran; the third's did not
}

TEST_CASE("a request that offers tools of its own, or max_steps 0, is refused before sending") {
  knobs::local::server server([](const received_request&) { return loopback::ok(); });
  knobs::client client{loopback::options_for(server)};
  auto r = question().tools({knobs::function_tool{"x", {}, {}, {}}});
  CHECK_THROWS_AS(knobs::run_tools(client, r, weather_tools()), knobs::request_error);
  knobs::tool_run_options o;
  o.max_steps = 0;
  CHECK_THROWS_AS(knobs::run_tools(client, question(), weather_tools(), o), knobs::request_error);
  CHECK(server.requests().empty());
}

TEST_CASE("async_run_tools runs the same loop on an io_context") {
  knobs::local::server server([](const received_request& r) {
    if (messages_of(r).size() == 1)
      return calls({{"call_1", "get_weather", R"({"city":"Oslo"})"},
                    {"call_2", "get_weather", R"({"city":"Rome"})"}});
    return loopback::ok("Rome is warmer.");
  });
  boost::asio::io_context io;
  knobs::async_client client{io.get_executor(), loopback::options_for(server)};
  std::atomic<int> running{0}, most{0};
  auto tools = std::make_shared<knobs::tool_set>(weather_tools(&running, &most));
  std::vector<std::thread::id> step_threads;
  knobs::tool_run_options o;
  o.on_step = [&](const knobs::tool_step&) { step_threads.push_back(std::this_thread::get_id()); };
  auto answer = knobs::async_run_tools(client, question(), tools, o, boost::asio::use_future);
  io.run();
  CHECK(answer.get().text() == "Rome is warmer.");
  CHECK(most.load() == 2);
  // on_step ran on the io_context's thread (this one), not on a tool's.
  REQUIRE(step_threads.size() == 2);
  CHECK(step_threads[0] == std::this_thread::get_id());
  CHECK(step_threads[1] == std::this_thread::get_id());
  CHECK(server.requests().size() == 2);
}

TEST_CASE("async_run_tools reports the step limit through the completion") {
  knobs::local::server server([](const received_request&) {
    return calls({{"again", "get_weather", R"({"city":"Oslo"})"}});
  });
  boost::asio::io_context io;
  knobs::async_client client{io.get_executor(), loopback::options_for(server)};
  knobs::tool_run_options o;
  o.max_steps = 2;
  auto answer =
      knobs::async_run_tools(client, question(), std::make_shared<knobs::tool_set>(weather_tools()),
                             o, boost::asio::use_future);
  io.run();
  CHECK_THROWS_AS(answer.get(), knobs::tool_error);
  CHECK(server.requests().size() == 2);
}
