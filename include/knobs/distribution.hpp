// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DISTRIBUTION_HPP
#define KNOBS_DISTRIBUTION_HPP

/// \file
/// The sampling knobs applied to a next-token distribution, in plain C++: no
/// server, no network. What a server does with `temperature`, `top_p`, ... at
/// each step, written out so it can be watched (and so an offline server can
/// sample with it).
///
/// ```cpp
/// auto d = knobs::distribution::from_logits(
///     {{0, "blue", 2.0}, {1, "dark", 1.0}, {2, "quiet", 0.0}});
/// d.probability(0);                                   // 0.665 ("blue")
/// auto hot = d.apply(knobs::temperature{1.5});        // flatter: "blue" 0.56
/// auto cold = d.apply(knobs::temperature{0.5});       // sharper: "blue" 0.87
///
/// knobs::sampling s;
/// s.temperature = knobs::temperature{0.7};
/// s.top_p = knobs::top_p{0.9};
/// knobs::generator gen{knobs::seed{42}};
/// knobs::token next = d.apply(s).sample(gen);        // same seed: same tokens
/// ```
///
/// A `distribution` is a list of `token`s (id, text, log-probability) that is
/// always normalized (the probabilities sum to 1), never empty, and kept in
/// descending probability order with ties in ascending token-id order. Every
/// transformation (`apply`) returns a new normalized distribution and leaves its
/// argument alone. Tokens a knob cuts (top_k, top_p, min_p, temperature 0) are
/// removed, so "after" may be shorter than "before": `probability_of(id)` is 0
/// for a token that is gone.
///
/// ## The order in which `apply(const sampling&)` uses the knobs
///
///  1. `logit_bias`, then `frequency_penalty` and `presence_penalty`, added to
///     the logits. These are edits to the model's scores (OpenAI defines all
///     three on logits), so they come before anything that reads a
///     probability. They are additive, so their order among themselves does not
///     matter.
///  2. `temperature`: divides the logits. It reshapes the whole distribution,
///     so it comes before the truncations, which then cut the tail of the
///     distribution that will actually be sampled from. 0 is greedy.
///  3. `top_k`, then `top_p`, then `min_p`: each cuts the tail of the
///     (tempered) distribution and renormalizes, so `top_p` measures mass
///     among the `top_k` survivors. `min_p` is relative to the most likely
///     token, which renormalizing does not change.
///  4. Draw one token with `sample(generator&)`.
///
/// This is the order of vLLM, Hugging Face transformers and (as far as it
/// documents one) OpenAI. The order matters: with logits {2, 1, 0}, top_p 0.85
/// and temperature 0.5, tempering first gives {0.867, 0.117, 0.016}, whose
/// nucleus is "blue" alone; truncating first would keep two tokens. llama.cpp's
/// default chain tempers *after* truncating, so the same knobs can keep a
/// different set of tokens there.
///
/// `repetition_penalty` is not here: it divides positive logits and multiplies
/// negative ones, so it depends on the logits' offset, which a normalized
/// distribution does not keep.
///
/// ## Errors
/// Bad input is an `errc::invalid_knob` error whose `where` is "distribution"
/// and whose message names the problem and the token id: no tokens at all, a
/// negative token id, a token id given twice, a NaN or +infinite logit, a
/// negative, NaN or infinite count, or no token with a non-zero probability.
/// The factories come as a throwing form (`from_logits`, `from_counts`, which
/// throw `knob_error`) and a non-throwing form (`try_from_logits`,
/// `try_from_counts`, returning `knobs::result`). The transformations cannot
/// fail: their knobs are valid by construction, and a knob with nothing to do
/// (temperature 1, top_k larger than the distribution, a bias for a token that
/// is not in it, a penalty with nothing generated) returns the distribution
/// unchanged, to the bit.

#include <knobs/detail/config.hpp>
#include <knobs/error.hpp>
#include <knobs/sampling.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace knobs {

