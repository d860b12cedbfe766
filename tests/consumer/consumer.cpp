// A user's program: builds the lesson's request, prints what it would send,
// and sends it with the blocking client to a port of 127.0.0.1 where nothing
// listens, so that the transport is linked and run (in the compiled mode,
// from the library) without a server.
#include <knobs/knobs.hpp>

#include <iostream>

int main() {
  auto request = knobs::chat_request{"gpt-oss-120b"}
                     .user("In one sentence, describe a city at night.")
                     .temperature(0.7)
                     .max_tokens(60);
  std::cout << knobs::to_json(request) << '\n' << knobs::version_string << '\n';

  knobs::client_options o;
  o.base_url = "http://127.0.0.1:1/v1";
  o.max_retries = 0;
  knobs::client client{o};
  const knobs::result<knobs::chat_completion> r = client.try_create(request);
  if (r || r.error().code != knobs::errc::connection_error) {
    std::cout << "expected a connection_error from 127.0.0.1:1\n";
    return 1;
  }
  std::cout << "connection_error: " << r.error().message << '\n';
}
