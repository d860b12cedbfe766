// Tests of knobs/chat_completion.hpp: every server's completion fixture, and
// the errors for bodies that are not a completion.
#include <knobs/chat_completion.hpp>

#include <doctest/doctest.h>

#include "../fixture.hpp"

#include "parse_failure.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace {

knobs::chat_completion parse_fixture(const std::string& name) {
  knobs::result<knobs::chat_completion> r = knobs::try_parse_chat_completion(fixture(name));
  REQUIRE_MESSAGE(r.has_value(), name << ": " << r.error().message);
  return *r;
}

// The error for `body`, after checking that the throwing form throws the same.
knobs::error_info failure(std::string_view body) {
  return parse_failure([&] { return knobs::try_parse_chat_completion(body); },
                       [&] { return knobs::parse_chat_completion(body); });
}

} // namespace

TEST_CASE("an OpenAI completion parses with its text, fingerprint and usage") {
  const knobs::chat_completion c = parse_fixture("openai/completion.json");
  CHECK(c.id == "chatcmpl-knobsA1b2C3d4E5f6G7h8I9j0");
  CHECK(c.object == "chat.completion");
  CHECK(c.created == 1750000000);
  CHECK(c.model == "gpt-4.1-mini-2025-04-14");
  CHECK(c.system_fingerprint == "fp_knobs0a1b2c");
  CHECK(c.service_tier == "default");
  CHECK(c.text() ==
        "At night the city hums under amber streetlights while the last trams rattle home.");

  REQUIRE(c.choices.size() == 1);
  const knobs::choice& ch = c.choices[0];
  CHECK(ch.index == 0);
  CHECK(ch.finish_reason == "stop");
  CHECK_FALSE(ch.logprobs.has_value());
  CHECK(ch.message.role == "assistant");
  CHECK_FALSE(ch.message.refusal.has_value());
  CHECK_FALSE(ch.message.reasoning.has_value());
  CHECK(ch.message.tool_calls.empty());

  REQUIRE(c.usage.has_value());
  CHECK(c.usage->prompt_tokens == 21);
  CHECK(c.usage->completion_tokens == 17);
  CHECK(c.usage->total_tokens == 38);
  REQUIRE(c.usage->prompt_tokens_details.has_value());
  CHECK(c.usage->prompt_tokens_details->cached_tokens == 0);
  REQUIRE(c.usage->completion_tokens_details.has_value());
  CHECK(c.usage->completion_tokens_details->reasoning_tokens == 0);
}

TEST_CASE("the parser leaves request_id and retries for the client to fill") {
  const knobs::chat_completion c = parse_fixture("openai/completion.json");
  CHECK(c.request_id.empty());
  CHECK(c.retries == 0);
}

TEST_CASE("text() is the first choice's content when there are two choices") {
  const knobs::chat_completion c = parse_fixture("openai/completion_two_choices.json");
  REQUIRE(c.choices.size() == 2);
  CHECK(c.text() == "Neon signs flicker over wet cobblestones.");
  CHECK(c.choices[1].index == 1);
  CHECK(c.choices[1].finish_reason == "length");
  CHECK(c.choices[1].message.content == "The harbour lights blink on one by one as the");
}

TEST_CASE("logprobs parse with their tokens, values, bytes and top_logprobs") {
  const knobs::chat_completion c = parse_fixture("openai/completion_logprobs.json");
  REQUIRE(c.choices.size() == 1);
  REQUIRE(c.choices[0].logprobs.has_value());
  const knobs::choice_logprobs& lp = *c.choices[0].logprobs;
  CHECK(lp.refusal.empty());
  REQUIRE(lp.content.size() == 3);

  std::string joined;
  for (const knobs::token_logprob& t : lp.content)
    joined += t.token;
  CHECK(joined == c.text());

  const knobs::token_logprob& e_acute = lp.content[1];
  CHECK(e_acute.token == "\xC3\xA9");
  CHECK(e_acute.logprob == doctest::Approx(-0.0000017432603).epsilon(1e-12));
  CHECK(e_acute.bytes == std::vector<std::uint8_t>{195, 169});
  REQUIRE(e_acute.top_logprobs.size() == 2);
  CHECK(e_acute.top_logprobs[1].token == "e");
  CHECK(e_acute.top_logprobs[1].logprob == -13.5);
  CHECK(e_acute.top_logprobs[1].bytes == std::vector<std::uint8_t>{101});

  CHECK(lp.content[0].logprob == doctest::Approx(-0.31326166));
  CHECK(lp.content[0].top_logprobs[1].token == "Coffee");
}

