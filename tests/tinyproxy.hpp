// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_TESTS_TINYPROXY_HPP
#define KNOBS_TESTS_TINYPROXY_HPP

// A real HTTP proxy for the proxy tests and the proxy benchmark: tinyproxy
// (Debian's `tinyproxy`) in the foreground (-d), on a free port of 127.0.0.1,
// with a generated configuration in a temporary directory that also holds its
// log and pid file. Stopped by its pid (SIGTERM, then SIGKILL) and the
// directory removed at the end.

#include "child.hpp"
#include "ports.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

// How the proxy runs.
struct tinyproxy_options {
  // Credentials the proxy wants (BasicAuth), when not empty.
  std::string user;
  std::string password;
  // tinyproxy's LogLevel: Info logs each request line (requests_logged()
  // counts them); a benchmark wants less.
  std::string log_level = "Info";
};

class tinyproxy {
public:
  using options = tinyproxy_options;

  // Starts the proxy; throws std::runtime_error with its output when it does
  // not listen after three tries.
  explicit tinyproxy(options o = {}) : options_(std::move(o)) {
    char tmpl[] = "/tmp/knobs-proxy-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    if (made == nullptr)
      throw std::runtime_error("mkdtemp failed for tinyproxy's directory");
    dir_ = made;
    for (int attempt = 1; !start(); ++attempt)
      if (attempt == 3) {
        const std::string output = read_file(dir_ / "stderr") + read_file(dir_ / "tinyproxy.log");
        remove_dir();
        throw std::runtime_error("tinyproxy did not listen on 127.0.0.1 (is the Debian package "
                                 "tinyproxy installed?); its output:\n" +
                                 output);
      }
  }

  tinyproxy(const tinyproxy&) = delete;
  tinyproxy& operator=(const tinyproxy&) = delete;

  ~tinyproxy() {
    stop();
    remove_dir();
  }

  unsigned short port() const noexcept { return port_; }

  // The proxy URL, with credentials when given.
  std::string url(const std::string& user = "", const std::string& password = "") const {
    const std::string userinfo = user.empty() ? "" : user + ":" + password + "@";
    return "http://" + userinfo + "127.0.0.1:" + std::to_string(port_);
  }

  std::string log() const { return read_file(dir_ / "tinyproxy.log"); }

  // How many requests the proxy has read (tinyproxy logs each request line
  // at LogLevel Info as "Request (file descriptor N): ...").
  std::size_t requests_logged() const {
    const std::string text = log();
    std::size_t n = 0;
    for (auto pos = text.find("Request (file descriptor"); pos != std::string::npos;
         pos = text.find("Request (file descriptor", pos + 1))
      ++n;
    return n;
  }

  void stop() noexcept { child::stop(pid_); }

private:
  static std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  void remove_dir() noexcept {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  bool start() {
    port_ = ports::free_port();
    const auto conf = dir_ / "tinyproxy.conf";
    {
      std::ofstream out(conf);
      out << "Port " << port_ << "\n"
          << "Listen 127.0.0.1\n"
          << "Allow 127.0.0.1\n"
          << "Timeout 30\n"
          << "MaxClients 100\n"
          // No ConnectPort line: CONNECT to any port (the servers' are random).
          << "LogFile \"" << (dir_ / "tinyproxy.log").string() << "\"\n"
          << "LogLevel " << options_.log_level << "\n"
          << "PidFile \"" << (dir_ / "tinyproxy.pid").string() << "\"\n";
      if (!options_.user.empty())
        out << "BasicAuth " << options_.user << " " << options_.password << "\n";
    }
    pid_ = child::spawn({"tinyproxy", "-d", "-c", conf.string()}, (dir_ / "stderr").string());
    return child::wait_listening(pid_, port_);
  }

  options options_;
  std::filesystem::path dir_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
};

#endif
