// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_OFFLINE_MODEL_HPP
#define KNOBS_LOCAL_OFFLINE_MODEL_HPP

/// \file
/// The offline model behind the examples: a small word-level n-gram model,
/// trained when it is made on the sentences of `detail/corpus.hpp` (written for
/// knobs), conditioned on the prompt, and sampled with exactly the knobs of
/// `distribution.hpp`. It is not a language model in any useful sense; it is a
/// model whose next-token distributions behave the way a real model's do under
/// the knobs, so the lesson's experiments show their effects with no network:
/// identical answers at temperature 0, fluent variations at 0.7, odd words at
/// 1.3, word salad at 2.0. `model_server.hpp` serves it over HTTP.
///
/// ```cpp
/// knobs::local::offline_model model;                  // trains: a few ms
/// knobs::local::generation_options o;
/// o.sampling.temperature = knobs::temperature{0.0};
/// knobs::generator gen{knobs::seed{1}};
/// model.generate("What is the capital of Australia?", o, gen).text;
/// // "The capital of Australia is Canberra."
/// ```
///
/// ## Tokens
/// GPT-like word pieces: a word (a run of letters, digits, `'` and `-`, with a
/// `.` kept inside when it sits between two of those, as in "D.C") is one
/// token, carrying the space before it (" city"); any other character is a
/// token of its own ("," "."), also carrying a space before it if there was
/// one. The first token of a text has no leading space, so the tokens of an
/// answer concatenate to exactly its text. Bytes >= 0x80 count as letters, so
/// UTF-8 text stays in whole words. A token's id is its index in
/// `vocabulary()`, in order of first appearance in the corpus (so a
/// `logit_bias` by id means the same token on every run and platform). Every
/// training sentence ends with ".", "!" or "?", and so does every answer that
/// ends naturally (`finish_reason` "stop").
///
/// ## The model
/// The probability of the next token w after the tokens ... a b c d is a
/// mixture (Jelinek-Mercer interpolation) of six estimates:
///
///     P(w | a b c d) = l5 P(w | a b c d) + l4 P(w | b c d) + l3 P(w | c d)
///                    + l2 P(w | d) + l1 P_unigram(w) + l0 / |tail|
///
/// with l5 ... l0 = 0.45, 0.25, 0.15, 0.1, 0.04, 0.01 by default
/// (`offline_model_parameters`). Each n-gram estimate is the weighted count of
/// w after the context over the weighted count of the context; positions
/// before the answer are a "start" token, so the first token is predicted
/// from "start start start start". A context never seen in training gives its
/// weight to the others, in proportion (the l's that are left are rescaled to
/// sum to 1). The last two terms spread over the *tail set* of the position:
/// at the first position, every token that opens a training sentence; after
/// it, the prompt's `tail_tokens` (150) most frequent tokens that do not open
/// one. Tokens in neither the tail set nor the contexts' continuations have
/// probability 0 there (they are left out of the distribution): so a step
/// costs a few hundred tokens rather than the whole vocabulary, and text that
/// loses the thread is made of the prompt's own vocabulary, as a drifting
/// model's is, rather than of glued-together sentence openers.
///
/// The 5-gram term keeps temperature 0 on whole, fluent sentences; the tail is
/// what makes the lesson visible: out of reach at temperature 0 and 0.7, but
/// temperature divides every logit, and from about 1.3 the tail tokens
/// together outweigh the sensible continuations, so the text degrades into
/// word salad by 1.8 to 2.0, as a real model's does. Measured over 40 seeds
/// of "In one sentence, describe a city at night." (60 tokens at most): the
/// mean log probability of the chosen tokens, under the model, is -0.46 at
/// temperature 0, -0.56 at 0.7, -1.38 at 1.0, -3.22 at 1.3 and -5.40 at 2.0.
///
/// ## Conditioning on the prompt
/// Each training sentence counts with a weight that depends on the prompt (the
/// last user message):
///
///     weight = (1 + topic_boost [the sentence's topic is the prompt's])
///            * product over the prompt's words w in the sentence of
///              (1 + word_boost * ln(sentences / sentences containing w))
///
/// The prompt's topic is the topic of `corpus_topics` with the most keyword
/// hits among the prompt's words (none when no keyword appears; ties go to the
/// topic listed first). The prompt's words are its lower-cased words without a
/// final "'s", leaving out a short list of function words ("the", "of", "what",
/// ...); a word counts by how rare it is in the corpus, so in "What is the
/// capital of Australia?" "australia" weighs more than "capital". The weights
/// scale every count: that prompt draws mostly on the capitals, and among
/// them mostly on the sentences that mention Australia. No answer is stored
/// anywhere: at temperature 0 it answers "The capital of Australia is
/// Canberra." because that is the most likely path through those counts.
///
/// ## Generating
/// `generate` takes the model's distribution at each step (`next`), applies
/// the request's knobs to it with `distribution::apply(const sampling&,
/// generated)` (logit_bias, the penalties, temperature, top_k, top_p, min_p, in
/// that documented order) and draws one token with `sample(generator&)`: one
/// uniform number per token, so a seed fixes the whole answer. It stops after a
/// sentence-ending token ("stop"), when the text contains a stop string (cut
/// before it; "stop"), or after `max_tokens` tokens ("length"). The log
/// probabilities it reports are those of the model's own distribution, before
/// any knob: how likely the model found the token, not how likely the knobs
/// made it.

