// Memory benchmark (issue 19's memory rows): what knobs holds per queued
// request, per open connection (plain and TLS), its peak RSS against a
// minimal Beast client's, and whether an IP address in the base URL starts a
// resolver thread. Run on purpose, not in CI (see README "Memory"):
//
//   cmake --preset bench && cmake --build --preset bench --target bench_memory
//   build/bench/tests/bench/bench_memory 3      # rounds (default 3)
//
// Every row runs in a process of its own (popen of /proc/self/exe with
// `row NAME ...`), so that its RSS grows from a fresh start and no row
// inherits another's freed memory; the rows alternate over the rounds and
// the medians are printed (the heap figures repeat to the byte or nearly).
// $BENCH_MEMORY_WRAP, when set, prefixes each row's command: e.g.
// "valgrind --tool=massif" to see where a row's bytes go.
//
// The servers are knobs::local::server instances in a process of their own,
// forked at the start (before this process has a thread), so nothing they
// allocate is counted: a plain one, a TLS one (TLS 1.3, the test
// certificates of tests/tls_fixture.hpp, trusted with `ca_file`) and a gated
// plain one. The gated server's handler blocks on a pipe the first time it
// runs, until the queued row writes to it: the server's thread then reads
// nothing more, so the 16 requests on their 16 connections wait for an
// answer and every later request waits in knobs' queue for a connection. (A
// handler should not block: here it is the point, and that process serves
// nothing else on that thread. nginx cannot hold an answer until told to
// without a module Debian's nginx-light lacks, hence the local server.)
//
// Heap in use is glibc's mallinfo2(): `uordblks` (bytes in use in the
// arenas) plus `hblkhd` (bytes in chunks mmap()ed on their own, 128 KiB and
// up). It sums every arena (glibc malloc/malloc.c: __libc_mallinfo2 loops
// from main_arena over ->next, and int_mallinfo counts as in use whatever
// is in no bin, so chunks held in a thread's tcache count as in use: a few
// KiB at most, spread over thousands of requests or hundreds of
// connections). RSS is /proc/self/statm's resident pages. OpenSSL's share is
// counted through CRYPTO_set_mem_functions(3), set before its first
// allocation.
//
// Rows:
// - queued: an async_client with max_connections 16; 16 requests in flight
//   (the server holds them), then 10,000 more async_create calls. Heap after
//   minus heap before, minus the 10,000 bodies (the serialized request as
//   sent: its size as the server read it, the same for each), over 10,000.
//   The gate then opens and all 10,016 must complete with the canned text.
//   It runs once: the gate opens once.
// - plain / TLS connections: an async_client with max_connections 256; one
//   request opens one connection, then 256 requests at once take it and open
//   255 more; when they have completed the client holds 256 idle kept-alive
//   connections. The minimal client: one beast::tcp_stream (TLS: an
//   ssl_stream over it, TLS 1.3 checked, the same verification as knobs')
//   that has done one request, then 255 more that connect (and shake hands)
//   and do one request each, all at once on one thread, each keeping its
//   stream and flat_buffer. Heap, OpenSSL's heap and RSS after minus
//   before, over 255.
// - peak RSS: VmHWM (/proc/self/status) of a process that made 2000
//   sequential requests over one kept-alive connection (knobs: a blocking
//   knobs::client::create; minimal: http::write and http::read over a
//   beast::tcp_stream, the body parsed with Boost.JSON, as bench_nginx's
//   minimal_create), and of one that made none: the floor this binary and
//   its libraries cost.
// - threads: the entries of /proc/self/task before and after a blocking
//   knobs::client's request to http://127.0.0.1:PORT/v1; the control is an
//   Asio resolver resolving "127.0.0.1", which starts its thread.
//
// What an idle TLS connection holds (counted with the hooks above, live
// allocations by size, 2026-12-04): the minimal client's Asio ssl::stream
// holds four 17 KiB buffers, two of its own
// (boost/asio/ssl/detail/stream_core.hpp, max_tls_record_size = 17 * 1024,
// Boost 1.81) and the two of the BIO pair its engine makes
// (boost/asio/ssl/detail/impl/engine.ipp calls BIO_new_bio_pair with sizes
// 0, which OpenSSL makes 17 * 1024: OpenSSL 3.0 crypto/bio/bss_bio.c,
// bio_new), 68 KiB before anything else; OpenSSL then keeps a 16,584-byte
// buffer, a 7,624-byte allocation and ~10 KiB of small ones (the session,
// the peer's certificate): 106 KiB. knobs' own TLS stream
// (detail/tls_socket.hpp) has no buffer between OpenSSL and the socket, and
// OpenSSL's buffers are released while idle: OpenSSL's 34 KiB and knobs'
// 16 KiB read buffer, 53 KiB.
#include <knobs/client.hpp>
#include <knobs/local/certificate.hpp>
#include <knobs/local/server.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>

