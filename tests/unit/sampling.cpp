#include <knobs/sampling.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();

// The message a user sees for a run-time value out of range.
template <class Knob, class V> std::string rejection(V v) {
  auto r = Knob::make(v);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == knobs::errc::invalid_knob);
  CHECK(r.error().where == Knob::range.name);
  return r.error().message;
}

} // namespace

TEST_CASE("temperature accepts its whole range [0, 2]") {
  CHECK(knobs::temperature{0.0}.value() == 0.0);
  CHECK(knobs::temperature{0.7}.value() == 0.7);
  CHECK(knobs::temperature{2.0}.value() == 2.0);
  CHECK(knobs::temperature::make(1.3).value().value() == 1.3);
}

TEST_CASE("temperature rejects values above 2, naming the knob, its range and the value") {
  CHECK(rejection<knobs::temperature>(2.5) == "temperature must be in [0, 2], got 2.5");
  CHECK(rejection<knobs::temperature>(2.0000001) == "temperature must be in [0, 2], got 2.0000001");
  CHECK(rejection<knobs::temperature>(-0.1) == "temperature must be in [0, 2], got -0.1");
}

TEST_CASE("a run-time value out of range throws knob_error through knobs::runtime") {
  double from_user = 2.5;
  CHECK_THROWS_AS(knobs::temperature{knobs::runtime(from_user)}, knobs::knob_error);
  try {
    knobs::temperature t{knobs::runtime(from_user)};
    (void)t;
    FAIL("temperature 2.5 did not throw");
  } catch (const knobs::knob_error& e) {
    CHECK(std::string(e.what()) == "temperature must be in [0, 2], got 2.5");
    CHECK(e.where() == "temperature");
    CHECK(e.code() == knobs::errc::invalid_knob);
  }
  float f = 0.5f;
  CHECK(knobs::top_p{knobs::runtime(f)}.value() == 0.5);
}

TEST_CASE("result::value() throws the same knob_error as the throwing form") {
  CHECK_THROWS_WITH_AS(knobs::top_p::make(1.5).value(), "top_p must be in [0, 1], got 1.5",
                       knobs::knob_error);
}

TEST_CASE("NaN and infinities are rejected by every real-valued knob") {
  for (double bad : {nan_v, inf_v, -inf_v}) {
    CHECK_FALSE(knobs::temperature::make(bad).has_value());
    CHECK_FALSE(knobs::top_p::make(bad).has_value());
    CHECK_FALSE(knobs::frequency_penalty::make(bad).has_value());
    CHECK_FALSE(knobs::presence_penalty::make(bad).has_value());
    CHECK_FALSE(knobs::min_p::make(bad).has_value());
    CHECK_FALSE(knobs::repetition_penalty::make(bad).has_value());
    CHECK_THROWS_AS(knobs::temperature{knobs::runtime(bad)}, knobs::knob_error);
  }
  CHECK(rejection<knobs::temperature>(nan_v) == "temperature must be in [0, 2], got nan");
  CHECK(rejection<knobs::repetition_penalty>(inf_v) ==
        "repetition_penalty must be finite and > 0, got inf");
}

TEST_CASE("each real knob's bounds are inclusive exactly where the API's are") {
  CHECK(knobs::top_p::make(0.0).has_value());
  CHECK(knobs::top_p::make(1.0).has_value());
  CHECK(rejection<knobs::top_p>(1.01) == "top_p must be in [0, 1], got 1.01");
  CHECK(knobs::frequency_penalty::make(-2.0).has_value());
  CHECK(knobs::frequency_penalty::make(2.0).has_value());
  CHECK(rejection<knobs::frequency_penalty>(-2.5) ==
        "frequency_penalty must be in [-2, 2], got -2.5");
  CHECK(rejection<knobs::presence_penalty>(3.0) == "presence_penalty must be in [-2, 2], got 3");
  CHECK(knobs::min_p::make(0.0).has_value());
  CHECK(knobs::min_p::make(1.0).has_value());
  CHECK(rejection<knobs::min_p>(1.5) == "min_p must be in [0, 1], got 1.5");
  CHECK(knobs::repetition_penalty::make(1e-9).has_value());
  CHECK(knobs::repetition_penalty::make(1e300).has_value());
  CHECK(rejection<knobs::repetition_penalty>(0.0) ==
        "repetition_penalty must be finite and > 0, got 0");
  CHECK(rejection<knobs::repetition_penalty>(-1.0) ==
        "repetition_penalty must be finite and > 0, got -1");
}

