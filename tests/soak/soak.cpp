// The soak test (issue 8): many requests, many in flight on one thread, against
// a loopback server that injects faults. Every request must complete exactly
// once (a success or a typed error), and open file descriptors and resident
// memory must come back to where they were.
//
//   soak [--requests N] [--in-flight K] [--seed S] [--timeout-ms T]
//        [--max-retries R] [--warmup W] [--deadline-s D] [--inject-leak]
//
// The defaults are the full run: 20,000 requests, 256 in flight, after a
// warm-up of max(N / 10, 2 K) requests on the same client. ctest runs a short
// variant (tests/soak/CMakeLists.txt). Exit status: 0 when every criterion
// holds, 1 when one fails, 2 for bad arguments, 3 when the watchdog fires.
// `--inject-leak` is the negative control: it leaks 256 bytes per request and
// a descriptor per 1,000 requests on purpose, and the run must then fail.
//
// Why it is built this way:
// - The server (knobs::local::server) runs in a child process, forked before
//   any thread exists, so what this process measures is the client's alone.
//   The loopback server keeps a copy of every request it reads
//   (`server::requests()`), tens of MiB over a full run, which would drown
//   any leak of the client's. The child reports its own descriptors and what
//   it did over a pipe.
// - Which fault an attempt gets is a pure function of (seed, request,
//   attempt): a run's faults are the same whatever order the requests arrive
//   in, and the client can check that each answer is the one the server gave
//   that very request (ids and x-request-id carry "<request>-<attempt>").
#include <knobs/chat_completion.hpp>
#include <knobs/client.hpp>
#include <knobs/error.hpp>
#include <knobs/local/server.hpp>

#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

// Under AddressSanitizer resident memory says nothing about the program: freed
// blocks sit in ASan's quarantine and every access touches shadow memory.
#if defined(__SANITIZE_ADDRESS__)
#define KNOBS_SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KNOBS_SOAK_ASAN 1
#endif
#endif
#ifndef KNOBS_SOAK_ASAN
#define KNOBS_SOAK_ASAN 0
#endif

namespace {

// Where --inject-leak's blocks go: a store the compiler may not drop.
char* volatile leak_sink = nullptr;

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// ---- settings ---------------------------------------------------------------

struct config {
  std::size_t requests = 20000;
  std::size_t in_flight = 256;
  std::uint64_t seed = 1;
  milliseconds timeout{1000};
  int max_retries = 2;
  std::size_t warmup = 0;
  seconds deadline{600}; // the watchdog's, for the whole run
  bool inject_leak = false;

  std::size_t total() const { return warmup + requests; }
  // A silent stall answers after this long: past the client's timeout however
  // long the request queued (the client's clock starts before the server's),
  // and short enough that the server's side of the abandoned connection is
  // gone soon after the run.
  milliseconds stall_delay() const { return 2 * timeout; }
};

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: soak [--requests N] [--in-flight K] [--seed S] [--timeout-ms T]\n"
               "            [--max-retries R] [--warmup W] [--deadline-s D] [--inject-leak]\n"
               "defaults: 20000 requests, 256 in flight, seed 1, timeout 1000 ms, max_retries 2,\n"
               "warm-up max(N/10, 2K) requests, watchdog 600 s; --inject-leak leaks on purpose\n"
               "(256 bytes a request, a descriptor per 1000 requests): the run must fail\n");
}

std::optional<config> parse_args(int argc, char** argv) {
  config c;
  std::optional<std::size_t> warmup;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      usage(stdout);
      std::exit(0);
    }
    if (flag == "--inject-leak") {
      c.inject_leak = true;
      continue;
    }
    if (i + 1 == argc) {
      std::fprintf(stderr, "soak: %s needs a value\n", argv[i]);
      return std::nullopt;
    }
    const char* text = argv[++i];
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(text, &end, 10);
    bool ok = errno == 0 && end != text && *end == '\0' && text[0] != '-';
    if (ok && flag == "--requests" && v >= 1)
      c.requests = v;
    else if (ok && flag == "--in-flight" && v >= 1)
      c.in_flight = v;
    else if (ok && flag == "--seed")
      c.seed = v;
    else if (ok && flag == "--timeout-ms" && v >= 1 && v <= 600000)
      c.timeout = milliseconds(v);
    else if (ok && flag == "--max-retries" && v <= 10)
      c.max_retries = static_cast<int>(v);
    else if (ok && flag == "--warmup" && v >= 1)
      warmup = v;
    else if (ok && flag == "--deadline-s" && v >= 1 && v <= 86400)
      c.deadline = seconds(v);
    else
      ok = false;
    if (!ok) {
      std::fprintf(stderr, "soak: bad option or value: %s %s\n", argv[i - 1], text);
      usage(stderr);
      return std::nullopt;
    }
  }
  c.warmup = warmup.value_or(std::max(c.requests / 10, 2 * c.in_flight));
  return c;
}

