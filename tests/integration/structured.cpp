// Typed answers over real sockets: a knobs::local::server answers with
// canned JSON (as a model keeping to the schema would), and the client reads
// it back as the struct, whole or streamed.
#include <knobs/schema.hpp>

#include <knobs/client.hpp>
#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include "../loopback.hpp"

#include <boost/describe/class.hpp>
#include <boost/json/parse.hpp>

#include <string>
#include <vector>

namespace json = boost::json;
using knobs::local::received_request;
using knobs::local::response_plan;

namespace app {
struct city {
  std::string name;
  std::int64_t population = 0;
  std::vector<std::string> landmarks;
};
BOOST_DESCRIBE_STRUCT(city, (), (name, population, landmarks))
} // namespace app

namespace {

knobs::chat_request ask() {
  return knobs::chat_request{"test-model"}
      .user("Facts about Oslo.")
      .response_format(knobs::response_format_for<app::city>());
}

// The answer's JSON as a string inside a completion body.
const std::string oslo_escaped =
    R"({\"name\":\"Oslo\",\"population\":709037,\"landmarks\":[\"Opera House\"]})";

} // namespace

TEST_CASE("create(...).parse<T>() reads the server's JSON answer into the struct") {
  knobs::local::server server([](const received_request&) { return loopback::ok(oslo_escaped); });
  knobs::client client{loopback::options_for(server)};
  const app::city c = client.create(ask()).parse<app::city>();
  CHECK(c.name == "Oslo");
  CHECK(c.population == 709037);
  CHECK(c.landmarks == std::vector<std::string>{"Opera House"});
  // What went over the wire: the schema, strict.
  const json::value sent = json::parse(server.requests().at(0).body);
  CHECK(sent.at("response_format").at("json_schema").at("strict") == true);
  CHECK(sent.at("response_format").at("json_schema").at("schema") ==
        json::value(knobs::json_schema_of<app::city>()));
}

TEST_CASE("a streamed answer, folded, parses the same way") {
  // The JSON split across chunks where a model's tokens would split it.
  knobs::local::server server([](const received_request&) {
    return response_plan::event_stream(loopback::events_of(
        {loopback::text_chunk(R"({\"name\":\"Os)"), loopback::text_chunk(R"(lo\",\"popul)"),
         loopback::text_chunk(R"(ation\":709037,\"landmarks\":[]})", "stop")}));
  });
  knobs::client client{loopback::options_for(server)};
  std::string seen;
  const knobs::chat_completion folded =
      client.stream(ask(), [&](const knobs::chat_chunk& c) { seen += c.text(); });
  CHECK(seen == R"({"name":"Oslo","population":709037,"landmarks":[]})");
  const app::city c = folded.parse<app::city>();
  CHECK(c.name == "Oslo");
  CHECK(c.population == 709037);
  CHECK(c.landmarks.empty());
}

TEST_CASE("a streamed answer cut off by max_tokens is reported as cut off") {
  knobs::local::server server([](const received_request&) {
    return response_plan::event_stream(loopback::events_of(
        {loopback::text_chunk(R"({\"name\":\"Os)"), loopback::text_chunk("", "length")}));
  });
  knobs::client client{loopback::options_for(server)};
  const knobs::chat_completion folded = client.stream(ask(), [](const knobs::chat_chunk&) {});
  auto r = folded.try_parse<app::city>();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.rfind("the answer was cut off by max_tokens", 0) == 0);
}

TEST_CASE("a refusal over the wire is a refusal_error with the model's words") {
  knobs::local::server server([](const received_request&) {
    return response_plan::json(
        200, R"({"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",)"
             R"("content":null,"refusal":"I cannot help with that."},"finish_reason":"stop"}]})");
  });
  knobs::client client{loopback::options_for(server)};
  try {
    (void)client.create(ask()).parse<app::city>();
    FAIL("a refusal must throw");
  } catch (const knobs::refusal_error& e) {
    CHECK(e.refusal() == "I cannot help with that.");
  }
}

TEST_CASE("an answer that does not fit is a parse_error naming the path, key never shown") {
  knobs::local::server server([](const received_request&) {
    return loopback::ok(R"({\"name\":\"Oslo\",\"population\":\"many\",\"landmarks\":[]})");
  });
  knobs::client client{loopback::options_for(server)};
  auto r = client.create(ask()).try_parse<app::city>();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().where == "population");
  loopback::check_no_key(r.error());
}
