// The offline n-gram model, without a network: its tokenizer, its
// probabilities against hand-computed values on a two-sentence corpus, and on
// knobs' own corpus the effects the lesson promises, measured over seeds.
#include <knobs/local/detail/corpus.hpp>
#include <knobs/local/offline_model.hpp>

#include <doctest/doctest.h>

#include "../offline_answers.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <iterator>
#include <set>
#include <string>
#include <vector>

using knobs::local::generation;
using knobs::local::generation_options;
using knobs::local::offline_model;

namespace {

using offline_answers::capital_prompt;
using offline_answers::city_prompt;
using offline_answers::coffee_prompt;

// One model for the whole program: it is immutable, and training takes a few ms.
const offline_model& model() {
  static const offline_model m;
  return m;
}

generation_options at(double temperature, std::int64_t max_tokens = 60) {
  generation_options o;
  o.sampling.temperature = knobs::temperature{knobs::runtime(temperature)};
  o.max_tokens = max_tokens;
  return o;
}

generation run(const char* prompt, const generation_options& o, std::int64_t seed) {
  knobs::generator gen{knobs::seed{seed}};
  return model().generate(prompt, o, gen);
}

// The mean log probability (under the model) of the tokens chosen over `seeds` answers.
double mean_logprob(const char* prompt, const generation_options& o, int seeds) {
  double sum = 0.0;
  std::size_t count = 0;
  for (int s = 0; s < seeds; ++s)
    for (const auto& t : run(prompt, o, s).tokens) {
      sum += t.logprob;
      ++count;
    }
  return sum / static_cast<double>(count);
}

// How many tokens of an answer repeat an earlier one (tokens - distinct tokens).
std::size_t repeats(const generation& g) {
  std::set<std::int64_t> distinct;
  for (const auto& t : g.tokens)
    distinct.insert(t.id);
  return g.tokens.size() - distinct.size();
}

// The lower-case words of a text (its tokens without their leading space,
// punctuation left out).
std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  for (std::string t : offline_model::tokenize(text)) {
    if (t[0] == ' ')
      t.erase(0, 1);
    const auto first = static_cast<unsigned char>(t[0]);
    if (!std::isalnum(first) && first < 0x80)
      continue;
    for (char& ch : t)
      if (ch >= 'A' && ch <= 'Z')
        ch = static_cast<char>(ch - 'A' + 'a');
    out.push_back(std::move(t));
  }
  return out;
}

// Each run of three consecutive words of a text, as "a b c".
std::vector<std::string> trigrams_of(std::string_view text) {
  const std::vector<std::string> w = words_of(text);
  std::vector<std::string> out;
  for (std::size_t i = 2; i < w.size(); ++i)
    out.push_back(w[i - 2] + ' ' + w[i - 1] + ' ' + w[i]);
  return out;
}

} // namespace

TEST_CASE("the tokenizer splits words with their leading space and punctuation alone") {
  CHECK(offline_model::tokenize("The capital of Australia is Canberra.") ==
        std::vector<std::string>{"The", " capital", " of", " Australia", " is", " Canberra", "."});
  CHECK(offline_model::tokenize("  Hello,  world!\n") ==
        std::vector<std::string>{"Hello", ",", " world", "!"});
  // A '.' between letters stays in the word; apostrophes and hyphens too.
  CHECK(offline_model::tokenize("Washington, D.C. isn't far-off.") ==
        std::vector<std::string>{"Washington", ",", " D.C", ".", " isn't", " far-off", "."});
  CHECK(offline_model::tokenize("").empty());
  CHECK(offline_model::count_tokens("a (b) c") == 5);
}

TEST_CASE("token ids are vocabulary indices in order of first appearance") {
  const auto& vocabulary = model().vocabulary();
  REQUIRE(vocabulary.size() > 1000);
  for (std::size_t i : {std::size_t(0), std::size_t(17), vocabulary.size() - 1})
    CHECK(model().token_id(vocabulary[i]) == static_cast<std::int64_t>(i));
  CHECK(vocabulary[0] == "At"); // the corpus's first sentence opens "At night the city"
  CHECK_FALSE(model().token_id(" xylophone-unknown").has_value());
  CHECK(model().ends_sentence(*model().token_id(".")));
  CHECK_FALSE(model().ends_sentence(*model().token_id(",")));
  CHECK(model().sentence_count() == 473);
}

