// max_tokens{0} does not compile: at least one token must be allowed.
// requires: consteval
// expect: knob_literal_is_out_of_range
#include <knobs/sampling.hpp>

int main() {
#ifdef KNOBS_COMPILE_FAIL
  knobs::max_tokens m{0};
#else
  knobs::max_tokens m{1};
#endif
  return m.value() == 1 ? 0 : 1;
}
