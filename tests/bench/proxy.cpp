// Proxy benchmark: what a request through a real HTTP proxy (tinyproxy, as
// the proxy tests start it) costs the client, against the same request sent
// directly, in the same run. Run on purpose, not in CI (see README
// "Benchmarks"):
//
//   cmake --preset bench && cmake --build --preset bench --target bench_proxy
//   taskset -c 0 build/bench/tests/bench/bench_proxy
//
// CPU is the client thread's own (CLOCK_THREAD_CPUTIME_ID), per request, of a
// blocking knobs::client: the server runs on its own thread and the proxy in
// its own process, and neither is counted. Rows:
// - an https server over one kept-alive connection: direct, and inside one
//   CONNECT tunnel (the tunnel is opened once; each request then costs what a
//   direct one costs);
// - an https server with a new connection for every request (the server
//   closes each): direct, and through a new tunnel each time. The tunnel adds
//   the CONNECT exchange, measured on its own by a minimal Beast exchange
//   (connect to the proxy, write CONNECT, read its 200 head), so the target
//   is tunnelled <= direct + CONNECT;
// - an http server over one kept-alive connection: direct, and through the
//   proxy with the absolute-form target (the proxy forwards each request).
// Rounds alternate the rows and the medians are compared, because this
// machine is shared and noisy.
//
// `bench_proxy ROUNDS ROW REQUESTS` runs one row's client alone (ROW is one
// of the names printed in brackets), for counting its instructions with
// valgrind --tool=callgrind --separate-threads=yes at two values of REQUESTS:
// the difference divided by the difference of REQUESTS is the client's
// user-space instructions per request, start-up cancelled (README
// "Benchmarks").
#include <knobs/client.hpp>
#include <knobs/local/certificate.hpp>
#include <knobs/local/server.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../tinyproxy.hpp"
#include "../tls_fixture.hpp"
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

// `requests` blocking creates by one client, timed after a first request
// that opens the connection (and the tunnel).
sample run_knobs(const knobs::client_options& o, int requests) {
  knobs::client client{o};
  const auto request = lesson_request();
  if (client.create(request).choices.empty())
    std::abort();
  return measure([&] {
    for (int i = 0; i < requests; ++i)
      if (client.create(request).choices.empty())
        std::abort();
  });
}

// The CONNECT exchange alone, as a minimal Beast client makes it: a new
// connection to the proxy, the CONNECT request, the proxy's 200 head.
sample run_connect_only(unsigned short proxy_port, const std::string& authority, int times) {
  net::io_context ioc;
  const tcp::endpoint proxy(net::ip::make_address("127.0.0.1"), proxy_port);
  http::request<http::empty_body> req{http::verb::connect, authority, 11};
  req.set(http::field::host, authority);
  return measure([&] {
    for (int i = 0; i < times; ++i) {
      tcp::socket socket(ioc);
      socket.connect(proxy);
      http::write(socket, req);
      beast::flat_buffer buffer;
      http::response_parser<http::empty_body> parser;
      parser.skip(true); // a 200 to CONNECT has no body: the tunnel follows
      http::read_header(socket, buffer, parser);
      if (parser.get().result() != http::status::ok)
        std::abort();
    }
  });
}

// Microseconds of client CPU per request, the median of the rounds.
double per_request_us(const std::vector<sample>& v, int requests) {
  std::vector<double> us;
  for (const auto& s : v)
    us.push_back(s.cpu_seconds * 1e6 / requests);
  return median(us);
}

// How often the client thread blocked per request (each wait is a wake-up:
// data arriving in more pieces costs more of them), the median.
double waits_per_request(const std::vector<sample>& v, int requests) {
  std::vector<double> w;
  for (const auto& s : v)
    w.push_back(static_cast<double>(s.waits) / requests);
  return median(w);
}