TEST_CASE("a tool-call answer has a null content, an empty text and every call") {
  const knobs::chat_completion c = parse_fixture("openai/completion_tool_calls.json");
  const knobs::assistant_message& m = c.choices.at(0).message;
  CHECK_FALSE(m.content.has_value());
  CHECK(c.text().empty());
  CHECK(c.choices[0].finish_reason == "tool_calls");
  REQUIRE(m.tool_calls.size() == 2);
  CHECK(m.tool_calls[0] == knobs::tool_call{"call_knobsParis0001", "function", "get_weather",
                                            R"({"city":"Paris","unit":"celsius"})"});
  CHECK(m.tool_calls[1].id == "call_knobsTokyo0002");
  CHECK(m.tool_calls[1].arguments == R"({"city":"Tokyo","unit":"celsius"})");
}

TEST_CASE("a null content with a refusal parses as an absent text and the refusal") {
  const knobs::chat_completion c = parse_fixture("openai/completion_refusal.json");
  CHECK_FALSE(c.choices.at(0).message.content.has_value());
  CHECK(c.text().empty());
  CHECK(c.choices[0].message.refusal == "I'm sorry, but I can't help with that request.");
}

TEST_CASE("a reasoning model's usage reports its reasoning and cached tokens") {
  const knobs::chat_completion c = parse_fixture("openai/completion_reasoning_tokens.json");
  CHECK_FALSE(c.system_fingerprint.has_value()); // sent as null
  CHECK(c.service_tier == "flex");
  REQUIRE(c.usage.has_value());
  CHECK(c.usage->total_tokens == 1500);
  CHECK(c.usage->prompt_tokens_details.value().cached_tokens == 1152);
  CHECK(c.usage->completion_tokens_details.value().reasoning_tokens == 192);
}

TEST_CASE("vLLM's explicit nulls read as absent members") {
  const knobs::chat_completion c = parse_fixture("vllm/completion.json");
  CHECK(c.model == "meta-llama/Llama-3.1-8B-Instruct");
  CHECK(c.text() == "The coffee shop smells of roasted beans and rain-soaked coats.");
  CHECK_FALSE(c.system_fingerprint.has_value());
  CHECK_FALSE(c.service_tier.has_value());
  CHECK_FALSE(c.choices.at(0).message.reasoning.has_value());
  CHECK(c.choices[0].message.tool_calls.empty());
  REQUIRE(c.usage.has_value());
  CHECK(c.usage->prompt_tokens == 44);
  CHECK(c.usage->completion_tokens == 15);
  CHECK(c.usage->total_tokens == 59);
  CHECK_FALSE(c.usage->prompt_tokens_details.has_value());
  CHECK_FALSE(c.usage->completion_tokens_details.has_value());
}

TEST_CASE("raw keeps the members knobs does not model") {
  const knobs::chat_completion vllm = parse_fixture("vllm/completion.json");
  CHECK(vllm.raw.contains("kv_transfer_params"));
  CHECK(vllm.raw.at("choices").at(0).at("stop_reason").is_null());

  const knobs::chat_completion llama = parse_fixture("llamacpp/completion.json");
  CHECK(llama.raw.at("timings").at("predicted_n").as_int64() == 8);
  CHECK(llama.raw.at("timings").at("predicted_per_second").as_double() ==
        doctest::Approx(82.8912467));
}

TEST_CASE("vLLM's reasoning_content is the message's reasoning") {
  const knobs::chat_completion c = parse_fixture("vllm/completion_reasoning.json");
  CHECK(c.text() == "The capital of Canada is Ottawa.");
  CHECK(c.choices.at(0).message.reasoning ==
        "The user asks for the capital of Canada. Many people guess Toronto, but the capital is "
        "Ottawa.");
}

