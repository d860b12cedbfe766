// Tests of knobs/chat_chunk.hpp: every server's stream fixture, chunk by chunk
// and folded by chat_accumulator, and the errors for bodies that are not a chunk.
#include <knobs/chat_chunk.hpp>
#include <knobs/detail/json_read.hpp> // detail::read_scratch_object

#include <doctest/doctest.h>

#include "../fixture.hpp"

#include "parse_failure.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

// The chunks of a stream fixture, one per non-empty line.
std::vector<knobs::chat_chunk> stream(const std::string& name) {
  std::istringstream lines(fixture(name));
  std::vector<knobs::chat_chunk> chunks;
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty())
      continue;
    knobs::result<knobs::chat_chunk> r = knobs::try_parse_chat_chunk(line);
    REQUIRE_MESSAGE(r.has_value(),
                    name << " line " << chunks.size() + 1 << ": " << r.error().message);
    chunks.push_back(*r);
  }
  REQUIRE_FALSE(chunks.empty());
  return chunks;
}

knobs::chat_completion fold(const std::vector<knobs::chat_chunk>& chunks) {
  knobs::chat_accumulator all;
  for (const knobs::chat_chunk& chunk : chunks)
    all.add(chunk);
  return all.take();
}

// The error for `body`, after checking that the throwing form throws the same.
knobs::error_info failure(std::string_view body) {
  return parse_failure([&] { return knobs::try_parse_chat_chunk(body); },
                       [&] { return knobs::parse_chat_chunk(body); });
}

const char* const stream_fixtures[] = {"openai/stream.jsonl", "openai/stream_tool_calls.jsonl",
                                       "vllm/stream_reasoning.jsonl", "llamacpp/stream.jsonl",
                                       "ollama/stream.jsonl"};

} // namespace

TEST_CASE("OpenAI's first chunk carries the role and an empty content") {
  const knobs::chat_chunk first = stream("openai/stream.jsonl").front();
  CHECK(first.id == "chatcmpl-knobsStream000000000001");
  CHECK(first.object == "chat.completion.chunk");
  CHECK(first.created == 1750000100);
  CHECK(first.model == "gpt-4.1-mini-2025-04-14");
  CHECK(first.system_fingerprint == "fp_knobs0a1b2c");
  CHECK(first.service_tier == "default");
  CHECK_FALSE(first.usage.has_value()); // sent as null
  REQUIRE(first.choices.size() == 1);
  CHECK(first.choices[0].delta.role == "assistant");
  CHECK(first.choices[0].delta.content == "");
  CHECK_FALSE(first.choices[0].delta.refusal.has_value());
  CHECK_FALSE(first.choices[0].finish_reason.has_value());
  CHECK(first.text().empty());
  // What knobs does not model stays at hand: the padding, and the whole text.
  CHECK(first.extensions.size() == 1);
  CHECK(first.extensions.at("obfuscation").as_string() == "qZ3x");
  CHECK(first.json == fixture("openai/stream.jsonl").substr(0, first.json.size()));
  CHECK(first.raw().at("choices").at(0).at("delta").at("refusal").is_null());
}

TEST_CASE("OpenAI's last chunk has no choices and carries the usage") {
  const knobs::chat_chunk last = stream("openai/stream.jsonl").back();
  CHECK(last.choices.empty());
  CHECK(last.text().empty());
  REQUIRE(last.usage.has_value());
  CHECK(last.usage->prompt_tokens == 16);
  CHECK(last.usage->completion_tokens == 5);
  CHECK(last.usage->total_tokens == 21);
}

TEST_CASE("a tool call fragment parses with its index, id, type, name and arguments") {
  const std::vector<knobs::chat_chunk> chunks = stream("openai/stream_tool_calls.jsonl");
  const knobs::chunk_delta& first = chunks.at(0).choices.at(0).delta;
  CHECK_FALSE(first.content.has_value()); // sent as null
  REQUIRE(first.tool_calls.size() == 1);
  CHECK(first.tool_calls[0].index == 0);
  CHECK(first.tool_calls[0].id == "call_knobsParis0001");
  CHECK(first.tool_calls[0].type == "function");
  CHECK(first.tool_calls[0].name == "get_weather");
  CHECK(first.tool_calls[0].arguments == "");

  const knobs::tool_call_delta& piece = chunks.at(1).choices.at(0).delta.tool_calls.at(0);
  CHECK(piece.index == 0);
  CHECK_FALSE(piece.id.has_value());
  CHECK_FALSE(piece.name.has_value());
  CHECK(piece.arguments == "{\"ci");

  CHECK(chunks.at(4).choices.at(0).delta.tool_calls.at(0).index == 1);
}

