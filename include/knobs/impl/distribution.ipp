// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_DISTRIBUTION_IPP
#define KNOBS_IMPL_DISTRIBUTION_IPP

// The compiled part of distribution.hpp: making, normalizing, transforming and
// sampling a distribution.

#include <knobs/distribution.hpp>

#include <knobs/detail/number.hpp>
#include <knobs/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

namespace knobs {

namespace detail {

// The helpers below are `inline` because, header-only, this file is part of
// every translation unit that includes distribution.hpp.

inline error_info no_tokens() {
  return make_error(errc::invalid_knob, "distribution: no tokens; at least one is needed",
                    "distribution");
}

inline std::optional<error_info> check_id(std::int64_t id, std::unordered_set<std::int64_t>& seen) {
  if (id < 0)
    return make_error(errc::invalid_knob,
                      "distribution: a token id must be >= 0, got " + detail::format_number(id),
                      "distribution");
  if (!seen.insert(id).second)
    return make_error(errc::invalid_knob,
                      "distribution: token id " + detail::format_number(id) + " is given twice",
                      "distribution");
  return std::nullopt;
}

// These two say whether they changed a logit: when not, the caller returns
// the distribution as it was, to the bit, rather than renormalize it.
inline bool add_bias(std::vector<token>& scored, const knobs::logit_bias& bias) {
  bool changed = false;
  if (bias.empty())
    return changed;
  for (auto& e : scored)
    if (auto it = bias.entries().find(e.id); it != bias.entries().end() && it->second != 0.0) {
      e.logprob += it->second;
      changed = true;
    }
  return changed;
}

inline bool add_penalties(std::vector<token>& scored, const generated_counts& generated,
                          double frequency, double presence) {
  bool changed = false;
  if (generated.empty() || (frequency == 0.0 && presence == 0.0))
    return changed;
  for (auto& e : scored)
    if (auto it = generated.find(e.id); it != generated.end() && it->second > 0) {
      const double penalty = static_cast<double>(it->second) * frequency + presence;
      e.logprob -= penalty;
      changed = changed || penalty != 0.0;
    }
  return changed;
}

} // namespace detail

generated_counts count_generated(const std::vector<std::int64_t>& ids) {
  generated_counts counts;
  for (auto id : ids)
    ++counts[id];
  return counts;
}

result<distribution> distribution::try_from_logits(std::vector<token_logit> tokens) {
  if (tokens.empty())
    return detail::no_tokens();
  std::vector<token> scored;
  scored.reserve(tokens.size());
  std::unordered_set<std::int64_t> ids;
  bool any_finite = false;
  for (auto& t : tokens) {
    if (auto e = detail::check_id(t.id, ids))
      return std::move(*e);
    if (std::isnan(t.logit) || t.logit == std::numeric_limits<double>::infinity())
      return make_error(errc::invalid_knob,
                        "distribution: the logit of token " + detail::format_number(t.id) +
                            " must be finite or -inf, got " + detail::format_number(t.logit),
                        "distribution");
    any_finite = any_finite || std::isfinite(t.logit);
    scored.push_back(token{t.id, std::move(t.text), t.logit, 0.0});
  }
  if (!any_finite)
    return make_error(errc::invalid_knob,
                      "distribution: every logit is -inf; at least one token must have a "
                      "finite logit",
                      "distribution");
  return distribution(std::move(scored));
}

result<distribution> distribution::try_from_counts(std::vector<token_count> tokens) {
  if (tokens.empty())
    return detail::no_tokens();
  std::vector<token> scored;
  scored.reserve(tokens.size());
  std::unordered_set<std::int64_t> ids;
  bool any_positive = false;
  for (auto& t : tokens) {
    if (auto e = detail::check_id(t.id, ids))
      return std::move(*e);
    if (!std::isfinite(t.count) || t.count < 0)
      return make_error(errc::invalid_knob,
                        "distribution: the count of token " + detail::format_number(t.id) +
                            " must be finite and >= 0, got " + detail::format_number(t.count),
                        "distribution");
    any_positive = any_positive || t.count > 0;
    // log(0) is -inf: left out by the normalization, as a -inf logit is.
    scored.push_back(token{t.id, std::move(t.text), std::log(t.count), 0.0});
  }
  if (!any_positive)
    return make_error(errc::invalid_knob,
                      "distribution: every count is 0; at least one token must have a "
                      "positive count",
                      "distribution");
  return distribution(std::move(scored));
}

double distribution::entropy() const noexcept {
  double h = 0.0;
  for (const auto& t : entries_)
    h -= t.probability * t.logprob;
  return h > 0.0 ? h : 0.0;
}

double distribution::entropy_bits() const noexcept { return entropy() / std::log(2.0); }

distribution distribution::apply(knobs::temperature t) const {
  if (t.value() == 0.0)
    return greedy();
  if (t.value() == 1.0)
    return *this;
  std::vector<token> scored = entries_;
  // Measured from the most likely token, whose logit stays exactly 0: a tiny
  // T sends the others to -inf (left out), and nothing can become NaN.
  const double top_logprob = entries_.front().logprob;
  for (auto& e : scored)
    e.logprob = (e.logprob - top_logprob) / t.value();
  return distribution(std::move(scored));
}

distribution distribution::apply(knobs::top_k k) const {
  const auto k_value = static_cast<std::uint64_t>(k.value());
  return truncated(k_value < entries_.size() ? static_cast<std::size_t>(k_value) : entries_.size());
}

distribution distribution::apply(knobs::top_p p) const {
  std::size_t keep = 0;
  double mass = 0.0;
  while (keep < entries_.size()) {
    mass += entries_[keep].probability;
    ++keep;
    if (mass >= p.value() - 1e-12)
      break;
  }
  return truncated(keep);
}

distribution distribution::apply(knobs::min_p m) const {
  if (m.value() == 0.0)
    return *this;
  // In log space: p_i >= m * p_max  <=>  logprob_i >= ln m + logprob_max.
  const double threshold = std::log(m.value()) + entries_.front().logprob - 1e-12;
  std::size_t keep = 1;
  while (keep < entries_.size() && entries_[keep].logprob >= threshold)
    ++keep;
  return truncated(keep);
}

distribution distribution::apply(const knobs::logit_bias& bias) const {
  std::vector<token> scored = entries_;
  if (!detail::add_bias(scored, bias))
    return *this;
  return distribution(std::move(scored));
}

distribution distribution::apply(knobs::frequency_penalty penalty,
                                 const generated_counts& generated) const {
  std::vector<token> scored = entries_;
  if (!detail::add_penalties(scored, generated, penalty.value(), 0.0))
    return *this;
  return distribution(std::move(scored));
}

distribution distribution::apply(knobs::presence_penalty penalty,
                                 const generated_counts& generated) const {
  std::vector<token> scored = entries_;
  if (!detail::add_penalties(scored, generated, 0.0, penalty.value()))
    return *this;
  return distribution(std::move(scored));
}

distribution distribution::apply(const sampling& s, const generated_counts& generated) const {
  distribution d = *this;
  if (!s.logit_bias.empty() || s.frequency_penalty || s.presence_penalty) {
    // Bias and penalties are additive, so one pass does all three.
    std::vector<token> scored = entries_;
    const bool biased = detail::add_bias(scored, s.logit_bias);
    const bool penalized = detail::add_penalties(
        scored, generated, s.frequency_penalty ? s.frequency_penalty->value() : 0.0,
        s.presence_penalty ? s.presence_penalty->value() : 0.0);
    if (biased || penalized)
      d = distribution(std::move(scored));
  }
  if (s.temperature)
    d = d.apply(*s.temperature);
  if (s.top_k)
    d = d.apply(*s.top_k);
  if (s.top_p)
    d = d.apply(*s.top_p);
  if (s.min_p)
    d = d.apply(*s.min_p);
  return d;
}

std::size_t distribution::sample_index(generator& gen) const noexcept {
  // Scaled by the sum as computed here, so rounding cannot leave u past the end.
  const double target = gen.uniform() * total_;
  double cumulative = 0.0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    cumulative += entries_[i].probability;
    if (target < cumulative)
      return i;
  }
  return entries_.size() - 1;
}

