// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.

// The spec, the Prism process and the raw POST the contract tests share.
#include "../ports.hpp"
#include "contract.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace contract {

namespace {

namespace fs = std::filesystem;

const fs::path contract_dir = KNOBS_CONTRACT_DIR;
const fs::path prism_log = KNOBS_CONTRACT_LOG;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string log_tail() {
  std::string log = read_file(prism_log);
  if (log.size() > 4000)
    log = "...\n" + log.substr(log.size() - 4000);
  return "Prism's log (" + prism_log.string() + "):\n" + log;
}

// Whether the child has exited; reaps it if so and describes how.
std::optional<std::string> exited(int pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) != pid)
    return std::nullopt;
  if (WIFEXITED(status))
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "was killed by signal " + std::to_string(WTERMSIG(status));
}

// Why Prism could not start, remembered so that every test that needs it fails
// with the same message instead of trying again.
std::optional<std::string> start_failure;

} // namespace

const boost::json::object& spec() {
  static const boost::json::object document = [] {
    const fs::path p = contract_dir / "chat-completions.json";
    std::string text = read_file(p);
    if (text.empty())
      throw std::runtime_error("cannot read the spec at " + p.string());
    return boost::json::parse(text).as_object();
  }();
  return document;
}

prism& prism::instance() {
  static prism server;
  if (start_failure)
    throw std::runtime_error(*start_failure);
  if (server.pid_ < 0) {
    try {
      server.start();
    } catch (const std::exception& e) {
      start_failure = e.what();
      throw;
    }
  }
  return server;
}

std::string prism::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void prism::start() {
  const fs::path executable = contract_dir / "node_modules" / ".bin" / "prism";
  if (!fs::exists(executable))
    throw std::runtime_error("Prism is not installed (no " + executable.string() +
                             "): run `npm ci --prefix tests/contract` from the repository "
                             "root (it needs node 20 and npm)");
  const std::string document = (contract_dir / "chat-completions.json").string();

  for (int attempt = 1;; ++attempt) {
    const unsigned short port = ports::free_port();
    const std::string port_text = std::to_string(port);
    const std::string log_path = prism_log.string();
    const char* argv[] = {
        executable.c_str(), "mock",           "--host", "127.0.0.1",      "--port",
        port_text.c_str(),  "--multiprocess", "false",  document.c_str(), nullptr};
    const pid_t parent = ::getpid();

    // fork + exec rather than posix_spawn, for PR_SET_PDEATHSIG: if this program
    // dies without running its destructors (a crash, ctest's timeout), the kernel
    // still stops Prism. Between fork and exec only async-signal-safe calls.
    const pid_t pid = ::fork();
    if (pid < 0)
      throw std::runtime_error("fork(): " + std::string(std::strerror(errno)));
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent)
        ::_exit(126);
      int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int null = ::open("/dev/null", O_RDONLY);
      if (log >= 0) {
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
      }
      if (null >= 0)
        ::dup2(null, STDIN_FILENO);
      // The prism script starts with `#!/usr/bin/env node`: node comes from PATH.
      ::execv(argv[0], const_cast<char* const*>(argv));
      const char msg[] = "knobs contract tests: cannot execute Prism (is node on PATH?)\n";
      [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
      ::_exit(127);
    }
    pid_ = pid;
    port_ = port;

    // Prism takes about 2 s to load the spec; a loaded machine may take longer.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      if (auto how = exited(pid_)) {
        pid_ = -1;
        const std::string log = log_tail();
        if (log.find("EADDRINUSE") != std::string::npos && attempt < 3)
          break; // the port was taken in between: try another
        throw std::runtime_error("Prism " + *how + " before it listened on 127.0.0.1:" + port_text +
                                 " (is node 20 on PATH? run `npm ci --prefix "
                                 "tests/contract`). " +
                                 log);
      }
      if (ports::accepts_connections(port_))
        return;
      if (std::chrono::steady_clock::now() > deadline) {
        const std::string log = log_tail();
        stop();
        throw std::runtime_error("Prism did not listen on 127.0.0.1:" + port_text +
                                 " within 60 s. " + log);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

prism::~prism() { stop(); }

void prism::stop() noexcept {
  if (pid_ < 0)
    return;
  // SIGTERM, then SIGKILL if it has not gone within 5 s. Only our child, by its id.
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!exited(pid_)) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
}

knobs::client_options prism_options() {
  knobs::client_options o;
  o.base_url = prism::instance().base_url();
  o.api_key = "sk-knobs-contract-dummy";
  o.max_retries = 0;
  o.on_warning = nullptr;
  // Prism stands in for api.openai.com: the client applies OpenAI's profile
  // (its spellings: every field as knobs names it), as it would there.
  o.server = knobs::server_profile::of(knobs::server_kind::openai);
  return o;
}

boost::json::value answer::json() const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec)
    return boost::json::object();
  return v;
}

std::vector<std::string> answer::invalid_fields() const {
  std::vector<std::string> fields;
  boost::json::value v = json();
  const auto* problems = v.is_object() ? v.as_object().if_contains("validation") : nullptr;
  if (!problems || !problems->is_array())
    return fields;
  for (const auto& p : problems->as_array()) {
    const auto* location = p.is_object() ? p.as_object().if_contains("location") : nullptr;
    if (!location || !location->is_array())
      continue;
    std::string field;
    const auto& parts = location->as_array();
    for (std::size_t i = 1; i < parts.size(); ++i) // parts[0] is "body"
      if (parts[i].is_string())
        field += (field.empty() ? "" : ".") + std::string(parts[i].as_string());
    bool seen = false;
    for (const auto& f : fields)
      seen = seen || f == field;
    if (!seen)
      fields.push_back(field);
  }
  return fields;
}

answer post(const std::string& body) {
  namespace http = boost::beast::http;
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), prism::instance().port()});

  http::request<http::string_body> request(http::verb::post, "/chat/completions", 11);
  request.set(http::field::host, "127.0.0.1:" + std::to_string(prism::instance().port()));
  request.set(http::field::authorization, "Bearer sk-knobs-contract-dummy");
  request.set(http::field::content_type, "application/json");
  request.set(http::field::accept, "application/json");
  request.set(http::field::connection, "close");
  request.body() = body;
  request.prepare_payload();
  http::write(socket, request);

  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  boost::system::error_code ignored;
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);

  answer a;
  a.status = static_cast<int>(response.result_int());
  a.content_type = std::string(response[http::field::content_type]);
  a.body = std::move(response.body());
  return a;
}

std::string with_field(const std::string& body, std::string_view field, std::string_view value) {
  boost::json::object o = boost::json::parse(body).as_object();
  o.erase(field);
  std::string text = boost::json::serialize(o);
  text.pop_back(); // the closing brace
  text += ",\"" + std::string(field) + "\":" + std::string(value) + "}";
  return text;
}

} // namespace contract