void report(const char* name, const std::vector<sample>& direct, const std::vector<sample>& proxied,
            int requests, const char* target) {
  const double d = per_request_us(direct, requests);
  const double p = per_request_us(proxied, requests);
  std::printf("%-56s direct %7.1f us  proxied %7.1f us  ratio %.2f (%s)\n", name, d, p, p / d,
              target);
  std::printf("%-56s waits per request: direct %.2f, proxied %.2f\n", "",
              waits_per_request(direct, requests), waits_per_request(proxied, requests));
}

} // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  const int kept_alive = 1000;
  const int fresh = 200;

  tinyproxy::options po;
  po.log_level = "Warning"; // not a log line per request
  tinyproxy proxy(po);

  const auto certs = knobs::local::make_test_certificates();
  tls_fixture files(certs);
  const auto answer = [](const knobs::local::received_request&) {
    return knobs::local::response_plan::json(200, completion_body);
  };
  const auto closing = [](const knobs::local::received_request&) {
    auto plan = knobs::local::response_plan::json(200, completion_body);
    plan.close_after_response = true;
    return plan;
  };
  knobs::local::server https(answer, serving(certs));
  knobs::local::server https_closing(closing, serving(certs));
  knobs::local::server plain(answer);
  knobs::local::server plain_closing(closing);

  const auto options = [&](const knobs::local::server& server, bool via_proxy) {
    knobs::client_options o;
    o.base_url = server.base_url();
    o.api_key = "sk-bench";
    o.ca_file = files.ca_path;
    o.max_retries = 0;
    if (via_proxy)
      o.proxy = proxy.url();
    return o;
  };
  const std::string closing_authority = "127.0.0.1:" + std::to_string(https_closing.port());

  struct row {
    const char* name;
    knobs::client_options options;
    int requests;
    std::vector<sample> samples;
  };
  std::vector<row> rows{
      {"tls_direct", options(https, false), kept_alive, {}},
      {"tls_tunnel", options(https, true), kept_alive, {}},
      {"new_direct", options(https_closing, false), fresh, {}},
      {"new_tunnel", options(https_closing, true), fresh, {}},
      {"http_direct", options(plain, false), kept_alive, {}},
      {"http_new_direct", options(plain_closing, false), kept_alive, {}},
      {"http_proxied", options(plain, true), kept_alive, {}},
  };
  if (argc > 2) {
    const std::string only = argv[2];
    for (auto& r : rows)
      if (r.name == only) {
        const int requests = argc > 3 ? std::atoi(argv[3]) : r.requests;
        for (int i = 0; i < rounds; ++i)
          r.samples.push_back(run_knobs(r.options, requests));
        std::printf("%s: %d requests, %.1f us CPU and %.2f waits per request (median)\n", r.name,
                    requests, per_request_us(r.samples, requests),
                    waits_per_request(r.samples, requests));
        return 0;
      }
    std::fprintf(stderr, "no row named %s\n", only.c_str());
    return 2;
  }
  std::vector<sample> connect_only;
  for (int i = 0; i < rounds; ++i) {
    for (auto& r : rows)
      r.samples.push_back(run_knobs(r.options, r.requests));
    connect_only.push_back(run_connect_only(proxy.port(), closing_authority, fresh));
  }
  const auto& tls_direct = rows[0].samples;
  const auto& tls_tunnel = rows[1].samples;
  const auto& new_direct = rows[2].samples;
  const auto& new_tunnel = rows[3].samples;
  const auto& http_direct = rows[4].samples;
  const auto& http_new_direct = rows[5].samples;
  const auto& http_proxied = rows[6].samples;

  std::printf("knobs %s proxy benchmark (tinyproxy), %d rounds, client CPU per request, medians\n",
              knobs::version_string, rounds);
  report("https, one kept-alive tunnel [tls_direct, tls_tunnel]", tls_direct, tls_tunnel,
         kept_alive, "CPU includes the waits; instructions: callgrind, README");
  report("https, a new connection each [new_direct, new_tunnel]", new_direct, new_tunnel, fresh,
         "see next line");
  const double connect_us = per_request_us(connect_only, fresh);
  std::printf("%-56s CONNECT alone %.1f us; tunnelled / (direct + CONNECT) %.2f (target <= 1.05)\n",
              "", connect_us,
              per_request_us(new_tunnel, fresh) / (per_request_us(new_direct, fresh) + connect_us));
  // tinyproxy answers every forwarded request with `Connection: close` (it
  // keeps no client connection alive), so each proxied http request opens a
  // new connection: compared with direct requests that do the same.
  report("http via the proxy [http_new_direct, http_proxied]", http_new_direct, http_proxied,
         kept_alive, "against a new connection each; CPU includes the waits");
  std::printf("%-56s direct over one kept-alive connection [http_direct]: %.1f us\n", "",
              per_request_us(http_direct, kept_alive));
}
