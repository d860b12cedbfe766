// Challenge 2, "swap the lever": temperature.py again, but sweeping top_p
// (nucleus sampling) at a fixed temperature of 1.0.
//
// Temperature reshapes the whole distribution: every token's chance moves.
// top_p leaves the shape alone and cuts off the tail: it keeps the smallest
// set of most likely tokens whose probabilities add up to p, and samples only
// among those. Low p is safe but narrow; p = 1.0 keeps everything.
//
// Setting temperature and top_p together is usually a mistake (each changes
// what the other does; change one, not both), and knobs warns about it. Not
// here: temperature 1.0 divides the model's scores by 1, leaving the
// distribution exactly as the model made it, and pinning it keeps a server's
// own default (often 0.7 or 0.8) out of the experiment. So top_p is the only
// thing that moves, and knobs, seeing temperature at its neutral value, has
// nothing to warn about.
#include <knobs/knobs.hpp>

#include "common.hpp"

#include <iomanip>
#include <iostream>
#include <string>

int main() try {
  knobs::client& client = get_client();

  auto generate = [&](double p) {
    auto request = knobs::chat_request{MODEL}
                       .user("In one sentence, describe a city at night.")
                       .temperature(1.0)
                       .top_p(knobs::runtime(p))
                       .max_tokens(60);
    return strip(client.create(request).text());
  };

  std::cout << std::fixed << std::setprecision(1);
  for (double p : {0.3, 0.7, 1.0}) {
    std::cout << "\n=== top_p = " << p << " (temperature = 1.0) ===\n";
    const std::string first = generate(p);
    const std::string second = generate(p);
    std::cout << "1: " << first << '\n';
    std::cout << "2: " << second << '\n';
  }
} catch (const std::exception& e) {
  std::cerr << "top_p_sweep: " << e.what() << '\n';
  return 1;
}
