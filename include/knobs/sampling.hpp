// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_SAMPLING_HPP
#define KNOBS_SAMPLING_HPP

/// \file
/// The sampling knobs, one type each, each unable to hold an invalid value.
///
/// A model emits a probability distribution over the next token; the knobs
/// decide how boldly a token is picked from it. Every knob here checks its
/// range when it is made, and rejects NaN and infinities:
///
/// | knob                | range            | JSON field          |
/// |---------------------|------------------|---------------------|
/// | `temperature`       | [0, 2]           | `temperature`       |
/// | `top_p`             | [0, 1]           | `top_p`             |
/// | `frequency_penalty` | [-2, 2]          | `frequency_penalty` |
/// | `presence_penalty`  | [-2, 2]          | `presence_penalty`  |
/// | `n`                 | [1, 128]         | `n`                 |
/// | `top_logprobs`      | [0, 20]          | `top_logprobs`      |
/// | `max_tokens`        | >= 1             | `max_tokens`        |
/// | `max_completion_tokens` | >= 1         | `max_completion_tokens` |
/// | `seed`              | any int64        | `seed`              |
/// | `logit_bias`        | token id >= 0 -> [-100, 100] | `logit_bias` |
/// | `stop`              | 1 to 4 non-empty strings | `stop`      |
/// | `top_k` (extension) | >= 1             | `top_k`             |
/// | `min_p` (extension) | [0, 1]           | `min_p`             |
/// | `repetition_penalty` (extension) | finite, > 0 | `repetition_penalty` |
/// | `reasoning_effort`  | none ... max     | `reasoning_effort`  |
///
/// Extensions are accepted by OpenAI-compatible servers (vLLM, llama.cpp's
/// server, Ollama, LM Studio) but not by OpenAI itself.
///
/// Making a knob, three ways:
/// ```cpp
/// knobs::temperature a{0.7};                       // a literal: checked at compile
///                                                  // time under C++20 (consteval)
/// knobs::temperature b{knobs::runtime(user_value)};// a run-time value: throws
///                                                  // knobs::knob_error if out of range
/// knobs::result<knobs::temperature> c =
///     knobs::temperature::make(user_value);        // no exception: a result
/// ```
/// Under C++20 `knobs::temperature{2.5}` does not compile, and neither does
/// `knobs::temperature{x}` for a non-constant `x`: say `knobs::runtime(x)` to ask
/// for the run-time check, as `fmt::runtime` does for format strings. Under
/// C++17 the literal form is checked at run time (and at compile time in a
/// constant expression), so `knobs::runtime(x)` works under both.
///
/// Knobs do not convert into each other, and none converts back to `double`
/// implicitly: read a knob with `value()`.

#include <knobs/detail/config.hpp>
#include <knobs/error.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

// Only where the compiler announces consteval. clang 14 accepts the syntax
// without announcing it, and rightly so: it crashes (a code-generation fault)
// on a function that makes two knob literals, e.g.
// `.temperature(0.7).top_p(0.9)`. There, as under C++17, literals are checked
// at run time.
#if defined(__cpp_consteval) && __cpp_consteval >= 201811L
/// 1 when knob literals are range-checked at compile time (C++20 consteval).
#define KNOBS_HAS_CONSTEVAL 1
#define KNOBS_DETAIL_LITERAL consteval
#else
/// 0 when knob literals are range-checked at run time: under C++17, and where
/// the compiler does not announce consteval (clang 14).
#define KNOBS_HAS_CONSTEVAL 0
#define KNOBS_DETAIL_LITERAL constexpr
#endif

