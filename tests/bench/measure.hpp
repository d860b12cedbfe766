// Shared by the benchmarks: timing one run (wall clock, the calling thread's
// own CPU and how often it waited) and the median of several.
#ifndef KNOBS_BENCH_MEASURE_HPP
#define KNOBS_BENCH_MEASURE_HPP

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <vector>

namespace bench {

struct sample {
  double seconds;     // wall clock
  double cpu_seconds; // the calling thread's CPU time
  long waits = 0;     // how often it blocked (voluntary context switches)
};

inline double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

inline long thread_waits() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_nvcsw;
}

inline sample measure(const std::function<void()>& run) {
  auto t0 = std::chrono::steady_clock::now();
  double c0 = thread_cpu();
  long w0 = thread_waits();
  run();
  long w1 = thread_waits();
  double c1 = thread_cpu();
  auto t1 = std::chrono::steady_clock::now();
  return {std::chrono::duration<double>(t1 - t0).count(), c1 - c0, w1 - w0};
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace bench

#endif
