// The offline model served by knobs::local::model_server, through knobs::client
// over real sockets on 127.0.0.1: the lesson's promises measured over HTTP,
// streaming included, the OpenAI-shaped errors, and examples/common.hpp's
// default (no OPENAI_BASE_URL: the offline model, in-process).
#include <knobs/local/model_server.hpp>

#include <knobs/client.hpp>

#include "../../examples/common.hpp"
#include "../offline_answers.hpp"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

using knobs::local::model_server;
using knobs::local::received_request;
using knobs::local::response_plan;

namespace {

using offline_answers::capital_prompt;
using offline_answers::city_prompt;
using offline_answers::coffee_prompt;

model_server& shared_server() {
  static model_server server{knobs::local::model_server_options{0, true, {}}};
  return server;
}

knobs::client_options options_for(const model_server& s) {
  knobs::client_options o;
  o.base_url = s.base_url();
  o.on_warning = nullptr;
  return o;
}

knobs::client& shared_client() {
  static knobs::client client{options_for(shared_server())};
  return client;
}

knobs::chat_request ask(const char* prompt) {
  return knobs::chat_request{"gpt-oss-120b"}.user(prompt).max_tokens(60);
}

// The one streaming callback type of this file.
using chunk_function = std::function<void(const knobs::chat_chunk&)>;

knobs::chat_completion streamed(knobs::client& client, const knobs::chat_request& request,
                                std::vector<knobs::chat_chunk>* chunks = nullptr) {
  chunk_function on_chunk = [chunks](const knobs::chat_chunk& c) {
    if (chunks)
      chunks->push_back(c);
  };
  return client.stream(request, on_chunk);
}

// A request as the server sees it, for the errors the client will not send.
received_request post(std::string body, std::string target = "/v1/chat/completions") {
  received_request r;
  r.method = "POST";
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

struct api_error_fields {
  int status = 0;
  std::string type;
  std::string param; // "" for null
  std::string code;  // "" for null
  std::string message;
};

api_error_fields error_of(const response_plan& plan) {
  api_error_fields out;
  out.status = plan.status;
  const auto error = boost::json::parse(plan.body).as_object().at("error").as_object();
  out.message = std::string(error.at("message").as_string());
  out.type = std::string(error.at("type").as_string());
  if (error.at("param").is_string())
    out.param = std::string(error.at("param").as_string());
  if (error.at("code").is_string())
    out.code = std::string(error.at("code").as_string());
  return out;
}

api_error_fields bad(const std::string& fields) {
  return error_of(model_server::respond(
      shared_server().model(),
      post(R"({"model":"m","messages":[{"role":"user","content":"Hi"}])" + fields + "}")));
}

} // namespace

TEST_CASE("temperature 0: identical answers, and the same from a second server") {
  knobs::client& client = shared_client();
  model_server second{knobs::local::model_server_options{0, true, {}}};
  knobs::client other{options_for(second)};
  // The greedy answers README.md quotes.
  const auto& greedy = offline_answers::greedy;
  for (const auto& [prompt, expected] : greedy) {
    const auto request = ask(prompt).temperature(0.0);
    const knobs::chat_completion a = client.create(request);
    const knobs::chat_completion b = client.create(request);
    const knobs::chat_completion c = other.create(request);
    MESSAGE(std::string(prompt), " -> ", a.text());
    CHECK(a.text() == expected);
    CHECK(a.text() == b.text());
    CHECK(a.text() == c.text());
    CHECK(a.model == "knobs-offline-ngram");
    CHECK(a.system_fingerprint == shared_server().model().fingerprint());
    CHECK(c.system_fingerprint == a.system_fingerprint);
    CHECK(a.choices.at(0).finish_reason == "stop");
    CHECK(a.id.rfind("chatcmpl-", 0) == 0);
    CHECK(a.request_id.rfind("req_", 0) == 0);
  }
}

TEST_CASE("seed: the same seed gives the same text, other seeds other texts") {
  knobs::client& client = shared_client();
  std::set<std::string> texts;
  for (std::int64_t seed : {42, 99, 1, 2, 3}) {
    auto request = ask(coffee_prompt).temperature(1.0).max_tokens(20).seed(seed);
    const std::string first = client.create(request).text();
    CHECK(client.create(request).text() == first);
    texts.insert(first);
  }
  CHECK(texts.size() >= 4);
  // Without a seed each request draws its own.
  std::set<std::string> unseeded;
  for (int i = 0; i < 5; ++i)
    unseeded.insert(client.create(ask(city_prompt).temperature(1.0)).text());
  CHECK(unseeded.size() >= 4);
}

TEST_CASE("top_k 1, top_p 0 and min_p 1 each give the greedy answer over HTTP") {
  knobs::client& client = shared_client();
  const std::string greedy = client.create(ask(city_prompt).temperature(0.0)).text();
  CHECK(client.create(ask(city_prompt).top_k(1)).text() == greedy);
  CHECK(client.create(ask(city_prompt).top_p(0.0)).text() == greedy);
  CHECK(client.create(ask(city_prompt).min_p(1.0)).text() == greedy);
}

TEST_CASE("n choices each sample their own stream; choice 0 is the seed's own answer") {
  knobs::client& client = shared_client();
  auto request = ask(city_prompt).temperature(0.9).seed(7);
  const std::string alone = client.create(request).text();
  const knobs::chat_completion three = client.create(request.n(3));
  REQUIRE(three.choices.size() == 3);
  CHECK(three.choices[0].message.content == alone);
  std::set<std::string> distinct;
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(three.choices[i].index == static_cast<std::int64_t>(i));
    distinct.insert(three.choices[i].message.content.value_or(""));
  }
  CHECK(distinct.size() >= 2);
}

