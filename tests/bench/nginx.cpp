// Out-of-process benchmark: knobs against minimal Beast clients (and, when
// installed, the official openai Node SDK), all talking to nginx in its own
// process, on one core with the client, serving canned answers. Run on
// purpose, not in CI (see README "Benchmarks"):
//
//   cmake --preset bench && cmake --build --preset bench --target bench_nginx
//   build/bench/tests/bench/bench_nginx 7
//
// nginx (Debian's nginx-light or nginx) is started by the benchmark from
// tests/bench/nginx.conf on a free port of 127.0.0.1, with the bodies it
// serves written to a temporary directory: a 635-byte chat.completion at
// /v1/chat/completions and a 200-chunk event stream at
// /stream/v1/chat/completions. The benchmark and nginx are pinned to CPU 0
// (sched_setaffinity), so the client's cost is not hidden by a second core.
// nginx is stopped by its pid at the end.
//
// Rows (each name is what `bench_nginx 1 ROW N` runs alone):
// - knobs_create: a blocking knobs::client, sequential requests over one
//   kept-alive connection; minimal_create: http::write / http::read over a
//   beast::tcp_stream, the body parsed with Boost.JSON;
// - knobs_async: knobs::async_client, 64 requests in flight on one thread;
//   minimal_async: 64 Beast connections doing async_write / async_read;
// - knobs_stream: a blocking knobs::client's stream(), 200 chunks a stream;
//   minimal_stream: http::read_some on a response_parser<buffer_body>, the
//   body cut at blank lines and each event parsed with Boost.JSON.
// Every answer is checked: the text is the canned one. Rounds alternate the
// rows and the medians are compared, because this machine is shared. CPU is
// the client thread's own.
//
// `bench_nginx 1 ROW N` runs one row for N requests (streams for the stream
// rows), for counting with strace or callgrind at two values of N: the
// difference over the difference of N cancels the start-up (nginx is
// another process, so `strace -c` without -f and callgrind count the client
// alone; README "bench_nginx").
#include <knobs/client.hpp>
#include <knobs/local/certificate.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "../child.hpp"
#include "../ports.hpp"
#include "measure.hpp"
#include "workload.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

using bench::measure;
using bench::median;
using bench::sample;

constexpr int chunks_per_stream = 200;

// The canned answers and what a client must find in them.
struct canned {
  std::string completion;      // the body of /v1/chat/completions
  std::string completion_text; // its message's content
  std::string stream;          // the body of /stream/v1/chat/completions
  std::string stream_text;     // the contents of its chunks, joined
};

canned make_canned() {
  canned c;
  c.completion_text = "A city at night hums with light: taxis hiss on wet streets and windows "
                      "glow on.";
  // 635 bytes, as in the issue's measurement: a real chat.completion's
  // members (id, fingerprint, a choice with its logprobs and refusal, usage
  // with its details).
  c.completion = R"({"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion",)"
                 R"("created":1741569952,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,)"
                 R"("message":{"role":"assistant","content":")" +
                 c.completion_text +
                 R"(","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],)"
                 R"("usage":{"prompt_tokens":19,"completion_tokens":31,"total_tokens":50,)"
                 R"("prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},)"
                 R"("completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,)"
                 R"("accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},)"
                 R"("system_fingerprint":"fp_bench"})";
  if (c.completion.size() != 635)
    std::abort(); // the size the README and the issue name
  for (int i = 0; i < chunks_per_stream; ++i) {
    const std::string word = " word" + std::to_string(i);
    c.stream_text += word;
    c.stream +=
        R"(data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,)"
        R"("model":"bench","system_fingerprint":"fp_bench","choices":[{"index":0,"delta":{"content":")" +
        word + R"("},"logprobs":null,"finish_reason":)" +
        (i + 1 == chunks_per_stream ? std::string("\"stop\"") : std::string("null")) + "}]}\n\n";
  }
  c.stream += "data: [DONE]\n\n";
  return c;
}

