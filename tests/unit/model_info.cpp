// Tests of knobs/model_info.hpp: every server's GET /v1/models fixture, and
// the errors for bodies that are not a model list.
#include <knobs/model_info.hpp>

#include <doctest/doctest.h>

#include "../fixture.hpp"

#include "parse_failure.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace {

std::vector<knobs::model_info> parse_fixture(const std::string& name) {
  auto r = knobs::try_parse_models(fixture(name));
  REQUIRE_MESSAGE(r.has_value(), name << ": " << r.error().message);
  return *r;
}

knobs::error_info failure(std::string_view body) {
  return parse_failure([&] { return knobs::try_parse_models(body); },
                       [&] { return knobs::parse_models(body); });
}

std::vector<std::string> ids(const std::vector<knobs::model_info>& models) {
  std::vector<std::string> out;
  for (const auto& m : models)
    out.push_back(m.id);
  return out;
}

} // namespace

TEST_CASE("OpenAI's list: id, owned_by, created, in the server's order") {
  const auto m = parse_fixture("openai/models.json");
  REQUIRE(m.size() == 6);
  CHECK(m[0].id == "gpt-4o-mini");
  CHECK(m[0].owned_by == "system");
  CHECK(m[0].created == 1721170000);
  CHECK(m[3].owned_by == "openai-internal");
  CHECK(m[5].owned_by == "openai");
  CHECK(m[0].raw.at("object") == "model");
}

TEST_CASE("vLLM's list: owned_by vllm; root, parent and max_model_len kept in raw") {
  const auto m = parse_fixture("vllm/models.json");
  REQUIRE(m.size() == 2);
  CHECK(ids(m) == std::vector<std::string>{"llama-3.1-8b-instruct", "sql-lora"});
  for (const auto& e : m)
    CHECK(e.owned_by == "vllm");
  CHECK(m[0].raw.at("root") == "meta-llama/Llama-3.1-8B-Instruct");
  CHECK(m[0].raw.at("max_model_len") == 32768);
  CHECK(m[1].raw.at("parent") == "llama-3.1-8b-instruct"); // a LoRA adapter of the first
  CHECK(m[1].raw.at("max_model_len").is_null());
}

TEST_CASE("llama.cpp's lists: owned_by llamacpp, meta kept; the models array beside data is "
          "not read") {
  auto m = parse_fixture("llamacpp/models.json");
  REQUIRE(m.size() == 1);
  CHECK(m[0].id == "/models/qwen2.5-7b-instruct-q4_k_m.gguf");
  CHECK(m[0].owned_by == "llamacpp");
  CHECK(m[0].raw.at("meta").at("n_params") == 7615616512); // 64-bit
  for (const char* name : {"llamacpp/models_with_models_array.json", "llamacpp/models_latest.json",
                           "llamacpp/models_router.json"}) {
    CAPTURE(name);
    m = parse_fixture(name);
    REQUIRE_FALSE(m.empty());
    for (const auto& e : m) {
      CHECK(e.owned_by == "llamacpp");
      CHECK(e.created.has_value());
    }
  }
  CHECK(parse_fixture("llamacpp/models_router.json").size() == 2);
}

TEST_CASE("Ollama's list: owned_by is the namespace; no models is data null") {
  const auto m = parse_fixture("ollama/models.json");
  REQUIRE(m.size() == 5);
  CHECK(m[0].id == "llama3.2:latest");
  CHECK(m[0].owned_by == "library");
  CHECK(m[4].owned_by == "alice");
  CHECK(parse_fixture("ollama/models_empty.json").empty());
}

TEST_CASE("LM Studio's list: no created") {
  const auto m = parse_fixture("lmstudio/models.json");
  REQUIRE(m.size() == 3);
  for (const auto& e : m) {
    CHECK(e.owned_by == "organization_owner");
    CHECK_FALSE(e.created.has_value());
  }
}

TEST_CASE("Azure OpenAI's lists: created_at read as created, no owned_by; the v1 shape") {
  auto m = parse_fixture("azure/models.json");
  REQUIRE(m.size() == 5);
  CHECK(m[0].id == "gpt-4o-2024-08-06");
  CHECK_FALSE(m[0].owned_by.has_value());
  CHECK(m[0].created == 1722900000);
  CHECK(m[0].raw.at("capabilities").at("chat_completion") == true);
  m = parse_fixture("azure/models_v1.json");
  REQUIRE(m.size() == 2);
  CHECK(m[0].owned_by == "system");
}

TEST_CASE("an empty or absent data is an empty list") {
  CHECK(knobs::try_parse_models(R"({"object":"list","data":[]})")->empty());
  CHECK(knobs::try_parse_models(R"({"object":"list"})")->empty());
}

TEST_CASE("bodies that are not a model list: errors naming the JSON path") {
  check_failures(
      {
          {R"({"object":"list","data":[{"id":"a"},{"id":7}]})", "data[1].id",
           "data[1].id: expected string, got number"},
          {R"({"object":"list","data":[{"object":"model"}]})", "data[0]",
           "data[0]: required member \"id\" is missing"},
          {R"({"object":"list","data":[{"id":"a","created":"yesterday"}]})", "data[0].created",
           "data[0].created: expected integer, got string"},
          {R"({"object":"list","data":[{"id":"a","owned_by":3}]})", "data[0].owned_by",
           "data[0].owned_by: expected string or null, got number"},
          {R"({"object":"list","data":{"id":"a"}})", "data",
           "data: expected array or null, got object"},
          {R"({"object":"chat.completion","choices":[]})", "object",
           "object: expected \"list\", got \"chat.completion\" (a complete response: use "
           "parse_chat_completion)"},
      },
      failure);
  const auto e = failure("<html>404</html>");
  CHECK(e.message.find("body is not JSON") != std::string::npos);
}