TEST_CASE("usage, finish_reason length, max_completion_tokens and stop") {
  knobs::client& client = shared_client();
  const knobs::chat_completion r = client.create(ask(city_prompt).temperature(0.0).logprobs(true));
  REQUIRE(r.usage);
  REQUIRE(r.choices.at(0).logprobs);
  CHECK(r.usage->completion_tokens ==
        static_cast<std::int64_t>(r.choices[0].logprobs->content.size()));
  CHECK(r.usage->prompt_tokens == knobs::local::offline_model::count_tokens(city_prompt) + 6);
  CHECK(r.usage->total_tokens == r.usage->prompt_tokens + r.usage->completion_tokens);

  const knobs::chat_completion cut = client.create(
      knobs::chat_request{"m"}.user(city_prompt).temperature(0.0).max_completion_tokens(3));
  CHECK(cut.choices.at(0).finish_reason == "length");
  CHECK(cut.usage->completion_tokens == 3);

  const std::string whole = r.text();
  const knobs::chat_completion stopped =
      client.create(ask(city_prompt).temperature(0.0).stop({" night", "zzz"}));
  CHECK(stopped.choices.at(0).finish_reason == "stop");
  CHECK(stopped.text() == whole.substr(0, whole.find(" night")));
}

TEST_CASE("mean chosen-token logprob over HTTP falls with temperature; 2.0 far below 0.7") {
  knobs::client& client = shared_client();
  auto mean = [&](double t) {
    double sum = 0.0;
    std::size_t n = 0;
    for (std::int64_t seed = 0; seed < 8; ++seed) {
      auto r =
          client.create(ask(city_prompt).temperature(knobs::runtime(t)).seed(seed).logprobs(true));
      for (const auto& token : r.choices.at(0).logprobs->content) {
        sum += token.logprob;
        ++n;
      }
    }
    return sum / static_cast<double>(n);
  };
  const double cold = mean(0.7);
  const double hot = mean(2.0);
  MESSAGE("mean chosen-token logprob over 8 seeds: 0.7 -> ", cold, ", 2.0 -> ", hot);
  CHECK(hot < cold - 3.0);
}