TEST_CASE("vLLM's reasoning_content delta is the delta's reasoning") {
  const std::vector<knobs::chat_chunk> chunks = stream("vllm/stream_reasoning.jsonl");
  const knobs::chunk_delta& d = chunks.at(1).choices.at(0).delta;
  CHECK(d.reasoning == "The");
  CHECK_FALSE(d.content.has_value());
  CHECK(chunks.at(1).text().empty());
}

TEST_CASE("llama.cpp's finishing chunk carries the usage and keeps timings in extensions") {
  const knobs::chat_chunk last = stream("llamacpp/stream.jsonl").back();
  CHECK(last.choices.at(0).finish_reason == "stop");
  CHECK_FALSE(last.choices[0].delta.content.has_value());
  REQUIRE(last.usage.has_value());
  CHECK(last.usage->total_tokens == 24);
  CHECK(last.extensions.size() == 1);
  CHECK(last.extensions.at("timings").at("predicted_n").as_int64() == 5);
  CHECK(last.raw().at("timings") == last.extensions.at("timings"));
}

TEST_CASE("the throwing and non-throwing parsers agree on every chunk of every stream") {
  for (const char* name : stream_fixtures) {
    CAPTURE(name);
    std::istringstream lines(fixture(name));
    std::string line;
    while (std::getline(lines, line)) {
      const knobs::result<knobs::chat_chunk> r = knobs::try_parse_chat_chunk(line);
      REQUIRE(r.has_value());
      const knobs::chat_chunk thrown = knobs::parse_chat_chunk(line);
      CHECK(thrown.text() == r->text());
      CHECK(thrown.json == line);
      CHECK(r->json == line);
      CHECK(thrown.extensions == r->extensions);
    }
  }
}

TEST_CASE("the accumulator folds OpenAI's stream into its text, finish reason and usage") {
  const knobs::chat_completion c = fold(stream("openai/stream.jsonl"));
  CHECK(c.object == "chat.completion");
  CHECK(c.id == "chatcmpl-knobsStream000000000001");
  CHECK(c.created == 1750000100);
  CHECK(c.model == "gpt-4.1-mini-2025-04-14");
  CHECK(c.system_fingerprint == "fp_knobs0a1b2c");
  CHECK(c.service_tier == "default");
  CHECK(c.text() == "The city glows softly.");
  REQUIRE(c.choices.size() == 1);
  CHECK(c.choices[0].message.role == "assistant");
  CHECK(c.choices[0].finish_reason == "stop");
  CHECK_FALSE(c.choices[0].message.refusal.has_value());
  CHECK(c.choices[0].message.tool_calls.empty());
  REQUIRE(c.usage.has_value()); // from the `choices: []` chunk
  CHECK(c.usage->prompt_tokens == 16);
  CHECK(c.usage->completion_tokens == 5);
  CHECK(c.usage->total_tokens == 21);
  CHECK(c.raw.empty()); // everything OpenAI sends is modelled; obfuscation is dropped
}

TEST_CASE("the accumulator joins tool call fragments by their index") {
  const knobs::chat_completion c = fold(stream("openai/stream_tool_calls.jsonl"));
  const knobs::assistant_message& m = c.choices.at(0).message;
  CHECK_FALSE(m.content.has_value());
  CHECK(c.text().empty());
  CHECK(c.choices[0].finish_reason == "tool_calls");
  REQUIRE(m.tool_calls.size() == 2);
  CHECK(m.tool_calls[0] ==
        knobs::tool_call{"call_knobsParis0001", "function", "get_weather", R"({"city": "Paris"})"});
  CHECK(m.tool_calls[1] ==
        knobs::tool_call{"call_knobsTokyo0002", "function", "get_time", R"({"city": "Tokyo"})"});
}

