// A program a test or benchmark starts itself (tinyproxy, nginx): started
// with fork + exec so that PR_SET_PDEATHSIG stops it if the test dies without
// its destructors (as tests/contract/prism.cpp starts Prism), waited for
// until it listens on its port of 127.0.0.1, and stopped by pid.
#ifndef KNOBS_TESTS_CHILD_HPP
#define KNOBS_TESTS_CHILD_HPP

#include "ports.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace child {

// Starts argv[0] (looked up in PATH, then at `fallback` when given) with
// stdout and stderr to `output` and stdin from /dev/null. Returns its pid.
// \throws std::runtime_error when fork fails.
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& output,
                   const char* fallback = nullptr) {
  // Everything the child needs is made before fork: between fork and exec
  // only async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed for " + argv.at(0));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent)
      ::_exit(126);
    const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_RDWR);
    if (out >= 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
    }
    if (null >= 0)
      ::dup2(null, STDIN_FILENO);
    ::execvp(args[0], args.data());
    if (fallback)
      ::execv(fallback, args.data());
    ::_exit(127);
  }
  return pid;
}

// Stops `pid` (SIGTERM, then SIGKILL after 5 s) and sets it to -1; nothing
// when it is -1 already.
inline void stop(pid_t& pid) noexcept {
  if (pid < 0)
    return;
  ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid = -1;
}

// Waits up to 20 s for `pid` to accept connections on `port` of 127.0.0.1.
// False when it exited first (perhaps the port was taken in between; `pid`
// is then -1) or did not listen in time (it is then stopped).
inline bool wait_listening(pid_t& pid, unsigned short port) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      return false;
    }
    if (ports::accepts_connections(port))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop(pid);
  return false;
}

} // namespace child

#endif