#include <knobs/distribution.hpp>
#include <knobs/local/detail/corpus.hpp>
#include <knobs/sampling.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace knobs {
namespace local {

/// The offline model's id, as the server reports it in `model`: it says what
/// the model is, so nobody mistakes its answers for a real model's.
inline constexpr std::string_view offline_model_id = "knobs-offline-ngram";

/// One sentence to train on and its topic (a name from the topics list, or
/// any other string for a sentence that belongs to no listed topic).
struct training_sentence {
  /// The topic's name, e.g. "capitals".
  std::string_view topic;
  /// One sentence, ending in '.', '!' or '?'.
  std::string_view text;
};

/// A topic and the keywords (lower-case, separated by spaces) that choose it.
struct training_topic {
  /// The topic's name, as `training_sentence::topic` spells it.
  std::string_view name;
  /// Lower-case words, separated by spaces, e.g. "coffee shop cafe".
  std::string_view keywords;
};

/// The numbers that make up the model besides its corpus. Part of the
/// `fingerprint()`: change one and the fingerprint changes. The weights need
/// not sum to 1 (they are rescaled); each must be finite and >= 0.
struct offline_model_parameters {
  /// l5: the weight of the 5-gram estimate (the four tokens before).
  double fivegram_weight = 0.45;
  /// l4: the weight of the 4-gram estimate (the three tokens before).
  double fourgram_weight = 0.25;
  /// l3: the weight of the trigram estimate (the two tokens before).
  double trigram_weight = 0.15;
  /// l2: the weight of the bigram estimate (the token before).
  double bigram_weight = 0.1;
  /// l1: the weight of the prompt-weighted unigram estimate over the tail set.
  double unigram_weight = 0.04;
  /// l0: the weight of the uniform floor over the tail set; > 0, so that
  /// every token of the tail set stays possible.
  double floor_weight = 0.01;
  /// How many tokens the tail set holds after the first position: the
  /// prompt's most frequent ones (by weighted count), >= 1.
  std::size_t tail_tokens = 150;
  /// How much more a sentence of the prompt's topic counts, >= 0.
  double topic_boost = 9.0;
  /// How much more a sentence counts per prompt word it contains, >= 0.
  double word_boost = 3.0;
};

/// What `offline_model::generate` does besides the model: the knobs and the limits.
struct generation_options {
  /// The knobs, applied at each step in the order `distribution.hpp`
  /// documents. An unset temperature is 1 (as OpenAI's default); 0 is greedy.
  /// `sampling.seed` is not read: the caller makes the generator.
  knobs::sampling sampling;
  /// llama.cpp's and vLLM's repetition penalty, an extension: a token already
  /// generated has its log probability multiplied by this (log probabilities
  /// are <= 0, so a penalty > 1 makes it less likely, < 1 more), before the
  /// other knobs. Unset or 1 does nothing.
  std::optional<knobs::repetition_penalty> repetition_penalty;
  /// The most tokens to generate, >= 1; reaching it is `finish_reason` "length".
  std::int64_t max_tokens = 256;
  /// Up to 4 non-empty strings; the text stops before the first one that
  /// appears in it (`finish_reason` "stop").
  std::vector<std::string> stop;
  /// How many of the most likely alternatives to report with each token, 0 to 20.
  std::size_t top_logprobs = 0;
};

/// One generated token, with what the model (before the knobs) thought of it.
struct generated_token {
  /// The token's id (its index in `offline_model::vocabulary()`).
  std::int64_t id = 0;
  /// Its text as it appears in the answer (cut short when a stop string
  /// begins inside it).
  std::string text;
  /// Its log probability under the model's own distribution, before the knobs.
  double logprob = 0.0;
  /// The `top_logprobs` most likely tokens of that distribution, most likely first.
  std::vector<knobs::token> top_logprobs;
};

/// An answer: its text, its tokens and why it ended.
struct generation {
  /// The answer: the tokens' texts, concatenated.
  std::string text;
  /// The tokens, in order.
  std::vector<generated_token> tokens;
  /// "stop" (a sentence ended or a stop string appeared) or "length" (`max_tokens`).
  std::string finish_reason = "stop";
  /// How many tokens were generated, including any that a stop string cut away.
  std::int64_t completion_tokens = 0;
};

/// What the model takes from a prompt: its topic, its words, the weight of
/// every training sentence, and the tail sets. Made by `offline_model::condition`.
struct prompt_conditioning {
  /// The topic chosen, or "" when no keyword matched.
  std::string topic;
  /// The prompt's words that conditioning looks for (lower-case, no function
  /// words, sorted).
  std::vector<std::string> words;
  /// The weight of each training sentence, in corpus order.
  std::vector<double> sentence_weights;
  /// The tail set of the first position (every token that opens a training
  /// sentence) with its unigram probability there (by weighted count; sums to 1).
  std::vector<std::pair<std::int64_t, double>> opening_tail;
  /// The tail set of every later position (the `tail_tokens` most frequent
  /// tokens that do not open a sentence, by weighted count) with its unigram
  /// probability (sums to 1).
  std::vector<std::pair<std::int64_t, double>> tail;
};

/// The n-gram model. Immutable once made, so one model may serve any number
/// of threads at once.
class offline_model {
public:
  /// Trains on knobs' own corpus (`detail/corpus.hpp`).
  /// \throws std::invalid_argument for bad parameters (see the other constructor).
  explicit offline_model(offline_model_parameters parameters = {})
      : offline_model(builtin_sentences(), builtin_topics(), parameters) {}

