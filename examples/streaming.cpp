// temperature.py's prompt, streamed: the server sends the answer token by
// token as it is generated (Server-Sent Events), and each piece is printed the
// moment it arrives. This is what a chat UI does so the reader need not wait
// for the whole answer. The pieces, folded together, are the same completion
// create() would have returned.
#include <knobs/knobs.hpp>

#include "common.hpp"

#include <iostream>
#include <string>

int main() try {
  knobs::client& client = get_client();
  knobs::stream_options options;
  options.include_usage = true; // one last chunk with the token count
  auto request = knobs::chat_request{MODEL}
                     .user("In one sentence, describe a city at night.")
                     .temperature(0.7)
                     .max_tokens(60)
                     .stream(true)
                     .stream_options(options);

  int chunks = 0;
  std::cout << "streamed: " << std::flush;
  knobs::chat_completion whole = client.stream(request, [&](const knobs::chat_chunk& chunk) {
    std::cout << chunk.text() << std::flush; // flush: show each piece now, not at the end
    ++chunks;
  });

  std::cout << "\nfolded:   " << whole.text() << '\n'
            << chunks << " chunks, finish_reason: "
            << (whole.choices.empty() ? "-" : whole.choices[0].finish_reason.value_or("-"));
  if (whole.usage)
    std::cout << ", completion_tokens: " << whole.usage->completion_tokens;
  std::cout << '\n';
} catch (const std::exception& e) {
  std::cerr << "streaming: " << e.what() << '\n';
  return 1;
}
