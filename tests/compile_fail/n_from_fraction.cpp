// n counts choices: a fractional value is a mistake and does not convert.
// expect: deleted
#include <knobs/sampling.hpp>

void ask(knobs::n) {}

int main() {
#ifdef KNOBS_COMPILE_FAIL
  ask(2.5);
#else
  ask(2);
#endif
}