void pin_to_cpu0(pid_t pid) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  if (::sched_setaffinity(pid, sizeof set, &set) != 0)
    std::perror("sched_setaffinity");
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out)
    throw std::runtime_error("cannot write " + p.string());
}

// nginx in the foreground (daemon off, master_process off: one process, its
// pid is the one forked here), from tests/bench/nginx.conf, in a temporary
// directory, on a free port; stopped by its pid (SIGTERM, then SIGKILL).
class nginx_server {
public:
  explicit nginx_server(const canned& answers) {
    char tmpl[] = "/tmp/knobs-nginx-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    if (made == nullptr)
      throw std::runtime_error("mkdtemp failed for nginx's directory");
    dir_ = made;
    write_file(dir_ / "completion.json", answers.completion);
    write_file(dir_ / "stream.sse", answers.stream);
    write_file(dir_ / "expected.txt", answers.completion_text + "\n" + answers.stream_text + "\n");
    const auto certs = knobs::local::make_test_certificates(); // for 127.0.0.1
    write_file(dir_ / "cert.pem", certs.cert_pem);
    write_file(dir_ / "key.pem", certs.key_pem);
    write_file(dir_ / "ca.pem", certs.ca_cert_pem);
    for (int attempt = 1; !start(); ++attempt)
      if (attempt == 3) {
        const std::string output = read_file(dir_ / "stderr") + read_file(dir_ / "error.log");
        remove_dir();
        throw std::runtime_error("nginx did not listen on 127.0.0.1 (is Debian's nginx-light or "
                                 "nginx installed?); its output:\n" +
                                 output);
      }
  }

  nginx_server(const nginx_server&) = delete;
  nginx_server& operator=(const nginx_server&) = delete;

  ~nginx_server() {
    stop();
    remove_dir();
  }

  unsigned short port() const noexcept { return port_; }
  unsigned short tls_port() const noexcept { return tls_port_; }
  const std::filesystem::path& dir() const noexcept { return dir_; }

  void stop() noexcept { child::stop(pid_); }

private:
  void remove_dir() noexcept {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  bool start() {
    port_ = ports::free_port();
    do
      tls_port_ = ports::free_port();
    while (tls_port_ == port_);
    std::string conf = read_file(KNOBS_BENCH_DIR "/nginx.conf");
    if (conf.empty())
      throw std::runtime_error("cannot read " KNOBS_BENCH_DIR "/nginx.conf");
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"@DIR@", dir_.string()},
          std::pair<std::string, std::string>{"@PORT@", std::to_string(port_)},
          std::pair<std::string, std::string>{"@TLS_PORT@", std::to_string(tls_port_)}})
      for (auto pos = conf.find(key); pos != std::string::npos; pos = conf.find(key, pos))
        conf.replace(pos, key.size(), value);
    write_file(dir_ / "nginx.conf", conf);
    // -e: the error log before the configuration is read (else
    // /var/log/nginx/error.log, which may not be writable). Debian installs
    // nginx in /usr/sbin, which a user's PATH may not have.
    pid_ = child::spawn({"nginx", "-p", dir_.string() + "/", "-c", (dir_ / "nginx.conf").string(),
                         "-e", (dir_ / "error.log").string()},
                        (dir_ / "stderr").string(), "/usr/sbin/nginx");
    pin_to_cpu0(pid_);
    return child::wait_listening(pid_, port_) && child::wait_listening(pid_, tls_port_);
  }

  std::filesystem::path dir_;
  unsigned short port_ = 0;
  unsigned short tls_port_ = 0;
  pid_t pid_ = -1;
};

// What a request asks nginx for: the completion, the stream, or the
// completion on a new connection each time (HTTPS only, see nginx.conf).
enum class answer { completion, stream, new_connection };

const char* path_of(answer a) {
  switch (a) {
  case answer::completion:
    return "/v1";
  case answer::stream:
    return "/stream/v1";
  case answer::new_connection:
    return "/new/v1";
  }
  return "";
}

