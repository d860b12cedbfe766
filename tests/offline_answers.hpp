// Shared by the offline model's tests (unit and integration): the lesson's
// prompts, and the greedy answers README.md quotes for them.
#ifndef KNOBS_TESTS_OFFLINE_ANSWERS_HPP
#define KNOBS_TESTS_OFFLINE_ANSWERS_HPP

namespace offline_answers {

inline const char* const city_prompt = "In one sentence, describe a city at night.";
inline const char* const coffee_prompt = "Invent a name for a coffee shop.";
inline const char* const capital_prompt = "What is the capital of Australia?";

// {prompt, the answer at temperature 0}
inline const char* const greedy[][2] = {
    {city_prompt, "The city at night is a quiet ocean of lights, humming softly under a dark sky."},
    {coffee_prompt, "Name it Otter Steps Coffee, a cheerful name for a shop by the stream."},
    {capital_prompt, "The capital of Australia is Canberra."}};

} // namespace offline_answers

#endif