TEST_CASE("the accumulator keeps vLLM's reasoning apart from the content") {
  const knobs::chat_completion c = fold(stream("vllm/stream_reasoning.jsonl"));
  CHECK(c.model == "Qwen/Qwen3-8B");
  CHECK_FALSE(c.system_fingerprint.has_value());
  CHECK(c.choices.at(0).message.reasoning == "The user wants a capital.");
  CHECK(c.text() == "\n\nOttawa.");
  CHECK(c.choices[0].finish_reason == "stop");
  REQUIRE(c.usage.has_value());
  CHECK(c.usage->prompt_tokens == 14);
  CHECK(c.usage->completion_tokens == 13);
  CHECK(c.usage->total_tokens == 27);
}

TEST_CASE("a llama.cpp stream without a role chunk folds into an assistant message") {
  const knobs::chat_completion c = fold(stream("llamacpp/stream.jsonl"));
  CHECK(c.id == "chatcmpl-Sm9aA1bB2cC3dD4eE5fF6gG7hH8iI9jJ");
  CHECK(c.system_fingerprint == "b5432-a1b2c3d4");
  CHECK(c.choices.at(0).message.role == "assistant");
  CHECK(c.text() == "Night falls on the harbour.");
  CHECK(c.choices[0].finish_reason == "stop");
  REQUIRE(c.usage.has_value()); // from the finishing content chunk
  CHECK(c.usage->prompt_tokens == 19);
  CHECK(c.usage->completion_tokens == 5);
  CHECK(c.usage->total_tokens == 24);
  CHECK(c.raw.at("timings").at("predicted_n").as_int64() == 5);
  CHECK_FALSE(c.raw.contains("choices"));
}

TEST_CASE("an Ollama stream with the role in every delta folds into one message") {
  const knobs::chat_completion c = fold(stream("ollama/stream.jsonl"));
  CHECK(c.system_fingerprint == "fp_ollama");
  CHECK(c.choices.at(0).message.role == "assistant");
  CHECK(c.text() == "Paris is the capital of France.");
  CHECK(c.choices[0].finish_reason == "stop");
  REQUIRE(c.usage.has_value());
  CHECK(c.usage->total_tokens == 37);
}

TEST_CASE("the accumulated text is the concatenation of the chunks' texts") {
  for (const char* name : stream_fixtures) {
    CAPTURE(name);
    const std::vector<knobs::chat_chunk> chunks = stream(name);
    std::string joined;
    for (const knobs::chat_chunk& chunk : chunks)
      joined += chunk.text();
    CHECK(fold(chunks).text() == joined);
  }
}

TEST_CASE("the accumulator merges choices by index and keeps them in index order") {
  knobs::chat_accumulator all;
  for (const char* body :
       {R"({"choices": [{"index": 1, "delta": {"role": "assistant", "content": "B"}}]})",
        R"({"choices": [{"index": 0, "delta": {"role": "assistant", "content": "A"}}]})",
        R"({"choices": [{"index": 1, "delta": {"content": "b"}, "finish_reason": "length"},
                           {"index": 0, "delta": {"content": "a"}, "finish_reason": "stop"}]})"})
    all.add(knobs::parse_chat_chunk(body));
  const knobs::chat_completion& c = all.completion();
  REQUIRE(c.choices.size() == 2);
  CHECK(c.choices[0].index == 0);
  CHECK(c.choices[0].message.content == "Aa");
  CHECK(c.choices[0].finish_reason == "stop");
  CHECK(c.choices[1].index == 1);
  CHECK(c.choices[1].message.content == "Bb");
  CHECK(c.choices[1].finish_reason == "length");
  CHECK(c.text() == "Aa");
}

TEST_CASE("the role a chunk sends replaces the default assistant role") {
  knobs::chat_accumulator all;
  all.add(knobs::parse_chat_chunk(R"({"choices": [{"index": 0, "delta": {"content": "x"}}]})"));
  CHECK(all.completion().choices.at(0).message.role == "assistant");
  all.add(knobs::parse_chat_chunk(R"({"choices": [{"index": 0, "delta": {"role": "tool"}}]})"));
  CHECK(all.completion().choices.at(0).message.role == "tool");
}

