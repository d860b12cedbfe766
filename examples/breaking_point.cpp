// Challenge 1, "find the breaking point": temperature.py's sweep extended
// with 1.8 and 2.0. Beside the answers it prints a number that shows
// coherence falling: the mean log-probability of the tokens that were picked,
// as the model itself scored them (logprobs: true). The offline model (and
// vLLM) report each token's log-probability under the model's own
// distribution, before temperature reshaped it, so the number says how
// surprising the model finds what was sampled. exp(mean) is the chance a
// typical picked token had.
#include <knobs/knobs.hpp>

#include "common.hpp"

#include <cmath>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>

int main() try {
  knobs::client& client = get_client();

  // Below this mean, a typical picked token had less than a 1-in-10 chance
  // under the model: it is no longer saying what it would say, but drawing
  // from its tail. That is where sentences stop holding together.
  const double nonsense = std::log(0.1);
  std::optional<double> breaking_point;

  std::cout << std::fixed;
  for (double temp : {0.0, 0.7, 1.3, 1.8, 2.0}) {
    std::cout << std::setprecision(1) << "\n=== temperature = " << temp << " ===\n";
    double sum = 0.0;
    int tokens = 0;
    for (int sample = 1; sample <= 2; ++sample) {
      auto r = client.create(knobs::chat_request{MODEL}
                                 .user("In one sentence, describe a city at night.")
                                 .temperature(knobs::runtime(temp))
                                 .max_tokens(60)
                                 .logprobs(true));
      std::cout << sample << ": " << strip(r.text()) << '\n';
      if (!r.choices.empty() && r.choices[0].logprobs)
        for (const knobs::token_logprob& t : r.choices[0].logprobs->content) {
          sum += t.logprob;
          ++tokens;
        }
    }
    if (tokens == 0) {
      std::cout << "mean logprob: n/a (this server returned no logprobs; judge by eye)\n";
      continue;
    }
    const double mean = sum / tokens;
    const double chance = 100 * std::exp(mean);
    std::cout << std::setprecision(2) << "mean logprob: " << mean << " (a typical token had a "
              << std::setprecision(chance < 10 ? 1 : 0) << chance << "% chance)\n";
    if (!breaking_point && mean < nonsense)
      breaking_point = temp;
  }

  std::cout << std::setprecision(1) << '\n';
  if (breaking_point)
    std::cout << "breaking point: temperature " << *breaking_point
              << " (the first where a typical picked token had less than a 10% chance)\n";
  else
    std::cout << "breaking point: none up to 2.0 (no mean logprob fell below "
              << std::setprecision(2) << nonsense << ")\n";
} catch (const std::exception& e) {
  std::cerr << "breaking_point: " << e.what() << '\n';
  return 1;
}