TEST_CASE("the fingerprint is stable and changes with the corpus or the parameters") {
  const std::string fp = model().fingerprint();
  CHECK(fp.size() == 15);
  CHECK(fp.rfind("fp_", 0) == 0);
  CHECK(fp.find_first_not_of("0123456789abcdef", 3) == std::string::npos);
  CHECK(offline_model{}.fingerprint() == fp);

  knobs::local::offline_model_parameters other;
  other.floor_weight = 0.02;
  CHECK(offline_model{other}.fingerprint() != fp);

  const std::vector<knobs::local::training_sentence> a = {{"t", "Go home."}};
  const std::vector<knobs::local::training_sentence> b = {{"t", "Go away."}};
  CHECK(offline_model(a, {}).fingerprint() != offline_model(b, {}).fingerprint());
  CHECK(offline_model(a, {}).fingerprint() == offline_model(a, {}).fingerprint());
}

TEST_CASE("bad parameters and an empty corpus are rejected") {
  knobs::local::offline_model_parameters p;
  p.floor_weight = 0.0;
  CHECK_THROWS_AS(offline_model{p}, std::invalid_argument);
  p = {};
  p.bigram_weight = -1;
  CHECK_THROWS_AS(offline_model{p}, std::invalid_argument);
  p = {};
  p.tail_tokens = 0;
  CHECK_THROWS_AS(offline_model{p}, std::invalid_argument);
  CHECK_THROWS_AS(offline_model({}, {}), std::invalid_argument);
}

TEST_CASE("the next-token probabilities match hand-computed interpolation") {
  // Two sentences: "Go"=0, " home"=1, "."=2, " away"=3.
  const offline_model tiny({{"t", "Go home."}, {"t", "Go away."}}, {});
  REQUIRE(tiny.vocabulary() == std::vector<std::string>{"Go", " home", ".", " away"});
  const double l5 = 0.85, l4 = 0.1, l3 = 0.03, l2 = 0.015, l1 = 0.004, l0 = 0.001;
  const double ngrams = l5 + l4 + l3 + l2; // every context of "Go" was seen

  SUBCASE("without prompt words every sentence weighs 1") {
    const auto c = tiny.condition("");
    CHECK(c.topic.empty());
    // The start: only "Go" opens a sentence, so it is certain.
    const knobs::distribution first = tiny.next(c, {});
    CHECK(first.size() == 1);
    CHECK(first.probability_of(0) == doctest::Approx(1.0));
    // After "Go": the n-grams say home/away 1/2 each; the tail set is every
    // later token, with unigram counts home 1, "." 2, away 1 (of 4).
    const knobs::distribution d = tiny.next(c, {0});
    CHECK(d.probability_of(1) == doctest::Approx(ngrams * 0.5 + l1 * 0.25 + l0 / 3));
    CHECK(d.probability_of(3) == doctest::Approx(ngrams * 0.5 + l1 * 0.25 + l0 / 3));
    CHECK(d.probability_of(2) == doctest::Approx(l1 * 0.5 + l0 / 3));
    // After "Go home": only "." was seen; bigram " home" -> "." too.
    const knobs::distribution end = tiny.next(c, {0, 1});
    CHECK(end.probability_of(2) == doctest::Approx(ngrams + l1 * 0.5 + l0 / 3));
  }

  SUBCASE("a prompt word weighs its sentences by its rarity") {
    const auto c = tiny.condition("Home?");
    CHECK(c.words == std::vector<std::string>{"home"});
    const double boost = 1 + 3.0 * std::log(2.0 / 1.0); // word_boost * ln(2 sentences / 1)
    REQUIRE(c.sentence_weights.size() == 2);
    CHECK(c.sentence_weights[0] == doctest::Approx(boost));
    CHECK(c.sentence_weights[1] == doctest::Approx(1.0));
    const knobs::distribution d = tiny.next(c, {0});
    const double tail_total = boost + (boost + 1) + 1;
    CHECK(d.probability_of(1) ==
          doctest::Approx(ngrams * boost / (boost + 1) + l1 * boost / tail_total + l0 / 3));
    CHECK(d.probability_of(3) ==
          doctest::Approx(ngrams * 1 / (boost + 1) + l1 * 1 / tail_total + l0 / 3));
  }
}