namespace knobs {

/// A value to be range-checked at run time, made by `knobs::runtime(v)`.
template <class T> struct runtime_value {
  /// The value to check: a `double` for a real knob, a `std::int64_t` for an
  /// integer knob.
  T value;
};

/// Marks a floating-point value for a run-time range check by a real knob:
/// `knobs::temperature{knobs::runtime(x)}` throws `knob_error` if `x` is out of range.
template <class F, std::enable_if_t<std::is_floating_point_v<F>, int> = 0>
constexpr runtime_value<double> runtime(F v) noexcept {
  return {static_cast<double>(v)};
}

/// Marks an integer for a run-time range check by an integer knob:
/// `knobs::max_tokens{knobs::runtime(k)}` throws `knob_error` if `k < 1`.
template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
constexpr runtime_value<std::int64_t> runtime(I v) noexcept {
  return {static_cast<std::int64_t>(v)};
}

namespace detail {

// The range of a real-valued knob. hi == +inf means "no upper bound, but finite".
struct real_range {
  const char* name;
  double lo;
  double hi;
  bool lo_open;
};

struct int_range {
  const char* name;
  std::int64_t lo;
  std::int64_t hi;
};

constexpr bool is_finite(double v) noexcept {
  return v == v && v <= std::numeric_limits<double>::max() &&
         v >= -std::numeric_limits<double>::max();
}

constexpr bool in_range(const real_range& r, double v) noexcept {
  return is_finite(v) && (r.lo_open ? v > r.lo : v >= r.lo) && v <= r.hi;
}

constexpr bool in_range(const int_range& r, std::int64_t v) noexcept {
  return v >= r.lo && v <= r.hi;
}

// The range in words: "in [0, 2]", "finite and > 0", ">= 1".
KNOBS_DECL std::string describe(const real_range& r);
KNOBS_DECL std::string describe(const int_range& r);

// The errc::invalid_knob error for `v` outside `r`: it names the knob, its
// range and the value given.
KNOBS_DECL error_info out_of_range(const real_range& r, double v);
KNOBS_DECL error_info out_of_range(const int_range& r, std::int64_t v);

// Reaching this function while a knob literal is evaluated at compile time makes
// the program ill-formed: the compiler names it, and the knob's range is in the
// knob's documentation. At run time (C++17, or knobs::runtime) it throws.
template <class Range, class V>
[[noreturn]] void knob_literal_is_out_of_range(const Range& r, V v) {
  throw knob_error(out_of_range(r, v));
}

// The ranges, one per knob; the names are the JSON fields.
struct temperature_range {
  static constexpr real_range range{"temperature", 0.0, 2.0, false};
};
struct top_p_range {
  static constexpr real_range range{"top_p", 0.0, 1.0, false};
};
struct frequency_penalty_range {
  static constexpr real_range range{"frequency_penalty", -2.0, 2.0, false};
};
struct presence_penalty_range {
  static constexpr real_range range{"presence_penalty", -2.0, 2.0, false};
};
struct min_p_range {
  static constexpr real_range range{"min_p", 0.0, 1.0, false};
};
struct repetition_penalty_range {
  static constexpr real_range range{"repetition_penalty", 0.0,
                                    std::numeric_limits<double>::infinity(), true};
};
struct n_range {
  static constexpr int_range range{"n", 1, 128};
};
struct top_logprobs_range {
  static constexpr int_range range{"top_logprobs", 0, 20};
};
struct max_tokens_range {
  static constexpr int_range range{"max_tokens", 1, std::numeric_limits<std::int64_t>::max()};
};
struct max_completion_tokens_range {
  static constexpr int_range range{"max_completion_tokens", 1,
                                   std::numeric_limits<std::int64_t>::max()};
};
struct top_k_range {
  static constexpr int_range range{"top_k", 1, std::numeric_limits<std::int64_t>::max()};
};

} // namespace detail

/// A real-valued knob whose range is `Spec::range`. Use the aliases below
/// (`knobs::temperature`, ...), not this template.
template <class Spec> class real_knob {
public:
  /// The knob's range and JSON name.
  static constexpr const detail::real_range& range = Spec::range;

  /// From a literal. Under C++20 an out-of-range literal does not compile;
  /// under C++17 it throws `knob_error` at run time.
  KNOBS_DETAIL_LITERAL real_knob(double v) : value_(v) {
    if (!detail::in_range(range, v))
      detail::knob_literal_is_out_of_range(range, v);
  }

  /// From a run-time value (`knobs::runtime(x)`).
  /// \throws knob_error naming the knob, its range and `x` when out of range.
  real_knob(runtime_value<double> v) : value_(v.value) {
    if (!detail::in_range(range, v.value))
      throw knob_error(detail::out_of_range(range, v.value));
  }

  /// The non-throwing form: the knob, or an `errc::invalid_knob` error whose
  /// message names the knob, its range and `v`.
  static result<real_knob> make(double v) {
    if (!detail::in_range(range, v))
      return detail::out_of_range(range, v);
    return real_knob(runtime_value<double>{v});
  }

  /// The value, always within the range.
  constexpr double value() const noexcept { return value_; }

  /// Equal when the values are, compared exactly as doubles.
  friend constexpr bool operator==(real_knob a, real_knob b) noexcept {
    return a.value_ == b.value_;
  }
  /// Unequal when the values differ.
  friend constexpr bool operator!=(real_knob a, real_knob b) noexcept {
    return a.value_ != b.value_;
  }
  /// Orders by value: knobs of one kind sort, and serve as `std::map` keys.
  friend constexpr bool operator<(real_knob a, real_knob b) noexcept { return a.value_ < b.value_; }

  /// Writes the value, e.g. `0.7`.
  friend std::ostream& operator<<(std::ostream& os, real_knob k) { return os << k.value_; }

private:
  double value_;
};

/// An integer knob whose range is `Spec::range`. Use the aliases below.
template <class Spec> class int_knob {
public:
  /// The knob's range and JSON name.
  static constexpr const detail::int_range& range = Spec::range;

  /// From a literal. Under C++20 an out-of-range literal does not compile;
  /// under C++17 it throws `knob_error` at run time.
  KNOBS_DETAIL_LITERAL int_knob(std::int64_t v) : value_(v) {
    if (!detail::in_range(range, v))
      detail::knob_literal_is_out_of_range(range, v);
  }

  /// These knobs count things: a fractional value is a mistake, so it does
  /// not convert. Pass an integer.
  template <class F, std::enable_if_t<std::is_floating_point_v<F>, int> = 0> int_knob(F) = delete;

  /// From a run-time value (`knobs::runtime(k)`).
  /// \throws knob_error naming the knob, its range and `k` when out of range.
  int_knob(runtime_value<std::int64_t> v) : value_(v.value) {
    if (!detail::in_range(range, v.value))
      throw knob_error(detail::out_of_range(range, v.value));
  }

  /// The non-throwing form: the knob, or an `errc::invalid_knob` error.
  static result<int_knob> make(std::int64_t v) {
    if (!detail::in_range(range, v))
      return detail::out_of_range(range, v);
    return int_knob(runtime_value<std::int64_t>{v});
  }

  /// The value, always within the range.
  constexpr std::int64_t value() const noexcept { return value_; }

  /// Equal when the values are.
  friend constexpr bool operator==(int_knob a, int_knob b) noexcept { return a.value_ == b.value_; }
  /// Unequal when the values differ.
  friend constexpr bool operator!=(int_knob a, int_knob b) noexcept { return a.value_ != b.value_; }
  /// Orders by value: knobs of one kind sort, and serve as `std::map` keys.
  friend constexpr bool operator<(int_knob a, int_knob b) noexcept { return a.value_ < b.value_; }

  /// Writes the value, e.g. `0.7`.
  friend std::ostream& operator<<(std::ostream& os, int_knob k) { return os << k.value_; }

private:
  std::int64_t value_;
};

/// Rescales the distribution before sampling, in [0, 2]. 0 is greedy (always
/// the most likely token: deterministic); ~0.7 is balanced; above 1 flattens
/// the distribution toward unlikely tokens, and far enough, incoherence.
using temperature = real_knob<detail::temperature_range>;

/// Nucleus sampling, in [0, 1]: keep the smallest set of tokens whose
/// probabilities sum to p, then sample among them. An alternative lever to
/// temperature: change one or the other, not both.
using top_p = real_knob<detail::top_p_range>;

/// In [-2, 2]: positive values penalise tokens by how often they already
/// appeared, pushing the model away from repeating itself.
using frequency_penalty = real_knob<detail::frequency_penalty_range>;

/// In [-2, 2]: positive values penalise every token that already appeared at
/// all, nudging the model toward new topics.
using presence_penalty = real_knob<detail::presence_penalty_range>;

/// Extension (vLLM, llama.cpp, Ollama, LM Studio), in [0, 1]: keep only tokens
/// whose probability is at least min_p times the most likely token's.
using min_p = real_knob<detail::min_p_range>;

/// Extension (vLLM, llama.cpp, Ollama), finite and > 0: divides the scores of
/// tokens already seen; 1 is neutral, above 1 discourages repetition.
using repetition_penalty = real_knob<detail::repetition_penalty_range>;

/// How many choices to generate for each prompt, in [1, 128].
using n = int_knob<detail::n_range>;

/// How many most likely alternatives to return at each position, in [0, 20].
/// Needs `logprobs(true)` on the request.
using top_logprobs = int_knob<detail::top_logprobs_range>;

/// The most tokens to generate, >= 1 (the older field; reasoning models on
/// OpenAI want `max_completion_tokens`).
using max_tokens = int_knob<detail::max_tokens_range>;

/// The most tokens to generate including reasoning tokens, >= 1.
using max_completion_tokens = int_knob<detail::max_completion_tokens_range>;

/// Extension (vLLM, llama.cpp, Ollama, LM Studio), >= 1: keep only the k most
/// likely tokens.
using top_k = int_knob<detail::top_k_range>;

/// Pins the random choices so a run is reproducible: same seed and same inputs
/// give the same output, best-effort (watch `system_fingerprint`). Any int64.
class seed {
public:
  /// Any integer is a valid seed.
  constexpr seed(std::int64_t v) noexcept : value_(v) {}