#include <openssl/ssl.h>

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../threads.hpp"
#include "../tls_fixture.hpp"
#include "measure.hpp"
#include "workload.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr int queued_requests = 10000;
constexpr int queue_connections = 16;
constexpr int open_connections = 256;
constexpr int peak_requests = 2000;

const std::string& canned_text() {
  static const std::string text = "A city at night hums with light and quiet footsteps.";
  return text;
}

[[noreturn]] void wrong(const std::string& what) {
  std::fprintf(stderr, "bench_memory: %s\n", what.c_str());
  std::exit(1);
}

// Bytes OpenSSL holds now: its allocations go through these functions
// (CRYPTO_set_mem_functions(3), OpenSSL 3.0: to be called before its first
// allocation, which a row's process does first thing).
long openssl_bytes = 0;

void* openssl_malloc(std::size_t n, const char*, int) {
  void* p = std::malloc(n);
  if (p != nullptr)
    openssl_bytes += static_cast<long>(::malloc_usable_size(p));
  return p;
}

void* openssl_realloc(void* old, std::size_t n, const char*, int) {
  const long before = old != nullptr ? static_cast<long>(::malloc_usable_size(old)) : 0;
  void* p = std::realloc(old, n);
  if (p != nullptr || n == 0)
    openssl_bytes -= before;
  if (p != nullptr)
    openssl_bytes += static_cast<long>(::malloc_usable_size(p));
  return p;
}

void openssl_free(void* p, const char*, int) {
  if (p != nullptr)
    openssl_bytes -= static_cast<long>(::malloc_usable_size(p));
  std::free(p);
}

// Bytes of the heap in use (see the top comment).
long heap_in_use() {
  const struct mallinfo2 m = ::mallinfo2();
  return static_cast<long>(m.uordblks + m.hblkhd);
}

long rss_bytes() {
  long size = 0, resident = 0;
  std::ifstream("/proc/self/statm") >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

// A line of /proc/self/status, in kB ("VmHWM", "VmRSS").
long status_kb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + ":", 0) == 0)
      return std::atol(line.c_str() + key.size() + 1);
  return -1;
}

void read_fully(int fd, char& c) {
  while (::read(fd, &c, 1) < 0 && errno == EINTR) {
  }
}

// --- the servers' process ---

struct servers {
  pid_t pid = -1;
  int gate = -1;    // write a byte: the gated server answers from then on
  int control = -1; // closed: the servers stop and their process exits
  int report = -1;  // the ports, then the size of the first gated body
  unsigned short gated = 0, plain = 0, tls = 0;
};

servers start_servers(const knobs::local::test_certificates& certs) {
  // The gate's and the report's ends this process keeps are inherited by the
  // queued row's process (see run_row), so they are not close-on-exec.
  int gate[2], control[2], report[2];
  if (::pipe(gate) != 0 || ::pipe2(control, O_CLOEXEC) != 0 || ::pipe(report) != 0 ||
      ::fcntl(gate[0], F_SETFD, FD_CLOEXEC) != 0 || ::fcntl(report[1], F_SETFD, FD_CLOEXEC) != 0)
    wrong("pipe failed");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0)
    wrong("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent)
      ::_exit(1);
    ::close(gate[1]);
    ::close(control[1]);
    ::close(report[0]);
    const auto answer = [](const knobs::local::received_request&) {
      return knobs::local::response_plan::json(200, bench::completion_body);
    };
    bool open = false;
    const int gate_in = gate[0], report_out = report[1];
    {
      knobs::local::server gated([&](const knobs::local::received_request& r) {
        if (!open) {
          ::dprintf(report_out, "%zu\n", r.body.size());
          char c = 0;
          read_fully(gate_in, c); // a byte, or the end when every writer has gone
          open = true;
        }
        return knobs::local::response_plan::json(200, bench::completion_body);
      });
      knobs::local::server plain(answer);
      knobs::local::server tls(answer, serving(certs));
      ::dprintf(report_out, "%u %u %u\n", gated.port(), plain.port(), tls.port());
      char c = 0;
      while (::read(control[0], &c, 1) > 0) {
      }
    } // the servers stop
    ::_exit(0);
  }
  ::close(gate[0]);
  ::close(control[0]);
  ::close(report[1]);
  servers s;
  s.pid = pid;
  s.gate = gate[1];
  s.control = control[1];
  s.report = report[0];
  return s;
}