TEST_CASE("prompts choose their topic by keywords") {
  CHECK(model().condition(city_prompt).topic == "city_night");
  CHECK(model().condition(coffee_prompt).topic == "coffee_shop");
  CHECK(model().condition(capital_prompt).topic == "capitals");
  CHECK(model().condition("Zzz qqq.").topic.empty());
}

TEST_CASE("temperature 0 gives one answer, whole sentences, the same from two models") {
  const offline_model second;
  // The greedy answers README.md quotes.
  const auto& greedy = offline_answers::greedy;
  for (const auto& [prompt, expected] : greedy) {
    const generation a = run(prompt, at(0.0), 1);
    const generation b = run(prompt, at(0.0), 2); // another seed: greedy ignores it
    knobs::generator gen{knobs::seed{3}};
    const generation c = second.generate(prompt, at(0.0), gen);
    MESSAGE(std::string(prompt), " -> ", a.text);
    CHECK(a.text == expected);
    CHECK(a.text == b.text);
    CHECK(a.text == c.text);
    CHECK(a.finish_reason == "stop");
    CHECK(model().ends_sentence(a.tokens.back().id));
    std::string joined;
    for (const auto& t : a.tokens)
      joined += t.text;
    CHECK(joined == a.text);
  }
}

TEST_CASE("the same seed gives the same answer, other seeds other answers") {
  const generation_options o = at(1.0, 20); // the lesson's seed.py
  std::set<std::string> answers;
  for (std::int64_t seed : {42, 99, 7, 1234, -5, 2025, 31337, 8}) {
    const generation a = run(coffee_prompt, o, seed);
    CHECK(run(coffee_prompt, o, seed).text == a.text);
    answers.insert(a.text);
  }
  MESSAGE("distinct answers out of 8 seeds at temperature 1.0: ", answers.size());
  // A model sure of its sentences gives two seeds the same answer now and
  // then (here 99 and -5); the lesson's pair, 42 and 99, differ.
  CHECK(answers.size() == 7);
  CHECK(run(coffee_prompt, o, 42).text != run(coffee_prompt, o, 99).text);
}

TEST_CASE("top_k 1, top_p 0 and min_p 1 each give the greedy answer") {
  for (const char* prompt : {city_prompt, coffee_prompt, capital_prompt}) {
    const std::string greedy = run(prompt, at(0.0), 0).text;
    for (std::int64_t seed = 0; seed < 5; ++seed) {
      generation_options k;
      k.sampling.top_k = knobs::top_k{1};
      generation_options p;
      p.sampling.top_p = knobs::top_p{0.0};
      generation_options m;
      m.sampling.min_p = knobs::min_p{1.0};
      CHECK(run(prompt, k, seed).text == greedy);
      CHECK(run(prompt, p, seed).text == greedy);
      CHECK(run(prompt, m, seed).text == greedy);
    }
  }
}

// Over 40 seeds of the city prompt (60 tokens at most) the mean log probability
// of the chosen tokens under the model is pinned below (README.md quotes the
// figures rounded): at 2.0 the average chosen token is some e^5 = 150 times
// less likely than at 0.7. The seeds fix every draw, so the means are pinned
// to within 0.001 (room for a libm whose exp and log round differently, not
// for a changed model). Greedy answers are not the likeliest on average (each
// step is, the answer as a whole need not be), so the fall is from 0.7 on.
TEST_CASE("the chosen tokens' mean logprob falls as temperature rises; at 2.0 far below 0.7") {
  const double temperatures[] = {0.0, 0.7, 1.0, 1.3, 1.5, 2.0};
  const double expected[] = {-0.345, -0.326, -0.558, -1.565, -3.040, -5.363};
  std::vector<double> means;
  for (std::size_t i = 0; i < std::size(temperatures); ++i) {
    means.push_back(mean_logprob(city_prompt, at(temperatures[i]), 40));
    MESSAGE("temperature ", temperatures[i], ": mean chosen-token logprob ", means.back());
    CHECK(std::abs(means.back() - expected[i]) < 0.001);
  }
  for (std::size_t i = 2; i < means.size(); ++i)
    CHECK(means[i] < means[i - 1]);
  CHECK(means[0] > -0.5); // 0 and 0.7 are fluent
  CHECK(means[1] > -0.5);
  CHECK(means[5] < means[1] - 3.0);
  CHECK(means[3] > -2.30); // 1.3: odd words, not yet below ln(0.1) on average
  CHECK(means[4] < -2.30); // 1.5: below it, losing the thread
}

