// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.

// knobs' ranges and the spec's agree, both ways: a value just outside a knob's
// range is refused by Prism (422 naming the field) when sent raw, and refused by
// knobs before anything is sent when given to the typed API. The values just
// inside are accepted by both (requests.cpp).
#include "contract.hpp"

#include <doctest/doctest.h>

#include <knobs/detail/number.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace {

knobs::chat_request base() {
  return knobs::chat_request{"gpt-5.4"}.user("In one sentence, describe a city at night.");
}

const std::string& base_body() {
  static const std::string body = knobs::to_json(base());
  return body;
}

std::string text(double v) { return knobs::detail::format_number(v); }
std::string text(std::int64_t v) { return knobs::detail::format_number(v); }

// A value for `field` outside the spec's range, as JSON text, and the same value
// given to knobs' typed API.
struct probe {
  std::string field;
  std::string value;
  std::function<void(knobs::chat_request&)> set;
};

// Both sides of a real knob's closed range, one ulp outside.
template <class Knob>
void real_probes(std::vector<probe>& out, knobs::chat_request& (knobs::chat_request::*set)(Knob)) {
  const auto& r = Knob::range;
  for (double v : {std::nextafter(r.lo, -INFINITY), std::nextafter(r.hi, INFINITY)})
    out.push_back({r.name, text(v), [=](knobs::chat_request& q) { (q.*set)(knobs::runtime(v)); }});
}

template <class Knob>
void int_probes(std::vector<probe>& out, knobs::chat_request& (knobs::chat_request::*set)(Knob)) {
  const auto& r = Knob::range;
  for (std::int64_t v : {r.lo - 1, r.hi + 1})
    out.push_back({r.name, text(v), [=](knobs::chat_request& q) { (q.*set)(knobs::runtime(v)); }});
}

std::vector<probe> probes() {
  using request = knobs::chat_request;
  std::vector<probe> out;
  real_probes<knobs::temperature>(out, &request::temperature);
  real_probes<knobs::top_p>(out, &request::top_p);
  real_probes<knobs::frequency_penalty>(out, &request::frequency_penalty);
  real_probes<knobs::presence_penalty>(out, &request::presence_penalty);
  int_probes<knobs::n>(out, &request::n);
  for (std::int64_t v : {knobs::top_logprobs::range.lo - 1, knobs::top_logprobs::range.hi + 1})
    out.push_back({"top_logprobs", text(v),
                   [=](request& q) { q.logprobs(true).top_logprobs(knobs::runtime(v)); }});
  out.push_back(
      {"stop", "[]", [](request& q) { q.stop(knobs::stop(std::vector<std::string>{})); }});
  out.push_back({"stop", R"(["a","b","c","d","e"])", [](request& q) {
                   q.stop(knobs::stop({"a", "b", "c", "d", "e"}));
                 }});
  out.push_back({"reasoning_effort", R"("maximal")", [](request& q) {
                   q.reasoning_effort(knobs::parse_reasoning_effort("maximal").value());
                 }});
  // Not a sampling knob, but a limit knobs checks (in validate(), when sending).
  out.push_back({"safety_identifier", "\"" + std::string(65, 'a') + "\"",
                 [](request& q) { q.safety_identifier(std::string(65, 'a')); }});
  return out;
}

// Whether Prism's invalid fields name `field` or a part of it ("logit_bias.50256").
bool names(const std::vector<std::string>& invalid, const std::string& field) {
  for (const auto& f : invalid)
    if (f == field || f.rfind(field + ".", 0) == 0)
      return true;
  return false;
}

} // namespace

TEST_CASE("Prism answers 200 to the base request the range probes start from") {
  const contract::answer a = contract::post(base_body());
  INFO("Prism: ", a.body);
  CHECK(a.status == 200);
}

TEST_CASE("a value just outside each knob's range is refused by Prism, naming the field") {
  for (const probe& p : probes()) {
    const contract::answer a = contract::post(contract::with_field(base_body(), p.field, p.value));
    INFO(p.field, " = ", p.value, "\nPrism: ", a.status, " ", a.body);
    CHECK(a.status == 422);
    CHECK(a.content_type == "application/problem+json");
    CHECK(a.invalid_fields() == std::vector<std::string>{p.field});
  }
}