  /// Trains on `sentences`, choosing topics by `topics` (the strings are copied).
  /// \throws std::invalid_argument when there is no sentence, a sentence has
  /// no token, a parameter is negative, NaN or infinite, the floor is 0 or
  /// `tail_tokens` is 0.
  offline_model(const std::vector<training_sentence>& sentences,
                const std::vector<training_topic>& topics, offline_model_parameters parameters = {})
      : parameters_(parameters) {
    check(parameters);
    if (sentences.empty())
      throw std::invalid_argument("knobs::local::offline_model: no training sentences");
    for (const training_topic& t : topics) {
      topic_names_.emplace_back(t.name);
      topic_keywords_.push_back(split_words(t.keywords));
      hash_text(t.name);
      hash_text(t.keywords);
    }
    for (const training_sentence& s : sentences) {
      hash_text(s.topic);
      hash_text(s.text);
      std::vector<std::string> pieces = tokenize(s.text);
      if (pieces.empty())
        throw std::invalid_argument("knobs::local::offline_model: an empty training sentence");
      std::vector<std::int32_t> ids;
      for (std::string& piece : pieces)
        ids.push_back(intern(std::move(piece)));
      const auto topic = std::find(topic_names_.begin(), topic_names_.end(), s.topic);
      sentence_topic_.push_back(
          topic == topic_names_.end() ? -1 : static_cast<int>(topic - topic_names_.begin()));
      sentence_words_.push_back(prompt_words(s.text));
      sentences_.push_back(std::move(ids));
    }
    for (double p : {parameters.fivegram_weight, parameters.fourgram_weight,
                     parameters.trigram_weight, parameters.bigram_weight, parameters.unigram_weight,
                     parameters.floor_weight, static_cast<double>(parameters.tail_tokens),
                     parameters.topic_boost, parameters.word_boost})
      hash_double(p);
    hash_double(static_cast<double>(order)); // the model's order
    train();
  }