TEST_CASE("top_logprobs sum to at most 1; stream and non-stream agree") {
  knobs::client& client = shared_client();
  auto request = ask(city_prompt)
                     .temperature(1.0)
                     .seed(2025)
                     .logprobs(true)
                     .top_logprobs(5)
                     .stream_options({true, std::nullopt});
  const knobs::chat_completion plain =
      client.create(ask(city_prompt).temperature(1.0).seed(2025).logprobs(true).top_logprobs(5));
  std::vector<knobs::chat_chunk> chunks;
  const knobs::chat_completion folded = streamed(client, request, &chunks);

  REQUIRE(plain.choices.at(0).logprobs);
  const auto& tokens = plain.choices[0].logprobs->content;
  REQUIRE_FALSE(tokens.empty());
  for (const knobs::token_logprob& t : tokens) {
    REQUIRE(t.top_logprobs.size() == 5);
    double mass = 0.0;
    for (const knobs::top_logprob& alt : t.top_logprobs)
      mass += std::exp(alt.logprob);
    CHECK(mass <= 1.0 + 1e-9);
    CHECK(t.logprob <= t.top_logprobs.front().logprob + 1e-12);
    REQUIRE(t.bytes);
    CHECK(std::string(t.bytes->begin(), t.bytes->end()) == t.token);
  }

  CHECK(folded.text() == plain.text());
  CHECK(folded.choices.at(0).finish_reason == plain.choices[0].finish_reason);
  CHECK(folded.system_fingerprint == plain.system_fingerprint);
  CHECK(folded.model == plain.model);
  REQUIRE(folded.choices[0].logprobs);
  const auto& streamed_tokens = folded.choices[0].logprobs->content;
  REQUIRE(streamed_tokens.size() == tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    CHECK(streamed_tokens[i].token == tokens[i].token);
    CHECK(streamed_tokens[i].logprob == tokens[i].logprob);
    CHECK(streamed_tokens[i].top_logprobs.size() == tokens[i].top_logprobs.size());
  }
  REQUIRE(folded.usage);
  REQUIRE(plain.usage);
  CHECK(folded.usage->completion_tokens == plain.usage->completion_tokens);
  CHECK(folded.usage->prompt_tokens == plain.usage->prompt_tokens);
  // role chunk + one per token + finish chunk + usage chunk
  CHECK(chunks.size() == tokens.size() + 3);
  CHECK(chunks.front().choices.at(0).delta.role == "assistant");
  CHECK(chunks.back().choices.empty());
  CHECK(chunks.back().usage);

  // Without include_usage there is no usage chunk; the text is the same.
  std::vector<knobs::chat_chunk> bare;
  const knobs::chat_completion quiet =
      streamed(client, ask(city_prompt).temperature(1.0).seed(2025), &bare);
  CHECK(quiet.text() == plain.text());
  CHECK(bare.size() == tokens.size() + 2);
  CHECK_FALSE(bare.back().usage);
}

TEST_CASE("penalties reduce repeated words over HTTP") {
  knobs::client& client = shared_client();
  auto repeated = [&](const knobs::chat_request& base) {
    std::size_t n = 0;
    for (std::int64_t seed = 0; seed < 10; ++seed) {
      auto r = client.create(knobs::chat_request(base).seed(seed).logprobs(true));
      std::set<std::string> seen;
      for (const auto& t : r.choices.at(0).logprobs->content)
        if (!seen.insert(t.token).second)
          ++n;
    }
    return n;
  };
  const auto base = ask(city_prompt).temperature(1.5); // where answers start to repeat
  const std::size_t plain = repeated(base);
  const std::size_t penalized = repeated(knobs::chat_request(base).frequency_penalty(2.0));
  const std::size_t present = repeated(knobs::chat_request(base).presence_penalty(2.0));
  MESSAGE("repeated tokens over 10 answers: none ", plain, ", frequency 2 ", penalized,
          ", presence 2 ", present);
  CHECK(penalized < plain);
  CHECK(present < plain);
}

