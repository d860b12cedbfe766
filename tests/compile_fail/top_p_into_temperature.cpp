// A top_p value cannot land in a temperature.
// expect: (could not convert|no viable conversion|cannot convert|no matching)
#include <knobs/sampling.hpp>

double use(knobs::temperature t) { return t.value(); }

int main() {
  knobs::top_p p{0.9};
#ifdef KNOBS_COMPILE_FAIL
  return use(p) > 0 ? 0 : 1;
#else
  return use(knobs::temperature{knobs::runtime(p.value())}) > 0 ? 0 : 1;
#endif
}