  // -- the tokenizer -----------------------------------------------------------

  /// Splits `text` into token texts (see "Tokens" at the top of this file).
  /// Any text can be split, including words the model never saw.
  static std::vector<std::string> tokenize(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    bool space = false;
    while (i < text.size()) {
      const char c = text[i];
      if (is_space(c)) {
        space = true;
        ++i;
        continue;
      }
      std::string piece = space && !out.empty() ? " " : "";
      space = false;
      if (!is_word_char(c)) {
        piece += c;
        ++i;
      } else {
        const std::size_t start = i;
        while (i < text.size() &&
               (is_word_char(text[i]) ||
                (text[i] == '.' && i + 1 < text.size() && is_word_char(text[i + 1]))))
          ++i;
        piece.append(text.substr(start, i - start));
      }
      out.push_back(std::move(piece));
    }
    return out;
  }

  /// How many tokens `text` is (the size of `tokenize(text)`).
  static std::int64_t count_tokens(std::string_view text) {
    return static_cast<std::int64_t>(tokenize(text).size());
  }

  /// The longest context the model looks at, plus one: 5 (a 5-gram model).
  static constexpr int order = 5;

  /// Every token the model knows, by id.
  const std::vector<std::string>& vocabulary() const noexcept { return vocabulary_; }

  /// The id of the token whose text is `text`, if the model knows it.
  std::optional<std::int64_t> token_id(std::string_view text) const {
    auto it = index_.find(std::string(text));
    if (it == index_.end())
      return std::nullopt;
    return it->second;
  }

  /// True for the tokens that end a sentence: ".", "!" and "?".
  bool ends_sentence(std::int64_t id) const noexcept {
    return id >= 0 && static_cast<std::size_t>(id) < vocabulary_.size() &&
           is_end_[static_cast<std::size_t>(id)];
  }

  /// How many training sentences the model has.
  std::size_t sentence_count() const noexcept { return sentences_.size(); }

  /// The parameters it was made with.
  const offline_model_parameters& parameters() const noexcept { return parameters_; }

  /// "fp_" and 12 hex digits: the top 48 bits of a 64-bit FNV-1a hash of the
  /// topics, every training sentence, every parameter (as IEEE-754 bits, so
  /// the same on every platform) and the order. The same model gives the same
  /// fingerprint on every run; another corpus or other parameters give
  /// another one, which is what a `system_fingerprint` promises.
  std::string fingerprint() const {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "fp_";
    for (int shift = 60; shift >= 16; shift -= 4)
      out += hex[(fingerprint_hash_ >> shift) & 0xf];
    return out;
  }