TEST_CASE("vLLM's tool call parses with its id, name and arguments") {
  const knobs::chat_completion c = parse_fixture("vllm/completion_tool_calls.json");
  const knobs::assistant_message& m = c.choices.at(0).message;
  CHECK_FALSE(m.content.has_value());
  REQUIRE(m.tool_calls.size() == 1);
  CHECK(m.tool_calls[0] == knobs::tool_call{"chatcmpl-tool-3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f",
                                            "function", "get_weather", R"({"city": "Lisbon"})"});
}

TEST_CASE("a llama.cpp completion parses with its build fingerprint and usage") {
  const knobs::chat_completion c = parse_fixture("llamacpp/completion.json");
  CHECK(c.id == "chatcmpl-Xk2mP9qR4sT6uV8wY0zA1bC3dE5fG7hI");
  CHECK(c.created == 1750002000);
  CHECK(c.model == "qwen2.5-1.5b-instruct-q4_k_m.gguf");
  CHECK(c.system_fingerprint == "b5432-a1b2c3d4");
  CHECK_FALSE(c.service_tier.has_value());
  CHECK(c.text() == "Rome is the capital of Italy.");
  CHECK(c.choices.at(0).finish_reason == "stop");
  CHECK_FALSE(c.choices[0].logprobs.has_value());
  REQUIRE(c.usage.has_value());
  CHECK(c.usage->prompt_tokens == 25);
  CHECK(c.usage->completion_tokens == 8);
  CHECK(c.usage->total_tokens == 33);
}

TEST_CASE("llama.cpp's reasoning_content and tool calls parse") {
  const knobs::chat_completion r = parse_fixture("llamacpp/completion_reasoning.json");
  CHECK(r.text() == "An espresso is a small, strong coffee brewed under pressure.");
  CHECK(r.choices.at(0).message.reasoning ==
        "Espresso is brewed by forcing hot water through fine coffee under pressure.");

  const knobs::chat_completion t = parse_fixture("llamacpp/completion_tool_calls.json");
  CHECK_FALSE(t.choices.at(0).message.content.has_value());
  CHECK(t.choices[0].finish_reason == "tool_calls");
  REQUIRE(t.choices[0].message.tool_calls.size() == 1);
  CHECK(t.choices[0].message.tool_calls[0] == knobs::tool_call{"Qm3nB8vC1xZ5lK7jH2gF4dS6aP9oI0uY",
                                                               "function", "get_weather",
                                                               R"({"city":"Oslo"})"});
}

TEST_CASE("an Ollama completion parses with the fp_ollama fingerprint") {
  const knobs::chat_completion c = parse_fixture("ollama/completion.json");
  CHECK(c.id == "chatcmpl-417");
  CHECK(c.model == "llama3.2");
  CHECK(c.system_fingerprint == "fp_ollama");
  CHECK(c.text() == "A flat white is espresso with a thin layer of steamed milk.");
  CHECK(c.choices.at(0).finish_reason == "stop");
  REQUIRE(c.usage.has_value());
  CHECK(c.usage->total_tokens == 48);
}

TEST_CASE("Ollama's reasoning spelling is the message's reasoning") {
  const knobs::chat_completion c = parse_fixture("ollama/completion_reasoning.json");
  CHECK(c.text() == "Canberra is the capital of Australia.");
  CHECK(c.choices.at(0).message.reasoning ==
        "Sydney is the largest city, but the capital is Canberra.");
}

TEST_CASE("Ollama's tool call parses, its empty content giving an empty text") {
  const knobs::chat_completion c = parse_fixture("ollama/completion_tool_calls.json");
  CHECK(c.choices.at(0).message.content == "");
  CHECK(c.text().empty());
  REQUIRE(c.choices[0].message.tool_calls.size() == 1);
  CHECK(c.choices[0].message.tool_calls[0] ==
        knobs::tool_call{"call_k7v2m9xq", "function", "get_weather", R"({"city":"Madrid"})"});
}

