#include <knobs/local/response_plan.hpp>

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <string>

using knobs::local::received_request;
using knobs::local::response_plan;

TEST_CASE("a received request finds a header whatever the case of its name") {
  received_request request;
  request.headers = {{"Content-Type", "application/json"},
                     {"X-Stainless-Retry-Count", "2"},
                     {"x-stainless-retry-count", "3"}};
  CHECK(request.header("content-type") == "application/json");
  CHECK(request.header("CONTENT-TYPE") == "application/json");
  CHECK(request.header("x-stainless-retry-count") == "2"); // the first of two
  CHECK_FALSE(request.header("authorization").has_value());
  CHECK_FALSE(request.header("content-typ").has_value());
}

TEST_CASE("a default plan is a 200 with a JSON content type and no fault") {
  const response_plan plan;
  CHECK(plan.status == 200);
  CHECK(plan.content_type == "application/json");
  CHECK(plan.headers.empty());
  CHECK(plan.body.empty());
  CHECK(plan.parts.empty());
  CHECK(plan.delay.count() == 0);
  CHECK_FALSE(plan.close_without_response);
  CHECK_FALSE(plan.close_after_bytes.has_value());
  CHECK_FALSE(plan.content_length.has_value());
  CHECK_FALSE(plan.close_after_parts.has_value());
  CHECK_FALSE(plan.stall_after_parts.has_value());
  CHECK_FALSE(plan.close_after_response);
  CHECK(plan.repeat == 1);
  CHECK_FALSE(plan.raw.has_value());
  CHECK(plan.byte_interval.count() == 0);
  CHECK_FALSE(plan.reset);
}

TEST_CASE("json() sets the status and the body") {
  const response_plan plan = response_plan::json(201, R"({"ok":true})");
  CHECK(plan.status == 201);
  CHECK(plan.body == R"({"ok":true})");
  CHECK(plan.content_type == "application/json");
}

TEST_CASE("api_error() writes the error body in OpenAI's shape, with null for what is absent") {
  const response_plan plan = response_plan::api_error(400, "temperature is too high",
                                                      "invalid_request_error", "temperature");
  CHECK(plan.status == 400);
  CHECK(plan.body == R"({"error":{"message":"temperature is too high",)"
                     R"("type":"invalid_request_error","param":"temperature","code":null}})");

  const response_plan with_code =
      response_plan::api_error(429, "slow down", "rate_limit_error", std::nullopt, "rate_limited");
  CHECK(with_code.body == R"({"error":{"message":"slow down","type":"rate_limit_error",)"
                          R"("param":null,"code":"rate_limited"}})");
}

TEST_CASE("api_error_body() escapes what it quotes") {
  const std::string body = knobs::local::api_error_body("say \"hi\"\nplease", "server_error");
  const auto parsed = boost::json::parse(body);
  CHECK(parsed.at("error").at("message").as_string() == "say \"hi\"\nplease");
  CHECK(parsed.at("error").at("type").as_string() == "server_error");
  CHECK(parsed.at("error").at("param").is_null());
  CHECK(parsed.at("error").at("code").is_null());
}

TEST_CASE("sse_event() frames data as one Server-Sent Event") {
  CHECK(knobs::local::sse_event("[DONE]") == "data: [DONE]\n\n");
  CHECK(knobs::local::sse_event(R"({"a":1})") == "data: {\"a\":1}\n\n");
  CHECK(knobs::local::sse_event("one\ntwo") == "data: one\ndata: two\n\n");
  CHECK(knobs::local::sse_event("") == "data: \n\n");
  CHECK(knobs::local::sse_event(R"({"error":{}})", "error") ==
        "event: error\ndata: {\"error\":{}}\n\n");
}

TEST_CASE("event_stream() serves its events as parts of a text/event-stream") {
  const response_plan plan =
      response_plan::event_stream({knobs::local::sse_event("a"), knobs::local::sse_event("[DONE]")},
                                  std::chrono::milliseconds(20));
  CHECK(plan.status == 200);
  CHECK(plan.content_type == "text/event-stream");
  REQUIRE(plan.parts.size() == 2);
  CHECK(plan.parts[0] == "data: a\n\n");
  CHECK(plan.parts[1] == "data: [DONE]\n\n");
  CHECK(plan.part_delay == std::chrono::milliseconds(20));
}

TEST_CASE("with_header() adds header fields, in order, on a temporary or on a named plan") {
  const response_plan chained = response_plan::json(429, "{}")
                                    .with_header("Retry-After", "2")
                                    .with_header("x-request-id", "req_1");
  REQUIRE(chained.headers.size() == 2);
  CHECK(chained.headers[0] == knobs::local::header_field{"Retry-After", "2"});
  CHECK(chained.headers[1] == knobs::local::header_field{"x-request-id", "req_1"});

  response_plan named;
  named.with_header("x-should-retry", "false");
  REQUIRE(named.headers.size() == 1);
  CHECK(named.headers[0].first == "x-should-retry");
}