struct setup {
  const canned& answers;
  unsigned short port;
  unsigned short tls_port;
  std::string ca_file; // the CA of nginx's certificate
  std::filesystem::path connections_log;
  tcp::endpoint endpoint(bool tls = false) const {
    return {net::ip::make_address("127.0.0.1"), tls ? tls_port : port};
  }
  std::string base_url(answer a, bool tls) const {
    return (tls ? "https://127.0.0.1:" + std::to_string(tls_port)
                : "http://127.0.0.1:" + std::to_string(port)) +
           path_of(a);
  }
};

knobs::client_options knobs_options(const setup& s, answer a, bool tls = false) {
  knobs::client_options o;
  o.base_url = s.base_url(a, tls);
  o.api_key = "sk-bench";
  o.max_retries = 0;
  if (tls)
    o.ca_file = s.ca_file;
  return o;
}

[[noreturn]] void wrong(const char* what) {
  std::fprintf(stderr, "bench_nginx: %s\n", what);
  std::abort();
}

// --- knobs ---

sample knobs_create_on(const setup& s, int requests, answer a, bool tls) {
  knobs::client client{knobs_options(s, a, tls)};
  const auto request = bench::lesson_request();
  if (client.create(request).text() != s.answers.completion_text) // opens the connection
    wrong("knobs_create: not the canned completion");
  return measure([&] {
    for (int i = 0; i < requests; ++i)
      if (client.create(request).text() != s.answers.completion_text)
        wrong("knobs_create: not the canned completion");
  });
}

sample knobs_create(const setup& s, int requests) {
  return knobs_create_on(s, requests, answer::completion, false);
}
sample knobs_tls_create(const setup& s, int requests) {
  return knobs_create_on(s, requests, answer::completion, true);
}
sample knobs_tls_new(const setup& s, int requests) {
  return knobs_create_on(s, requests, answer::new_connection, true);
}

sample knobs_async(const setup& s, int total) {
  constexpr int in_flight = 64;
  net::io_context ioc;
  auto o = knobs_options(s, answer::completion);
  o.max_connections = in_flight;
  knobs::async_client client{ioc.get_executor(), o};
  const auto request = bench::lesson_request();
  const auto check = [&](std::exception_ptr e, const knobs::chat_completion& r) {
    if (e || r.text() != s.answers.completion_text)
      wrong("knobs_async: not the canned completion");
  };
  // Open the connections before timing, as the minimal client does.
  for (int i = 0; i < in_flight; ++i)
    client.async_create(request, check);
  ioc.run();
  ioc.restart();
  int done = 0;
  int started = 0;
  std::function<void()> launch = [&] {
    if (started == total)
      return;
    ++started;
    client.async_create(request, [&](std::exception_ptr e, knobs::chat_completion r) {
      check(e, r);
      ++done;
      launch();
    });
  };
  return measure([&] {
    for (int i = 0; i < in_flight; ++i)
      launch();
    ioc.run();
    if (done != total)
      wrong("knobs_async: requests missing");
  });
}

sample knobs_stream_on(const setup& s, int streams, bool tls) {
  knobs::client client{knobs_options(s, answer::stream, tls)};
  const auto request = bench::lesson_request();
  int chunks = 0;
  std::string text;
  const auto read_one = [&] {
    chunks = 0;
    text.clear();
    const knobs::chat_completion whole = client.stream(request, [&](const knobs::chat_chunk& c) {
      ++chunks;
      if (!c.choices.empty() && c.choices[0].delta.content)
        text += *c.choices[0].delta.content;
    });
    if (chunks != chunks_per_stream || text != s.answers.stream_text ||
        whole.text() != s.answers.stream_text)
      wrong("knobs_stream: not the canned stream");
  };
  read_one();
  return measure([&] {
    for (int i = 0; i < streams; ++i)
      read_one();
  });
}