  // -- the model -----------------------------------------------------------------

  /// Conditions on a prompt (see "Conditioning on the prompt" above).
  prompt_conditioning condition(std::string_view prompt) const {
    prompt_conditioning c;
    c.words = prompt_words(prompt);
    int topic = -1;
    std::size_t best = 0;
    for (std::size_t t = 0; t < topic_keywords_.size(); ++t) {
      std::size_t hits = 0;
      for (const std::string& w : c.words)
        if (std::find(topic_keywords_[t].begin(), topic_keywords_[t].end(), w) !=
            topic_keywords_[t].end())
          ++hits;
      if (hits > best) {
        best = hits;
        topic = static_cast<int>(t);
      }
    }
    if (topic >= 0)
      c.topic = topic_names_[static_cast<std::size_t>(topic)];
    c.sentence_weights.resize(sentences_.size());
    std::vector<double> opening(vocabulary_.size(), 0.0);
    std::vector<double> later(vocabulary_.size(), 0.0);
    // A word counts by how rare it is (its inverse document frequency): in
    // "the capital of Australia", "australia" says more than "capital".
    std::vector<double> boost;
    for (const std::string& w : c.words) {
      std::size_t in = 0;
      for (const auto& words : sentence_words_)
        in += std::binary_search(words.begin(), words.end(), w) ? 1 : 0;
      boost.push_back(in == 0 ? 1.0
                              : 1.0 + parameters_.word_boost *
                                          std::log(static_cast<double>(sentences_.size()) /
                                                   static_cast<double>(in)));
    }
    for (std::size_t s = 0; s < sentences_.size(); ++s) {
      double weight =
          1.0 + (topic >= 0 && sentence_topic_[s] == topic ? parameters_.topic_boost : 0.0);
      for (std::size_t w = 0; w < c.words.size(); ++w)
        if (std::binary_search(sentence_words_[s].begin(), sentence_words_[s].end(), c.words[w]))
          weight *= boost[w];
      c.sentence_weights[s] = weight;
      opening[static_cast<std::size_t>(sentences_[s].front())] += weight;
      for (std::size_t i = 1; i < sentences_[s].size(); ++i)
        later[static_cast<std::size_t>(sentences_[s][i])] += weight;
    }
    c.opening_tail = top_of(opening, vocabulary_.size());
    c.tail = top_of(later, parameters_.tail_tokens);
    return c;
  }

  /// The model's distribution of the token that follows `history` (the ids
  /// generated so far) in an answer to the conditioned prompt. It holds the
  /// tail set of the position and every token seen after the context; the
  /// rest of the vocabulary has probability 0 there.
  distribution next(const prompt_conditioning& c, const std::vector<std::int64_t>& history) const {
    scratch s(vocabulary_.size());
    return next(c, history, s);
  }