TEST_CASE("integer knobs check their ranges") {
  CHECK(knobs::n{1}.value() == 1);
  CHECK(knobs::n{128}.value() == 128);
  CHECK(rejection<knobs::n>(0) == "n must be in [1, 128], got 0");
  CHECK(rejection<knobs::n>(129) == "n must be in [1, 128], got 129");
  CHECK(knobs::top_logprobs{0}.value() == 0);
  CHECK(knobs::top_logprobs{20}.value() == 20);
  CHECK(rejection<knobs::top_logprobs>(21) == "top_logprobs must be in [0, 20], got 21");
  CHECK(rejection<knobs::top_logprobs>(-1) == "top_logprobs must be in [0, 20], got -1");
  CHECK(knobs::max_tokens{1}.value() == 1);
  CHECK(knobs::max_tokens::make(std::numeric_limits<std::int64_t>::max()).has_value());
  CHECK(rejection<knobs::max_tokens>(0) == "max_tokens must be >= 1, got 0");
  CHECK(rejection<knobs::max_completion_tokens>(-5) ==
        "max_completion_tokens must be >= 1, got -5");
  CHECK(knobs::top_k{1}.value() == 1);
  CHECK(rejection<knobs::top_k>(0) == "top_k must be >= 1, got 0");
  int k = 0;
  CHECK_THROWS_WITH_AS(knobs::top_k{knobs::runtime(k)}, "top_k must be >= 1, got 0",
                       knobs::knob_error);
}

TEST_CASE("seed takes any int64") {
  CHECK(knobs::seed{42}.value() == 42);
  CHECK(knobs::seed{-1}.value() == -1);
  CHECK(knobs::seed{std::numeric_limits<std::int64_t>::min()}.value() ==
        std::numeric_limits<std::int64_t>::min());
  CHECK(knobs::seed{knobs::runtime(7u)}.value() == 7);
  CHECK(knobs::seed{42} == knobs::seed{42});
  CHECK(knobs::seed{42} != knobs::seed{99});
}

TEST_CASE("knobs do not convert into each other or from a fraction where a count is meant") {
  static_assert(!std::is_convertible_v<knobs::top_p, knobs::temperature>);
  static_assert(!std::is_convertible_v<knobs::temperature, knobs::top_p>);
  static_assert(!std::is_convertible_v<knobs::min_p, knobs::top_p>);
  static_assert(!std::is_convertible_v<knobs::temperature, double>);
  static_assert(!std::is_convertible_v<knobs::max_tokens, knobs::max_completion_tokens>);
  static_assert(!std::is_convertible_v<double, knobs::n>);
  static_assert(!std::is_convertible_v<double, knobs::seed>);
  static_assert(!std::is_convertible_v<double, knobs::max_tokens>);
  static_assert(!std::is_convertible_v<knobs::runtime_value<double>, knobs::top_k>);
  static_assert(!std::is_convertible_v<knobs::runtime_value<std::int64_t>, knobs::temperature>);
  CHECK(true);
}