// ---- measuring this process ---------------------------------------------------

long count_fds() {
  long n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++n;
  return n - 1; // the descriptor the listing itself holds open
}

// Resident memory after giving free heap pages back to the kernel, in KiB.
long rss_kib() {
  malloc_trim(0);
  std::ifstream statm("/proc/self/statm");
  long size = 0;
  long resident = 0;
  statm >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// The most resident memory the process has had (VmHWM), in KiB.
long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0)
      return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

// ---- faults -------------------------------------------------------------------

enum class fault : std::uint8_t { none, reset, server_error, stall_silent, stall_mid_body };
constexpr std::size_t fault_kinds = 5;
constexpr const char* fault_names[fault_kinds] = {"answered 200", "reset (closed, no answer)",
                                                  "500", "stall, silent", "stall, mid-body"};

// Per 10,000 attempts: 5 % resets, 5 % 500s, 2 % stalls (half silent: the
// request is read and never answered in time; half mid-body: the head and
// half the body, then nothing).
constexpr std::uint64_t reset_per_10k = 500;
constexpr std::uint64_t server_error_per_10k = 500;
constexpr std::uint64_t stall_silent_per_10k = 100;
constexpr std::uint64_t stall_mid_body_per_10k = 100;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The fault for the `attempt`-th time (0 first) the server reads `request`.
fault fault_for(std::uint64_t seed, std::uint64_t request, std::uint64_t attempt) {
  std::uint64_t u = splitmix64(splitmix64(splitmix64(seed) ^ request) ^ attempt) % 10000;
  if (u < reset_per_10k)
    return fault::reset;
  u -= reset_per_10k;
  if (u < server_error_per_10k)
    return fault::server_error;
  u -= server_error_per_10k;
  if (u < stall_silent_per_10k)
    return fault::stall_silent;
  u -= stall_silent_per_10k;
  if (u < stall_mid_body_per_10k)
    return fault::stall_mid_body;
  return fault::none;
}

constexpr std::string_view request_marker = "soak request ";

std::string request_text(std::size_t index) {
  return std::string(request_marker) + std::to_string(index);
}

std::string tag(std::size_t index, std::uint64_t attempt) {
  return std::to_string(index) + "-" + std::to_string(attempt);
}

// The attempt number in `tagged` when it is `prefix` + tag(index, attempt).
std::optional<std::uint64_t> attempt_in(std::string_view tagged, std::string_view prefix,
                                        std::size_t index) {
  const std::string expected = std::string(prefix) + std::to_string(index) + "-";
  if (tagged.substr(0, expected.size()) != expected)
    return std::nullopt;
  const std::string digits(tagged.substr(expected.size()));
  char* end = nullptr;
  const unsigned long long attempt = std::strtoull(digits.c_str(), &end, 10);
  if (digits.empty() || *end != '\0')
    return std::nullopt;
  return attempt;
}

// The OpenAI-shaped fixture body, cut around the value of its "id" so each answer can
// carry its own.
struct answer_body {
  std::string head;
  std::string tail;

  std::string with_id(const std::string& id) const { return head + id + tail; }
};

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(KNOBS_TEST_DATA_DIR) + "/fixtures/" + name, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot open fixture " + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

answer_body split_at_id(const std::string& body, const std::string& id) {
  const std::size_t at = body.find('"' + id + '"');
  if (at == std::string::npos)
    throw std::runtime_error("the fixture's id is not where expected");
  return {body.substr(0, at + 1), body.substr(at + 1 + id.size())};
}

// ---- the server's process --------------------------------------------------------

// The child's answer to each 'm' on its command pipe (a plain struct: both ends
// are the same program).
struct server_report {
  std::uint16_t port = 0;
  std::array<std::array<std::uint64_t, fault_kinds>, 2> attempts{}; // [warm-up, main][fault]
  std::uint64_t unreadable = 0;    // requests without a soak request number: must stay 0
  std::uint64_t most_attempts = 0; // the most times the server read any one request
  std::uint64_t connections_accepted = 0;
  long fds = 0;
  long rss_kib = 0;

  std::uint64_t total(std::size_t phase) const {
    std::uint64_t n = 0;
    for (std::uint64_t a : attempts[phase])
      n += a;
    return n;
  }
};