  /// Generates one answer to the conditioned prompt (see "Generating" above).
  /// The same conditioning, options and generator state give the same answer
  /// on every platform.
  /// \throws std::invalid_argument when `options.max_tokens < 1`, there are
  /// more than 4 stop strings or one is empty, or `top_logprobs > 20`.
  generation generate(const prompt_conditioning& c, const generation_options& options,
                      generator& gen) const {
    if (options.max_tokens < 1)
      throw std::invalid_argument("knobs::local::offline_model: max_tokens must be >= 1");
    if (options.stop.size() > 4 || std::any_of(options.stop.begin(), options.stop.end(),
                                               [](const std::string& s) { return s.empty(); }))
      throw std::invalid_argument(
          "knobs::local::offline_model: at most 4 stop strings, none of them empty");
    if (options.top_logprobs > 20)
      throw std::invalid_argument("knobs::local::offline_model: top_logprobs must be <= 20");
    generation out;
    out.finish_reason = "length";
    std::vector<std::int64_t> history;
    generated_counts counts;
    scratch s(vocabulary_.size());
    const double penalty = options.repetition_penalty ? options.repetition_penalty->value() : 1.0;
    for (std::int64_t step = 0; step < options.max_tokens; ++step) {
      const distribution model = next(c, history, s);
      std::optional<distribution> penalized;
      if (penalty != 1.0 && !counts.empty()) {
        std::vector<token_logit> logits;
        logits.reserve(model.size());
        for (const token& t : model)
          logits.push_back(
              token_logit{t.id, t.text, counts.count(t.id) ? t.logprob * penalty : t.logprob});
        penalized = distribution::from_logits(std::move(logits));
      }
      const token chosen =
          (penalized ? *penalized : model).apply(options.sampling, counts).sample(gen);
      ++out.completion_tokens;
      history.push_back(chosen.id);
      ++counts[chosen.id];

      generated_token g;
      g.id = chosen.id;
      g.text = chosen.text;
      // The model's own view of the token, not the knobs'.
      const token* seen = model.find(chosen.id);
      g.logprob = seen ? seen->logprob : -std::numeric_limits<double>::infinity();
      const std::size_t k = std::min(options.top_logprobs, model.size());
      g.top_logprobs.assign(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(k));
      const std::size_t before = out.text.size();
      out.text += g.text;
      out.tokens.push_back(std::move(g));

      if (cut_at_stop(out, before, options.stop) || ends_sentence(chosen.id)) {
        out.finish_reason = "stop";
        break;
      }
    }
    return out;
  }

  /// Conditions on `prompt` and generates one answer (see the other overload).
  generation generate(std::string_view prompt, const generation_options& options,
                      generator& gen) const {
    return generate(condition(prompt), options, gen);
  }

  /// The words of `text` that conditioning looks for: lower-case (ASCII),
  /// without a final "'s", without function words, sorted, each once.
  static std::vector<std::string> prompt_words(std::string_view text) {
    static constexpr std::string_view function_words[] = {
        "a",     "about", "an",  "and",   "are",  "as",    "at",   "be",   "by",   "can",
        "could", "did",   "do",  "does",  "for",  "from",  "give", "how",  "i",    "in",
        "is",    "it",    "its", "me",    "my",   "of",    "on",   "one",  "or",   "please",
        "tell",  "that",  "the", "their", "this", "to",    "was",  "what", "when", "where",
        "which", "who",   "why", "will",  "with", "would", "you",  "your"};
    std::vector<std::string> out;
    for (std::string w : split_words(text)) {
      if (w.size() > 2 && w.compare(w.size() - 2, 2, "'s") == 0)
        w.resize(w.size() - 2);
      if (w.empty() || !is_word_char(w[0]) ||
          std::find(std::begin(function_words), std::end(function_words), w) !=
              std::end(function_words))
        continue;
      out.push_back(std::move(w));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

private:
  struct occurrence {
    std::int32_t next;
    std::int32_t sentence;
  };

  // Dense per-token sums for one step, reset by clearing only what was touched.
  struct scratch {
    explicit scratch(std::size_t v) : p(v, 0.0) {}
    std::vector<double> p;
    std::vector<std::int32_t> touched;
    void add(std::int64_t id, double x) {
      auto& slot = p[static_cast<std::size_t>(id)];
      if (slot == 0.0)
        touched.push_back(static_cast<std::int32_t>(id));
      slot += x;
    }
  };

  static constexpr std::uint64_t fnv_offset = 0xcbf29ce484222325ull;
  static constexpr std::uint64_t fnv_prime = 0x100000001b3ull;

  static std::vector<training_sentence> builtin_sentences() {
    std::vector<training_sentence> out;
    for (const auto& s : detail::corpus)
      out.push_back({s.topic, s.text});
    return out;
  }

  static std::vector<training_topic> builtin_topics() {
    std::vector<training_topic> out;
    for (const auto& t : detail::corpus_topics)
      out.push_back({t.name, t.keywords});
    return out;
  }

  static void check(const offline_model_parameters& p) {
    for (double v : {p.fivegram_weight, p.fourgram_weight, p.trigram_weight, p.bigram_weight,
                     p.unigram_weight, p.floor_weight, p.topic_boost, p.word_boost})
      if (!std::isfinite(v) || v < 0)
        throw std::invalid_argument(
            "knobs::local::offline_model: every parameter must be finite and >= 0");
    if (p.floor_weight == 0.0)
      throw std::invalid_argument("knobs::local::offline_model: floor_weight must be > 0");
    if (p.tail_tokens == 0)
      throw std::invalid_argument("knobs::local::offline_model: tail_tokens must be >= 1");
  }

  static bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  }

  static bool is_word_char(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
           u == '\'' || u == '-' || u >= 0x80;
  }

  // The lower-case words of a text, punctuation included as itself
  // (prompt_words drops it).
  static std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> out;
    for (std::string piece : tokenize(text)) {
      if (!piece.empty() && piece[0] == ' ')
        piece.erase(0, 1);
      for (char& ch : piece)
        if (ch >= 'A' && ch <= 'Z')
          ch = static_cast<char>(ch - 'A' + 'a');
      out.push_back(std::move(piece));
    }
    return out;
  }