sample knobs_stream(const setup& s, int streams) { return knobs_stream_on(s, streams, false); }
sample knobs_tls_stream(const setup& s, int streams) { return knobs_stream_on(s, streams, true); }

// --- the minimal clients ---

http::request<http::string_body> minimal_request(answer a) {
  const bool stream = a == answer::stream;
  http::request<http::string_body> req{http::verb::post,
                                       std::string(path_of(a)) + "/chat/completions", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.set(http::field::authorization, "Bearer sk-bench");
  auto request = bench::lesson_request();
  if (stream)
    request.stream(true);
  req.body() = knobs::to_json(request);
  req.prepare_payload();
  return req;
}

// The completion's content, read with Boost.JSON, checked against the canned
// one; any client must parse the body to use it.
void check_completion(const setup& s, const std::string& body, const char* who) {
  const auto v = boost::json::parse(body);
  if (v.at("choices").at(0).at("message").at("content").as_string() != s.answers.completion_text)
    wrong(who);
}

// One request and its answer, checked, on a connection (TCP or TLS).
template <class Stream>
void minimal_exchange(const setup& s, Stream& stream, beast::flat_buffer& buffer,
                      const http::request<http::string_body>& req) {
  http::write(stream, req);
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  if (res.result() != http::status::ok || res.body() != s.answers.completion)
    wrong("minimal_create: not the canned completion");
  check_completion(s, res.body(), "minimal_create: not the canned completion");
}

sample minimal_create(const setup& s, int requests) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(s.endpoint());
  const auto req = minimal_request(answer::completion);
  beast::flat_buffer buffer;
  minimal_exchange(s, stream, buffer, req);
  return measure([&] {
    for (int i = 0; i < requests; ++i)
      minimal_exchange(s, stream, buffer, req);
  });
}

// The minimal HTTPS client: Beast's ssl_stream over a tcp_stream, the peer
// verified as knobs verifies it (the CA file, the address 127.0.0.1).
struct minimal_tls {
  net::ssl::context context{net::ssl::context::tls_client};
  explicit minimal_tls(const setup& s) {
    context.load_verify_file(s.ca_file);
    context.set_verify_mode(net::ssl::verify_peer);
  }
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> connect(net::io_context& ioc,
                                                                const setup& s) {
    auto stream = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, context);
    stream->set_verify_callback(net::ssl::host_name_verification("127.0.0.1"));
    beast::get_lowest_layer(*stream).connect(s.endpoint(true));
    stream->handshake(net::ssl::stream_base::client);
    return stream;
  }
};

sample minimal_tls_create(const setup& s, int requests) {
  net::io_context ioc;
  minimal_tls tls(s);
  auto stream = tls.connect(ioc, s);
  const auto req = minimal_request(answer::completion);
  beast::flat_buffer buffer;
  minimal_exchange(s, *stream, buffer, req);
  return measure([&] {
    for (int i = 0; i < requests; ++i)
      minimal_exchange(s, *stream, buffer, req);
  });
}

// A new connection and a full handshake for every request (no session
// resumption: the least code).
sample minimal_tls_new(const setup& s, int requests) {
  net::io_context ioc;
  minimal_tls tls(s);
  const auto req = minimal_request(answer::new_connection);
  const auto one = [&] {
    auto stream = tls.connect(ioc, s);
    beast::flat_buffer buffer;
    minimal_exchange(s, *stream, buffer, req);
  };
  one();
  return measure([&] {
    for (int i = 0; i < requests; ++i)
      one();
  });
}

class minimal_connection : public std::enable_shared_from_this<minimal_connection> {
public:
  minimal_connection(net::io_context& ioc, const setup& s, int count, int& done)
      : s_(s), stream_(ioc), req_(minimal_request(answer::completion)), remaining_(count),
        done_(done) {
    stream_.connect(s.endpoint());
  }

