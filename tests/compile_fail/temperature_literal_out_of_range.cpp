// Under C++20 a knob literal outside its range does not compile.
// requires: consteval
// expect: knob_literal_is_out_of_range
#include <knobs/sampling.hpp>

int main() {
#ifdef KNOBS_COMPILE_FAIL
  knobs::temperature t{2.5}; // temperature is in [0, 2]
#else
  knobs::temperature t{2.0};
#endif
  return t.value() > 0 ? 0 : 1;
}
