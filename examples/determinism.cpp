// Challenge 3, "determinism for facts": the same question five times at
// temperature 0 and five times at 1.5. At 0 the model takes the most likely
// token every time, so the five answers are identical; hot, it wanders, and
// on a fact wandering means being wrong. Start at temperature 0 whenever
// correctness matters.
#include <knobs/knobs.hpp>

#include "common.hpp"

#include <iomanip>
#include <iostream>
#include <set>
#include <string>
#include <vector>

int main() try {
  knobs::client& client = get_client();

  auto generate = [&](double temperature) {
    auto request = knobs::chat_request{MODEL}
                       .user("What is the capital of Australia?")
                       .temperature(knobs::runtime(temperature))
                       .max_tokens(30);
    return strip(client.create(request).text());
  };

  std::cout << std::fixed << std::setprecision(1);
  std::vector<std::string> cold;
  std::vector<std::string> hot;
  for (double temp : {0.0, 1.5}) {
    std::vector<std::string>& answers = temp == 0.0 ? cold : hot;
    std::cout << "\n=== temperature = " << temp << " ===\n";
    for (int i = 1; i <= 5; ++i) {
      answers.push_back(generate(temp));
      std::cout << i << ": " << answers.back() << '\n';
    }
  }

  const std::set<std::string> distinct_cold(cold.begin(), cold.end());
  const std::set<std::string> distinct_hot(hot.begin(), hot.end());
  std::cout << "\ntemperature 0.0: the 5 answers are "
            << (distinct_cold.size() == 1 ? "identical" : "NOT identical") << '\n'
            << "temperature 1.5: " << distinct_hot.size() << " distinct answers out of 5\n"
            << "temperature 0.0 names Canberra: "
            << (cold[0].find("Canberra") != std::string::npos ? "yes" : "no") << '\n';
} catch (const std::exception& e) {
  std::cerr << "determinism: " << e.what() << '\n';
  return 1;
}