/// One candidate next token of a `distribution`.
struct token {
  /// The token's id in the model's tokenizer, >= 0 (the key of `logit_bias`).
  std::int64_t id = 0;
  /// The token's text.
  std::string text;
  /// Its log probability: natural logarithm, finite and <= 0.
  double logprob = 0.0;
  /// Its probability, `exp(logprob)`: in (0, 1].
  double probability = 1.0;
};

/// A token and its score, to make a `distribution` from (`from_logits`).
struct token_logit {
  /// The token's id, >= 0.
  std::int64_t id = 0;
  /// The token's text.
  std::string text;
  /// Its logit: any finite real, or -infinity for probability zero. Log
  /// probabilities are logits too (normalizing adds only a constant).
  double logit = 0.0;
};

/// A token and how often it was seen, to make a `distribution` from
/// (`from_counts`), e.g. an n-gram model's continuation counts.
struct token_count {
  /// The token's id, >= 0.
  std::int64_t id = 0;
  /// The token's text.
  std::string text;
  /// How often the token was seen: finite and >= 0 (fractional counts, from
  /// smoothing or discounting, are fine). 0 is probability zero.
  double count = 0.0;
};

/// How many times each token has been generated so far: token id -> count.
/// What `frequency_penalty` and `presence_penalty` read. Ids that are absent
/// count 0.
using generated_counts = std::map<std::int64_t, std::uint64_t>;

/// Counts the tokens generated so far, given their ids in order.
KNOBS_DECL generated_counts count_generated(const std::vector<std::int64_t>& ids);

/// All the sampling knobs at once, for `distribution::apply(const sampling&)`.
/// An unset knob does nothing. The order in which they apply is fixed (see the
/// top of this file), not the order of the members.
struct sampling {
  /// Added to the logits of the tokens it names; empty does nothing.
  knobs::logit_bias logit_bias;
  /// Subtracted from a token's logit once per time it was generated.
  std::optional<knobs::frequency_penalty> frequency_penalty;
  /// Subtracted from a token's logit once if it was generated at all.
  std::optional<knobs::presence_penalty> presence_penalty;
  /// Divides the logits; 0 is greedy.
  std::optional<knobs::temperature> temperature;
  /// Keeps the k most likely tokens.
  std::optional<knobs::top_k> top_k;
  /// Keeps the smallest most-likely-first prefix whose mass is >= p.
  std::optional<knobs::top_p> top_p;
  /// Keeps tokens at least min_p times as likely as the most likely one.
  std::optional<knobs::min_p> min_p;
  /// Not used by `apply`: the seed for the caller's `generator`, kept here so
  /// the settings of a request travel together.
  std::optional<knobs::seed> seed;
};

/// A seeded pseudo-random generator that gives the same numbers on every
/// platform, compiler and standard library: xoshiro256** (Blackman and Vigna,
/// 2018), its state filled by splitmix64 from the seed as its authors
/// recommend. Not for cryptography.
///
/// Why not `<random>`: `std::mt19937_64` is portable, but every
/// `std::*_distribution` is implementation-defined, so the same seed picks
/// different tokens under libstdc++, libc++ and MSVC. `uniform()` is defined
/// here, bit for bit.
///
/// It meets UniformRandomBitGenerator, so it also works with `<random>`
/// (portably only with its engines' raw output).
class generator {
public:
  /// The type of `next()`'s results.
  using result_type = std::uint64_t;

  /// A generator whose sequence is fixed by `s` (any int64; negative seeds are
  /// taken modulo 2^64).
  explicit generator(knobs::seed s) noexcept {
    std::uint64_t x = static_cast<std::uint64_t>(s.value());
    // splitmix64 is a bijection of its counter, so at most one of the four
    // words is 0: xoshiro's forbidden all-zero state cannot happen.
    for (auto& word : state_)
      word = splitmix64(x);
  }

  /// The next 64 random bits (xoshiro256**).
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  /// The same as `next()`.
  std::uint64_t operator()() noexcept { return next(); }

  /// A real in [0, 1): the top 53 bits of `next()` times 2^-53. Every value is
  /// a multiple of 2^-53, computed exactly.
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// The smallest value `next()` returns: 0.
  static constexpr std::uint64_t min() noexcept { return 0; }
  /// The largest value `next()` returns: 2^64 - 1.
  static constexpr std::uint64_t max() noexcept {
    return std::numeric_limits<std::uint64_t>::max();
  }

private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