  /// A seed is an integer; a fractional one is a mistake, so it does not convert.
  template <class F, std::enable_if_t<std::is_floating_point_v<F>, int> = 0> seed(F) = delete;

  /// For symmetry with the other knobs; a seed cannot be out of range.
  constexpr seed(runtime_value<std::int64_t> v) noexcept : value_(v.value) {}

  /// The seed, as given.
  constexpr std::int64_t value() const noexcept { return value_; }

  /// Equal when the values are.
  friend constexpr bool operator==(seed a, seed b) noexcept { return a.value_ == b.value_; }
  /// Unequal when the values differ.
  friend constexpr bool operator!=(seed a, seed b) noexcept { return a.value_ != b.value_; }

  /// Writes the value, e.g. `42`.
  friend std::ostream& operator<<(std::ostream& os, seed s) { return os << s.value_; }

private:
  std::int64_t value_;
};

/// Per-token adjustments added to the model's scores before sampling: token id
/// (>= 0, in the model's tokenizer) -> bias in [-100, 100]. -100 effectively
/// bans a token, 100 effectively forces it.
class logit_bias {
public:
  /// No biases.
  logit_bias() = default;

  /// `{{50256, -100.0}, {1234, 5.0}}`.
  /// \throws knob_error for a negative token id, a bias outside [-100, 100] (or
  /// NaN/infinite), or a token id given twice.
  logit_bias(std::initializer_list<std::pair<std::int64_t, double>> entries) {
    for (const auto& e : entries)
      if (auto r = try_add(e.first, e.second); !r)
        throw_error(r.error());
  }