  // The `n` largest non-zero weights (ties: the lower id), normalized.
  static std::vector<std::pair<std::int64_t, double>> top_of(const std::vector<double>& weight,
                                                             std::size_t n) {
    std::vector<std::pair<std::int64_t, double>> out;
    for (std::size_t i = 0; i < weight.size(); ++i)
      if (weight[i] > 0)
        out.emplace_back(static_cast<std::int64_t>(i), weight[i]);
    auto heavier = [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    };
    if (out.size() > n) {
      std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(),
                        heavier);
      out.resize(n);
    }
    double total = 0.0;
    for (const auto& e : out)
      total += e.second;
    for (auto& e : out)
      e.second /= total;
    return out;
  }

  void hash_byte(unsigned char b) noexcept {
    fingerprint_hash_ ^= b;
    fingerprint_hash_ *= fnv_prime;
  }

  // Length-prefixed, so that ("ab", "c") and ("a", "bc") hash differently.
  void hash_text(std::string_view s) noexcept {
    hash_u64(s.size());
    for (char c : s)
      hash_byte(static_cast<unsigned char>(c));
  }

  void hash_u64(std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i)
      hash_byte(static_cast<unsigned char>(v >> (8 * i)));
  }

  void hash_double(double d) noexcept {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &d, sizeof bits);
    hash_u64(bits);
  }

  std::int32_t intern(std::string piece) {
    auto it = index_.find(piece);
    if (it != index_.end())
      return static_cast<std::int32_t>(it->second);
    const auto id = static_cast<std::int32_t>(vocabulary_.size());
    is_end_.push_back(piece == "." || piece == "!" || piece == "?");
    index_.emplace(piece, id);
    vocabulary_.push_back(std::move(piece));
    return id;
  }

  // The key of the context of `length` (1 to 3) tokens that ends before
  // position `end` of `ids`; positions before the answer are "start" (-1).
  template <class Id>
  std::uint64_t context_key(const std::vector<Id>& ids, std::size_t end, int length) const {
    std::uint64_t key = 0;
    for (int back = length; back >= 1; --back) {
      const std::int64_t id =
          end >= static_cast<std::size_t>(back) ? static_cast<std::int64_t>(ids[end - back]) : -1;
      key = key * (vocabulary_.size() + 1) + static_cast<std::uint64_t>(id + 1);
    }
    return key;
  }

  void train() {
    for (std::size_t s = 0; s < sentences_.size(); ++s)
      for (std::size_t i = 0; i < sentences_[s].size(); ++i)
        for (int length = 1; length < order; ++length)
          contexts_[static_cast<std::size_t>(length - 1)][context_key(sentences_[s], i, length)]
              .push_back(occurrence{sentences_[s][i], static_cast<std::int32_t>(s)});
  }

  distribution next(const prompt_conditioning& c, const std::vector<std::int64_t>& history,
                    scratch& s) const {
    const std::vector<occurrence>* seen[order - 1] = {};
    double l[order + 1] = {parameters_.floor_weight,    parameters_.unigram_weight,
                           parameters_.bigram_weight,   parameters_.trigram_weight,
                           parameters_.fourgram_weight, parameters_.fivegram_weight};
    // A context never seen gives its weight to the others, in proportion.
    for (int length = 1; length < order; ++length) {
      const auto& map = contexts_[static_cast<std::size_t>(length - 1)];
      const auto it = map.find(context_key(history, history.size(), length));
      if (it == map.end())
        l[length + 1] = 0.0;
      else
        seen[length - 1] = &it->second;
    }
    double sum = 0.0;
    for (double x : l)
      sum += x;
    const auto& tail = history.empty() ? c.opening_tail : c.tail;
    const double floor = l[0] / sum / static_cast<double>(tail.size());
    for (const auto& [id, unigram] : tail)
      s.add(id, floor + l[1] / sum * unigram);
    for (int length = 1; length < order; ++length) {
      if (!seen[length - 1])
        continue;
      double total = 0.0;
      for (const occurrence& o : *seen[length - 1])
        total += c.sentence_weights[static_cast<std::size_t>(o.sentence)];
      const double weight = l[length + 1] / sum / total;
      for (const occurrence& o : *seen[length - 1])
        s.add(o.next, weight * c.sentence_weights[static_cast<std::size_t>(o.sentence)]);
    }
    std::vector<token_count> counts;
    counts.reserve(s.touched.size());
    for (std::int32_t id : s.touched) {
      counts.push_back(token_count{id, vocabulary_[static_cast<std::size_t>(id)],
                                   s.p[static_cast<std::size_t>(id)]});
      s.p[static_cast<std::size_t>(id)] = 0.0;
    }
    s.touched.clear();
    return distribution::from_counts(std::move(counts));
  }

  // When a stop string appears in the text, cuts the text (and the tokens)
  // before it and says so. Only the part that the last token can have
  // completed is searched.
  static bool cut_at_stop(generation& out, std::size_t before,
                          const std::vector<std::string>& stop) {
    std::size_t cut = std::string::npos;
    for (const std::string& s : stop) {
      const std::size_t from = before >= s.size() - 1 ? before - (s.size() - 1) : 0;
      const std::size_t at = out.text.find(s, from);
      if (at != std::string::npos && at < cut)
        cut = at;
    }
    if (cut == std::string::npos)
      return false;
    out.text.resize(cut);
    std::size_t start = 0;
    std::size_t keep = 0;
    for (; keep < out.tokens.size() && start < cut; ++keep) {
      generated_token& t = out.tokens[keep];
      if (start + t.text.size() > cut)
        t.text.resize(cut - start);
      start += t.text.size();
    }
    out.tokens.resize(keep);
    return true;
  }

  offline_model_parameters parameters_;
  std::uint64_t fingerprint_hash_ = fnv_offset;
  std::vector<std::string> topic_names_;
  std::vector<std::vector<std::string>> topic_keywords_;
  std::vector<std::string> vocabulary_;
  std::unordered_map<std::string, std::int64_t> index_;
  std::vector<bool> is_end_;
  std::vector<std::vector<std::int32_t>> sentences_;
  std::vector<int> sentence_topic_;
  std::vector<std::vector<std::string>> sentence_words_;
  // By context length - 1: what followed each context in training.
  std::unordered_map<std::uint64_t, std::vector<occurrence>> contexts_[order - 1];
};

} // namespace local
} // namespace knobs

#endif