  static std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  std::uint64_t state_[4];
};

/// A probability distribution over next tokens: normalized, never empty, in
/// descending probability order (ties: ascending token id). Made by
/// `from_logits` or `from_counts`; changed only by making a new one (`apply`).
class distribution {
public:
  /// The entries, most likely first.
  using const_iterator = std::vector<token>::const_iterator;

  /// From logits (or log probabilities), normalized by a numerically stable
  /// log-sum-exp. A token whose logit is -infinity, or whose probability
  /// underflows to 0 in double precision (more than about 745 below the
  /// largest logit), has probability zero and is left out.
  /// \throws knob_error (`where` "distribution") for no tokens, a negative or
  /// repeated id, a NaN or +infinite logit, or every logit -infinity.
  static distribution from_logits(std::vector<token_logit> tokens) {
    return try_from_logits(std::move(tokens)).value();
  }

  /// The non-throwing form of `from_logits`.
  KNOBS_DECL static result<distribution> try_from_logits(std::vector<token_logit> tokens);

  /// From counts: token i has probability count_i / sum of counts. Tokens with
  /// count 0 have probability zero and are left out.
  /// \throws knob_error (`where` "distribution") for no tokens, a negative or
  /// repeated id, a negative, NaN or infinite count, or every count 0.
  static distribution from_counts(std::vector<token_count> tokens) {
    return try_from_counts(std::move(tokens)).value();
  }

  /// The non-throwing form of `from_counts`.
  KNOBS_DECL static result<distribution> try_from_counts(std::vector<token_count> tokens);

  // -- reading ----------------------------------------------------------------

  /// How many tokens have a non-zero probability: >= 1.
  std::size_t size() const noexcept { return entries_.size(); }

  /// The tokens, most likely first; ties in ascending id order.
  const std::vector<token>& entries() const noexcept { return entries_; }
  /// The first (most likely) entry.
  const_iterator begin() const noexcept { return entries_.begin(); }
  /// Past the last (least likely) entry.
  const_iterator end() const noexcept { return entries_.end(); }

  /// The `i`-th most likely token (0 is the most likely).
  /// \throws std::out_of_range if `i >= size()`.
  const token& operator[](std::size_t i) const { return entries_.at(i); }

  /// The most likely token (the lowest id among equally likely ones).
  const token& top() const noexcept { return entries_.front(); }

  /// The probability of the `i`-th most likely token, in (0, 1].
  /// \throws std::out_of_range if `i >= size()`.
  double probability(std::size_t i) const { return entries_.at(i).probability; }

  /// The log probability (natural log, <= 0) of the `i`-th most likely token.
  /// \throws std::out_of_range if `i >= size()`.
  double logprob(std::size_t i) const { return entries_.at(i).logprob; }

  /// The probability of the token with id `id`; 0 if it is not here (never
  /// given, or cut by a knob). O(size()).
  double probability_of(std::int64_t id) const noexcept {
    const token* t = find(id);
    return t ? t->probability : 0.0;
  }

  /// The token with id `id`, or nullptr. O(size()).
  const token* find(std::int64_t id) const noexcept {
    for (const auto& t : entries_)
      if (t.id == id)
        return &t;
    return nullptr;
  }

  /// The most likely token whose text is `text`, or nullptr. O(size()).
  const token* find(std::string_view text) const noexcept {
    for (const auto& t : entries_)
      if (t.text == text)
        return &t;
    return nullptr;
  }

  /// The Shannon entropy in nats: -sum p ln p, >= 0. 0 when one token has all
  /// the mass; ln(n) for n equally likely tokens. How "undecided" the next
  /// token is: higher temperature raises it, truncation lowers it.
  KNOBS_DECL double entropy() const noexcept;

  /// The entropy in bits: `entropy() / ln 2`.
  KNOBS_DECL double entropy_bits() const noexcept;