TEST_CASE("the throwing and non-throwing parsers agree on every completion fixture") {
  for (const char* name :
       {"openai/completion.json", "openai/completion_two_choices.json",
        "openai/completion_logprobs.json", "openai/completion_tool_calls.json",
        "openai/completion_refusal.json", "openai/completion_reasoning_tokens.json",
        "vllm/completion.json", "vllm/completion_reasoning.json", "vllm/completion_tool_calls.json",
        "llamacpp/completion.json", "llamacpp/completion_reasoning.json",
        "llamacpp/completion_tool_calls.json", "ollama/completion.json",
        "ollama/completion_reasoning.json", "ollama/completion_tool_calls.json"}) {
    CAPTURE(name);
    const std::string body = fixture(name);
    const knobs::result<knobs::chat_completion> r = knobs::try_parse_chat_completion(body);
    REQUIRE(r.has_value());
    const knobs::chat_completion thrown = knobs::parse_chat_completion(body);
    CHECK(thrown.text() == r->text());
    CHECK(thrown.id == r->id);
    CHECK(thrown.raw == r->raw);
  }
}

TEST_CASE("when both reasoning spellings are strings, reasoning wins") {
  const knobs::chat_completion c = knobs::parse_chat_completion(R"({"choices": [{"message": {
      "content": "4", "reasoning": "new spelling", "reasoning_content": "old spelling"}}]})");
  CHECK(c.choices.at(0).message.reasoning == "new spelling");
}

TEST_CASE("a null reasoning does not hide reasoning_content") {
  const knobs::chat_completion c = knobs::parse_chat_completion(R"({"choices": [{"message": {
      "content": "4", "reasoning": null, "reasoning_content": "2 + 2"}}]})");
  CHECK(c.choices.at(0).message.reasoning == "2 + 2");
}

TEST_CASE("a minimal body parses and absent members keep their defaults") {
  const knobs::chat_completion c =
      knobs::parse_chat_completion(R"({"choices": [{"message": {"content": "hi"}}]})");
  CHECK(c.text() == "hi");
  CHECK(c.id.empty());
  CHECK(c.object == "chat.completion");
  CHECK(c.created == 0);
  CHECK(c.model.empty());
  CHECK_FALSE(c.system_fingerprint.has_value());
  CHECK_FALSE(c.usage.has_value());
  CHECK(c.choices.at(0).message.role == "assistant");
  CHECK_FALSE(c.choices[0].finish_reason.has_value());
}

TEST_CASE("an empty choices array gives an empty text") {
  const knobs::chat_completion c = knobs::parse_chat_completion(R"({"choices": []})");
  CHECK(c.choices.empty());
  CHECK(c.text().empty());
}

TEST_CASE("a choice without an index takes its position in the array") {
  const knobs::chat_completion c = knobs::parse_chat_completion(
      R"({"choices": [{"message": {"content": "a"}}, {"message": {"content": "b"}}]})");
  REQUIRE(c.choices.size() == 2);
  CHECK(c.choices[0].index == 0);
  CHECK(c.choices[1].index == 1);
}

TEST_CASE("unknown members are ignored at every level and kept in raw") {
  const knobs::chat_completion c = knobs::parse_chat_completion(R"({
      "choices": [{"index": 0, "future": [1, 2],
                   "message": {"content": "x", "annotations": [{"type": "url_citation"}]}}],
      "x_vendor": {"gpu": "A100"}})");
  CHECK(c.text() == "x");
  CHECK(c.raw.at("x_vendor").at("gpu").as_string() == "A100");
  CHECK(c.raw.at("choices").at(0).at("future").as_array().size() == 2);
}

TEST_CASE("an integral number written with a fraction reads as an integer") {
  const knobs::chat_completion c =
      knobs::parse_chat_completion(R"({"created": 1750000000.0, "choices": []})");
  CHECK(c.created == 1750000000);
}

TEST_CASE("a custom tool call keeps its name and its input as the arguments") {
  const knobs::chat_completion c = knobs::parse_chat_completion(R"({"choices": [{"message": {
      "content": null, "tool_calls": [{"id": "call_1", "type": "custom",
      "custom": {"name": "run_sql", "input": "SELECT 1"}}]}}]})");
  REQUIRE(c.choices.at(0).message.tool_calls.size() == 1);
  CHECK(c.choices[0].message.tool_calls[0] ==
        knobs::tool_call{"call_1", "custom", "run_sql", "SELECT 1"});
}

