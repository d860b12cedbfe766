// A negative top_p literal does not compile.
// requires: consteval
// expect: knob_literal_is_out_of_range
#include <knobs/sampling.hpp>

int main() {
#ifdef KNOBS_COMPILE_FAIL
  knobs::top_p p{-0.1}; // top_p is in [0, 1]
#else
  knobs::top_p p{0.0};
#endif
  return p.value() == 0 ? 0 : 1;
}
