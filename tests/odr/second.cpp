// The second translation unit of the ODR test: see first.cpp.
#include <knobs/knobs.hpp>

double second_tu_temperature() { return knobs::temperature::make(0.7).value().value(); }
