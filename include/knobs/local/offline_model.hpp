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
/// with l5 ... l0 = 0.85, 0.1, 0.03, 0.015, 0.004, 0.001 by default
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
/// The weights fall steeply from the 5-gram down: the longest context an
/// answer shares with the corpus decides, so temperature 0 gives whole,
/// fluent sentences and temperature 1 (the model's own distribution) mostly
/// corpus-like text. The tail is what makes the lesson visible: half a
/// percent of the mass at temperature 1, but temperature divides every logit,
/// and past 1 the tail's many small tokens together gain on the sensible
/// continuations; once one is picked, the longer contexts are unseen and
/// their weight goes to the bigram and the tail, so the text loses the
/// thread and degrades into word salad by 2.0, as a real model's does.
/// Measured over 40 seeds each of "In one sentence, describe a city at
/// night." and "Invent a name for a coffee shop." (60 tokens at most), the
/// share of the answers' word trigrams that occur in the corpus is 100 % at
/// temperature 0 and 0.7, 96.9 % at 1.0, 76.7 % at 1.3, 47.0 % at 1.5 and
/// 10.2 % at 2.0; the mean log probability of the chosen tokens (city prompt),
/// under the model, is -0.34 at 0, -0.33 at 0.7, -0.56 at 1.0, -1.57 at 1.3,
/// -3.04 at 1.5 and -5.36 at 2.0.
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

#include <knobs/detail/config.hpp>
#include <knobs/distribution.hpp>
#include <knobs/sampling.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
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
  double fivegram_weight = 0.85;
  /// l4: the weight of the 4-gram estimate (the three tokens before).
  double fourgram_weight = 0.1;
  /// l3: the weight of the trigram estimate (the two tokens before).
  double trigram_weight = 0.03;
  /// l2: the weight of the bigram estimate (the token before).
  double bigram_weight = 0.015;
  /// l1: the weight of the prompt-weighted unigram estimate over the tail set.
  double unigram_weight = 0.004;
  /// l0: the weight of the uniform floor over the tail set; > 0, so that
  /// every token of the tail set stays possible.
  double floor_weight = 0.001;
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
  KNOBS_DECL explicit offline_model(offline_model_parameters parameters = {});

  /// Trains on `sentences`, choosing topics by `topics` (the strings are copied).
  /// \throws std::invalid_argument when there is no sentence, a sentence has
  /// no token, a parameter is negative, NaN or infinite, the floor is 0 or
  /// `tail_tokens` is 0.
  KNOBS_DECL offline_model(const std::vector<training_sentence>& sentences,
                           const std::vector<training_topic>& topics,
                           offline_model_parameters parameters = {});

  // -- the tokenizer -----------------------------------------------------------

  /// Splits `text` into token texts (see "Tokens" at the top of this file).
  /// Any text can be split, including words the model never saw.
  KNOBS_DECL static std::vector<std::string> tokenize(std::string_view text);

  /// How many tokens `text` is (the size of `tokenize(text)`).
  KNOBS_DECL static std::int64_t count_tokens(std::string_view text);

  /// The longest context the model looks at, plus one: 5 (a 5-gram model).
  static constexpr int order = 5;

  /// Every token the model knows, by id.
  const std::vector<std::string>& vocabulary() const noexcept { return vocabulary_; }

  /// The id of the token whose text is `text`, if the model knows it.
  KNOBS_DECL std::optional<std::int64_t> token_id(std::string_view text) const;

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
  KNOBS_DECL std::string fingerprint() const;

  // -- the model -----------------------------------------------------------------

  /// Conditions on a prompt (see "Conditioning on the prompt" above).
  KNOBS_DECL prompt_conditioning condition(std::string_view prompt) const;

  /// The model's distribution of the token that follows `history` (the ids
  /// generated so far) in an answer to the conditioned prompt. It holds the
  /// tail set of the position and every token seen after the context; the
  /// rest of the vocabulary has probability 0 there.
  KNOBS_DECL distribution next(const prompt_conditioning& c,
                               const std::vector<std::int64_t>& history) const;

  /// Generates one answer to the conditioned prompt (see "Generating" above).
  /// The same conditioning, options and generator state give the same answer
  /// on every platform.
  /// \throws std::invalid_argument when `options.max_tokens < 1`, there are
  /// more than 4 stop strings or one is empty, or `top_logprobs > 20`.
  KNOBS_DECL generation generate(const prompt_conditioning& c, const generation_options& options,
                                 generator& gen) const;

  /// Conditions on `prompt` and generates one answer (see the other overload).
  KNOBS_DECL generation generate(std::string_view prompt, const generation_options& options,
                                 generator& gen) const;

  /// The words of `text` that conditioning looks for: lower-case (ASCII),
  /// without a final "'s", without function words, sorted, each once.
  KNOBS_DECL static std::vector<std::string> prompt_words(std::string_view text);

private:
  struct occurrence {
    std::int32_t next;
    std::int32_t sentence;
  };

  struct scratch;

  static constexpr std::uint64_t fnv_offset = 0xcbf29ce484222325ull;
  static constexpr std::uint64_t fnv_prime = 0x100000001b3ull;

  KNOBS_DECL static std::vector<training_sentence> builtin_sentences();

  KNOBS_DECL static std::vector<training_topic> builtin_topics();

  KNOBS_DECL static void check(const offline_model_parameters& p);

  KNOBS_DECL static bool is_space(char c) noexcept;

  KNOBS_DECL static bool is_word_char(char c) noexcept;

  KNOBS_DECL static std::vector<std::string> split_words(std::string_view text);

  KNOBS_DECL static std::vector<std::pair<std::int64_t, double>>
  top_of(const std::vector<double>& weight, std::size_t n);

  KNOBS_DECL void hash_byte(unsigned char b) noexcept;

  KNOBS_DECL void hash_text(std::string_view s) noexcept;

  KNOBS_DECL void hash_u64(std::uint64_t v) noexcept;

  KNOBS_DECL void hash_double(double d) noexcept;

  KNOBS_DECL std::int32_t intern(std::string piece);

  template <class Id>
  std::uint64_t context_key(const std::vector<Id>& ids, std::size_t end, int length) const;

  KNOBS_DECL void train();

  KNOBS_DECL distribution next(const prompt_conditioning& c,
                               const std::vector<std::int64_t>& history, scratch& s) const;

  KNOBS_DECL static bool cut_at_stop(generation& out, std::size_t before,
                                     const std::vector<std::string>& stop);

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

#ifdef KNOBS_HEADER_ONLY
#include <knobs/local/impl/offline_model.ipp>
#endif

#endif
