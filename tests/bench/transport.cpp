// Transport benchmark: knobs::async_client against a minimal hand-written
// Beast client doing the same exchange with the same loopback server, in the
// same run. Run on purpose, not in CI (see README "Benchmarks"):
//
//   cmake --preset bench && cmake --build --preset bench --target bench_transport
//   taskset -c 0 build/bench/tests/bench/bench_transport
//
// Two workloads: sequential requests over one keep-alive connection, and 64
// requests in flight on one thread (64 connections for both clients). Rounds
// alternate between the clients and the medians are compared, because this
// machine is shared and noisy. CPU is the client thread's own CPU time
// (CLOCK_THREAD_CPUTIME_ID); the server runs on its own thread.
#include <knobs/client.hpp>
#include <knobs/local/server.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

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

using bench::completion_body;
using bench::lesson_request;

// The minimal client: a fixed body, one Beast exchange per request, the
// response parsed with Boost.JSON (any real client must read it).
class minimal_connection : public std::enable_shared_from_this<minimal_connection> {
public:
  minimal_connection(net::io_context& ioc, const tcp::endpoint& ep, const std::string& body,
                     int count, int& done)
      : stream_(ioc), remaining_(count), done_(done) {
    stream_.connect(ep);
    req_.method(http::verb::post);
    req_.target("/v1/chat/completions");
    req_.set(http::field::host, "127.0.0.1");
    req_.set(http::field::content_type, "application/json");
    req_.set(http::field::authorization, "Bearer sk-bench");
    req_.body() = body;
    req_.prepare_payload();
  }

  void start() { next(); }

private:
  void next() {
    if (remaining_-- == 0)
      return;
    http::async_write(stream_, req_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec)
                          std::abort();
                        self->res_ = {};
                        http::async_read(self->stream_, self->buffer_, self->res_,
                                         [self](beast::error_code ec2, std::size_t) {
                                           if (ec2)
                                             std::abort();
                                           auto v = boost::json::parse(self->res_.body());
                                           if (!v.is_object())
                                             std::abort();
                                           ++self->done_;
                                           self->next();
                                         });
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  int remaining_;
  int& done_;
};

sample run_minimal(const tcp::endpoint& ep, int connections, int per_connection) {
  net::io_context ioc;
  int done = 0;
  std::string body = knobs::to_json(lesson_request());
  std::vector<std::shared_ptr<minimal_connection>> conns;
  for (int i = 0; i < connections; ++i)
    conns.push_back(std::make_shared<minimal_connection>(ioc, ep, body, per_connection, done));
  return measure([&] {
    for (auto& c : conns)
      c->start();
    ioc.run();
    if (done != connections * per_connection)
      std::abort();
  });
}

sample run_knobs(const std::string& base_url, int in_flight, int total) {
  net::io_context ioc;
  knobs::client_options o;
  o.base_url = base_url;
  o.api_key = "sk-bench";
  o.max_connections = static_cast<std::size_t>(in_flight);
  knobs::async_client client{ioc.get_executor(), o};
  auto request = lesson_request();
  // Open the connections before timing, as the minimal client does.
  int warm = 0;
  for (int i = 0; i < in_flight; ++i)
    client.async_create(request, [&](std::exception_ptr e, knobs::chat_completion) {
      if (e)
        std::abort();
      ++warm;
    });
  ioc.run();
  ioc.restart();
  int done = 0;
  int started = 0;
  std::function<void()> launch = [&] {
    if (started == total)
      return;
    ++started;
    client.async_create(request, [&](std::exception_ptr e, knobs::chat_completion r) {
      if (e || r.choices.empty())
        std::abort();
      ++done;
      launch();
    });
  };
  return measure([&] {
    for (int i = 0; i < in_flight; ++i)
      launch();
    ioc.run();
    if (done != total)
      std::abort();
  });
}

void report(const char* name, int requests, const std::vector<sample>& k,
            const std::vector<sample>& m) {
  std::vector<double> kr, mr, kc, mc;
  for (auto& s : k) {
    kr.push_back(requests / s.seconds);
    kc.push_back(s.cpu_seconds * 1000.0 / requests * 1000.0);
  }
  for (auto& s : m) {
    mr.push_back(requests / s.seconds);
    mc.push_back(s.cpu_seconds * 1000.0 / requests * 1000.0);
  }
  std::printf("%-26s knobs %8.0f req/s  minimal %8.0f req/s  ratio %.2f (target >= 0.90)\n", name,
              median(kr), median(mr), median(kr) / median(mr));
  std::printf(
      "%-26s knobs %8.1f ms CPU/1000  minimal %6.1f ms CPU/1000  ratio %.2f (target <= 1.20)\n", "",
      median(kc), median(mc), median(kc) / median(mc));
}

} // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  const int sequential = 2000;
  const int in_flight = 64;
  const int concurrent_total = 64 * 60;

  knobs::local::server server([](const knobs::local::received_request&) {
    return knobs::local::response_plan::json(200, completion_body);
  });
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), server.port());

  std::vector<sample> ks, ms, kc, mc;
  for (int r = 0; r < rounds; ++r) {
    ks.push_back(run_knobs(server.base_url(), 1, sequential));
    ms.push_back(run_minimal(ep, 1, sequential));
    kc.push_back(run_knobs(server.base_url(), in_flight, concurrent_total));
    mc.push_back(run_minimal(ep, in_flight, concurrent_total / in_flight));
  }
  std::printf("knobs %s transport benchmark, %d rounds, medians\n", knobs::version_string, rounds);
  report("sequential, keep-alive", sequential, ks, ms);
  report("64 in flight, one thread", concurrent_total, kc, mc);
}