  void start() { next(); }

private:
  void next() {
    if (remaining_-- == 0)
      return;
    http::async_write(
        stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec)
            wrong("minimal_async: write failed");
          self->res_ = {};
          http::async_read(self->stream_, self->buffer_, self->res_,
                           [self](beast::error_code ec2, std::size_t) {
                             if (ec2 || self->res_.body() != self->s_.answers.completion)
                               wrong("minimal_async: not the canned completion");
                             check_completion(self->s_, self->res_.body(),
                                              "minimal_async: not the canned completion");
                             ++self->done_;
                             self->next();
                           });
        });
  }

  const setup& s_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  int remaining_;
  int& done_;
};

sample minimal_async(const setup& s, int total) {
  constexpr int in_flight = 64;
  net::io_context ioc;
  int done = 0;
  std::vector<std::shared_ptr<minimal_connection>> conns;
  for (int i = 0; i < in_flight; ++i)
    conns.push_back(std::make_shared<minimal_connection>(ioc, s, total / in_flight, done));
  return measure([&] {
    for (auto& c : conns)
      c->start();
    ioc.run();
    if (done != total / in_flight * in_flight)
      wrong("minimal_async: requests missing");
  });
}

// Reads one event stream: the body piece by piece (64 KiB at most, as
// knobs), cut at blank lines, each event's JSON parsed for its content.
template <class Stream> sample minimal_stream_on(const setup& s, Stream& stream, int streams) {
  const auto req = minimal_request(answer::stream);
  beast::flat_buffer buffer;
  std::vector<char> scratch(64 * 1024);
  std::string pending;
  std::string text;
  const auto one = [&] {
    http::write(stream, req);
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    http::read_header(stream, buffer, parser);
    int chunks = 0;
    bool done = false;
    text.clear();
    while (!parser.is_done()) {
      parser.get().body().data = scratch.data();
      parser.get().body().size = scratch.size();
      beast::error_code ec;
      http::read_some(stream, buffer, parser, ec);
      if (ec && ec != http::error::need_buffer)
        wrong("minimal_stream: read failed");
      pending.append(scratch.data(), scratch.size() - parser.get().body().size);
      std::size_t from = 0;
      for (std::size_t end; (end = pending.find("\n\n", from)) != std::string::npos;
           from = end + 2) {
        std::string_view event(pending.data() + from, end - from);
        if (event.substr(0, 6) != "data: ")
          wrong("minimal_stream: not an event");
        event.remove_prefix(6);
        if (event == "[DONE]") {
          done = true;
          continue;
        }
        const auto v = boost::json::parse(event);
        const auto& delta = v.at("choices").at(0).at("delta").as_object();
        if (const auto* c = delta.if_contains("content"))
          text += c->as_string();
        ++chunks;
      }
      pending.erase(0, from);
    }
    if (!done || chunks != chunks_per_stream || text != s.answers.stream_text)
      wrong("minimal_stream: not the canned stream");
  };
  one();
  return measure([&] {
    for (int i = 0; i < streams; ++i)
      one();
  });
}

sample minimal_stream(const setup& s, int streams) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(s.endpoint());
  return minimal_stream_on(s, stream, streams);
}

sample minimal_tls_stream(const setup& s, int streams) {
  net::io_context ioc;
  minimal_tls tls(s);
  auto stream = tls.connect(ioc, s);
  return minimal_stream_on(s, *stream, streams);
}

// --- the Node SDK ---

struct node_result {
  double create_seconds = 0, create_cpu = 0, stream_seconds = 0, stream_cpu = 0;
  long requests = 0, chunks = 0;
};

