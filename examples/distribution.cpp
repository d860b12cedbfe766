// The lesson's first idea made visible. At each step a model does not output
// a word: it outputs a probability distribution over every possible next
// token, and sampling turns that into one choice. This program asks the
// server for that distribution at the first token of an answer (logprobs,
// with the 20 most likely alternatives), draws it, and then reshapes it here,
// in plain C++ (knobs::distribution), with the knobs the lesson is about:
// exactly what a server does with them before it draws a token.
#include <knobs/knobs.hpp>

#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

// One bar: "  "blue"          |████████████            |  60.0%".
void bar(std::string text, double probability) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  const int width = static_cast<int>(std::lround(probability * 40));
  std::cout << "  " << std::left << std::setw(14) << ('"' + text + '"') << " |";
  for (int i = 0; i < 40; ++i)
    std::cout << (i < width ? "\u2588" : " ");
  std::cout << "| " << std::right << std::fixed << std::setprecision(1) << std::setw(5)
            << 100 * probability << "%\n";
}

// A distribution as bars, most likely first.
void draw(const std::string& title, const knobs::distribution& d) {
  std::cout << "\n=== " << title << " ===\n";
  const std::size_t shown = std::min<std::size_t>(d.size(), 8);
  for (std::size_t i = 0; i < shown; ++i)
    bar(d[i].text, d[i].probability);
  if (d.size() > shown)
    std::cout << "  (" << d.size() - shown << " more tokens)\n";
}

int main() try {
  knobs::client& client = get_client();
  auto r = client.create(knobs::chat_request{MODEL}
                             .user("In one sentence, describe a city at night.")
                             .max_tokens(1)      // only the next token
                             .logprobs(true)     // ... with its log-probability
                             .top_logprobs(20)); // ... and the 20 likeliest alternatives

  if (r.choices.empty() || !r.choices[0].logprobs || r.choices[0].logprobs->content.empty())
    throw std::runtime_error("the server returned no logprobs, so there is nothing to draw");
  const knobs::token_logprob& next = r.choices[0].logprobs->content[0];

  // The server's numbers as they came; exp(logprob) is the probability. The
  // 20 listed cannot add up to more than 100%: the rest of the vocabulary
  // shares what they leave over.
  std::cout << "the model picked \"" << next.token << "\"; what it could have picked:\n";
  std::cout << "\n=== the next-token distribution, from the server ===\n";
  double listed = 0.0;
  for (const knobs::top_logprob& t : next.top_logprobs) {
    bar(t.token, std::exp(t.logprob));
    listed += std::exp(t.logprob);
  }
  std::cout << "  (everything else: " << 100 * std::max(0.0, 1 - listed) << "%)\n";

  // The same 20 as a distribution of their own (renormalized to 100%),
  // reshaped here as a server would before drawing a token.
  std::vector<knobs::token_logit> top;
  for (const knobs::top_logprob& t : next.top_logprobs)
    top.push_back({static_cast<std::int64_t>(top.size()), t.token, t.logprob});
  if (top.empty())
    top.push_back({0, next.token, next.logprob});
  const knobs::distribution model = knobs::distribution::from_logits(top);

  draw("temperature 0.2: sharper, the likely get likelier", model.apply(knobs::temperature{0.2}));
  draw("temperature 0.7: a little sharper", model.apply(knobs::temperature{0.7}));
  draw("temperature 1.3: flatter, the tail gets a chance", model.apply(knobs::temperature{1.3}));
  draw("top_k 3: only the 3 likeliest", model.apply(knobs::top_k{3}));
  draw("top_p 0.9: the fewest tokens that make up 90%", model.apply(knobs::top_p{0.9}));
  draw("min_p 0.1: tokens at least 1/10 as likely as the top one", model.apply(knobs::min_p{0.1}));
} catch (const std::exception& e) {
  std::cerr << "distribution: " << e.what() << '\n';
  return 1;
}
