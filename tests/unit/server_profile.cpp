// Tests of knobs/server_profile.hpp: the profiles' tables, the request in a
// server's spelling, the profile's lint, and detection by host and by a
// /v1/models answer (the recorded fixtures).
#include <knobs/server_profile.hpp>

#include <doctest/doctest.h>

#include "../fixture.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace {

using knobs::server_kind;
using knobs::warning_code;

knobs::server_profile profile(server_kind k) { return knobs::server_profile::of(k); }

knobs::chat_request request(std::string model = "m") {
  return knobs::chat_request{std::move(model)}.user("In one sentence, describe a city at night.");
}

std::vector<warning_code> codes(const std::vector<knobs::warning>& w) {
  std::vector<warning_code> out;
  for (const auto& x : w)
    out.push_back(x.code);
  return out;
}

const knobs::warning* find(const std::vector<knobs::warning>& w, warning_code c) {
  auto it = std::find_if(w.begin(), w.end(), [&](const knobs::warning& x) { return x.code == c; });
  return it == w.end() ? nullptr : &*it;
}

} // namespace

TEST_CASE("llama.cpp's server: repetition_penalty sent as repeat_penalty, no warning for it") {
  const auto llama = profile(server_kind::llamacpp);
  const auto r = request().temperature(0.0).repetition_penalty(2.0).max_completion_tokens(30);
  const std::string json = knobs::to_json(r, llama);
  CHECK(json.find(R"("repeat_penalty":2.0)") != std::string::npos);
  CHECK(json.find("repetition_penalty") == std::string::npos);
  CHECK(json.find(R"("max_tokens":30)") != std::string::npos); // llama.cpp reads max_tokens
  CHECK(json.find("max_completion_tokens") == std::string::npos);
  // Only the top-level field is renamed: the same name inside a message stays.
  const auto quoted = request().user("repetition_penalty").repetition_penalty(1.1);
  CHECK(knobs::to_json(quoted, llama).find(R"("content":"repetition_penalty")") !=
        std::string::npos);
  // Without a profile, knobs' own names.
  CHECK(knobs::to_json(r).find(R"("repetition_penalty":2.0)") != std::string::npos);
  CHECK(knobs::to_json(r, profile(server_kind::unknown)) == knobs::to_json(r));
  const auto w = r.warnings(llama);
  CHECK(find(w, warning_code::ignored_by_server) == nullptr);
}

TEST_CASE("llama.cpp's server: unset knobs get its defaults, said once with the values") {
  const auto llama = profile(server_kind::llamacpp);
  auto w = request().temperature(0.7).warnings(llama);
  REQUIRE(codes(w) == std::vector{warning_code::server_default_differs});
  CHECK(w[0].message.find("llama.cpp's server samples knobs left unset with its own defaults "
                          "(top_k 40, top_p 0.95, min_p 0.05)") != std::string::npos);
  // At temperature 0 the truncation defaults change nothing: greedy keeps
  // the most likely token whatever they cut.
  CHECK(request().temperature(0.0).warnings(llama).empty());
  w = request().warnings(llama);
  CHECK(w[0].message.find("(temperature 0.8, top_k 40, top_p 0.95, min_p 0.05)") !=
        std::string::npos);
  // Every knob set: nothing to say.
  // (top_p 1 and min_p 0 cut nothing, so they do not make several truncation knobs.)
  CHECK(request().temperature(1.0).top_p(1.0).min_p(0.0).top_k(1000000).warnings(llama).empty());
}

TEST_CASE("Ollama's OpenAI API ignores top_k, min_p and repetition_penalty") {
  const auto ollama = profile(server_kind::ollama);
  const auto w = request().top_k(40).warnings(ollama);
  REQUIRE(codes(w) == std::vector{warning_code::ignored_by_server});
  CHECK(w[0].message.rfind("Ollama ignores top_k, so setting it changes nothing", 0) == 0);
  CHECK(w[0].message.find("Modelfile") != std::string::npos); // what to do instead
  CHECK(codes(request().repetition_penalty(1.2).warnings(ollama)) ==
        std::vector{warning_code::ignored_by_server});
  CHECK(request().temperature(0.7).seed(1).max_tokens(20).warnings(ollama).empty());
}