TEST_CASE("a wrong type names its exact JSON path") {
  check_failures(
      {
          {R"({"choices": [{"message": {"content": 42}}]})", "choices[0].message.content",
           "choices[0].message.content: expected string or null, got number"},
          {R"({"choices": [{"message": {}}, {"message": {}, "finish_reason": true}]})",
           "choices[1].finish_reason",
           "choices[1].finish_reason: expected string or null, got boolean"},
          {R"({"choices": [{"message": {"role": null}}]})", "choices[0].message.role",
           "choices[0].message.role: expected string, got null"},
          {R"({"choices": [{"message": {}, "logprobs": {"content": [
          {"token": "a", "logprob": -1, "bytes": null, "top_logprobs": []},
          {"token": "b", "logprob": -1, "bytes": null,
           "top_logprobs": [{"token": "b", "logprob": "-0.5", "bytes": null}]}]}}]})",
           "choices[0].logprobs.content[1].top_logprobs[0].logprob",
           "choices[0].logprobs.content[1].top_logprobs[0].logprob: expected number, got string"},
          {R"({"choices": [{"message": {}, "logprobs": {"content": [
          {"token": "a", "logprob": -1e400, "bytes": null, "top_logprobs": []}]}}]})",
           "choices[0].logprobs.content[0].logprob",
           "choices[0].logprobs.content[0].logprob: number out of the range of a double"},
          {R"({"choices": [{"message": {}, "logprobs": {"content": [
          {"token": "a", "logprob": -1, "bytes": null,
           "top_logprobs": [{"token": "a", "logprob": 0e400, "bytes": null}]}]}}]})",
           "choices[0].logprobs.content[0].top_logprobs[0].logprob",
           "choices[0].logprobs.content[0].top_logprobs[0].logprob: number out of the range of a "
           "double"},
          {R"({"choices": [{"message": {}, "logprobs": {"content": [
          {"token": "a", "logprob": -1, "bytes": [97, 98, 256], "top_logprobs": []}]}}]})",
           "choices[0].logprobs.content[0].bytes[2]",
           "choices[0].logprobs.content[0].bytes[2]: expected integer in [0, 255], got 256"},
          {R"({"choices": [{"message": {}, "logprobs": {"refusal": {}}}]})",
           "choices[0].logprobs.refusal",
           "choices[0].logprobs.refusal: expected array or null, got object"},
          {R"({"choices": [{"message": {"tool_calls": [
          {"id": "a", "function": {"name": "f", "arguments": "{}"}},
          {"id": "b", "function": {"name": "g", "arguments": {"x": 1}}}]}}]})",
           "choices[0].message.tool_calls[1].function.arguments",
           "choices[0].message.tool_calls[1].function.arguments: expected string, got object"},
          {R"({"choices": [{"message": {"tool_calls": "none"}}]})", "choices[0].message.tool_calls",
           "choices[0].message.tool_calls: expected array or null, got string"},
          {R"({"choices": [{"message": {"tool_calls": [7]}}]})", "choices[0].message.tool_calls[0]",
           "choices[0].message.tool_calls[0]: expected object, got number"},
          {R"({"choices": [], "usage": {"prompt_tokens": 3,
          "completion_tokens_details": {"reasoning_tokens": 1.5}}})",
           "usage.completion_tokens_details.reasoning_tokens",
           "usage.completion_tokens_details.reasoning_tokens: expected integer, got 1.5"},
          {R"({"choices": [], "usage": [1]})", "usage",
           "usage: expected object or null, got array"},
          {R"({"choices": [], "created": "yesterday"})", "created",
           "created: expected integer, got string"},
          {R"({"choices": [], "created": 18446744073709551615})", "created",
           "created: expected integer, got 18446744073709551615"},
          {R"({"choices": [], "system_fingerprint": 1})", "system_fingerprint",
           "system_fingerprint: expected string or null, got number"},
          {R"({"choices": {}})", "choices", "choices: expected array, got object"},
          {R"({"choices": null})", "choices", "choices: expected array, got null"},
          {R"({"id": "x"})", "choices", "choices: required member is missing (expected array)"},
          {R"({"choices": ["x"]})", "choices[0]", "choices[0]: expected object, got string"},
          {R"({"choices": [{"index": 0}]})", "choices[0].message",
           "choices[0].message: required member is missing (expected object)"},
          {R"({"choices": [{"message": []}]})", "choices[0].message",
           "choices[0].message: expected object, got array"},
      },
      failure);
}

TEST_CASE("the first wrong type is the one reported") {
  const knobs::error_info info = failure(R"({"id": 1, "choices": [{"message": {"content": 42}}]})");
  CHECK(info.where == "id");
}