bool write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size != 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t size) {
  char* p = static_cast<char*>(data);
  while (size != 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Decides and counts each attempt's answer. Runs on the server's thread; the
// counts are read from the child's main thread.
class fault_server {
public:
  fault_server(const config& c, answer_body body)
      : config_(c), body_(std::move(body)), attempts_(c.total(), 0) {}

  knobs::local::response_plan answer(const knobs::local::received_request& r) {
    using plan = knobs::local::response_plan;
    const std::optional<std::size_t> index = request_index(r.body);
    if (!index) {
      ++unreadable_;
      return plan::api_error(400, "not a soak request", "invalid_request_error");
    }
    const std::uint64_t attempt = attempts_[*index]++;
    if (attempt + 1 > most_attempts_.load(std::memory_order_relaxed))
      most_attempts_.store(attempt + 1, std::memory_order_relaxed);
    const fault f = fault_for(config_.seed, *index, attempt);
    ++counts_[*index < config_.warmup ? 0 : 1][static_cast<std::size_t>(f)];
    const std::string t = tag(*index, attempt);
    switch (f) {
    case fault::reset: {
      plan p;
      p.close_without_response = true;
      return p;
    }
    case fault::server_error:
      return plan::api_error(500, "injected by the soak test", "server_error")
          .with_header("x-request-id", "soak-" + t);
    case fault::stall_silent: {
      plan p = ok(t);
      p.delay = config_.stall_delay();
      return p;
    }
    case fault::stall_mid_body: {
      plan p = ok(t);
      p.parts = {p.body.substr(0, p.body.size() / 2)};
      p.stall_after_parts = 1;
      return p;
    }
    case fault::none:
      break;
    }
    return ok(t);
  }

  server_report report() const {
    server_report r;
    for (std::size_t phase = 0; phase < 2; ++phase)
      for (std::size_t f = 0; f < fault_kinds; ++f)
        r.attempts[phase][f] = counts_[phase][f].load();
    r.unreadable = unreadable_.load();
    r.most_attempts = most_attempts_.load();
    return r;
  }

private:
  knobs::local::response_plan ok(const std::string& t) const {
    return knobs::local::response_plan::json(200, body_.with_id("chatcmpl-soak-" + t))
        .with_header("x-request-id", "soak-" + t);
  }

  std::optional<std::size_t> request_index(const std::string& body) const {
    const std::size_t at = body.find(request_marker);
    if (at == std::string::npos)
      return std::nullopt;
    const char* digits = body.c_str() + at + request_marker.size();
    char* end = nullptr;
    const unsigned long long index = std::strtoull(digits, &end, 10);
    if (end == digits || index >= attempts_.size())
      return std::nullopt;
    return static_cast<std::size_t>(index);
  }

  const config& config_;
  answer_body body_;
  std::vector<std::uint32_t> attempts_; // per request: attempts read so far
  std::array<std::array<std::atomic<std::uint64_t>, fault_kinds>, 2> counts_{};
  std::atomic<std::uint64_t> unreadable_{0};
  std::atomic<std::uint64_t> most_attempts_{0}; // written on the server's thread only
};

// The child's main: serve until the parent says 'q' or goes away.
int serve(const config& c, const answer_body& body, int commands, int reports) {
  try {
    fault_server faults(c, body);
    knobs::local::server server(
        [&faults](const knobs::local::received_request& r) { return faults.answer(r); });
    char command = 0;
    while (read_all(commands, &command, 1) && command == 'm') {
      server_report r = faults.report();
      r.port = server.port();
      r.connections_accepted = server.connections_accepted();
      r.fds = count_fds();
      r.rss_kib = rss_kib();
      if (!write_all(reports, &r, sizeof r))
        break;
    }
    server.stop();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soak: server process: %s\n", e.what());
    return 1;
  }
}

// The parent's handle on the child.
class server_process {
public:
  server_process(const config& c, const answer_body& body) {
    int commands[2];
    int reports[2];
    if (::pipe2(commands, O_CLOEXEC) != 0 || ::pipe2(reports, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe2 failed");
    std::fflush(stdout);
    std::fflush(stderr);
    pid_ = ::fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::close(commands[1]);
      ::close(reports[0]);
      // exit(), not _exit(): LeakSanitizer checks the server at exit.
      std::exit(serve(c, body, commands[0], reports[1]));
    }
    ::close(commands[0]);
    ::close(reports[1]);
    commands_ = commands[1];
    reports_ = reports[0];
  }

  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  ~server_process() { stop(); }

  pid_t pid() const { return pid_; }

  std::optional<server_report> report() {
    server_report r;
    if (commands_ < 0 || !write_all(commands_, "m", 1) || !read_all(reports_, &r, sizeof r))
      return std::nullopt;
    return r;
  }

  // Tells the child to stop and waits for it; its exit status (-1 if it did
  // not exit normally).
  int stop() {
    if (pid_ <= 0)
      return status_;
    write_all(commands_, "q", 1);
    ::close(commands_);
    ::close(reports_);
    commands_ = reports_ = -1;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = 0;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return status_;
  }

private:
  pid_t pid_ = -1;
  int commands_ = -1;
  int reports_ = -1;
  int status_ = -1;
};

// ---- the client's side ----------------------------------------------------------

enum class outcome : std::uint8_t {
  success,
  connection_error,
  timeout_error,
  internal_server_error,
  // Classes the injected faults cannot explain: any of these fails the run.
  other_api_error,
  parse_error,
  request_error,
  other_knobs_error,
  foreign_exception,
};
constexpr std::size_t outcome_kinds = 9;
constexpr std::size_t expected_outcome_kinds = 4;
constexpr const char* outcome_names[outcome_kinds] = {
    "success",           "connection_error", "timeout_error", "internal_server_error",
    "other api_error",   "parse_error",      "request_error", "other knobs::error",
    "not a knobs::error"};

// One way a request may end: how, after how many retries the client counted,
// and at which of the server's attempts.
struct ending {
  outcome kind;
  int retries;
  std::uint64_t attempt;
};

// The outcome a fault gives to the attempt that is not retried.
outcome final_outcome(fault f) {
  switch (f) {
  case fault::none:
    return outcome::success;
  case fault::reset:
    return outcome::connection_error;
  case fault::server_error:
    return outcome::internal_server_error;
  case fault::stall_silent:
  case fault::stall_mid_body:
    break;
  }
  return outcome::timeout_error;
}

// Every way request `i` may end under the schedule, from its `attempt`-th
// attempt on, as the client's retry rules play out: a 200 ends it; a reset, a
// 500 or a stall is retried, counted, while max_retries allows, else it ends
// the request with its own error. One thing is left to timing: a reset on a
// connection taken from the pool looks like a keep-alive connection the server
// closed while idle, which the client retries once per request at once and
// uncounted; whether the pool had a connection to give is not known here, so
// both branches are followed.
void endings(const config& c, std::size_t i, std::uint64_t attempt, int retries,
             bool replaced_stale, std::vector<ending>& out) {
  const fault f = fault_for(c.seed, i, attempt);
  if (f == fault::none) {
    out.push_back({outcome::success, retries, attempt});
    return;
  }
  if (f == fault::reset && !replaced_stale)
    endings(c, i, attempt + 1, retries, true, out);
  if (retries >= c.max_retries)
    out.push_back({final_outcome(f), retries, attempt});
  else
    endings(c, i, attempt + 1, retries + 1, replaced_stale, out);
}

// Whether the schedule lets request `i` end as `kind` after `retries` counted
// retries, at the server's `attempt` when it is known.
bool scheduled(const config& c, std::size_t i, outcome kind, int retries,
               std::optional<std::uint64_t> attempt) {
  std::vector<ending> possible;
  endings(c, i, 0, 0, false, possible);
  return std::any_of(possible.begin(), possible.end(), [&](const ending& e) {
    return e.kind == kind && e.retries == retries && (!attempt || e.attempt == *attempt);
  });
}

// The faults of request `i`'s first attempts, for a mismatch's report.
std::string schedule_of(const config& c, std::size_t i) {
  std::string text;
  for (std::uint64_t a = 0; a < static_cast<std::uint64_t>(c.max_retries) + 2; ++a)
    text += std::string(a == 0 ? "" : ", ") +
            fault_names[static_cast<std::size_t>(fault_for(c.seed, i, a))];
  return text;
}

struct phase_stats {
  std::size_t requests = 0;
  double seconds = 0;
  std::size_t peak_in_flight = 0;
  std::size_t peak_connections = 0;
  std::array<std::size_t, outcome_kinds> outcomes{};
  std::uint64_t retries = 0; // as the client counted them (`retries` of results and errors)
};

// Keeps `in_flight` requests going on one io_context until `count` are done,
// and checks each completion.
class load {
public:
  load(boost::asio::io_context& ioc, knobs::async_client& client, const config& c,
       std::string expected_text)
      : ioc_(ioc), client_(client), config_(c), expected_text_(std::move(expected_text)),
        completions_(c.total(), 0) {}

  phase_stats run(std::size_t first, std::size_t count) {
    stats_ = {};
    stats_.requests = count;
    next_ = first;
    end_ = first + count;
    const auto start = steady_clock::now();
    ioc_.restart();
    launch();
    ioc_.run(); // returns when nothing is left to do: every operation has completed, or been lost
    stats_.seconds = std::chrono::duration<double>(steady_clock::now() - start).count();
    return stats_;
  }

  std::size_t started() const { return started_.load(std::memory_order_relaxed); }
  std::size_t completed() const { return completed_.load(std::memory_order_relaxed); }

  // Requests started but never completed.
  std::size_t missing() const {
    return static_cast<std::size_t>(
        std::count(completions_.begin(), completions_.begin() + static_cast<long>(started()), 0));
  }
  // Requests completed more than once.
  std::size_t duplicates() const { return duplicates_; }
  // Answers that were not what the server gave that request.
  std::size_t mismatches() const { return mismatches_; }
  const std::vector<std::string>& problems() const { return problems_; }

private:
  void launch() {
    while (in_flight_ < config_.in_flight && next_ < end_) {
      const std::size_t i = next_++;
      ++in_flight_;
      started_.fetch_add(1, std::memory_order_relaxed);
      stats_.peak_in_flight = std::max(stats_.peak_in_flight, in_flight_);
      client_.async_create(knobs::chat_request{"soak"}.user(request_text(i)),
                           [this, i](std::exception_ptr e, knobs::chat_completion r) {
                             complete(i, std::move(e), std::move(r));
                           });
      // The operation takes or opens its connection before async_create returns.
      stats_.peak_connections = std::max(stats_.peak_connections, client_.open_connections());
    }
  }

  void complete(std::size_t i, std::exception_ptr e, knobs::chat_completion r) {
    --in_flight_;
    completed_.fetch_add(1, std::memory_order_relaxed);
    if (++completions_[i] > 1) {
      ++duplicates_;
      note("request " + std::to_string(i) + " completed more than once");
    }
    ++stats_.outcomes[static_cast<std::size_t>(classify(i, e, r))];
    if (config_.inject_leak) {
      leak_sink = static_cast<char*>(std::memset(new char[256], 1, 256));
      if (i % 1000 == 0)
        static_cast<void>(::dup(STDIN_FILENO));
    }
    launch();
  }

  outcome classify(std::size_t i, const std::exception_ptr& e, const knobs::chat_completion& r) {
    if (!e) {
      stats_.retries += static_cast<std::uint64_t>(r.retries);
      const std::optional<std::uint64_t> attempt = attempt_in(r.id, "chatcmpl-soak-", i);
      if (!attempt || !scheduled(config_, i, outcome::success, r.retries, attempt) ||
          r.text() != expected_text_ || r.request_id != "soak-" + tag(i, *attempt))
        mismatch(i, "a success after " + std::to_string(r.retries) + " retries with id \"" + r.id +
                        "\", request id \"" + r.request_id + "\" and text \"" + r.text() + "\"");
      return outcome::success;
    }
    try {
      std::rethrow_exception(e);
    } catch (const knobs::error& x) {
      stats_.retries += static_cast<std::uint64_t>(x.info().retries);
    } catch (...) {
    }
    // Each error must be one the faults scheduled for the request's attempts
    // can give, after as many retries as the client counted.
    try {
      std::rethrow_exception(e);
    } catch (const knobs::timeout_error& x) {
      if (!scheduled(config_, i, outcome::timeout_error, x.info().retries, std::nullopt))
        mismatch(i, "a timeout_error after " + std::to_string(x.info().retries) + " retries");
      return outcome::timeout_error;
    } catch (const knobs::connection_error& x) {
      if (!scheduled(config_, i, outcome::connection_error, x.info().retries, std::nullopt))
        mismatch(i, "a connection_error after " + std::to_string(x.info().retries) + " retries");
      return outcome::connection_error;
    } catch (const knobs::internal_server_error& x) {
      const std::optional<std::uint64_t> attempt = attempt_in(x.api().request_id, "soak-", i);
      if (x.api().status != 500 || !attempt ||
          !scheduled(config_, i, outcome::internal_server_error, x.info().retries, attempt))
        mismatch(i, "a " + std::to_string(x.api().status) + " after " +
                        std::to_string(x.info().retries) + " retries with request id \"" +
                        x.api().request_id + "\"");
      return outcome::internal_server_error;
    } catch (const knobs::api_error& x) {
      return unexpected(i, outcome::other_api_error, x.what());
    } catch (const knobs::parse_error& x) {
      return unexpected(i, outcome::parse_error, x.what());
    } catch (const knobs::request_error& x) {
      return unexpected(i, outcome::request_error, x.what());
    } catch (const knobs::error& x) {
      return unexpected(i, outcome::other_knobs_error, x.what());
    } catch (const std::exception& x) {
      return unexpected(i, outcome::foreign_exception, x.what());
    } catch (...) {
      return unexpected(i, outcome::foreign_exception, "an exception of unknown type");
    }
  }

  outcome unexpected(std::size_t i, outcome o, const std::string& what) {
    note("request " + std::to_string(i) + ": " + outcome_names[static_cast<std::size_t>(o)] + ": " +
         what);
    return o;
  }

  void mismatch(std::size_t i, const std::string& what) {
    ++mismatches_;
    note("request " + std::to_string(i) + " got " + what +
         ", not what the server sent it (its attempts' faults: " + schedule_of(config_, i) +
         ", ...)");
  }

  void note(std::string problem) {
    if (problems_.size() < 10)
      problems_.push_back(std::move(problem));
  }

  boost::asio::io_context& ioc_;
  knobs::async_client& client_;
  const config& config_;
  std::string expected_text_;
  std::vector<std::uint8_t> completions_; // per request: how many times it completed
  std::size_t next_ = 0;
  std::size_t end_ = 0;
  std::size_t in_flight_ = 0;
  std::atomic<std::size_t> started_{0};   // read by the watchdog
  std::atomic<std::size_t> completed_{0}; // read by the watchdog
  std::size_t duplicates_ = 0;
  std::size_t mismatches_ = 0;
  std::vector<std::string> problems_;
  phase_stats stats_;
};

// Ends the program when the run outlives its deadline: a request that never
// completes keeps the io_context running for ever, and ctest's own timeout
// would say nothing about why.
class watchdog {
public:
  watchdog(seconds limit, std::function<void()> on_fire)
      : thread_([this, limit, fire = std::move(on_fire)] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!cv_.wait_for(lock, limit, [this] { return done_; }))
            fire();
        }) {}

  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

  ~watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_; // last: it starts once the rest is ready
};

struct client_snapshot {
  long fds = 0;
  std::size_t connections = 0; // the client's open sockets, each one descriptor
  long rss_kib = 0;
};

client_snapshot snapshot(const knobs::async_client& client) {
  return {count_fds(), client.open_connections(), rss_kib()};
}

// ---- report ----------------------------------------------------------------------

class verdict {
public:
  void check(bool ok, const std::string& what) {
    std::printf("  %s  %s\n", ok ? "PASS" : "FAIL", what.c_str());
    failed_ = failed_ || !ok;
  }
  void skip(const std::string& what) { std::printf("  SKIP  %s\n", what.c_str()); }
  bool failed() const { return failed_; }

private:
  bool failed_ = false;
};

std::string percent(std::uint64_t per_10k) {
  char text[16];
  std::snprintf(text, sizeof text, "%g %%", static_cast<double>(per_10k) / 100.0);
  return text;
}

int soak(const config& c) {
  // A child that dies must show as a failed report, not kill us on a write.
  std::signal(SIGPIPE, SIG_IGN);

  const std::string fixture = read_fixture("openai/completion.json");
  const knobs::chat_completion recorded = knobs::parse_chat_completion(fixture);
  server_process server(c, split_at_id(fixture, recorded.id)); // before any thread exists
  const std::optional<server_report> server_start = server.report();
  if (!server_start) {
    std::fprintf(stderr, "soak: FAIL: the server process did not start\n");
    return 1;
  }

  std::printf("knobs soak: %zu requests, %zu in flight on one thread, after a warm-up of %zu\n",
              c.requests, c.in_flight, c.warmup);
  std::printf("client: timeout %lld ms per attempt, max_retries %d, max_connections %zu; "
              "seed %llu (--seed)\n",
              static_cast<long long>(c.timeout.count()), c.max_retries, c.in_flight,
              static_cast<unsigned long long>(c.seed));
  std::printf("server: pid %d on 127.0.0.1:%u; per attempt %s reset, %s 500, %s silent stall "
              "(answer after %lld ms), %s stall mid-body\n",
              static_cast<int>(server.pid()), static_cast<unsigned>(server_start->port),
              percent(reset_per_10k).c_str(), percent(server_error_per_10k).c_str(),
              percent(stall_silent_per_10k).c_str(),
              static_cast<long long>(c.stall_delay().count()),
              percent(stall_mid_body_per_10k).c_str());
  std::fflush(stdout);

  boost::asio::io_context ioc;
  knobs::client_options options;
  options.base_url = "http://127.0.0.1:" + std::to_string(server_start->port) + "/v1";
  options.timeout = c.timeout;
  options.max_retries = c.max_retries;
  options.max_connections = c.in_flight; // or requests would queue for a connection
  options.on_warning = nullptr;
  auto client = std::make_unique<knobs::async_client>(ioc.get_executor(), options);
  load driver(ioc, *client, c, recorded.text());

  const auto started = steady_clock::now();
  const pid_t server_pid = server.pid();
  watchdog dog(c.deadline, [&driver, &c, server_pid] {
    std::printf("soak: FAIL: watchdog: after %lld s, %zu of %zu requests started and %zu "
                "completed: a request never completed (a hang), or the machine is far too slow\n",
                static_cast<long long>(c.deadline.count()), driver.started(), c.total(),
                driver.completed());
    std::fflush(stdout);
    ::kill(server_pid, SIGKILL);
    std::_Exit(3);
  });

  // Warm-up: the allocator's free lists, the pool, Asio's services and
  // resolver thread reach their working size. The baseline is taken after it,
  // with the client alive and idle.
  const phase_stats warm = driver.run(0, c.warmup);
  const client_snapshot base = snapshot(*client);
  const long warm_completed = static_cast<long>(driver.completed());

  const phase_stats main_phase = driver.run(c.warmup, c.requests);
  const client_snapshot end = snapshot(*client);
  const long peak_kib = peak_rss_kib();

  client.reset();
  const long fds_destroyed = count_fds();
  const long rss_destroyed = rss_kib();

  // The server closes its side of a connection when it sees the client's
  // close, or when a silent stall's delay runs out: wait for that.
  const auto settle_start = steady_clock::now();
  const auto settle_limit = settle_start + c.stall_delay() + seconds(3);
  std::optional<server_report> server_end = server.report();
  while (server_end && server_end->fds != server_start->fds && steady_clock::now() < settle_limit) {
    std::this_thread::sleep_for(milliseconds(20));
    server_end = server.report();
  }
  const double settle_ms =
      std::chrono::duration<double, std::milli>(steady_clock::now() - settle_start).count();
  const int server_status = server.stop();
  const double total_seconds = std::chrono::duration<double>(steady_clock::now() - started).count();

  // ---- figures
  const server_report s = server_end.value_or(server_report{});
  const phase_stats* phases[2] = {&warm, &main_phase};
  std::printf("\n%-34s %10s %10s\n", "", "warm-up", "main");
  auto row = [](const char* name, auto a, auto b) {
    std::printf("%-34s %10s %10s\n", name, std::to_string(a).c_str(), std::to_string(b).c_str());
  };
  auto row_f = [](const char* name, const char* format, double a, double b) {
    char x[32];
    char y[32];
    std::snprintf(x, sizeof x, format, a);
    std::snprintf(y, sizeof y, format, b);
    std::printf("%-34s %10s %10s\n", name, x, y);
  };
  row("requests", warm.requests, main_phase.requests);
  row_f("wall time, s", "%.2f", warm.seconds, main_phase.seconds);
  row_f("requests/s", "%.0f", static_cast<double>(warm.requests) / warm.seconds,
        static_cast<double>(main_phase.requests) / main_phase.seconds);
  row("peak in flight", warm.peak_in_flight, main_phase.peak_in_flight);
  row("peak connections open", warm.peak_connections, main_phase.peak_connections);
  std::printf("outcomes\n");
  for (std::size_t o = 0; o < outcome_kinds; ++o)
    if (o < expected_outcome_kinds || warm.outcomes[o] != 0 || main_phase.outcomes[o] != 0)
      row((std::string("  ") + outcome_names[o]).c_str(), warm.outcomes[o], main_phase.outcomes[o]);
  row("retries counted by the client", warm.retries, main_phase.retries);
  row("attempts the server read", s.total(0), s.total(1));
  for (std::size_t f = 0; f < fault_kinds; ++f)
    row((std::string("  ") + fault_names[f]).c_str(), s.attempts[0][f], s.attempts[1][f]);
  std::printf("server: %llu connections accepted in all; at most %llu attempts of one request\n",
              static_cast<unsigned long long>(s.connections_accepted),
              static_cast<unsigned long long>(s.most_attempts));

  std::printf("\n%-34s %10s %10s %10s\n", "this process (the client's)", "baseline", "end",
              "destroyed");
  std::printf("%-34s %10ld %10ld %10ld\n", "open fds", base.fds, end.fds, fds_destroyed);
  std::printf("%-34s %10zu %10zu %10d\n", "  of which client connections", base.connections,
              end.connections, 0);
  std::printf("%-34s %10ld %10ld %10ld   (peak %ld, VmHWM)\n", "RSS, KiB", base.rss_kib,
              end.rss_kib, rss_destroyed, peak_kib);
  std::printf("%-34s %10s %10s %10s\n", "server process", "start", "", "settled");
  std::printf("%-34s %10ld %10s %10ld   (settled in %.0f ms)\n", "open fds", server_start->fds, "",
              s.fds, settle_ms);
  std::printf("%-34s %10ld %10s %10ld   (it keeps every request: not a criterion)\n", "RSS, KiB",
              server_start->rss_kib, "", s.rss_kib);
  std::printf("total run time %.1f s\n", total_seconds);

  // ---- criteria
  std::printf("\ncriteria\n");
  verdict v;
  const std::size_t all = c.total();
  v.check(driver.started() == all && driver.completed() == all && driver.missing() == 0 &&
              driver.duplicates() == 0 && warm_completed == static_cast<long>(c.warmup),
          "every request completed exactly once: " + std::to_string(driver.completed()) +
              " completions of " + std::to_string(all) + " requests, " +
              std::to_string(driver.missing()) + " never completed, " +
              std::to_string(driver.duplicates()) + " more than once");
  std::size_t unexplained = 0;
  for (const phase_stats* p : phases)
    for (std::size_t o = expected_outcome_kinds; o < outcome_kinds; ++o)
      unexplained += p->outcomes[o];
  v.check(unexplained == 0 && driver.mismatches() == 0,
          "every outcome is a success or a connection_error, timeout_error or "
          "internal_server_error, and each answer is the one the server gave that request: " +
              std::to_string(unexplained) + " other, " + std::to_string(driver.mismatches()) +
              " mismatched");
  for (const std::string& p : driver.problems())
    std::printf("        %s\n", p.c_str());
  v.check(server_end.has_value() && server_status == 0 && s.unreadable == 0,
          "the server process answered every report, read only soak requests and exited with 0 "
          "(status " +
              std::to_string(server_status) + ")");
  if (s.total(1) >= 1000) {
    bool every_kind = true;
    for (std::uint64_t n : s.attempts[1])
      every_kind = every_kind && n != 0;
    v.check(every_kind, "the server injected every kind of fault in the main phase");
  } else {
    v.skip("every kind of fault injected (needs >= 1000 attempts in the main phase)");
  }
  // One descriptor per open client connection, and nothing else may change.
  const long base_rest = base.fds - static_cast<long>(base.connections);
  const long end_rest = end.fds - static_cast<long>(end.connections);
  v.check(end_rest == base_rest,
          "fds, client alive: end less its connections == baseline less its connections (" +
              std::to_string(end_rest) + " == " + std::to_string(base_rest) + ")");
  v.check(fds_destroyed == base_rest, "fds, client destroyed: " + std::to_string(fds_destroyed) +
                                          " == baseline less the client's connections (" +
                                          std::to_string(base_rest) + ")");
  v.check(s.fds == server_start->fds,
          "fds, server process: back to its level before any connection (" + std::to_string(s.fds) +
              " == " + std::to_string(server_start->fds) + ")");
  // Memory cannot be expected back byte for byte: malloc keeps freed blocks in
  // its free lists and malloc_trim can return only whole free pages, so
  // fragmentation stays; the pool holds a different number of connections at
  // each reading, each with buffers sized by the last response it read; and
  // pages of code and data count from the first time they are touched. A leak
  // grows with the number of requests; the tolerance, the larger of 10 % of
  // the baseline and 4 MiB, sits well above that noise and still catches a
  // leak of 4 MiB / 20,000 = about 210 bytes per request in the full run (2 KiB
  // per request in the short one). Leaks proper are LeakSanitizer's job, in
  // the sanitize preset.
  const long tolerance = std::max(base.rss_kib / 10, 4096L);
  if (KNOBS_SOAK_ASAN) {
    v.skip("RSS back to baseline: not meaningful under AddressSanitizer (quarantine, shadow "
           "memory); LeakSanitizer checks for leaks at exit instead");
  } else {
    v.check(end.rss_kib <= base.rss_kib + tolerance && rss_destroyed <= base.rss_kib + tolerance,
            "RSS: end " + std::to_string(end.rss_kib) + " KiB and client destroyed " +
                std::to_string(rss_destroyed) + " KiB <= baseline " + std::to_string(base.rss_kib) +
                " KiB + " + std::to_string(tolerance) + " KiB (max(10 %, 4 MiB))");
  }
  std::printf("soak: %s\n", v.failed() ? "FAIL" : "PASS");
  return v.failed() ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
  const std::optional<config> c = parse_args(argc, argv);
  if (!c)
    return 2;
  try {
    return soak(*c);
  } catch (const std::exception& e) {
    std::printf("soak: FAIL: %s\n", e.what());
    return 1;
  }
}
