// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_TESTS_THREADS_HPP
#define KNOBS_TESTS_THREADS_HPP

// How many threads this process has, for the checks that a request starts
// none (no resolver thread for an IP address): integration.client and
// bench_memory.

#include <cstddef>
#include <filesystem>

namespace threads {

// The threads of this process now (Linux: the entries of /proc/self/task).
inline std::size_t count() {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    (void)entry;
    ++n;
  }
  return n;
}

} // namespace threads

#endif
