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
//
// Then it shows the difference instead of telling it: it asks for the
// distribution of the answer's first token (logprobs, the 10 likeliest) and
// draws it cut by top_p and reshaped by temperature, side by side.
#include <knobs/knobs.hpp>

#include "chart.hpp"
#include "common.hpp"

#include <cstdint>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

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

  // One distribution, two levers: the first token of the answer.
  auto r = client.create(knobs::chat_request{MODEL}
                             .user("In one sentence, describe a city at night.")
                             .temperature(1.0)
                             .max_tokens(1)
                             .logprobs(true)
                             .top_logprobs(10));
  if (r.choices.empty() || !r.choices[0].logprobs || r.choices[0].logprobs->content.empty()) {
    std::cout << "\n(this server returned no logprobs: no distribution to draw)\n";
    return 0;
  }
  std::vector<knobs::token_logit> top; // the 10 likeliest, as a distribution of their own
  for (const knobs::top_logprob& t : r.choices[0].logprobs->content[0].top_logprobs)
    top.push_back({static_cast<std::int64_t>(top.size()), t.token, t.logprob});
  if (top.empty())
    return 0;
  const knobs::distribution model = knobs::distribution::from_logits(top);
  std::cout
      << "\n=== the first token: top_p cuts the tail, temperature (temp.) reshapes it all ===\n";
  draw_side_by_side(std::cout, model,
                    {{"top_p 0.3", model.apply(knobs::top_p{0.3})},
                     {"top_p 0.7", model.apply(knobs::top_p{0.7})},
                     {"temp. 0.5", model.apply(knobs::temperature{0.5})},
                     {"temp. 1.5", model.apply(knobs::temperature{1.5})}},
                    8);
  std::cout << "\ntop_p keeps the likeliest tokens until their shares reach p and scales them up:\n"
               "the rest are cut, the order and ratios of what is left stay. Temperature cuts\n"
               "nothing: below 1 the likely grow, above 1 the tail gains on them.\n";
} catch (const std::exception& e) {
  std::cerr << "top_p_sweep: " << e.what() << '\n';
  return 1;
}