  /// The non-throwing form of the constructor.
  static result<logit_bias> make(std::initializer_list<std::pair<std::int64_t, double>> entries) {
    logit_bias b;
    for (const auto& e : entries)
      if (auto r = b.try_add(e.first, e.second); !r)
        return r.error();
    return b;
  }

  /// Adds a bias for one token.
  /// \throws knob_error as the constructor does.
  logit_bias& add(std::int64_t token_id, double bias) {
    if (auto r = try_add(token_id, bias); !r)
      throw_error(r.error());
    return *this;
  }

  /// The non-throwing form of `add`; on error the map is unchanged.
  KNOBS_DECL result<void> try_add(std::int64_t token_id, double bias);

  /// Token id -> bias, in ascending token-id order.
  const std::map<std::int64_t, double>& entries() const noexcept { return entries_; }
  /// Whether no token has a bias. An empty `logit_bias` set on a request is
  /// still sent, as `{}`.
  bool empty() const noexcept { return entries_.empty(); }

  /// Equal when they bias the same tokens by the same amounts.
  friend bool operator==(const logit_bias& a, const logit_bias& b) {
    return a.entries_ == b.entries_;
  }
  /// Unequal when a token's bias differs, or only one of them biases it.
  friend bool operator!=(const logit_bias& a, const logit_bias& b) { return !(a == b); }

private:
  std::map<std::int64_t, double> entries_;
};

/// Up to 4 sequences at which the server stops generating (not included in
/// the output). Each must be non-empty.
class stop {
public:
  /// One stop sequence.
  /// \throws knob_error if it is empty.
  stop(std::string sequence) : stop(std::vector<std::string>{std::move(sequence)}) {}
  /// One stop sequence, from a string literal; `sequence` must not be null.
  /// \throws knob_error if it is empty.
  stop(const char* sequence) : stop(std::string(sequence)) {}