// Runs tests/bench/openai_node.mjs once; nothing when node or the SDK is
// missing (it says so once).
std::optional<node_result> run_node(const setup& s, const std::filesystem::path& expected,
                                    int requests, int streams) {
  if (!std::filesystem::exists(KNOBS_BENCH_DIR "/node_modules/openai"))
    return std::nullopt;
  const std::string command = "node " KNOBS_BENCH_DIR "/openai_node.mjs " + std::to_string(s.port) +
                              " " + std::to_string(requests) + " " + std::to_string(streams) + " " +
                              expected.string();
  FILE* out = ::popen(command.c_str(), "r");
  if (out == nullptr)
    return std::nullopt;
  std::string text;
  char line[512];
  while (std::fgets(line, sizeof line, out) != nullptr)
    text += line;
  if (::pclose(out) != 0)
    wrong("openai_node.mjs failed (see above)");
  node_result r;
  std::istringstream lines(text);
  for (std::string l; std::getline(lines, l);) {
    const auto v = boost::json::parse(l).as_object();
    const long count = v.at("count").to_number<long>();
    const double seconds = v.at("seconds").to_number<double>();
    const double cpu = v.at("cpu_seconds").to_number<double>();
    if (v.at("row").as_string() == "node_create") {
      r.requests = count;
      r.create_seconds = seconds;
      r.create_cpu = cpu;
    } else {
      r.chunks = count;
      r.stream_seconds = seconds;
      r.stream_cpu = cpu;
    }
  }
  return r;
}

// --- the table ---

struct row {
  const char* name;
  std::function<sample(const setup&, int)> run;
  int count;       // requests, or streams
  int per_request; // what the rate counts per request: 1, or the chunks of a stream
  std::vector<sample> samples;
  long connections; // the connections its runs opened, from nginx's log
  long resumed;     // of which with a resumed TLS session
};

// nginx's connections.log: a line per connection, "r" at the end when its
// TLS session was resumed (nginx.conf).
struct connection_count {
  long connections = 0;
  long resumed = 0;
};

connection_count count_connections(const setup& s) {
  // nginx writes a request's line after it has sent the answer: give it a
  // moment to catch up with the client.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  connection_count c;
  std::ifstream in(s.connections_log);
  for (std::string line; std::getline(in, line); ++c.connections)
    if (line.size() > 2 && line.compare(line.size() - 2, 2, " r") == 0)
      ++c.resumed;
  return c;
}

void run(row& r, const setup& s, int count) {
  const connection_count before = count_connections(s);
  r.samples.push_back(r.run(s, count));
  const connection_count after = count_connections(s);
  r.connections += after.connections - before.connections;
  r.resumed += after.resumed - before.resumed;
}

double rate(const row& r) {
  std::vector<double> v;
  for (const auto& s : r.samples)
    v.push_back(static_cast<double>(r.count) * r.per_request / s.seconds);
  return median(v);
}

// CPU milliseconds per 1000 requests (or chunks).
double cpu_per_1000(const row& r) {
  std::vector<double> v;
  for (const auto& s : r.samples)
    v.push_back(s.cpu_seconds * 1e6 / (static_cast<double>(r.count) * r.per_request));
  return median(v);
}

void report(const char* what, const char* unit, const row& k, const row& m) {
  std::printf("%-28s knobs %8.0f %s  minimal %8.0f %s  ratio %.2f\n", what, rate(k), unit, rate(m),
              unit, rate(k) / rate(m));
  std::printf("%-28s knobs %8.1f ms CPU/1000  minimal %6.1f ms CPU/1000  ratio %.2f\n", "",
              cpu_per_1000(k), cpu_per_1000(m), cpu_per_1000(k) / cpu_per_1000(m));
}

