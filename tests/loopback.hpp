// Shared by the integration tests: the options, request and answers that talk
// to a knobs::local::server on 127.0.0.1, and the check that a failure's
// texts never show the API key.
#ifndef KNOBS_TESTS_LOOPBACK_HPP
#define KNOBS_TESTS_LOOPBACK_HPP

#include <knobs/client.hpp>
#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

namespace loopback {

// The API key every test client sends; no failure text may contain it.
inline const std::string secret_key = "sk-knobs-test-SECRET-0123456789";

// Options for a client of `s`, sending secret_key, with the default retries
// and no warnings printed.
inline knobs::client_options options_for(const knobs::local::server& s) {
  knobs::client_options o;
  o.base_url = s.base_url();
  o.api_key = secret_key;
  o.on_warning = nullptr;
  return o;
}

inline knobs::client_options options_for(const knobs::local::server& s, int max_retries) {
  knobs::client_options o = options_for(s);
  o.max_retries = max_retries;
  return o;
}

inline knobs::chat_request lesson_request() {
  return knobs::chat_request{"test-model"}
      .user("In one sentence, describe a city at night.")
      .temperature(0.7)
      .max_tokens(60);
}

// A chat.completion body whose text says which request it answers.
inline std::string completion_body(const std::string& text) {
  return R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"test-model",)"
         R"("system_fingerprint":"fp_test","choices":[{"index":0,"message":{"role":"assistant",)"
         R"("content":")" +
         text +
         R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,)"
         R"("total_tokens":7}})";
}

inline knobs::local::response_plan ok(const std::string& text = "hello") {
  return knobs::local::response_plan::json(200, completion_body(text))
      .with_header("x-request-id", "req_ok");
}

// A chunk carrying `text`, in OpenAI's shape; the last one has a finish reason.
inline std::string text_chunk(const std::string& text, const char* finish = nullptr) {
  std::string out = R"({"id":"chatcmpl-s","object":"chat.completion.chunk","created":1,)"
                    R"("model":"test-model","choices":[{"index":0,"delta":{"content":")" +
                    text + R"("},"finish_reason":)";
  out += finish ? "\"" + std::string(finish) + "\"" : "null";
  return out + "}]}";
}

// Each chunk as one event, then [DONE] unless `done` is false.
inline std::vector<std::string> events_of(const std::vector<std::string>& chunks,
                                          bool done = true) {
  std::vector<std::string> events;
  for (const auto& c : chunks)
    events.push_back(knobs::local::sse_event(c));
  if (done)
    events.push_back(knobs::local::sse_event("[DONE]"));
  return events;
}

// n events of one word each ("w0 ", "w1 ", ...), then [DONE] unless `done` is false.
inline std::vector<std::string> text_events(int n, bool done = true) {
  std::vector<std::string> chunks;
  for (int i = 0; i < n; ++i)
    chunks.push_back(text_chunk("w" + std::to_string(i) + " "));
  return events_of(chunks, done);
}

using steady = std::chrono::steady_clock;

inline std::chrono::milliseconds since(steady::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t);
}

// Every text a user could see for a failure: the key must be in none of them.
inline void check_no_key(const knobs::error_info& e) {
  auto has_key = [](const std::string& text) { return text.find(secret_key) != std::string::npos; };
  CHECK_FALSE(has_key(e.message));
  CHECK_FALSE(has_key(e.where));
  if (e.api) {
    CHECK_FALSE(has_key(e.api->message));
    CHECK_FALSE(has_key(e.api->type.value_or("")));
    CHECK_FALSE(has_key(e.api->param.value_or("")));
    CHECK_FALSE(has_key(e.api->code.value_or("")));
    CHECK_FALSE(has_key(e.api->request_id));
  }
}

} // namespace loopback

#endif
