// temperature.py's whole sweep sent at once: six requests (three
// temperatures, two samples each) in flight together, on one thread, with
// knobs::async_client. Nothing blocks: each request waits for its answer
// while the others go ahead, and the client opens a connection for each
// (then keeps them for reuse). With C++20 coroutines each request reads as
// straight-line code; without them, a callback says what to do with the answer.
#include <knobs/knobs.hpp>

#include "common.hpp"

#include <boost/asio/io_context.hpp>
#if defined(__cpp_impl_coroutine)
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#endif

#include <cstddef>
#include <exception>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

namespace net = boost::asio;

knobs::chat_request make_request(double temperature) {
  return knobs::chat_request{MODEL}
      .user("In one sentence, describe a city at night.")
      .temperature(knobs::runtime(temperature))
      .max_tokens(60);
}

#if defined(__cpp_impl_coroutine)
// One request as a coroutine: co_await suspends it until the answer is in,
// and the thread runs the other requests meanwhile.
net::awaitable<void> ask(knobs::async_client& client, double temperature, std::string& answer) {
  knobs::chat_completion r =
      co_await client.async_create(make_request(temperature), net::use_awaitable);
  answer = strip(r.text());
}
#endif

int main() try {
  const double temperatures[] = {0.0, 0.7, 1.3};
  net::io_context ioc; // runs everything below, on this thread
  knobs::async_client client{ioc.get_executor(), get_client().options()};

  std::vector<std::string> answers(6); // [2 * t + sample]
  std::exception_ptr failure;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const double temp = temperatures[i / 2];
#if defined(__cpp_impl_coroutine)
    net::co_spawn(ioc, ask(client, temp, answers[i]), [&](std::exception_ptr e) {
      if (e && !failure)
        failure = e;
    });
#else
    client.async_create(make_request(temp), [&, i](std::exception_ptr e, knobs::chat_completion r) {
      if (e && !failure)
        failure = e;
      if (!e)
        answers[i] = strip(r.text());
    });
#endif
  }
  // Nothing has been sent yet: run() sends all six at once and returns when
  // every one has its answer.
  ioc.run();
  if (failure)
    std::rethrow_exception(failure);

  std::cout << std::fixed << std::setprecision(1);
  for (std::size_t t = 0; t < 3; ++t) {
    std::cout << "\n=== temperature = " << temperatures[t] << " ===\n";
    std::cout << "1: " << answers[2 * t] << '\n';
    std::cout << "2: " << answers[2 * t + 1] << '\n';
  }
  std::cout << "\n6 requests in flight at once on one thread ("
#if defined(__cpp_impl_coroutine)
            << "C++20 coroutines"
#else
            << "callbacks"
#endif
            << "), " << client.open_connections() << " connections\n";
} catch (const std::exception& e) {
  std::cerr << "concurrent: " << e.what() << '\n';
  return 1;
}