// Connections and resumed sessions per run.
void report_connections(const row& r) {
  const auto runs = static_cast<double>(r.samples.size());
  std::printf("  %-20s %6.1f connections a run (%d requests), %6.1f of them resumed\n", r.name,
              static_cast<double>(r.connections) / runs, r.count,
              static_cast<double>(r.resumed) / runs);
}

} // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  pin_to_cpu0(0);
  const canned answers = make_canned();
  nginx_server nginx(answers);
  const setup s{answers, nginx.port(), nginx.tls_port(), (nginx.dir() / "ca.pem").string(),
                nginx.dir() / "connections.log"};

  std::vector<row> rows{
      {"knobs_create", knobs_create, 2000, 1, {}, 0, 0},
      {"minimal_create", minimal_create, 2000, 1, {}, 0, 0},
      {"knobs_async", knobs_async, 64 * 40, 1, {}, 0, 0},
      {"minimal_async", minimal_async, 64 * 40, 1, {}, 0, 0},
      {"knobs_stream", knobs_stream, 100, chunks_per_stream, {}, 0, 0},
      {"minimal_stream", minimal_stream, 100, chunks_per_stream, {}, 0, 0},
      {"knobs_tls_create", knobs_tls_create, 2000, 1, {}, 0, 0},
      {"minimal_tls_create", minimal_tls_create, 2000, 1, {}, 0, 0},
      {"knobs_tls_stream", knobs_tls_stream, 100, chunks_per_stream, {}, 0, 0},
      {"minimal_tls_stream", minimal_tls_stream, 100, chunks_per_stream, {}, 0, 0},
      {"knobs_tls_new", knobs_tls_new, 200, 1, {}, 0, 0},
      {"minimal_tls_new", minimal_tls_new, 200, 1, {}, 0, 0},
  };
  if (argc > 2) {
    const std::string only = argv[2];
    for (auto& r : rows)
      if (r.name == only) {
        const int count = argc > 3 ? std::atoi(argv[3]) : r.count;
        for (int i = 0; i < rounds; ++i)
          run(r, s, count);
        r.count = count;
        std::printf("%s: %d %s, %.0f per second, %.1f ms CPU per 1000 (median)\n", r.name, count,
                    r.per_request == 1 ? "requests" : "streams", rate(r), cpu_per_1000(r));
        report_connections(r);
        return 0;
      }
    std::fprintf(stderr, "no row named %s\n", only.c_str());
    return 2;
  }

  std::vector<node_result> node;
  bool node_skipped = false;
  for (int i = 0; i < rounds; ++i) {
    for (auto& r : rows)
      run(r, s, r.count);
    if (auto n = run_node(s, nginx.dir() / "expected.txt", rows[0].count, rows[4].count))
      node.push_back(*n);
    else
      node_skipped = true;
  }
  std::printf("knobs %s against nginx (out of process, one core), %d rounds, medians\n",
              knobs::version_string, rounds);
  report("sequential, keep-alive", "req/s", rows[0], rows[1]);
  report("64 in flight, one thread", "req/s", rows[2], rows[3]);
  report("stream, 200 chunks each", "chunks/s", rows[4], rows[5]);
  report("https, sequential", "req/s", rows[6], rows[7]);
  report("https, stream", "chunks/s", rows[8], rows[9]);
  report("https, new connection each", "req/s", rows[10], rows[11]);
  std::printf("TLS 1.3 connections (nginx's log; each has one handshake, full or resumed):\n");
  for (std::size_t i = 6; i < rows.size(); ++i)
    report_connections(rows[i]);
  if (node_skipped) {
    std::printf("openai Node SDK: skipped (install it with npm ci --prefix tests/bench)\n");
    return 0;
  }
  std::vector<double> nr, nc, sr, sc;
  for (const auto& n : node) {
    nr.push_back(static_cast<double>(n.requests) / n.create_seconds);
    nc.push_back(n.create_cpu * 1e6 / static_cast<double>(n.requests));
    sr.push_back(static_cast<double>(n.chunks) / n.stream_seconds);
    sc.push_back(n.stream_cpu * 1e6 / static_cast<double>(n.chunks));
  }
  std::printf("openai Node SDK (process CPU)  sequential %8.0f req/s    %6.1f ms CPU/1000  "
              "(knobs/node %.2f, CPU %.2f)\n",
              median(nr), median(nc), rate(rows[0]) / median(nr),
              cpu_per_1000(rows[0]) / median(nc));
  std::printf("                               stream     %8.0f chunks/s %6.1f ms CPU/1000  "
              "(knobs/node %.2f, CPU %.2f)\n",
              median(sr), median(sc), rate(rows[4]) / median(sr),
              cpu_per_1000(rows[4]) / median(sc));
}