distribution::distribution(std::vector<token> scored) : entries_(std::move(scored)) {
  auto by_score = [](const token& a, const token& b) {
    return a.logprob != b.logprob ? a.logprob > b.logprob : a.id < b.id;
  };
  // Sorted first so that the sum below, and hence every bit of the result,
  // does not depend on the order the tokens came in.
  std::sort(entries_.begin(), entries_.end(), by_score);
  const double top = entries_.front().logprob;
  double sum = 0.0;
  for (const auto& e : entries_)
    sum += std::exp(e.logprob - top);
  const double log_norm = top + std::log(sum);
  for (auto& e : entries_) {
    e.logprob -= log_norm;
    e.probability = std::exp(e.logprob);
  }
  // Subtracting log_norm can round distinct logits to one logprob: re-sort so
  // ties are again in id order.
  std::sort(entries_.begin(), entries_.end(), by_score);
  while (entries_.back().probability == 0.0)
    entries_.pop_back();
  total_ = 0.0;
  for (const auto& e : entries_)
    total_ += e.probability;
}

distribution distribution::greedy() const {
  return distribution(std::vector<token>{entries_.front()});
}

distribution distribution::truncated(std::size_t keep) const {
  if (keep >= entries_.size())
    return *this;
  return distribution(
      std::vector<token>(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(keep)));
}

} // namespace knobs

#endif
