// The lesson's seed.py: randomness you can reproduce. The same seed and the
// same inputs give the same output; another seed gives another output.
//
// Seeds are best-effort, not a guarantee: server batching, load or a config
// change can still nudge results. The clue is system_fingerprint, the server's
// name for the backend configuration that answered: if it changes between two
// calls, identical inputs may diverge. So this prints it beside each answer.
//
// A run you can replay: `seed --record run.jsonl` records every exchange with
// the server to a file (a cassette); `seed --replay run.jsonl` answers from
// that file alone, with no model and no network, and prints the same lines.
// That is how a test, a bug report or a cache key reproduces a specific run.
#include <knobs/knobs.hpp>

#include "common.hpp"

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

int main(int argc, char** argv) try {
  if (!use_cassette(argc, argv)) {
    std::cerr << "usage: seed [--record FILE | --replay FILE]\n";
    return 2;
  }
  knobs::client& client = get_client();
  std::optional<std::string> last_fingerprint;

  auto generate = [&](std::int64_t seed) {
    auto r = client.create(knobs::chat_request{MODEL}
                               .user("Invent a name for a coffee shop.")
                               .temperature(1.0)
                               .seed(seed)
                               .max_tokens(20));
    std::string fingerprint = r.system_fingerprint.value_or("none");
    std::string text = strip(r.text()) + "  [system_fingerprint: " + fingerprint + "]";
    if (last_fingerprint && *last_fingerprint != fingerprint)
      text += "\n  the fingerprint changed (was " + *last_fingerprint +
              "): the backend changed, so the same seed may give a different answer";
    last_fingerprint = fingerprint;
    return text;
  };

  std::cout << "seed 42: " << generate(42) << '\n';
  std::cout << "seed 42: " << generate(42) << '\n'; // should match the line above
  std::cout << "seed 99: " << generate(99) << '\n'; // should differ
} catch (const std::exception& e) {
  std::cerr << "seed: " << e.what() << '\n';
  return 1;
}