std::string read_line(int fd) {
  std::string line;
  char c = 0;
  for (;;) {
    const auto n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 || c == '\n')
      return line;
    line += c;
  }
}

void stop_servers(servers& s) {
  ::close(s.gate);
  ::close(s.control);
  ::close(s.report);
  int status = 0;
  ::waitpid(s.pid, &status, 0);
}

std::string url(unsigned short port, bool tls) {
  return (tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port) + "/v1";
}

knobs::client_options knobs_options(unsigned short port, bool tls, const std::string& ca_file) {
  knobs::client_options o;
  o.base_url = url(port, tls);
  o.api_key = "sk-bench";
  o.max_retries = 0;
  o.on_warning = nullptr;
  if (tls)
    o.ca_file = ca_file;
  return o;
}

// --- per queued request ---

// What a row's process prints: heap and RSS bytes per unit, and for the
// queued row the body's size.
struct figures {
  double heap = 0;
  double rss = 0;
  std::size_t body = 0;
  double openssl = 0; // of `heap`, what OpenSSL allocated
};

// Runs the io_context until nothing has happened for 100 ms: the requests
// in flight have been written and wait for the (held) answers.
void settle(net::io_context& ioc) {
  for (int quiet = 0; quiet < 100;)
    quiet = ioc.run_for(std::chrono::milliseconds(1)) == 0 ? quiet + 1 : 0;
}

// An async_client with at most `connections` open, sending the lesson's
// request; `done` and `bad` count its answers, and the wrong ones.
struct counting_client {
  net::io_context ioc;
  knobs::async_client client;
  const knobs::chat_request request = bench::lesson_request();
  int done = 0;
  int bad = 0;

  counting_client(knobs::client_options o, int connections)
      : client(ioc.get_executor(), with_connections(std::move(o), connections)) {}

  void send() {
    client.async_create(request, [this](std::exception_ptr e, const knobs::chat_completion& c) {
      if (e || c.text() != canned_text())
        ++bad;
      ++done;
    });
  }

  static knobs::client_options with_connections(knobs::client_options o, int connections) {
    o.max_connections = static_cast<std::size_t>(connections);
    return o;
  }
};

figures measure_queue(unsigned short port, int gate, int report) {
  counting_client k(knobs_options(port, false, {}), queue_connections);
  auto& ioc = k.ioc;
  auto& client = k.client;
  const auto& done = k.done;
  const auto& bad = k.bad;
  for (int i = 0; i < queue_connections; ++i)
    k.send();
  // The server reports the first body's size when it holds that request;
  // the other 15 connections are accepted by the kernel, not by the blocked
  // server, and their requests written to them.
  settle(ioc);
  figures f;
  f.body = std::stoul(read_line(report));

  const long heap0 = heap_in_use();
  const long rss0 = rss_bytes();
  for (int i = 0; i < queued_requests; ++i)
    k.send();
  settle(ioc);
  const long heap1 = heap_in_use();
  const long rss1 = rss_bytes();
  if (done != 0 || client.open_connections() != queue_connections)
    wrong("queued: the gate did not hold the requests");
  f.heap = static_cast<double>(heap1 - heap0 - static_cast<long>(f.body) * queued_requests) /
           queued_requests;
  f.rss = static_cast<double>(rss1 - rss0) / queued_requests;

  const char go = 'g';
  if (::write(gate, &go, 1) != 1)
    wrong("cannot open the gate");
  ioc.run();
  if (done != queued_requests + queue_connections || bad != 0)
    wrong("queued: " + std::to_string(done) + " completed, " + std::to_string(bad) + " wrong");
  return f;
}

// --- per open connection ---