TEST_CASE("the accumulator appends log probabilities across chunks") {
  knobs::chat_accumulator all;
  all.add(knobs::parse_chat_chunk(R"({"choices": [{"index": 0, "delta": {"content": "Hi"},
      "logprobs": {"content": [{"token": "Hi", "logprob": -0.5, "bytes": [72, 105],
                                "top_logprobs": [{"token": "Hi", "logprob": -0.5, "bytes": null}]}],
                   "refusal": null}}]})"));
  all.add(knobs::parse_chat_chunk(R"({"choices": [{"index": 0, "delta": {"content": "!"},
      "logprobs": {"content": [{"token": "!", "logprob": -1.25, "bytes": [33],
                                "top_logprobs": []}], "refusal": null}}]})"));
  const knobs::chat_completion& c = all.completion();
  REQUIRE(c.choices.at(0).logprobs.has_value());
  const std::vector<knobs::token_logprob>& tokens = c.choices[0].logprobs->content;
  REQUIRE(tokens.size() == 2);
  CHECK(tokens[0].token == "Hi");
  CHECK(tokens[0].top_logprobs.size() == 1);
  CHECK(tokens[1].token == "!");
  CHECK(tokens[1].logprob == -1.25);
  CHECK(tokens[1].bytes == std::vector<std::uint8_t>{33});
}

TEST_CASE("a delta with both reasoning spellings adds its text once") {
  knobs::chat_accumulator all;
  all.add(knobs::parse_chat_chunk(
      R"({"choices": [{"index": 0, "delta": {"reasoning": "Two", "reasoning_content": "Two"}}]})"));
  all.add(knobs::parse_chat_chunk(R"({"choices": [{"index": 0, "delta": {
      "reasoning": " plus two", "reasoning_content": " plus two"}}]})"));
  CHECK(all.completion().choices.at(0).message.reasoning == "Two plus two");
}

TEST_CASE("usage is taken from whichever chunk carries it, the last one winning") {
  knobs::chat_accumulator all;
  all.add(knobs::parse_chat_chunk(
      R"({"choices": [{"index": 0, "delta": {"content": "x"}}],
          "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})"));
  all.add(knobs::parse_chat_chunk(R"({"choices": [], "usage": null})"));
  CHECK(all.completion().usage.value().total_tokens == 2);
  all.add(knobs::parse_chat_chunk(
      R"({"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4}})"));
  CHECK(all.completion().usage.value().total_tokens == 4);
}

TEST_CASE("empty ids and names in later fragments do not erase the call's id and name") {
  knobs::chat_accumulator all;
  for (const char* body : {
           R"({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_1",
               "type": "function", "function": {"name": "get_weather", "arguments": "{\"a\""}}]}}]})",
           R"({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "", "type": "",
               "function": {"name": "", "arguments": ": 1}"}}]}}]})"})
    all.add(knobs::parse_chat_chunk(body));
  REQUIRE(all.completion().choices.at(0).message.tool_calls.size() == 1);
  CHECK(all.completion().choices[0].message.tool_calls[0] ==
        knobs::tool_call{"call_1", "function", "get_weather", R"({"a": 1})"});
}

TEST_CASE("whole tool calls sent in separate chunks without an index stay separate calls") {
  knobs::chat_accumulator all;
  all.add(knobs::parse_chat_chunk(R"({"choices": [{"index": 0, "delta": {"tool_calls": [
      {"id": "call_a", "type": "function",
       "function": {"name": "get_weather", "arguments": "{\"city\": \"Rome\"}"}}]}}]})"));
  all.add(knobs::parse_chat_chunk(R"({"choices": [{"index": 0, "delta": {"tool_calls": [
      {"id": "call_b", "type": "function",
       "function": {"name": "get_time", "arguments": "{\"city\": \"Oslo\"}"}}]}}]})"));
  all.add(knobs::parse_chat_chunk(
      R"({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})"));
  const std::vector<knobs::tool_call>& calls = all.completion().choices.at(0).message.tool_calls;
  REQUIRE(calls.size() == 2);
  CHECK(calls[0] == knobs::tool_call{"call_a", "function", "get_weather", R"({"city": "Rome"})"});
  CHECK(calls[1] == knobs::tool_call{"call_b", "function", "get_time", R"({"city": "Oslo"})"});
}