TEST_CASE("OpenAI rejects the extensions, deprecates max_tokens") {
  const auto openai = profile(server_kind::openai);
  auto w = request("gpt-4o").top_k(40).warnings(openai);
  REQUIRE(codes(w) == std::vector{warning_code::rejected_by_server});
  CHECK(w[0].message == "OpenAI rejects top_k (HTTP 400): OpenAI has no top_k: use top_p to cut "
                        "the tail");
  w = request("gpt-4o").max_tokens(60).warnings(openai);
  REQUIRE(codes(w) == std::vector{warning_code::deprecated_field});
  CHECK(w[0].message == "OpenAI deprecates max_tokens: use max_completion_tokens instead");
  CHECK(request("gpt-4o").temperature(0.7).max_completion_tokens(60).warnings(openai).empty());
  // seed and user: deprecated in the spec too (pinned by tests/contract/spec.cpp).
  w = request("gpt-4o").seed(42).end_user("u-1").warnings(openai);
  REQUIRE(codes(w) == std::vector{warning_code::deprecated_field, warning_code::deprecated_field});
  CHECK(w[0].message.find("OpenAI deprecates seed: OpenAI marks seed deprecated") == 0);
  CHECK(w[1].message.find("OpenAI deprecates user: end_user() is deprecated there: use "
                          "safety_identifier()") == 0);
}

TEST_CASE("OpenAI's reasoning models: the family's refusals, by model id") {
  const auto openai = profile(server_kind::openai);
  auto w = request("gpt-5").temperature(0.7).warnings(openai);
  REQUIRE(codes(w) == std::vector{warning_code::rejected_by_model});
  CHECK(w[0].message == "gpt-5 (gpt-5) accepts only temperature 1, not 0.7: unset it");
  CHECK(request("gpt-5-mini").temperature(1.0).warnings(openai).empty());
  CHECK(codes(request("o3-mini-2025-01-31").top_p(0.9).warnings(openai)) ==
        std::vector{warning_code::rejected_by_model});
  w = request("o4-mini").max_tokens(100).warnings(openai);
  REQUIRE(codes(w) == std::vector{warning_code::rejected_by_model}); // not also deprecated_field
  CHECK(w[0].message.find("use max_completion_tokens instead") != std::string::npos);
  // gpt-5.1 and later: accepted with reasoning off (the default there).
  CHECK(request("gpt-5.1").temperature(0.7).warnings(openai).empty());
  CHECK(request("gpt-5.4")
            .temperature(0.7)
            .reasoning_effort(knobs::reasoning_effort::none)
            .warnings(openai)
            .empty());
  w = request("gpt-5.1")
          .temperature(0.7)
          .reasoning_effort(knobs::reasoning_effort::high)
          .warnings(openai);
  REQUIRE(codes(w) == std::vector{warning_code::rejected_by_model});
  CHECK(w[0].message.find("set reasoning_effort none") != std::string::npos);
  // Not reasoning models: gpt-5-chat, gpt-4o, gpt-oss.
  for (const char* m : {"gpt-5-chat-latest", "gpt-4o", "gpt-oss-120b", "o30"})
    CHECK(request(m).temperature(0.7).top_p(1.0).warnings(openai).empty());
}

TEST_CASE("the model table is the user's to extend") {
  auto mine = profile(server_kind::openai);
  knobs::model_rule row;
  row.family = "my-reasoner";
  row.matches = [](std::string_view m) { return knobs::model_id_is(m, "my-reasoner"); };
  row.refused = {"seed"};
  mine.models.insert(mine.models.begin(), row);
  const auto w = request("my-reasoner-2").seed(42).warnings(mine);
  REQUIRE(codes(w) == std::vector{warning_code::rejected_by_model});
  CHECK(w[0].message == "my-reasoner-2 (my-reasoner) refuses seed: unset it");
  // And a field rule of one's own.
  auto vllm = profile(server_kind::vllm);
  knobs::field_rule dropped;
  dropped.field = "seed";
  dropped.support = knobs::field_support::ignored;
  dropped.advice = "this build drops it";
  vllm.fields.push_back(dropped);
  CHECK(codes(request().seed(1).warnings(vllm)) == std::vector{warning_code::ignored_by_server});
}

