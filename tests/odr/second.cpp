// The second translation unit of the ODR test: see first.cpp.
#include <knobs/knobs.hpp>
#include <knobs/local/certificate.hpp>
#include <knobs/local/model_server.hpp>
#include <knobs/local/offline_model.hpp>
#include <knobs/local/server.hpp>

std::string second_tu_request() {
  return knobs::to_json(knobs::chat_request{"m"}.user("hi").temperature(0.7));
}

std::string second_tu_text() {
  return knobs::parse_chat_completion(
             R"({"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hello"}}]})")
      .text();
}