TEST_CASE("a body that is not JSON is an error with the reason and the body's start") {
  const std::string html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                           "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>"
                           "\r\n</body>\r\n</html>\r\n";
  REQUIRE(html.size() > 80);
  const knobs::error_info info = failure(html);
  CHECK(info.where.empty());
  const std::string prefix = "body is not JSON (";
  REQUIRE(info.message.rfind(prefix, 0) == 0);
  const std::string snippet = info.message.substr(info.message.find("): ") + 3);
  CHECK(snippet.size() <= 80);
  CHECK(snippet ==
        "<html>  <head><title>502 Bad Gateway</title></head>  <body>  <center><h1>502 ...");
}

TEST_CASE("a short body that is not JSON is quoted whole") {
  const knobs::error_info info = failure("Internal Server Error");
  CHECK(info.message.find("): Internal Server Error") != std::string::npos);
  CHECK(info.message.find("...") == std::string::npos);
}

TEST_CASE("the snippet of a body does not cut a UTF-8 character in two") {
  std::string body;
  for (int i = 0; i < 60; ++i)
    body += "\xC3\xA9"; // é, two bytes
  const knobs::error_info info = failure(body);
  std::string expected;
  for (int i = 0; i < 38; ++i)
    expected += "\xC3\xA9";
  CHECK(info.message.substr(info.message.find("): ") + 3) == expected + "...");
}

TEST_CASE("an empty body is an error saying so") {
  CHECK(failure("").message == "body is empty, expected a JSON object");
  CHECK(failure(" \r\n").message == "body is empty, expected a JSON object");
}

TEST_CASE("a JSON body that is not an object is an error") {
  const knobs::error_info info = failure("[1, 2]");
  CHECK(info.where.empty());
  CHECK(info.message == "body: expected a JSON object, got array");
}

TEST_CASE("a chunk given to the completion parser is named as a chunk") {
  const knobs::error_info info = failure(
      R"({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "a"}}]})");
  CHECK(info.where == "object");
  CHECK(info.message == R"(object: expected "chat.completion", got "chat.completion.chunk")"
                        " (a streaming chunk: use parse_chat_chunk)");
}

TEST_CASE("an API error body given to the completion parser is named as an error") {
  const knobs::error_info info = failure(fixture("openai/error_invalid_api_key.json"));
  CHECK(info.where.empty());
  CHECK(info.message.find(
            R"(expected "chat.completion", got an API error body (use parse_api_error))") !=
        std::string::npos);
  CHECK(info.message.find("Incorrect API key provided") != std::string::npos);

  const knobs::error_info legacy = failure(fixture("vllm/error_legacy.json"));
  CHECK(legacy.where == "object");
  CHECK(legacy.message ==
        R"(object: expected "chat.completion", got "error" (an API error: use parse_api_error))");
}

TEST_CASE("assigning a parsed completion to an existing one moves its JSON, no copy") {
  const std::string body = fixture("openai/completion.json");
  knobs::chat_completion kept = knobs::parse_chat_completion(body);
  knobs::chat_completion next = knobs::parse_chat_completion(body);
  // A parsed tree lives in an arena of its own; a default-made completion's
  // `raw` uses the default storage. Moving must keep the arena, and the very
  // same nodes.
  const boost::json::storage_ptr arena = next.raw.storage();
  const boost::json::value* choices = next.raw.if_contains("choices");
  REQUIRE(choices != nullptr);
  CHECK(arena.get() != boost::json::storage_ptr().get());
  kept = std::move(next);
  CHECK(kept.raw.storage().get() == arena.get());
  CHECK(kept.raw.if_contains("choices") == choices);
  CHECK(kept.text() == knobs::parse_chat_completion(body).text());
  CHECK(kept.raw == knobs::parse_chat_completion(body).raw);

  knobs::chat_completion fresh; // default storage
  fresh = std::move(kept);
  CHECK(fresh.raw.storage().get() == arena.get());

  // A copy is a copy: its own nodes, equal.
  knobs::chat_completion copy;
  copy = fresh;
  CHECK(copy.raw == fresh.raw);
  CHECK(copy.raw.if_contains("choices") != fresh.raw.if_contains("choices"));
}
