// Challenge 1, "find the breaking point": temperature.py's sweep extended
// with 1.8 and 2.0. Beside the answers it prints a number that shows
// coherence falling: the mean log-probability of the tokens that were picked,
// as the model itself scored them (logprobs: true). The offline model (and
// vLLM) report each token's log-probability under the model's own
// distribution, before temperature reshaped it, so the number says how
// surprising the model finds what was sampled. exp(mean) is the chance a
// typical picked token had. It also counts how many of the answers differ:
// variety rises as coherence falls. Then it draws both as a chart, with the
// breaking point marked; `--svg FILE` also writes the chart as SVG.
#include <knobs/knobs.hpp>

#include "chart.hpp"
#include "common.hpp"

#include <cmath>
#include <iomanip>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

int main(int argc, char** argv) try {
  std::optional<std::string> svg;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--svg" && i + 1 < argc) {
      svg = argv[++i];
    } else {
      std::cerr << "usage: breaking_point [--svg FILE]\n";
      return 2;
    }
  }
  knobs::client& client = get_client();

  // Below this mean, a typical picked token had less than a 1-in-10 chance
  // under the model: it is no longer saying what it would say, but drawing
  // from its tail. That is where sentences stop holding together.
  const double nonsense = std::log(0.1);
  const int samples = 4;
  std::optional<double> breaking_point;
  std::vector<sweep_point> sweep;

  std::cout << std::fixed;
  for (double temp : {0.0, 0.7, 1.3, 1.8, 2.0}) {
    std::cout << std::setprecision(1) << "\n=== temperature = " << temp << " ===\n";
    double sum = 0.0;
    int tokens = 0;
    std::set<std::string> answers;
    for (int sample = 1; sample <= samples; ++sample) {
      auto r = client.create(knobs::chat_request{MODEL}
                                 .user("In one sentence, describe a city at night.")
                                 .temperature(knobs::runtime(temp))
                                 .max_tokens(60)
                                 .logprobs(true));
      const std::string text = strip(r.text());
      std::cout << sample << ": " << text << '\n';
      answers.insert(text);
      if (!r.choices.empty() && r.choices[0].logprobs)
        for (const knobs::token_logprob& t : r.choices[0].logprobs->content) {
          sum += t.logprob;
          ++tokens;
        }
    }
    sweep_point point{temp, std::nullopt, static_cast<int>(answers.size()), samples};
    if (tokens == 0) {
      std::cout << "mean logprob: n/a (this server returned no logprobs; judge by eye)\n";
    } else {
      const double mean = sum / tokens;
      const double chance = 100 * std::exp(mean);
      std::cout << std::setprecision(2) << "mean logprob: " << mean << " (a typical token had a "
                << std::setprecision(chance < 10 ? 1 : 0) << chance << "% chance)\n";
      point.mean_logprob = mean;
      if (!breaking_point && mean < nonsense)
        breaking_point = temp;
    }
    std::cout << "distinct answers: " << answers.size() << " of " << samples << '\n';
    sweep.push_back(point);
  }

  draw_sweep(std::cout, sweep, nonsense, breaking_point);
  std::cout << std::setprecision(1) << '\n';
  if (breaking_point)
    std::cout << "breaking point: temperature " << *breaking_point
              << " (the first where a typical picked token had less than a 10% chance)\n";
  else
    std::cout << "breaking point: none up to 2.0 (no mean logprob fell below "
              << std::setprecision(2) << nonsense << ")\n";
  if (svg) {
    write_file(*svg, sweep_svg(sweep, nonsense, breaking_point,
                               "Finding the breaking point: " + std::string(MODEL)));
    std::cout << "chart written to " << *svg << " (open it in a browser)\n";
  }
} catch (const std::exception& e) {
  std::cerr << "breaking_point: " << e.what() << '\n';
  return 1;
}
