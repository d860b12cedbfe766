// A compile-time benchmark TU (compile_time.sh): a program that only builds
// the lesson's request and prints what it would send.
#include <knobs/chat_request.hpp>

#include <iostream>

int main() {
  auto request = knobs::chat_request{"gpt-oss-120b"}
                     .user("In one sentence, describe a city at night.")
                     .temperature(0.7)
                     .max_tokens(60);
  std::cout << knobs::to_json(request) << '\n';
}
