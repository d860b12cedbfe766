// Server profiles on loopback (issue 17): the client sends each field under
// the server's spelling (the server records what it received), reports the
// profile's warnings, refuses in strict mode what the server would reject or
// ignore, finds the profile from the base URL's host or from /v1/models, and
// the offline model's profile is pinned against the offline model itself.
#include <knobs/client.hpp>

#include <knobs/local/model_server.hpp>
#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include "../fixture.hpp"
#include "../loopback.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using knobs::server_kind;
using knobs::local::received_request;
using knobs::local::response_plan;
using namespace loopback;

namespace {

// A server answering /v1/models with `models_fixture` and completions with ok().
knobs::local::server serving_models(const std::string& models_fixture) {
  const std::string body = models_fixture.empty() ? "" : fixture(models_fixture);
  return knobs::local::server([body](const received_request& r) {
    if (r.method == "GET")
      return response_plan::json(200, body);
    return ok();
  });
}

struct seen_warnings {
  std::vector<std::string> codes;
  std::vector<std::string> messages;
};

knobs::client_options watching(const knobs::local::server& s, seen_warnings& seen) {
  auto o = options_for(s);
  o.on_warning = [&seen](const knobs::warning& w) {
    seen.codes.emplace_back(to_string(w.code));
    seen.messages.push_back(w.message);
  };
  return o;
}

} // namespace

TEST_CASE("llama.cpp's profile: repeat_penalty on the wire, its defaults reported, strict "
          "refuses") {
  auto server = serving_models("");
  seen_warnings seen;
  auto o = watching(server, seen);
  o.server = knobs::server_profile::of(server_kind::llamacpp);
  knobs::client client{o};
  CHECK(client.server().kind == server_kind::llamacpp);
  client.create(lesson_request().temperature(0.7).repetition_penalty(2.0));
  const auto got = server.requests();
  REQUIRE(got.size() == 1);
  CHECK(got[0].body.find(R"("repeat_penalty":2.0)") != std::string::npos);
  CHECK(got[0].body.find("repetition_penalty") == std::string::npos);
  CHECK(got[0].body.find(R"("max_tokens":60)") != std::string::npos);
  CHECK(seen.codes == std::vector<std::string>{"server_default_differs"});
  CHECK(seen.messages[0].find("top_k 40, top_p 0.95, min_p 0.05") != std::string::npos);

  o.strict = true;
  knobs::client strict{o};
  const auto r = strict.try_create(lesson_request());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == knobs::errc::strict_warning);
  CHECK(r.error().message.find("server_default_differs") != std::string::npos);
  // Every knob set: sent.
  CHECK(strict.try_create(lesson_request().temperature(1.0).top_p(1.0).min_p(0.0).top_k(50000))
            .has_value());
  CHECK(server.requests().size() == 2);
}

TEST_CASE("Ollama's profile: an ignored knob is reported; strict sends nothing") {
  auto server = serving_models("");
  seen_warnings seen;
  auto o = watching(server, seen);
  o.server = knobs::server_profile::of(server_kind::ollama);
  knobs::client client{o};
  client.create(lesson_request().top_k(20));
  CHECK(seen.codes == std::vector<std::string>{"ignored_by_server"});
  CHECK(server.requests()[0].body.find(R"("top_k":20)") != std::string::npos); // sent as asked
  o.strict = true;
  knobs::client strict{o};
  CHECK_THROWS_WITH_AS(strict.create(lesson_request().top_k(20)),
                       doctest::Contains("strict mode: ignored_by_server: Ollama ignores top_k"),
                       knobs::request_error);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("every profile: each extension arrives under the server's spelling or is warned "
          "about") {
  // Nothing silent: for every built-in profile, the sampling extensions and
  // the length limit either reach the server under the name the profile
  // gives them, or come with a warning naming them.
  for (auto kind : {server_kind::unknown, server_kind::openai, server_kind::azure_openai,
                    server_kind::vllm, server_kind::llamacpp, server_kind::ollama,
                    server_kind::lmstudio, server_kind::knobs_offline}) {
    CAPTURE(to_string(kind));
    auto server = serving_models("");
    seen_warnings seen;
    auto o = watching(server, seen);
    const auto profile = knobs::server_profile::of(kind);
    o.server = profile;
    knobs::client client{o};
    client.create(lesson_request().top_k(40).min_p(0.05).repetition_penalty(1.1).max_tokens(60));
    const auto got = server.requests();
    REQUIRE(got.size() == 1);
    for (const char* field : {"top_k", "min_p", "repetition_penalty", "max_tokens"}) {
      CAPTURE(field);
      const knobs::field_rule* rule = profile.find(field);
      const bool quiet = !rule || rule->support == knobs::field_support::accepted ||
                         rule->support == knobs::field_support::renamed;
      const std::string spelled = "\"" + std::string(profile.spelling(field)) + "\":";
      CHECK(got[0].body.find(spelled) != std::string::npos); // sent either way
      if (quiet && !(rule && rule->deprecated))
        continue;
      const bool named =
          std::any_of(seen.messages.begin(), seen.messages.end(), [&](const std::string& m) {
            return m.find(std::string(" ") + field) != std::string::npos;
          });
      CHECK(named);
    }
  }
}

TEST_CASE("OpenAI's profile from the host: top_k refused in strict mode before connecting") {
  knobs::client_options o;
  o.base_url = "https://api.openai.com/v1";
  o.api_key = secret_key;
  o.strict = true;
  // Any connection attempt would fail here: the request must stop first.
  o.resolve = [](const std::string&) -> std::vector<std::string> {
    throw std::runtime_error("no network in this test");
  };
  knobs::client client{o};
  CHECK(client.server().kind == server_kind::openai);
  const auto r = client.try_create(knobs::chat_request{"gpt-4o"}.user("hi").top_k(40));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == knobs::errc::strict_warning);
  CHECK(r.error().message ==
        "strict mode: rejected_by_server: OpenAI rejects top_k (HTTP 400): OpenAI has no top_k: "
        "use top_p to cut the tail");
  const auto g = client.try_create(knobs::chat_request{"gpt-5"}.user("hi").temperature(0.2));
  REQUIRE_FALSE(g.has_value());
  CHECK(g.error().message.find("rejected_by_model: gpt-5 (gpt-5) accepts only temperature 1") !=
        std::string::npos);
}

