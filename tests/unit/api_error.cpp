// Tests of knobs/api_error.hpp: every server's error body shape, and the
// errors for bodies that are not one.
#include <knobs/api_error.hpp>

#include <doctest/doctest.h>

#include "../fixture.hpp"

#include "parse_failure.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace {

// Parses with both forms and checks that they agree.
knobs::api_error_info parse(std::string_view body, int status) {
  knobs::result<knobs::api_error_info> r = knobs::try_parse_api_error(body, status);
  REQUIRE_MESSAGE(r.has_value(), r.error().message);
  const knobs::api_error_info thrown = knobs::parse_api_error(body, status);
  CHECK(thrown.status == r->status);
  CHECK(thrown.message == r->message);
  CHECK(thrown.type == r->type);
  CHECK(thrown.param == r->param);
  CHECK(thrown.code == r->code);
  return *r;
}

// The error for `body`, after checking that the throwing form throws the same.
knobs::error_info failure(std::string_view body) {
  return parse_failure([&] { return knobs::try_parse_api_error(body, 400); },
                       [&] { return knobs::parse_api_error(body, 400); });
}

} // namespace

TEST_CASE("OpenAI's error keeps its string code, its type and a null param as absent") {
  const knobs::api_error_info e = parse(fixture("openai/error_invalid_api_key.json"), 401);
  CHECK(e.status == 401);
  CHECK(e.message.rfind("Incorrect API key provided: ", 0) == 0);
  CHECK(e.type == "invalid_request_error");
  CHECK_FALSE(e.param.has_value());
  CHECK(e.code == "invalid_api_key");
  CHECK(e.request_id.empty());
}

TEST_CASE("OpenAI's error names the request field at fault in param") {
  const knobs::api_error_info e = parse(fixture("openai/error_invalid_temperature.json"), 400);
  CHECK(e.param == "temperature");
  CHECK(e.code == "decimal_above_max_value");
  CHECK(e.message == "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, "
                     "but got 2.5 instead.");
}

TEST_CASE("vLLM's integer code is kept in decimal") {
  const knobs::api_error_info e = parse(fixture("vllm/error_bad_request.json"), 400);
  CHECK(e.code == "400");
  CHECK(e.type == "BadRequestError");
  CHECK_FALSE(e.param.has_value());
  CHECK(e.message.rfind("This model's maximum context length is 8192 tokens.", 0) == 0);
}

TEST_CASE("vLLM's older top-level error shape parses") {
  const knobs::api_error_info e = parse(fixture("vllm/error_legacy.json"), 404);
  CHECK(e.status == 404);
  CHECK(e.message == "The model `meta-llama/Llama-9` does not exist.");
  CHECK(e.type == "NotFoundError");
  CHECK_FALSE(e.param.has_value());
  CHECK(e.code == "404");
}

TEST_CASE("llama.cpp's error keeps its integer code and has no param") {
  const knobs::api_error_info e = parse(fixture("llamacpp/error.json"), 400);
  CHECK(e.code == "400");
  CHECK(e.type == "invalid_request_error");
  CHECK_FALSE(e.param.has_value());
  CHECK(e.message == "the request exceeds the available context size, try increasing it");

  const knobs::api_error_info loading = parse(fixture("llamacpp/error_unavailable.json"), 503);
  CHECK(loading.code == "503");
  CHECK(loading.type == "unavailable_error");
  CHECK(loading.message == "Loading model");
}

TEST_CASE("Ollama's own error shape is a message alone") {
  const knobs::api_error_info e = parse(fixture("ollama/error.json"), 404);
  CHECK(e.status == 404);
  CHECK(e.message == R"(model "llama9" not found, try pulling it first)");
  CHECK_FALSE(e.type.has_value());
  CHECK_FALSE(e.param.has_value());
  CHECK_FALSE(e.code.has_value());
}

TEST_CASE("Ollama's OpenAI-compatible error has a null code, read as absent") {
  const knobs::api_error_info e = parse(fixture("ollama/error_openai.json"), 404);
  CHECK(e.message == R"(model "llama9" not found, try pulling it first)");
  CHECK(e.type == "not_found_error");
  CHECK_FALSE(e.code.has_value());
}

TEST_CASE("the status defaults to 0, as for an error event inside a stream") {
  const knobs::api_error_info e =
      knobs::parse_api_error(R"({"error": {"message": "overloaded", "code": -32000}})");
  CHECK(e.status == 0);
  CHECK(e.code == "-32000");
  CHECK_FALSE(e.type.has_value());
}

TEST_CASE("an error object without a message has an empty message") {
  const knobs::api_error_info e = parse(R"({"error": {"type": "server_error"}})", 500);
  CHECK(e.message.empty());
  CHECK(e.type == "server_error");
}

TEST_CASE("a wrong type in an error body names its JSON path") {
  check_failures(
      {
          {R"({"error": {"message": "x", "code": true}})", "error.code",
           "error.code: expected string, integer or null, got boolean"},
          {R"({"error": {"message": "x", "code": 1.5}})", "error.code",
           "error.code: expected string, integer or null, got number"},
          {R"({"error": {"message": 42}})", "error.message",
           "error.message: expected string, got number"},
          {R"({"error": {"message": "x", "param": ["temperature"]}})", "error.param",
           "error.param: expected string or null, got array"},
          {R"({"error": {"message": "x", "type": {}}})", "error.type",
           "error.type: expected string or null, got object"},
          {R"({"error": 500})", "error", "error: expected object or string, got number"},
          {R"({"object": "error", "message": "x", "type": 7})", "type",
           "type: expected string or null, got number"},
      },
      failure);
}

TEST_CASE("a JSON body that is not an error body is an error quoting it") {
  const knobs::error_info info = failure(R"({"choices": []})");
  CHECK(info.where.empty());
  CHECK(info.message ==
        R"(body is not an API error (expected an "error" member): {"choices": []})");
  CHECK(failure(R"({"error": null})").message.rfind("body is not an API error", 0) == 0);
  CHECK(failure(R"({"object": "chat.completion"})").message.rfind("body is not an API error", 0) ==
        0);
}

TEST_CASE("an error body that is not JSON is an error with the reason and the body's start") {
  const knobs::error_info info = failure("<html><body><h1>502 Bad Gateway</h1></body></html>");
  CHECK(info.where.empty());
  CHECK(info.message ==
        "body is not JSON (syntax error): <html><body><h1>502 Bad Gateway</h1></body></html>");
  CHECK(failure("").message == "body is empty, expected a JSON object");
  CHECK(failure(R"("error")").message == "body: expected a JSON object, got string");
}