TEST_CASE("the same values are refused by knobs' typed API before anything is sent") {
  for (const probe& p : probes()) {
    INFO(p.field, " = ", p.value);
    knobs::client fresh{contract::prism_options()};
    try {
      auto r = base();
      p.set(r);
      fresh.create(r);
      FAIL_CHECK("knobs sent ", p.field, " = ", p.value);
    } catch (const knobs::knob_error& e) {
      CHECK(e.where() == p.field);
    } catch (const knobs::request_error& e) {
      CHECK(e.where() == p.field);
    }
    CHECK(fresh.async().open_connections() == 0); // never connected
  }
}

TEST_CASE("a fractional count is refused by Prism and cannot be written with knobs") {
  for (const char* field : {"n", "top_logprobs", "max_tokens", "max_completion_tokens", "seed"}) {
    const contract::answer a = contract::post(contract::with_field(base_body(), field, "1.5"));
    INFO(field, " = 1.5\nPrism: ", a.body);
    CHECK(a.status == 422);
    CHECK(names(a.invalid_fields(), field));
  }
  // The integer knobs delete their floating-point constructors.
  CHECK_FALSE(std::is_constructible_v<knobs::n, double>);
  CHECK_FALSE(std::is_constructible_v<knobs::top_logprobs, double>);
  CHECK_FALSE(std::is_constructible_v<knobs::max_tokens, double>);
  CHECK_FALSE(std::is_constructible_v<knobs::max_completion_tokens, double>);
  CHECK_FALSE(std::is_constructible_v<knobs::seed, double>);
}

TEST_CASE("a seed beyond int64 is refused by Prism, and knobs' seed is exactly int64") {
  // JSON numbers are doubles to Prism, so "just outside" is the next double
  // beyond 2^63 on each side; int64's own limits pass (requests.cpp).
  for (const char* v : {"9223372036854777856", "-9223372036854777856"}) {
    const contract::answer a = contract::post(contract::with_field(base_body(), "seed", v));
    INFO("seed = ", v, "\nPrism: ", a.body);
    CHECK(a.status == 422);
    CHECK(a.invalid_fields() == std::vector<std::string>{"seed"});
  }
  CHECK(std::is_same_v<decltype(knobs::seed{0}.value()), std::int64_t>);
}

TEST_CASE("the spec takes the extensions at any value, so their ranges are knobs' own") {
  const std::vector<std::pair<std::string, std::string>> outside = {
      {"top_k", "0"}, {"min_p", "1.5"}, {"repetition_penalty", "0"}};
  for (const auto& probe : outside) {
    const std::string& field = probe.first; // not a structured binding: INFO captures it
    const std::string& value = probe.second;
    const contract::answer a = contract::post(contract::with_field(base_body(), field, value));
    INFO(field, " = ", value, "\nPrism: ", a.body);
    CHECK(a.status == 200);
  }
  CHECK_FALSE(knobs::top_k::make(0).has_value());
  CHECK_FALSE(knobs::min_p::make(1.5).has_value());
  CHECK_FALSE(knobs::repetition_penalty::make(0.0).has_value());
}

TEST_CASE("every known disagreement between knobs and the spec still holds") {
  std::ostringstream table;
  table << "known disagreements between knobs and the spec (tests/contract/exceptions.cpp):\n";
  for (const auto& d : contract::known_disagreements()) {
    const contract::answer a = contract::post(contract::with_field(base_body(), d.field, d.probe));
    const bool accepted = d.knobs_accepts();
    const std::string probe =
        d.probe.size() > 40 ? std::string(d.probe.substr(0, 37)) + "..." : std::string(d.probe);
    table << "  " << d.field << ": knobs " << d.knobs_says << "; spec " << d.spec_says << "; "
          << probe << " -> knobs " << (accepted ? "sends it" : "refuses it") << ", Prism "
          << a.status << '\n';
    INFO(d.field, " = ", probe, "\nPrism: ", a.status, " ", a.body);
    CHECK_MESSAGE(a.status == d.prism_status, "Prism's answer changed: if knobs and the spec "
                                              "agree now, remove the entry");
    CHECK_MESSAGE(accepted == (d.prism_status == 422),
                  "knobs now agrees with the spec: remove the entry");
    if (a.status == 422)
      CHECK(names(a.invalid_fields(), std::string(d.field)));
  }
  MESSAGE(table.str());
}
