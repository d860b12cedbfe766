// The README's quick start, compiled with the examples so it never rots.
// Laid out by hand as the README shows it, so clang-format leaves it alone.
// clang-format off
#include <knobs/knobs.hpp>
#include <iostream>

int main() try {
  knobs::client client{knobs::client_options::from_env()};  // OPENAI_API_KEY, OPENAI_BASE_URL
  auto request = knobs::chat_request{"gpt-oss-120b"}
                     .user("In one sentence, describe a city at night.")
                     .temperature(0.7)
                     .max_tokens(60);
  knobs::chat_completion r = client.create(request);
  std::cout << r.text() << '\n' << r.system_fingerprint.value_or("-") << '\n';
} catch (const knobs::error& e) {  // no key, no connection, a 4xx/5xx: the message says which
  std::cerr << "error: " << e.what() << '\n';
  return 1;
}