TEST_CASE("a renamed field that extra() also sets is refused, naming both") {
  const auto llama = profile(server_kind::llamacpp);
  const auto r = request().repetition_penalty(1.1).extra("repeat_penalty", 1.3);
  CHECK_THROWS_WITH_AS(knobs::to_json(r, llama),
                       "repetition_penalty is sent to llama.cpp's server as repeat_penalty, and "
                       "extra(\"repeat_penalty\", ...) sets that field too: keep one",
                       knobs::request_error);
  // extra() alone is the user's own spelling: sent as it is.
  CHECK(knobs::to_json(request().extra("repeat_penalty", 1.3), llama)
            .find(R"("repeat_penalty":1.3)") != std::string::npos);
}

TEST_CASE("the server from the base URL's host") {
  CHECK(knobs::server_from_url("https://api.openai.com/v1") == server_kind::openai);
  CHECK(knobs::server_from_url("https://API.OpenAI.com/v1") == server_kind::openai);
  CHECK(knobs::server_from_url("https://my-res.openai.azure.com/openai/v1") ==
        server_kind::azure_openai);
  CHECK(knobs::server_from_url("https://x.cognitiveservices.azure.com/openai/v1") ==
        server_kind::azure_openai);
  CHECK(knobs::server_from_url("http://127.0.0.1:8080/v1") == server_kind::unknown);
  CHECK(knobs::server_from_url("https://api.openai.com.evil.example/v1") == server_kind::unknown);
  CHECK(knobs::server_from_url("not a url") == server_kind::unknown);
}

TEST_CASE("the server from a /v1/models answer: each recorded shape") {
  const auto from = [](const char* name) {
    return knobs::server_from_models(knobs::parse_models(fixture(name)));
  };
  CHECK(from("vllm/models.json") == server_kind::vllm);
  CHECK(from("llamacpp/models.json") == server_kind::llamacpp);
  CHECK(from("llamacpp/models_latest.json") == server_kind::llamacpp);
  CHECK(from("lmstudio/models.json") == server_kind::lmstudio);
  CHECK(from("ollama/models.json") == server_kind::ollama);
  CHECK(from("openai/models.json") == server_kind::openai);
  CHECK(from("azure/models.json") == server_kind::azure_openai);
  CHECK(from("ollama/models_empty.json") == server_kind::unknown); // nothing to go by
}

TEST_CASE("the server from a response's header fields") {
  using fields = std::vector<std::pair<std::string, std::string>>;
  CHECK(knobs::server_from_headers(fields{{"Server", "llama.cpp"}}) == server_kind::llamacpp);
  CHECK(knobs::server_from_headers(fields{{"server", "LLAMA.CPP"}}) == server_kind::llamacpp);
  CHECK(knobs::server_from_headers(fields{{"apim-request-id", "1f2e"}, {"x-request-id", "r"}}) ==
        server_kind::azure_openai);
  CHECK(knobs::server_from_headers(fields{{"X-MS-Region", "East US"}}) ==
        server_kind::azure_openai);
  CHECK(knobs::server_from_headers(fields{{"openai-version", "2020-10-01"}}) ==
        server_kind::openai);
  CHECK(knobs::server_from_headers(fields{{"openai-processing-ms", "31"}}) == server_kind::openai);
  CHECK(knobs::server_from_headers(fields{{"server", "uvicorn"}}) == server_kind::unknown);
  CHECK(knobs::server_from_headers(fields{}) == server_kind::unknown);
}

TEST_CASE("every kind has a stable name and a profile of that kind") {
  for (auto k : {server_kind::unknown, server_kind::openai, server_kind::azure_openai,
                 server_kind::vllm, server_kind::llamacpp, server_kind::ollama,
                 server_kind::lmstudio, server_kind::knobs_offline}) {
    CHECK_FALSE(knobs::to_string(k).empty());
    CHECK(profile(k).kind == k);
  }
  CHECK(profile(server_kind::unknown).fields.empty());
  CHECK(request().top_k(40).temperature(0.2).warnings(profile(server_kind::unknown)).empty());
}