TEST_CASE("detect_server(): from /v1/models, then the profile applies to every request") {
  auto server = serving_models("llamacpp/models.json");
  seen_warnings seen;
  knobs::client client{watching(server, seen)};
  CHECK(client.server().kind == server_kind::unknown); // 127.0.0.1 says nothing
  client.create(lesson_request().repetition_penalty(1.3));
  CHECK(server.requests().back().body.find(R"("repetition_penalty":1.3)") != std::string::npos);

  CHECK(client.detect_server() == server_kind::llamacpp);
  CHECK(client.server().kind == server_kind::llamacpp);
  auto shared = client.with_options(knobs::request_options{}); // shares the profile
  shared.create(lesson_request().repetition_penalty(1.3));
  CHECK(server.requests().back().body.find(R"("repeat_penalty":1.3)") != std::string::npos);

  for (const auto& entry : std::vector<std::pair<std::string, server_kind>>{
           {"vllm/models.json", server_kind::vllm},
           {"lmstudio/models.json", server_kind::lmstudio},
           {"ollama/models.json", server_kind::ollama}}) {
    const std::string& name = entry.first;
    const server_kind kind = entry.second;
    CAPTURE(name);
    auto s = serving_models(name);
    knobs::client c{options_for(s)};
    CHECK(c.detect_server() == kind);
    CHECK(c.server().kind == kind);
  }
  // A list that says nothing, from a server whose header fields do.
  knobs::local::server llama([](const received_request&) {
    return response_plan::json(200, fixture("ollama/models_empty.json"))
        .with_header("Server", "llama.cpp");
  });
  knobs::client by_header{options_for(llama)};
  CHECK(by_header.detect_server() == server_kind::llamacpp);
  CHECK(by_header.server().kind == server_kind::llamacpp);
  // A list and header fields that say nothing leave the profile alone.
  auto quiet = serving_models("ollama/models_empty.json");
  auto o = options_for(quiet);
  o.server = knobs::server_profile::of(server_kind::vllm);
  knobs::client c{o};
  CHECK(c.detect_server() == server_kind::unknown);
  CHECK(c.server().kind == server_kind::vllm);
}

TEST_CASE("the offline model's profile is true of the offline model") {
  knobs::local::model_server_options so;
  so.quiet = true;
  knobs::local::model_server server(so);
  knobs::client_options o;
  o.base_url = server.base_url();
  o.on_warning = nullptr;
  knobs::client client{o};
  CHECK(client.detect_server() == server_kind::knobs_offline);
  const auto profile = client.server();
  const auto base = knobs::chat_request{std::string(knobs::local::offline_model_id)}
                        .user("In one sentence, describe a city at night.")
                        .temperature(1.3)
                        .seed(7)
                        .max_tokens(30);
  const std::string plain = client.create(base).text();
  // What the profile says it ignores changes nothing at the same seed...
  const auto ignored = [&](knobs::chat_request r) { return client.create(r).text(); };
  CHECK(profile.find("reasoning_effort")->support == knobs::field_support::ignored);
  CHECK(ignored(knobs::chat_request(base).reasoning_effort(knobs::reasoning_effort::high)) ==
        plain);
  // ...what it says it rejects is a 400 naming the field (a JSON format:
  // an n-gram model cannot keep to JSON), while the text format is the default...
  CHECK(profile.find("response_format")->support == knobs::field_support::rejected);
  const auto as_json =
      knobs::chat_request(base).system("Answer in JSON."); // json_object needs the word
  for (const auto& format :
       {knobs::response_format::json_object(),
        knobs::response_format::json_schema(
            {"city", boost::json::object{{"type", "object"}}, std::nullopt, std::nullopt})}) {
    CAPTURE(format.type());
    try {
      (void)client.create(knobs::chat_request(as_json).response_format(format));
      FAIL("the offline model must refuse a JSON format");
    } catch (const knobs::bad_request_error& e) {
      CHECK(e.api().param == "response_format");
      CHECK(e.api().message.find("cannot keep to JSON") != std::string::npos);
    }
  }
  CHECK(ignored(knobs::chat_request(base).response_format(knobs::response_format::text())) ==
        plain);
  CHECK(knobs::chat_request(base)
            .response_format(knobs::response_format::text())
            .warnings(profile)
            .empty());
  CHECK(profile.find("service_tier")->support == knobs::field_support::ignored);
  // ...and the knobs it does not list change the answer.
  CHECK(profile.find("top_k") == nullptr);
  CHECK(client.create(knobs::chat_request(base).top_k(1)).text() != plain);
  CHECK(profile.find("repetition_penalty") == nullptr);
  CHECK(client.create(knobs::chat_request(base).repetition_penalty(2.0)).text() != plain);
  CHECK(profile.find("min_p") == nullptr);
  CHECK(client.create(knobs::chat_request(base).min_p(0.5)).text() != plain);
}