TEST_CASE("invalid requests get OpenAI-shaped 400s naming the field") {
  const api_error_fields t = bad(R"(,"temperature":2.5)");
  CHECK(t.status == 400);
  CHECK(t.type == "invalid_request_error");
  CHECK(t.param == "temperature");
  CHECK(t.code == "invalid_value");
  CHECK(t.message == knobs::temperature::make(2.5).error().message);

  CHECK(bad(R"(,"top_p":-0.1)").param == "top_p");
  CHECK(bad(R"(,"top_k":0)").param == "top_k");
  CHECK(bad(R"(,"min_p":2)").param == "min_p");
  CHECK(bad(R"(,"frequency_penalty":3)").param == "frequency_penalty");
  CHECK(bad(R"(,"presence_penalty":-3)").param == "presence_penalty");
  CHECK(bad(R"(,"n":0)").param == "n");
  CHECK(bad(R"(,"n":1.5)").code == "invalid_type");
  CHECK(bad(R"(,"max_tokens":0)").param == "max_tokens");
  CHECK(bad(R"(,"max_tokens":5,"max_completion_tokens":5)").param == "max_tokens");
  CHECK(bad(R"(,"top_logprobs":3)").param == "top_logprobs");
  CHECK(bad(R"(,"logprobs":true,"top_logprobs":21)").param == "top_logprobs");
  CHECK(bad(R"(,"stream_options":{"include_usage":true})").param == "stream_options");
  CHECK(bad(R"(,"stop":["a","b","c","d","e"])").param == "stop");
  CHECK(bad(R"(,"stop":7)").code == "invalid_type");
  CHECK(bad(R"(,"logit_bias":{"5":200})").param == "logit_bias");
  CHECK(bad(R"(,"logit_bias":{"x":1})").param == "logit_bias");
  CHECK(bad(R"(,"temperature":"hot")").code == "invalid_type");
  CHECK(bad(R"(,"seed":1.5)").param == "seed");
  CHECK(bad(R"(,"logprobs":1)").param == "logprobs");

  const auto& model = shared_server().model();
  const api_error_fields no_model =
      error_of(model_server::respond(model, post(R"({"messages":[]})")));
  CHECK(no_model.param == "model");
  CHECK(error_of(model_server::respond(model, post(R"({"model":"m","messages":[]})"))).param ==
        "messages");
  CHECK(
      error_of(model_server::respond(model, post(R"({"model":"m","messages":[{"content":"x"}]})")))
          .param == "messages[0].role");
  const api_error_fields malformed = error_of(model_server::respond(model, post("{nope")));
  CHECK(malformed.status == 400);
  CHECK(malformed.param.empty());
  CHECK(error_of(model_server::respond(model, post("[1]"))).status == 400);

  // Unknown fields and nulls are ignored, as OpenAI-compatible servers do.
  CHECK(
      model_server::respond(
          model,
          post(
              R"({"model":"m","messages":[{"role":"user","content":"Hi"}],"tools":[],"temperature":null,"whatever":{}})"))
          .status == 200);
}

TEST_CASE("paths: 404 for unknown ones, the model list, 405 for the wrong method") {
  const auto& model = shared_server().model();
  const api_error_fields unknown = error_of(model_server::respond(model, post("{}", "/v1/nope")));
  CHECK(unknown.status == 404);
  CHECK(unknown.code == "unknown_url");

  received_request list;
  list.method = "GET";
  list.target = "/v1/models";
  const response_plan models = model_server::respond(model, list);
  CHECK(models.status == 200);
  const auto data = boost::json::parse(models.body).as_object().at("data").as_array();
  REQUIRE(data.size() == 1);
  CHECK(data[0].as_object().at("id").as_string() == "knobs-offline-ngram");
  list.target = "/v1/models/knobs-offline-ngram";
  CHECK(model_server::respond(model, list).status == 200);
  list.target = "/v1/models/gpt-4";
  CHECK(error_of(model_server::respond(model, list)).code == "model_not_found");
  list.target = "/v1/chat/completions";
  CHECK(model_server::respond(model, list).status == 405);
}

TEST_CASE("an error over the wire reaches the client as an api_error") {
  knobs::client_options o = options_for(shared_server());
  o.base_url += "/nowhere";
  o.max_retries = 0;
  knobs::client client{o};
  const auto r = client.try_create(ask(city_prompt));
  REQUIRE_FALSE(r.has_value());
  REQUIRE(r.error().api);
  CHECK(r.error().api->status == 404);
  CHECK(r.error().api->code == "unknown_url");
}

TEST_CASE("examples/common.hpp: without OPENAI_BASE_URL, get_client() serves the offline model") {
  if (knobs_examples::use_real_server()) {
    MESSAGE("OPENAI_BASE_URL is set: the examples' default is not used here");
    return;
  }
  CHECK(MODEL == "knobs-offline-ngram");
  knobs::client& client = get_client();
  CHECK(&client == &get_client());
  CHECK(client.options().base_url.rfind("http://127.0.0.1:", 0) == 0);
  const knobs::chat_completion r = client.create(
      knobs::chat_request{MODEL}.user(capital_prompt).temperature(0.0).max_tokens(60));
  CHECK(r.model == MODEL);
  CHECK(strip("  " + r.text() + "\n") == r.text());
  CHECK(r.text() == "The capital of Australia is Canberra.");
  CHECK(strip(" \t\n") == "");
}