// The lesson's promise, measured the way a reader judges it: how much of an
// answer reads like the corpus, as the share of its word trigrams that occur
// in some training sentence, over 40 seeds of the city and coffee-shop
// prompts (60 tokens at most). A real model writes fluently at its own
// distribution (1.0) and below, loses the thread past it, and writes word
// salad by 2.0; so must this one. README.md ("The offline model") quotes
// the curve: 100 % at 0 and 0.7, 96.9 % at 1.0, 76.7 % at 1.3, 47.0 % at
// 1.5, 10.2 % at 2.0.
TEST_CASE("the temperature curve: answers read like the corpus up to 1.0, break by 2.0") {
  std::set<std::string> corpus;
  for (const auto& sentence : knobs::local::detail::corpus)
    for (std::string& t : trigrams_of(sentence.text))
      corpus.insert(std::move(t));
  const double temperatures[] = {0.0, 0.7, 1.0, 1.3, 1.5, 2.0};
  std::vector<double> found;
  for (double temperature : temperatures) {
    std::size_t in_corpus = 0;
    std::size_t all = 0;
    for (const char* prompt : {city_prompt, coffee_prompt})
      for (std::int64_t seed = 1; seed <= 40; ++seed)
        for (const std::string& t : trigrams_of(run(prompt, at(temperature), seed).text)) {
          ++all;
          in_corpus += corpus.count(t);
        }
    REQUIRE(all > 0);
    found.push_back(100.0 * static_cast<double>(in_corpus) / static_cast<double>(all));
    MESSAGE("temperature ", temperature, ": ", found.back(), " % of ", all,
            " answer trigrams are in the corpus");
  }
  CHECK(found[0] == doctest::Approx(100.0)); // greedy: whole training sentences
  CHECK(found[1] >= 98.0);
  CHECK(found[2] >= 95.0);
  CHECK(found[3] >= 60.0);
  CHECK(found[3] <= 90.0);
  CHECK(found[5] <= 30.0);
  for (std::size_t i = 1; i < found.size(); ++i)
    CHECK(found[i] <= found[i - 1]);
}

TEST_CASE("at temperature 1.5 answers vary; at 0.7 they stay close to the corpus") {
  std::set<std::string> hot;
  for (std::int64_t seed = 0; seed < 10; ++seed)
    hot.insert(run(capital_prompt, at(1.5), seed).text);
  MESSAGE("distinct answers out of 10 at temperature 1.5: ", hot.size());
  CHECK(hot.size() == 10);
}

TEST_CASE("frequency, presence and repetition penalties reduce repeated tokens") {
  auto total_repeats = [](generation_options o) {
    std::size_t n = 0;
    for (std::int64_t seed = 0; seed < 30; ++seed)
      n += repeats(run(city_prompt, o, seed));
    return n;
  };
  const generation_options plain = at(1.5); // where answers start to repeat themselves
  generation_options frequency = plain;
  frequency.sampling.frequency_penalty = knobs::frequency_penalty{2.0};
  generation_options presence = plain;
  presence.sampling.presence_penalty = knobs::presence_penalty{2.0};
  generation_options repetition = plain;
  repetition.repetition_penalty = knobs::repetition_penalty{2.0};
  generation_options encouraged = plain;
  encouraged.sampling.frequency_penalty = knobs::frequency_penalty{-1.0};
  const std::size_t base = total_repeats(plain);
  MESSAGE("repeated tokens over 30 answers at temperature 1.5: none ", base, ", frequency 2 ",
          total_repeats(frequency), ", presence 2 ", total_repeats(presence), ", repetition 2 ",
          total_repeats(repetition), ", frequency -1 ", total_repeats(encouraged));
  // The counts README.md quotes: the seeds fix them.
  CHECK(base == 88);
  CHECK(total_repeats(frequency) == 25);
  CHECK(total_repeats(presence) == 34);
  CHECK(total_repeats(repetition) == 33);
  CHECK(total_repeats(frequency) < base / 2);
  CHECK(total_repeats(presence) < base / 2);
  CHECK(total_repeats(repetition) < base);
  CHECK(total_repeats(encouraged) > base);
}