figures knobs_connections(unsigned short port, bool tls, const std::string& ca_file) {
  counting_client k(knobs_options(port, tls, ca_file), open_connections);
  auto& ioc = k.ioc;
  auto& client = k.client;
  const auto& done = k.done;
  const auto& bad = k.bad;
  k.send(); // the first connection
  ioc.run();
  ioc.restart();
  const long heap0 = heap_in_use();
  const long rss0 = rss_bytes();
  const long openssl0 = openssl_bytes;
  for (int i = 0; i < open_connections; ++i)
    k.send();
  ioc.run();
  const long heap1 = heap_in_use();
  const long rss1 = rss_bytes();
  if (done != open_connections + 1 || bad != 0 ||
      client.idle_connections() != static_cast<std::size_t>(open_connections))
    wrong("knobs connections: " + std::to_string(done) + " completed, " + std::to_string(bad) +
          " wrong, " + std::to_string(client.idle_connections()) + " idle");
  return {static_cast<double>(heap1 - heap0) / (open_connections - 1),
          static_cast<double>(rss1 - rss0) / (open_connections - 1), 0,
          static_cast<double>(openssl_bytes - openssl0) / (open_connections - 1)};
}

http::request<http::string_body> minimal_request() {
  http::request<http::string_body> req{http::verb::post, "/v1/chat/completions", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.set(http::field::authorization, "Bearer sk-bench");
  req.body() = knobs::to_json(bench::lesson_request());
  req.prepare_payload();
  return req;
}

void check_completion(const std::string& body, const char* who) {
  const auto v = boost::json::parse(body);
  if (v.at("choices").at(0).at("message").at("content").as_string() != canned_text())
    wrong(who);
}

// One minimal connection: connects (and shakes hands), sends one request,
// reads the answer, and stays open with its stream and buffer.
template <class Stream> class minimal_connection {
public:
  template <class... Args>
  explicit minimal_connection(const http::request<http::string_body>& req, int& done,
                              Args&&... args)
      : stream_(std::forward<Args>(args)...), req_(req), done_(done) {}

  void start(const tcp::endpoint& ep) {
    beast::get_lowest_layer(stream_).async_connect(ep, [this](beast::error_code ec) {
      if (ec)
        wrong("minimal: connect failed");
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        send();
      } else {
        stream_.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
        stream_.async_handshake(ssl::stream_base::client, [this](beast::error_code ec2) {
          if (ec2)
            wrong("minimal: handshake failed: " + ec2.message());
          if (SSL_version(stream_.native_handle()) != TLS1_3_VERSION)
            wrong("minimal: not TLS 1.3");
          send();
        });
      }
    });
  }

private:
  void send() {
    http::async_write(stream_, req_, [this](beast::error_code ec, std::size_t) {
      if (ec)
        wrong("minimal: write failed");
      res_.emplace();
      http::async_read(stream_, buffer_, *res_, [this](beast::error_code ec2, std::size_t) {
        if (ec2 || res_->result() != http::status::ok)
          wrong("minimal: read failed");
        check_completion(res_->body(), "minimal: not the canned completion");
        res_.reset();
        ++done_;
      });
    });
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  const http::request<http::string_body>& req_;
  std::optional<http::response<http::string_body>> res_;
  int& done_;
};

template <class Stream, class... Args>
figures minimal_connections(net::io_context& ioc, unsigned short port, Args&... args) {
  const auto req = minimal_request();
  const tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
  int done = 0;
  std::vector<std::unique_ptr<minimal_connection<Stream>>> conns;
  conns.reserve(open_connections);
  conns.push_back(std::make_unique<minimal_connection<Stream>>(req, done, ioc, args...));
  conns.back()->start(ep);
  ioc.run();
  ioc.restart();
  const long heap0 = heap_in_use();
  const long rss0 = rss_bytes();
  const long openssl0 = openssl_bytes;
  for (int i = 1; i < open_connections; ++i) {
    conns.push_back(std::make_unique<minimal_connection<Stream>>(req, done, ioc, args...));
    conns.back()->start(ep);
  }
  ioc.run();
  const long heap1 = heap_in_use();
  const long rss1 = rss_bytes();
  if (done != open_connections)
    wrong("minimal connections: " + std::to_string(done) + " completed");
  return {static_cast<double>(heap1 - heap0) / (open_connections - 1),
          static_cast<double>(rss1 - rss0) / (open_connections - 1), 0,
          static_cast<double>(openssl_bytes - openssl0) / (open_connections - 1)};
}

figures minimal_plain(unsigned short port) {
  net::io_context ioc;
  return minimal_connections<beast::tcp_stream>(ioc, port);
}

figures minimal_tls(unsigned short port, const std::string& ca_file) {
  net::io_context ioc;
  // As knobs' context: the system's CAs and the extra file, peers verified.
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_default_verify_paths();
  ctx.load_verify_file(ca_file);
  ctx.set_verify_mode(ssl::verify_peer);
  return minimal_connections<beast::ssl_stream<beast::tcp_stream>>(ioc, port, ctx);
}

// --- peak RSS, in a child process ---

int peak_child(const std::string& who, unsigned short port, int requests) {
  if (who == "knobs") {
    knobs::client client{knobs_options(port, false, {})};
    const auto request = bench::lesson_request();
    for (int i = 0; i < requests; ++i)
      if (client.create(request).text() != canned_text())
        wrong("peak knobs: not the canned completion");
  } else if (who == "minimal") {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
    const auto req = minimal_request();
    beast::flat_buffer buffer;
    for (int i = 0; i < requests; ++i) {
      http::write(stream, req);
      http::response<http::string_body> res;
      http::read(stream, buffer, res);
      if (res.result() != http::status::ok)
        wrong("peak minimal: not 200");
      check_completion(res.body(), "peak minimal: not the canned completion");
    }
  } else if (who != "none") {
    wrong("peak: knobs, minimal or none");
  }
  std::printf("%ld\n", status_kb("VmHWM"));
  return 0;
}

// --- the rows' processes ---

// A row in a process of its own, so that its RSS grows from a fresh start.
// Prints "heap rss body" (figures) or the VmHWM in kB (peak rows).
int row_child(int argc, char** argv) {
  const std::string name = argv[2];
  const auto port = static_cast<unsigned short>(std::atoi(argv[3]));
  const std::string arg = argc > 4 ? argv[4] : "";
  figures f;
  if (name == "queued" && argc == 6)
    f = measure_queue(port, std::atoi(argv[4]), std::atoi(argv[5]));
  else if (name == "knobs_plain")
    f = knobs_connections(port, false, {});
  else if (name == "minimal_plain")
    f = minimal_plain(port);
  else if (name == "knobs_tls")
    f = knobs_connections(port, true, arg);
  else if (name == "minimal_tls")
    f = minimal_tls(port, arg);
  else if (name == "peak_knobs" || name == "peak_minimal" || name == "peak_none")
    return peak_child(name.substr(5), port, std::atoi(arg.c_str()));
  else
    wrong("no row named " + name);
  std::printf("%.1f %.1f %zu %.1f\n", f.heap, f.rss, f.body, f.openssl);
  return 0;
}

// Runs `bench_memory row ARGS...` and returns what it printed. The command
// is prefixed with $BENCH_MEMORY_WRAP when set (e.g. "valgrind
// --tool=massif"), to look into one row.
std::string run_row(const std::string& args) {
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  const char* wrap = std::getenv("BENCH_MEMORY_WRAP");
  const std::string command = (wrap ? std::string(wrap) + " " : "") + exe + " row " + args;
  FILE* out = ::popen(command.c_str(), "r");
  if (out == nullptr)
    wrong("popen failed");
  std::string text;
  char line[256];
  while (std::fgets(line, sizeof line, out) != nullptr)
    text += line;
  if (::pclose(out) != 0 || text.empty())
    wrong("row " + args + " failed");
  return text;
}

figures row_figures(const std::string& args) {
  figures f;
  if (std::sscanf(run_row(args).c_str(), "%lf %lf %zu %lf", &f.heap, &f.rss, &f.body, &f.openssl) !=
      4)
    wrong("row " + args + ": unreadable");
  return f;
}

long run_peak(const std::string& who, unsigned short port) {
  return std::atol(
      run_row("peak_" + who + " " + std::to_string(port) + " " + std::to_string(peak_requests))
          .c_str());
}

double median_of(std::vector<double> v) { return bench::median(std::move(v)); }

} // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::string(argv[1]) == "row") {
    if (::CRYPTO_set_mem_functions(openssl_malloc, openssl_realloc, openssl_free) != 1)
      wrong("CRYPTO_set_mem_functions failed");
    return row_child(argc, argv);
  }
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
  if (argc > 2 || rounds < 1) {
    std::fprintf(stderr, "usage: bench_memory [ROUNDS]\n");
    return 2;
  }
  const auto certs = knobs::local::make_test_certificates();
  tls_fixture files(certs);
  servers sv = start_servers(certs);
  {
    const std::string ports = read_line(sv.report);
    if (std::sscanf(ports.c_str(), "%hu %hu %hu", &sv.gated, &sv.plain, &sv.tls) != 3)
      wrong("the servers did not start");
  }

  // Threads: a blocking client to an IP address, then the control.
  std::size_t threads_before = 0, threads_after = 0, resolver_before = 0, resolver_after = 0;
  {
    knobs::client client{knobs_options(sv.plain, false, {})};
    threads_before = threads::count();
    if (client.create(bench::lesson_request()).text() != canned_text())
      wrong("threads: not the canned completion");
    threads_after = threads::count();
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    resolver_before = threads::count();
    resolver.async_resolve("127.0.0.1", std::to_string(sv.plain),
                           [](beast::error_code, const tcp::resolver::results_type&) {});
    ioc.run();
    resolver_after = threads::count();
  }

  // The gate opens once: the queued row runs once (it is deterministic to
  // a few bytes). The others alternate over the rounds.
  const figures queued = row_figures("queued " + std::to_string(sv.gated) + " " +
                                     std::to_string(sv.gate) + " " + std::to_string(sv.report));
  const std::string plain = std::to_string(sv.plain);
  const std::string tls = std::to_string(sv.tls) + " " + files.ca_path;
  std::vector<double> kp_heap, kp_rss, mp_heap, mp_rss, kt_heap, kt_rss, kt_ssl, mt_heap, mt_rss,
      mt_ssl, pk, pm, pn;
  for (int i = 0; i < rounds; ++i) {
    const figures kp = row_figures("knobs_plain " + plain);
    const figures mp = row_figures("minimal_plain " + plain);
    const figures kt = row_figures("knobs_tls " + tls);
    const figures mt = row_figures("minimal_tls " + tls);
    kp_heap.push_back(kp.heap);
    kp_rss.push_back(kp.rss);
    mp_heap.push_back(mp.heap);
    mp_rss.push_back(mp.rss);
    kt_heap.push_back(kt.heap);
    kt_rss.push_back(kt.rss);
    kt_ssl.push_back(kt.openssl);
    mt_ssl.push_back(mt.openssl);
    mt_heap.push_back(mt.heap);
    mt_rss.push_back(mt.rss);
    pk.push_back(static_cast<double>(run_peak("knobs", sv.plain)));
    pm.push_back(static_cast<double>(run_peak("minimal", sv.plain)));
    pn.push_back(static_cast<double>(run_peak("none", sv.plain)));
  }
  stop_servers(sv);

  const auto kib = [](const std::vector<double>& v) { return median_of(v) / 1024; };
  std::printf("knobs %s memory, against knobs::local::server in its own process; each row in a "
              "process of its own, medians of %d\n",
              knobs::version_string, rounds);
  std::printf("%-32s %10s %10s %6s  %s\n", "", "knobs", "minimal", "ratio", "target");
  std::printf("%-32s %8.0f B %10s %6s  <= 2048 B (RSS %.0f B; the %zu-byte body not counted)\n",
              "heap per queued request", queued.heap, "", "", queued.rss, queued.body);
  const auto pair = [&](const char* what, const std::vector<double>& k,
                        const std::vector<double>& m, const char* target) {
    std::printf("%-32s %6.1f KiB %6.1f KiB %6.2f  %s\n", what, kib(k), kib(m),
                median_of(k) / median_of(m), target);
  };
  pair("heap per open plain connection", kp_heap, mp_heap, "");
  pair("RSS per open plain connection", kp_rss, mp_rss, "");
  pair("heap per open TLS connection", kt_heap, mt_heap, "<= 64 KiB");
  pair("  of which OpenSSL's heap", kt_ssl, mt_ssl, "");
  pair("RSS per open TLS connection", kt_rss, mt_rss, "<= 64 KiB");
  std::printf("%-32s %6.0f KiB %6.0f KiB %6.2f  <= 1.3 (%d sequential requests; the binary "
              "alone: %.0f KiB)\n",
              "peak RSS (VmHWM)", median_of(pk), median_of(pm), median_of(pk) / median_of(pm),
              peak_requests, median_of(pn));
  std::printf("%-32s %6zu -> %zu %14s   none (control, Asio's resolver: %zu -> %zu)\n",
              "threads, a request to 127.0.0.1", threads_before, threads_after, "", resolver_before,
              resolver_after);
  const bool ok = queued.heap <= 2048 && median_of(kt_heap) <= 64 * 1024 &&
                  median_of(kt_rss) <= 64 * 1024 && median_of(pk) <= 1.3 * median_of(pm) &&
                  threads_after == threads_before;
  std::printf("%s\n", ok ? "every target met" : "a target missed");
  return 0;
}