#if KNOBS_HAS_CONSTEVAL
TEST_CASE("under C++20 a literal knob is checked at compile time") {
  // An out-of-range literal here would not compile: tests/compile_fail proves it.
  constexpr knobs::temperature t{0.7};
  static_assert(t.value() == 0.7);
  CHECK(t.value() == 0.7);
}
#else
TEST_CASE("under C++17 a literal out of range throws at run time") {
  CHECK_THROWS_WITH_AS(knobs::temperature{2.5}, "temperature must be in [0, 2], got 2.5",
                       knobs::knob_error);
  CHECK_THROWS_AS(knobs::n{0}, knobs::knob_error);
  constexpr knobs::temperature t{0.7}; // still usable in constant expressions
  static_assert(t.value() == 0.7);
}
#endif

TEST_CASE("knobs compare by value") {
  CHECK(knobs::temperature{0.7} == knobs::temperature{0.7});
  CHECK(knobs::temperature{0.7} != knobs::temperature{1.3});
  CHECK(knobs::temperature{0.7} < knobs::temperature{1.3});
  CHECK(knobs::top_k{40} == knobs::top_k{40});
}

TEST_CASE("logit_bias holds token ids mapped to biases in [-100, 100]") {
  knobs::logit_bias b{{50256, -100.0}, {1234, 5.5}};
  CHECK(b.entries().size() == 2);
  CHECK(b.entries().begin()->first == 1234);
  CHECK(b.entries().at(50256) == -100.0);
  b.add(7, 100.0);
  CHECK(b.entries().size() == 3);
  CHECK(knobs::logit_bias{}.empty());
}

TEST_CASE("logit_bias rejects a bias out of range, a negative token id and a repeated id") {
  CHECK_THROWS_WITH_AS((knobs::logit_bias{{42, 150.0}}),
                       "logit_bias[42] must be in [-100, 100], got 150", knobs::knob_error);
  CHECK_THROWS_WITH_AS((knobs::logit_bias{{-1, 1.0}}), "logit_bias token id must be >= 0, got -1",
                       knobs::knob_error);
  CHECK_THROWS_WITH_AS((knobs::logit_bias{{3, 1.0}, {3, 2.0}}),
                       "logit_bias token id 3 is given twice", knobs::knob_error);
  auto r = knobs::logit_bias::make({{1, nan_v}});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message == "logit_bias[1] must be in [-100, 100], got nan");
  CHECK(r.error().where == "logit_bias");

  knobs::logit_bias b{{1, 1.0}};
  CHECK_FALSE(b.try_add(2, -101.0).has_value());
  CHECK(b.entries().size() == 1); // a rejected entry leaves the map as it was
}

TEST_CASE("stop holds one to four non-empty sequences") {
  CHECK(knobs::stop{"\n"}.sequences() == std::vector<std::string>{"\n"});
  CHECK(knobs::stop{"a", "b", "c", "d"}.sequences().size() == 4);
  CHECK_THROWS_WITH_AS((knobs::stop{"a", "b", "c", "d", "e"}),
                       "stop must hold 1 to 4 sequences, got 5", knobs::knob_error);
  CHECK_THROWS_WITH_AS(knobs::stop{""}, "stop[0] must not be empty", knobs::knob_error);
  CHECK_THROWS_WITH_AS((knobs::stop{"x", ""}), "stop[1] must not be empty", knobs::knob_error);
  auto none = knobs::stop::make({});
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().message == "stop must hold 1 to 4 sequences, got 0");
}

TEST_CASE("reasoning_effort reads and writes its JSON spelling") {
  for (auto e : {knobs::reasoning_effort::none, knobs::reasoning_effort::minimal,
                 knobs::reasoning_effort::low, knobs::reasoning_effort::medium,
                 knobs::reasoning_effort::high, knobs::reasoning_effort::xhigh,
                 knobs::reasoning_effort::max})
    CHECK(knobs::parse_reasoning_effort(knobs::to_string(e)).value() == e);
  CHECK(knobs::to_string(knobs::reasoning_effort::xhigh) == "xhigh");
  auto bad = knobs::parse_reasoning_effort("extreme");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message ==
        "reasoning_effort must be one of none, minimal, low, medium, high, xhigh, max, got "
        "\"extreme\"");
}