  // -- transformations: each returns a new, normalized distribution ------------

  /// Temperature: divides every logit by T. Below 1 sharpens (the likely get
  /// likelier), above 1 flattens, 1 changes nothing. T = 0 is greedy: the
  /// result holds only the most likely token (on a tie, the lowest id) with
  /// probability 1.
  KNOBS_DECL distribution apply(knobs::temperature t) const;

  /// top_k: keeps the k most likely tokens (ties at the boundary: the lower
  /// ids), renormalized. k >= size() changes nothing; k = 1 is greedy.
  KNOBS_DECL distribution apply(knobs::top_k k) const;

  /// top_p (nucleus): keeps the smallest most-likely-first prefix whose
  /// probabilities sum to at least p (within 1e-12, so that rounding in the
  /// probabilities does not pull in one more token), renormalized. At least
  /// one token is always kept: p = 0 is greedy, p = 1 keeps every token.
  KNOBS_DECL distribution apply(knobs::top_p p) const;

  /// min_p: keeps the tokens whose probability is at least min_p times the
  /// most likely token's (within a relative 1e-12), renormalized. 0 keeps
  /// every token; 1 keeps only the most likely token(s) (all of a tie).
  KNOBS_DECL distribution apply(knobs::min_p m) const;

  /// logit_bias: adds each bias to the logit of the token with that id. -100
  /// effectively bans a token (its probability falls by a factor e^100, about
  /// 2.7e43), +100 effectively forces it. Ids that are not here are ignored: a
  /// bias cannot add a token the distribution does not hold.
  KNOBS_DECL distribution apply(const knobs::logit_bias& bias) const;

  /// frequency_penalty, as OpenAI defines it: subtracts `count * penalty` from
  /// each token's logit, where count is how often it was generated so far.
  /// Negative penalties encourage repetition.
  KNOBS_DECL distribution apply(knobs::frequency_penalty penalty,
                                const generated_counts& generated) const;

  /// presence_penalty, as OpenAI defines it: subtracts `penalty` from the logit
  /// of each token generated at least once so far. Negative penalties
  /// encourage repetition.
  KNOBS_DECL distribution apply(knobs::presence_penalty penalty,
                                const generated_counts& generated) const;

  /// Every knob set in `s`, in the documented order (see the top of this
  /// file): logit_bias and penalties, then temperature, then top_k, top_p,
  /// min_p. `generated` is what the penalties read; `s.seed` is not used.
  KNOBS_DECL distribution apply(const sampling& s, const generated_counts& generated = {}) const;

  // -- sampling -----------------------------------------------------------------

  /// Draws one token: takes u = `gen.uniform()` (exactly one draw per call,
  /// whatever the distribution, so a run's draws stay aligned) and returns the
  /// index of the first entry, most likely first, at which the cumulative
  /// probability exceeds u. The same seed gives the same indices everywhere,
  /// except when u falls within rounding of a cumulative probability (about
  /// one draw in 10^15): `std::exp` is not correctly rounded on every platform.
  KNOBS_DECL std::size_t sample_index(generator& gen) const noexcept;

  /// Draws one token (see `sample_index`); a reference into this distribution.
  const token& sample(generator& gen) const& noexcept { return entries_[sample_index(gen)]; }

  /// Draws one token from a temporary, e.g. `d.apply(s).sample(gen)`: a copy,
  /// as the temporary is about to go.
  token sample(generator& gen) && { return std::move(entries_[sample_index(gen)]); }

private:
  // `scored` holds valid ids and logits (finite or -inf, at least one finite)
  // in `logprob`. Sorts, normalizes, and leaves out probability zero.
  KNOBS_DECL explicit distribution(std::vector<token> scored);

  // Only the most likely token.
  KNOBS_DECL distribution greedy() const;

  // The `keep` most likely tokens, renormalized; this one when that is all.
  KNOBS_DECL distribution truncated(std::size_t keep) const;

  std::vector<token> entries_;
  // The sum of the probabilities as sample_index adds them (1 within rounding).
  double total_ = 1.0;
};

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/distribution.ipp>
#endif

#endif
