// The lesson's temperature.py: one prompt at three temperatures, two samples
// each, so you can compare. Run it a few times.
//
// What to look for: at 0.0 the two samples are identical (greedy decoding
// always takes the most likely token, so there is nothing random left); at
// 0.7 they differ but both read well; at 1.3 they differ a lot, and odd word
// choices creep in. That drift is the mechanism behind hallucination: a higher
// temperature makes the model more willing to pick a low-probability (often
// wrong) token.
#include <knobs/knobs.hpp>

#include "common.hpp"

#include <iomanip>
#include <iostream>
#include <string>

int main() try {
  knobs::client& client = get_client();

  auto generate = [&](double temperature) {
    auto request = knobs::chat_request{MODEL}
                       .user("In one sentence, describe a city at night.")
                       // A value from a variable is checked when it is set: a
                       // temperature outside [0, 2] throws knobs::knob_error here.
                       .temperature(knobs::runtime(temperature))
                       .max_tokens(60);
    return strip(client.create(request).text());
  };

  std::cout << std::fixed << std::setprecision(1); // 0.0, not 0, as Python prints it
  for (double temp : {0.0, 0.7, 1.3}) {
    std::cout << "\n=== temperature = " << temp << " ===\n";
    std::cout << "1: " << generate(temp) << '\n'; // two samples each, so you can compare
    std::cout << "2: " << generate(temp) << '\n';
  }
} catch (const std::exception& e) {
  std::cerr << "temperature: " << e.what() << '\n';
  return 1;
}
