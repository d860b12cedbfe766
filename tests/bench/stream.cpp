// Streaming benchmark: chunks per second that knobs::async_client delivers
// from a loopback server streaming ~200 chat.completion.chunk events per
// response, against a minimal Beast + Boost.JSON loop reading the same stream,
// in the same run. Run on purpose, not in CI (see README "Benchmarks"):
//
//   cmake --preset bench && cmake --build --preset bench --target bench_stream
//   taskset -c 0 build/bench/tests/bench/bench_stream
//
// The minimal loop does what any streaming client must: read the chunked
// body piece by piece, cut it at blank lines, strip "data: ", parse each event
// with Boost.JSON and take the delta's content. knobs does that and more
// (SSE framing by the spec, typed chunks, folding into a completion). Rounds
// alternate between the two; medians of chunks/s (wall) and of the client
// thread's CPU per chunk are compared.
#include <knobs/client.hpp>
#include <knobs/local/server.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
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
#include <optional>
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

constexpr int chunks_per_response = 200;
constexpr int events_per_part = 10; // how the server batches events into HTTP chunks

std::vector<std::string> stream_parts() {
  std::vector<std::string> parts;
  std::string part;
  for (int i = 0; i < chunks_per_response; ++i) {
    std::string chunk =
        R"({"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"bench",)"
        R"("system_fingerprint":"fp_bench","choices":[{"index":0,"delta":{"content":" word)" +
        std::to_string(i) + R"("},"logprobs":null,"finish_reason":)" +
        (i + 1 == chunks_per_response ? std::string("\"stop\"") : std::string("null")) + "}]}";
    part += knobs::local::sse_event(chunk);
    if ((i + 1) % events_per_part == 0) {
      parts.push_back(std::move(part));
      part.clear();
    }
  }
  part += knobs::local::sse_event("[DONE]");
  parts.push_back(std::move(part));
  return parts;
}

// The minimal loop: one keep-alive connection, `responses` streams, each
// read through a buffer_body parser with the same asynchronous I/O as knobs
// (so the comparison is of what each does with the bytes, not of blocking
// against non-blocking reads).
class minimal_reader {
public:
  minimal_reader(net::io_context& ioc, const tcp::endpoint& ep, int responses)
      : stream_(ioc), remaining_(responses), scratch_(64 * 1024) {
    stream_.connect(ep);
    req_ = {http::verb::post, "/v1/chat/completions", 11};
    req_.set(http::field::host, "127.0.0.1");
    req_.set(http::field::content_type, "application/json");
    req_.body() = knobs::to_json(bench::lesson_request().stream(true));
    req_.prepare_payload();
  }

  void start() {
    if (remaining_-- == 0)
      return;
    http::async_write(stream_, req_, [this](beast::error_code ec, std::size_t) {
      if (ec)
        std::abort();
      parser_.emplace();
      parser_->body_limit(boost::none);
      done_ = false;
      http::async_read_header(stream_, buffer_, *parser_,
                              [this](beast::error_code ec2, std::size_t) {
                                if (ec2)
                                  std::abort();
                                read();
                              });
    });
  }

  long chunks = 0;
  std::size_t text_bytes = 0;

private:
  void read() {
    parser_->get().body().data = scratch_.data();
    parser_->get().body().size = scratch_.size();
    http::async_read_some(stream_, buffer_, *parser_, [this](beast::error_code ec, std::size_t) {
      if (ec && ec != http::error::need_buffer)
        std::abort();
      pending_.append(scratch_.data(), scratch_.size() - parser_->get().body().size);
      std::size_t from = 0;
      for (std::size_t end; (end = pending_.find("\n\n", from)) != std::string::npos;
           from = end + 2) {
        std::string_view event(pending_.data() + from, end - from);
        if (event.substr(0, 6) != "data: ")
          std::abort();
        event.remove_prefix(6);
        if (event == "[DONE]") {
          done_ = true;
          continue;
        }
        auto v = boost::json::parse(event);
        auto& delta = v.at("choices").at(0).at("delta").as_object();
        if (auto* c = delta.if_contains("content"))
          text_bytes += c->as_string().size();
        ++chunks;
      }
      pending_.erase(0, from);
      if (!parser_->is_done())
        return read();
      if (!done_)
        std::abort();
      start();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::string pending_;
  int remaining_;
  std::vector<char> scratch_;
  bool done_ = false;
};

sample run_minimal(const tcp::endpoint& ep, int responses) {
  net::io_context ioc;
  minimal_reader reader(ioc, ep, responses);
  auto s = measure([&] {
    reader.start();
    ioc.run();
  });
  if (reader.chunks != static_cast<long>(responses) * chunks_per_response || reader.text_bytes == 0)
    std::abort();
  return s;
}

sample run_knobs(const std::string& base_url, int responses) {
  net::io_context ioc;
  knobs::client_options o;
  o.base_url = base_url;
  o.api_key = "sk-bench";
  knobs::async_client client{ioc.get_executor(), o};
  auto request = bench::lesson_request();
  long chunks = 0;
  std::size_t text_bytes = 0;
  auto on_chunk = [&](const knobs::chat_chunk& c) {
    ++chunks;
    if (!c.choices.empty() && c.choices[0].delta.content)
      text_bytes += c.choices[0].delta.content->size();
  };
  // Open the connection before timing, as the minimal loop does.
  client.async_stream(request, on_chunk, [](std::exception_ptr e, knobs::chat_completion) {
    if (e)
      std::abort();
  });
  ioc.run();
  ioc.restart();
  chunks = 0;
  int remaining = responses;
  std::function<void()> next = [&] {
    client.async_stream(request, on_chunk, [&](std::exception_ptr e, knobs::chat_completion r) {
      if (e || r.choices.empty())
        std::abort();
      if (--remaining > 0)
        next();
    });
  };
  auto s = measure([&] {
    next();
    ioc.run();
  });
  if (chunks != static_cast<long>(responses) * chunks_per_response || text_bytes == 0)
    std::abort();
  return s;
}

} // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  const int responses = 200;
  const long chunks = static_cast<long>(responses) * chunks_per_response;

  const auto parts = stream_parts();
  knobs::local::server server([&](const knobs::local::received_request&) {
    return knobs::local::response_plan::event_stream(parts);
  });
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), server.port());

  std::vector<double> kr, mr, kc, mc;
  for (int r = 0; r < rounds; ++r) {
    auto k = run_knobs(server.base_url(), responses);
    auto m = run_minimal(ep, responses);
    kr.push_back(chunks / k.seconds);
    mr.push_back(chunks / m.seconds);
    kc.push_back(k.cpu_seconds / chunks * 1e6);
    mc.push_back(m.cpu_seconds / chunks * 1e6);
  }
  std::printf("knobs %s streaming benchmark, %d rounds of %d streams x %d chunks, medians\n",
              knobs::version_string, rounds, responses, chunks_per_response);
  std::printf("chunks/s (wall)       knobs %9.0f  minimal %9.0f  ratio %.2f (target >= 0.80)\n",
              median(kr), median(mr), median(kr) / median(mr));
  std::printf("client CPU per chunk  knobs %7.2f us  minimal %7.2f us  ratio %.2f\n", median(kc),
              median(mc), median(kc) / median(mc));
}