TEST_CASE("a tool call fragment without an index continues the call at its position") {
  const knobs::chat_chunk chunk = knobs::parse_chat_chunk(R"({"choices": [{"delta": {"tool_calls": [
      {"id": "a", "function": {"name": "f", "arguments": "{}"}},
      {"id": "b", "function": {"name": "g", "arguments": "[]"}}]}}]})");
  REQUIRE(chunk.choices.at(0).delta.tool_calls.size() == 2);
  CHECK(chunk.choices[0].delta.tool_calls[0].index == 0);
  CHECK(chunk.choices[0].delta.tool_calls[1].index == 1);
}

TEST_CASE("take() leaves the accumulator empty for another stream") {
  knobs::chat_accumulator all;
  for (const knobs::chat_chunk& chunk : stream("openai/stream_tool_calls.jsonl"))
    all.add(chunk);
  const knobs::chat_completion first = all.take();
  CHECK(first.choices.at(0).message.tool_calls.size() == 2);
  CHECK(all.completion().choices.empty());
  CHECK(all.completion().id.empty());
  CHECK_FALSE(all.completion().usage.has_value());

  for (const knobs::chat_chunk& chunk : stream("ollama/stream.jsonl"))
    all.add(chunk);
  const knobs::chat_completion second = all.take();
  CHECK(second.id == "chatcmpl-584");
  CHECK(second.text() == "Paris is the capital of France.");
  CHECK(second.choices.at(0).message.tool_calls.empty());
}

TEST_CASE("a wrong type in a chunk names its exact JSON path") {
  check_failures(
      {
          {R"({"choices": [{"index": 0, "delta": {"content": ["a"]}}]})",
           "choices[0].delta.content",
           "choices[0].delta.content: expected string or null, got array"},
          {R"({"choices": [{"index": 0, "delta": "hello"}]})", "choices[0].delta",
           "choices[0].delta: expected object or null, got string"},
          {R"({"choices": [{"index": 0, "delta": {"tool_calls": [
          {"index": 0, "function": {"arguments": "{"}},
          {"index": 1, "function": {"arguments": 5}}]}}]})",
           "choices[0].delta.tool_calls[1].function.arguments",
           "choices[0].delta.tool_calls[1].function.arguments: expected string or null, got "
           "number"},
          {R"({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": "0"}]}}]})",
           "choices[0].delta.tool_calls[0].index",
           "choices[0].delta.tool_calls[0].index: expected integer, got string"},
          {R"({"choices": [{"index": 0, "delta": {"reasoning_content": 1}}]})",
           "choices[0].delta.reasoning_content",
           "choices[0].delta.reasoning_content: expected string or null, got number"},
          {R"({"choices": [{"index": 0, "delta": {}, "logprobs": {"content": [
          {"token": "a", "logprob": null, "bytes": null, "top_logprobs": []}]}}]})",
           "choices[0].logprobs.content[0].logprob",
           "choices[0].logprobs.content[0].logprob: expected number, got null"},
          {R"({"choices": [{"index": 1.5, "delta": {}}]})", "choices[0].index",
           "choices[0].index: expected integer, got 1.5"},
          {R"({"choices": [], "usage": {"total_tokens": "21"}})", "usage.total_tokens",
           "usage.total_tokens: expected integer, got string"},
          {R"({"object": "chat.completion.chunk"})", "choices",
           "choices: required member is missing (expected array)"},
      },
      failure);
}

TEST_CASE("a whole completion given to the chunk parser is named as a completion") {
  const knobs::error_info info = failure(fixture("openai/completion.json"));
  CHECK(info.where == "object");
  CHECK(info.message == R"(object: expected "chat.completion.chunk", got "chat.completion")"
                        " (a complete response: use parse_chat_completion)");
}