  /// One to four stop sequences.
  /// \throws knob_error for none, more than 4, or an empty one.
  stop(std::initializer_list<std::string> sequences) : stop(std::vector<std::string>(sequences)) {}

  /// \throws knob_error for none, more than 4, or an empty one.
  explicit stop(std::vector<std::string> sequences) {
    if (auto e = check(sequences))
      throw_error(std::move(*e));
    sequences_ = std::move(sequences);
  }

  /// The non-throwing form.
  static result<stop> make(std::vector<std::string> sequences) {
    if (auto e = check(sequences))
      return std::move(*e);
    return stop(std::move(sequences));
  }

  /// The sequences, in the order given.
  const std::vector<std::string>& sequences() const noexcept { return sequences_; }

  /// Equal when the sequences are, in the same order.
  friend bool operator==(const stop& a, const stop& b) { return a.sequences_ == b.sequences_; }
  /// Unequal when a sequence, their number or their order differs.
  friend bool operator!=(const stop& a, const stop& b) { return !(a == b); }

private:
  KNOBS_DECL static std::optional<error_info> check(const std::vector<std::string>& s);

  std::vector<std::string> sequences_;
};

/// How hard a reasoning model thinks before it answers. OpenAI's reasoning
/// models and gpt-oss (on vLLM, llama.cpp, Ollama) accept these; which values a
/// given model supports varies.
enum class reasoning_effort { none, minimal, low, medium, high, xhigh, max };

/// The JSON spelling: "none", "minimal", "low", "medium", "high", "xhigh", "max".
constexpr std::string_view to_string(reasoning_effort e) noexcept {
  switch (e) {
  case reasoning_effort::none:
    return "none";
  case reasoning_effort::minimal:
    return "minimal";
  case reasoning_effort::low:
    return "low";
  case reasoning_effort::medium:
    return "medium";
  case reasoning_effort::high:
    return "high";
  case reasoning_effort::xhigh:
    return "xhigh";
  case reasoning_effort::max:
    return "max";
  }
  return "";
}

/// Writes the JSON spelling.
inline std::ostream& operator<<(std::ostream& os, reasoning_effort e) { return os << to_string(e); }

/// Reads the JSON spelling; anything else is an `errc::invalid_knob` error
/// that lists the accepted values.
KNOBS_DECL result<reasoning_effort> parse_reasoning_effort(std::string_view s);

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/sampling.ipp>
#endif

#endif
