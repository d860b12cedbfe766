// Answers as C++ values (OpenAI's Structured Outputs): a struct described
// with Boost.Describe becomes the JSON Schema the answer must match, and the
// answer is read back into the struct, with the JSON path of anything that
// does not fit.
//
// With OPENAI_BASE_URL set to a server with a real model (OpenAI, vLLM,
// llama.cpp's server, Ollama, LM Studio), this prints a typed answer. knobs'
// offline model cannot write JSON: it refuses the request with a 400 naming
// response_format, and knobs' lint says so before the request is sent; the
// program shows both and says what to do.
#include <knobs/knobs.hpp>

#include "common.hpp"

#include <boost/describe/class.hpp>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

struct city_facts {
  std::string name;
  std::string country;
  std::int64_t population = 0;
  std::optional<std::string> nickname;
  std::vector<std::string> landmarks;
};
BOOST_DESCRIBE_STRUCT(city_facts, (), (name, country, population, nickname, landmarks))

// Words for the model, found by argument-dependent lookup.
knobs::schema_doc describe_schema(knobs::schema_tag<city_facts>) {
  return {"city_facts",
          "Facts about one city",
          {{"population", "Inhabitants of the city proper, a whole number"},
           {"nickname", "A nickname the city is known by, or null"},
           {"landmarks", "Up to three landmarks"}}};
}

int main() try {
  const auto request = knobs::chat_request{MODEL}
                           .system("Give facts about the city the user names.")
                           .user("Oslo")
                           .temperature(0.0)
                           .max_tokens(200)
                           .response_format(knobs::response_format_for<city_facts>());

  std::cout << "=== the schema sent with the request ===\n"
            << knobs::to_json_text(knobs::json_schema_of<city_facts>()) << "\n\n";

  try {
    const city_facts c = get_client().create(request).parse<city_facts>();
    std::cout << "=== the answer, as a city_facts ===\n"
              << "name: " << c.name << '\n'
              << "country: " << c.country << '\n'
              << "population: " << c.population << '\n'
              << "nickname: " << c.nickname.value_or("(none)") << '\n';
    for (const std::string& l : c.landmarks)
      std::cout << "landmark: " << l << '\n';
  } catch (const knobs::refusal_error& e) {
    std::cout << "=== the model refused ===\n" << e.refusal() << '\n';
  } catch (const knobs::bad_request_error& e) {
    if (knobs_examples::use_real_server())
      throw;
    std::cout << "=== the offline model refuses ===\n"
              << e.api().message << "\n\n"
              << "knobs' offline model is an n-gram model: it writes prose and cannot keep to\n"
                 "a schema, so it says no instead of answering text that would not parse.\n"
                 "Set OPENAI_BASE_URL (and OPENAI_API_KEY) to a server with a real model to\n"
                 "see a typed answer.\n";
  }
} catch (const std::exception& e) {
  std::cerr << "structured: " << e.what() << '\n';
  return 1;
}