TEST_CASE("logprobs are the model's own; top_logprobs sum to at most 1 and hold the best") {
  generation_options o = at(1.0);
  o.top_logprobs = 5;
  const generation g = run(city_prompt, o, 11);
  REQUIRE_FALSE(g.tokens.empty());
  for (const auto& t : g.tokens) {
    CHECK(t.logprob <= 0.0);
    REQUIRE(t.top_logprobs.size() == 5);
    double mass = 0.0;
    for (std::size_t i = 0; i < t.top_logprobs.size(); ++i) {
      mass += t.top_logprobs[i].probability;
      if (i > 0)
        CHECK(t.top_logprobs[i].logprob <= t.top_logprobs[i - 1].logprob);
    }
    CHECK(mass <= 1.0 + 1e-9);
    CHECK(t.logprob <= t.top_logprobs.front().logprob);
  }
  // Temperature changes which tokens are chosen, not what the model thinks of
  // them: at temperature 0 each token is the model's most likely one.
  o.sampling.temperature = knobs::temperature{0.0};
  for (const auto& t : run(city_prompt, o, 1).tokens)
    CHECK(t.logprob == doctest::Approx(t.top_logprobs.front().logprob));
}

TEST_CASE("max_tokens ends with length; a stop string cuts before it") {
  const generation short_one = run(city_prompt, at(0.0, 3), 0);
  CHECK(short_one.finish_reason == "length");
  CHECK(short_one.tokens.size() == 3);

  const std::string greedy = run(city_prompt, at(0.0), 0).text;
  const std::size_t at_night = greedy.find(" night");
  REQUIRE(at_night != std::string::npos);
  generation_options o = at(0.0);
  o.stop = {" night", "zzz"};
  const generation cut = run(city_prompt, o, 0);
  CHECK(cut.finish_reason == "stop");
  CHECK(cut.text == greedy.substr(0, at_night));
  std::string joined;
  for (const auto& t : cut.tokens)
    joined += t.text;
  CHECK(joined == cut.text);

  // A stop string that begins inside a token cuts that token short.
  o.stop = {"ght"};
  const generation inside = run(city_prompt, o, 0);
  CHECK(inside.text == greedy.substr(0, greedy.find("ght")));
  CHECK(inside.tokens.back().text == " ni");

  o.max_tokens = 0;
  CHECK_THROWS_AS(run(city_prompt, o, 0), std::invalid_argument);
}

TEST_CASE("logit_bias by token id bans or forces a token") {
  generation_options o = at(0.0);
  const std::int64_t canberra = *model().token_id(" Canberra");
  o.sampling.logit_bias = knobs::logit_bias{{canberra, -100.0}};
  CHECK(run(capital_prompt, o, 0).text.find("Canberra") == std::string::npos);
}

TEST_CASE("a 60-token answer takes well under 50 ms") {
  generation_options o = at(2.0, 60);
  const auto conditioning = model().condition(city_prompt);
  // Processor time, not wall time: the machines that run the tests are shared.
  const std::clock_t start = std::clock();
  std::int64_t tokens = 0;
  for (int seed = 0; seed < 10; ++seed) {
    knobs::generator gen{knobs::seed{seed}};
    tokens += model().generate(conditioning, o, gen).completion_tokens;
  }
  const double ms = 1000.0 * static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  const double per_60 = ms / static_cast<double>(tokens) * 60.0;
  MESSAGE("temperature 2.0: ", tokens, " tokens in ", ms, " ms, ", per_60, " ms per 60 tokens");
  // A measurement, printed above and quoted in README.md, not asserted: 3 ms in
  // Release, 35-38 ms with no -O (the default preset) and 80 ms under clang
  // with ASan and UBSan on 2 shared, busy cores; about 1.5, 20 and 60 ms on a
  // quieter machine. The bound only catches a model gone far slower; loose,
  // for a busy machine; sanitizers make it about 2 to 3 times slower.
#if defined(__SANITIZE_ADDRESS__)
  const double limit = 150.0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  const double limit = 150.0;
#else
  const double limit = 50.0;
#endif
#else
  const double limit = 50.0;
#endif
  CHECK(per_60 < limit);
}
