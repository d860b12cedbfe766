// Under C++20 a run-time double must say knobs::runtime(x) to be checked at run
// time, as fmt::runtime does for format strings: the literal path is consteval.
// requires: consteval
// expect: (not usable in a constant expression|not a constant expression|consteval)
#include <knobs/sampling.hpp>

int main(int argc, char**) {
  double x = argc * 0.5;
#ifdef KNOBS_COMPILE_FAIL
  knobs::temperature t{x};
#else
  knobs::temperature t{knobs::runtime(x)};
#endif
  return t.value() > 0 ? 0 : 1;
}