TEST_CASE("an error event given to the chunk parser is named as an API error") {
  const knobs::error_info info =
      failure(R"({"error": {"message": "upstream timed out", "type": "server_error"}})");
  CHECK(info.where.empty());
  CHECK(info.message.rfind(R"(expected "chat.completion.chunk", got an API error body)", 0) == 0);
  CHECK(info.message.find("upstream timed out") != std::string::npos);
}

TEST_CASE("a chunk that is not JSON is an error quoting its start") {
  const knobs::error_info info = failure("[DONE]");
  CHECK(info.where.empty());
  CHECK(info.message.rfind("body is not JSON (", 0) == 0);
  CHECK(info.message.find("): [DONE]") != std::string::npos);
}

TEST_CASE("a chunk's extensions stay valid when copied, moved or kept past the chunk") {
  boost::json::object kept;
  boost::json::value field;
  std::vector<knobs::chat_chunk> copies;
  {
    knobs::chat_chunk chunk = knobs::parse_chat_chunk(
        R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",)"
        R"("choices":[{"index":0,"delta":{"content":"hi"}}],"x_extension":{"deep":[1,"two"]}})");
    kept = chunk.raw();
    field = chunk.extensions.at("x_extension");
    copies.push_back(chunk);
    copies.push_back(std::move(chunk));
    // Parsing another chunk reuses the parse arena; nothing kept points into it.
    const knobs::chat_chunk other = knobs::parse_chat_chunk(
        R"({"object":"chat.completion.chunk","choices":[],"x_extension":"overwritten?"})");
    CHECK(other.extensions.at("x_extension").as_string() == "overwritten?");
  }
  CHECK(kept.at("id").as_string() == "c1");
  CHECK(kept.at("x_extension").at("deep").at(1).as_string() == "two");
  CHECK(field.at("deep").at(1).as_string() == "two");
  for (const auto& c : copies) {
    CHECK(c.extensions.at("x_extension").at("deep").at(0).as_int64() == 1);
    CHECK(c.extensions.size() == 1); // the modelled members are typed only
    CHECK(c.text() == "hi");
  }
}

TEST_CASE("a chunk larger than the parse arena's first block parses, and so does the next") {
  const std::string words(1 << 20, 'w');
  const knobs::chat_chunk big = knobs::parse_chat_chunk(
      R"({"object":"chat.completion.chunk","choices":[{"delta":{"content":")" + words +
      R"("}}],"x":[)" + std::string(40000, '1') + "]}");
  CHECK(big.text() == words);
  CHECK(big.extensions.at("x").at(0).is_number());
  const knobs::chat_chunk small = knobs::parse_chat_chunk(
      R"({"object":"chat.completion.chunk","choices":[{"delta":{"content":"after"}}]})");
  CHECK(small.text() == "after");
  CHECK(small.extensions.empty());
}

TEST_CASE("raw() names the problem when json was changed into something that is not an object") {
  knobs::chat_chunk chunk = knobs::parse_chat_chunk(
      R"({"object":"chat.completion.chunk","choices":[{"delta":{"content":"hi"}}]})");
  chunk.json = "[1, 2]";
  CHECK_THROWS_WITH_AS(chunk.raw(), doctest::Contains("expected a JSON object, got array"),
                       knobs::parse_error);
}

TEST_CASE("a reader that parses again on the same thread gets an arena of its own") {
  using knobs::detail::read_scratch_object;
  auto field = [](const boost::json::object& o) -> knobs::result<std::string> {
    return std::string(o.at("a").as_string());
  };
  const knobs::result<std::string> outer = read_scratch_object(
      R"({"a":"outer", "b":"the outer tree must survive the inner parses"})",
      [&](const boost::json::object& o) -> knobs::result<std::string> {
        const auto first = read_scratch_object(R"({"a":"first inner"})", field);
        const auto second =
            read_scratch_object(R"({"a":"second inner, longer than the first"})", field);
        return std::string(o.at("a").as_string()) + "|" + std::string(o.at("b").as_string()) + "|" +
               *first + "|" + *second;
      });
  REQUIRE(outer.has_value());
  CHECK(*outer == "outer|the outer tree must survive the inner parses|first inner|second inner, "
                  "longer than the first");
  const knobs::result<std::string> bad = read_scratch_object("{", field);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.rfind("body is not JSON (", 0) == 0);
}
