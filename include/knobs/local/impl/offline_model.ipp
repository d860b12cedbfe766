// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_IMPL_OFFLINE_MODEL_IPP
#define KNOBS_LOCAL_IMPL_OFFLINE_MODEL_IPP

#include <knobs/local/offline_model.hpp>

#include <knobs/local/detail/corpus.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
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

// Dense per-token sums for one step, reset by clearing only what was touched.
struct offline_model::scratch {
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

offline_model::offline_model(offline_model_parameters parameters)
    : offline_model(builtin_sentences(), builtin_topics(), parameters) {}

offline_model::offline_model(const std::vector<training_sentence>& sentences,
                             const std::vector<training_topic>& topics,
                             offline_model_parameters parameters)
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
  for (double p :
       {parameters.fivegram_weight, parameters.fourgram_weight, parameters.trigram_weight,
        parameters.bigram_weight, parameters.unigram_weight, parameters.floor_weight,
        static_cast<double>(parameters.tail_tokens), parameters.topic_boost, parameters.word_boost})
    hash_double(p);
  hash_double(static_cast<double>(order)); // the model's order
  train();
}

std::vector<std::string> offline_model::tokenize(std::string_view text) {
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
      while (i < text.size() && (is_word_char(text[i]) || (text[i] == '.' && i + 1 < text.size() &&
                                                           is_word_char(text[i + 1]))))
        ++i;
      piece.append(text.substr(start, i - start));
    }
    out.push_back(std::move(piece));
  }
  return out;
}

std::int64_t offline_model::count_tokens(std::string_view text) {
  return static_cast<std::int64_t>(tokenize(text).size());
}

std::optional<std::int64_t> offline_model::token_id(std::string_view text) const {
  auto it = index_.find(std::string(text));
  if (it == index_.end())
    return std::nullopt;
  return it->second;
}

std::string offline_model::fingerprint() const {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "fp_";
  for (int shift = 60; shift >= 16; shift -= 4)
    out += hex[(fingerprint_hash_ >> shift) & 0xf];
  return out;
}

prompt_conditioning offline_model::condition(std::string_view prompt) const {
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

distribution offline_model::next(const prompt_conditioning& c,
                                 const std::vector<std::int64_t>& history) const {
  scratch s(vocabulary_.size());
  return next(c, history, s);
}

generation offline_model::generate(const prompt_conditioning& c, const generation_options& options,
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

generation offline_model::generate(std::string_view prompt, const generation_options& options,
                                   generator& gen) const {
  return generate(condition(prompt), options, gen);
}

std::vector<std::string> offline_model::prompt_words(std::string_view text) {
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

std::vector<training_sentence> offline_model::builtin_sentences() {
  std::vector<training_sentence> out;
  for (const auto& s : detail::corpus)
    out.push_back({s.topic, s.text});
  return out;
}

std::vector<training_topic> offline_model::builtin_topics() {
  std::vector<training_topic> out;
  for (const auto& t : detail::corpus_topics)
    out.push_back({t.name, t.keywords});
  return out;
}

void offline_model::check(const offline_model_parameters& p) {
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

bool offline_model::is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool offline_model::is_word_char(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '\'' ||
         u == '-' || u >= 0x80;
}

// The lower-case words of a text, punctuation included as itself
// (prompt_words drops it).
std::vector<std::string> offline_model::split_words(std::string_view text) {
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
std::vector<std::pair<std::int64_t, double>>
offline_model::top_of(const std::vector<double>& weight, std::size_t n) {
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

void offline_model::hash_byte(unsigned char b) noexcept {
  fingerprint_hash_ ^= b;
  fingerprint_hash_ *= fnv_prime;
}

// Length-prefixed, so that ("ab", "c") and ("a", "bc") hash differently.
void offline_model::hash_text(std::string_view s) noexcept {
  hash_u64(s.size());
  for (char c : s)
    hash_byte(static_cast<unsigned char>(c));
}

void offline_model::hash_u64(std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i)
    hash_byte(static_cast<unsigned char>(v >> (8 * i)));
}

void offline_model::hash_double(double d) noexcept {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  hash_u64(bits);
}

std::int32_t offline_model::intern(std::string piece) {
  auto it = index_.find(piece);
  if (it != index_.end())
    return static_cast<std::int32_t>(it->second);
  const auto id = static_cast<std::int32_t>(vocabulary_.size());
  is_end_.push_back(piece == "." || piece == "!" || piece == "?");
  index_.emplace(piece, id);
  vocabulary_.push_back(std::move(piece));
  return id;
}

// The key of the context of `length` (1 to order - 1, that is 4) tokens that
// ends before position `end` of `ids`; positions before the answer are
// "start" (-1).
template <class Id>
std::uint64_t offline_model::context_key(const std::vector<Id>& ids, std::size_t end,
                                         int length) const {
  std::uint64_t key = 0;
  for (int back = length; back >= 1; --back) {
    const std::int64_t id =
        end >= static_cast<std::size_t>(back) ? static_cast<std::int64_t>(ids[end - back]) : -1;
    key = key * (vocabulary_.size() + 1) + static_cast<std::uint64_t>(id + 1);
  }
  return key;
}

void offline_model::train() {
  for (std::size_t s = 0; s < sentences_.size(); ++s)
    for (std::size_t i = 0; i < sentences_[s].size(); ++i)
      for (int length = 1; length < order; ++length)
        contexts_[static_cast<std::size_t>(length - 1)][context_key(sentences_[s], i, length)]
            .push_back(occurrence{sentences_[s][i], static_cast<std::int32_t>(s)});
}

distribution offline_model::next(const prompt_conditioning& c,
                                 const std::vector<std::int64_t>& history, scratch& s) const {
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
bool offline_model::cut_at_stop(generation& out, std::size_t before,
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

} // namespace local
} // namespace knobs

#endif
