// knobs' thread-safety claim (client.hpp, README "Clients"), used the way it
// says: a blocking client shared by several threads; an async_client whose
// executor is a strand over an io_context run by several threads; one
// async_client per thread. Every case checks what a user would check — each
// request answered, and with the answer to that request — and the `tsan`
// preset runs them under ThreadSanitizer, which aborts on the first race.
// Plain HTTP on 127.0.0.1 only: OpenSSL is not instrumented for TSan.
#include <knobs/client.hpp>

#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include "../loopback.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace net = boost::asio;
using knobs::local::received_request;
using knobs::local::response_plan;
using namespace std::chrono_literals;
using namespace loopback;

namespace {

// The text the server answers a request with: its marker (the request's one
// user message), echoed. A thread that gets another thread's answer sees it.
std::string answer_to(const std::string& marker) { return "echo " + marker; }

// A streamed answer comes three bytes a chunk, then a chunk with the finish
// reason and no text.
std::vector<std::string> pieces_of(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); i += 3)
    out.push_back(text.substr(i, 3));
  return out;
}

std::size_t chunks_for(const std::string& marker) {
  return pieces_of(answer_to(marker)).size() + 1;
}

// The server of every case: each request answered with its marker echoed,
// whole or (when the request asks for it) streamed `part_delay` apart. A
// marker starting with "slow" is answered after 10 s, to be cancelled first.
knobs::local::server::handler_type echo(std::chrono::milliseconds part_delay = 0ms) {
  return [part_delay](const received_request& r) {
    const boost::json::value body = boost::json::parse(r.body);
    const std::string marker(body.at("messages").at(0).at("content").as_string());
    const boost::json::value* stream = body.as_object().if_contains("stream");
    response_plan plan;
    if (stream && stream->is_bool() && stream->get_bool()) {
      std::vector<std::string> events;
      for (const std::string& piece : pieces_of(answer_to(marker)))
        events.push_back(knobs::local::sse_event(text_chunk(piece)));
      events.push_back(knobs::local::sse_event(text_chunk("", "stop")));
      events.push_back(knobs::local::sse_event("[DONE]"));
      plan = response_plan::event_stream(std::move(events), part_delay);
    } else {
      plan = response_plan::json(200, completion_body(answer_to(marker)));
    }
    if (marker.rfind("slow", 0) == 0)
      plan.delay = 10s;
    return plan;
  };
}

bool sent_by(const knobs::local::server& server, const std::string& marker) {
  for (const received_request& r : server.requests())
    if (r.body.find('"' + marker + '"') != std::string::npos)
      return true;
  return false;
}

knobs::chat_request request_for(const std::string& marker) {
  return knobs::chat_request{"test-model"}.user(marker).max_tokens(16);
}

// The completion handler of the cases' async_create calls. One type for all,
// so the operation (and Beast under it) is compiled once per executor rather
// than once per lambda: the build of this file is what a CI run waits for.
using answer_handler = std::function<void(std::exception_ptr, knobs::chat_completion)>;

// True when `e` holds knobs' error for a cancelled operation.
bool is_cancelled(const std::exception_ptr& e) {
  if (!e)
    return false;
  try {
    std::rethrow_exception(e);
  } catch (const knobs::error& err) {
    return err.code() == knobs::errc::cancelled;
  } catch (...) {
  }
  return false;
}

// An io_context run by `threads` threads and one strand on it: the executor
// knobs asks for when one async_client serves several threads. The cases
// keep their own counters in plain variables touched only on the strand;
// `wait()` joins the threads, which publishes them to the test's thread.
class strand_pool {
public:
  using strand_type = net::strand<net::io_context::executor_type>;

  explicit strand_pool(int threads)
      : strand_(net::make_strand(ioc_)), work_(net::make_work_guard(ioc_)),
        finished_(done_.get_future()) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this] { ioc_.run(); });
  }

  strand_pool(const strand_pool&) = delete;
  strand_pool& operator=(const strand_pool&) = delete;

  ~strand_pool() { join(); }

  const strand_type& strand() const noexcept { return strand_; }

  // Runs `f` on the strand.
  template <class F> void on_strand(F f) { net::post(strand_, std::move(f)); }

  // `h`, as a completion handler that runs on the strand.
  template <class Handler> auto bound(Handler h) const {
    return net::bind_executor(strand_, std::move(h));
  }

  // Called (on the strand) when the case's last operation has completed.
  void done() { done_.set_value(); }

  // Waits at most `limit` for done(), lets the threads finish what is left
  // (nothing keeps the io_context busy once every operation has completed)
  // and joins them. False when done() did not come in time: the io_context
  // is then stopped, so a hang fails the case instead of the whole run.
  bool wait(std::chrono::seconds limit) {
    const bool in_time = finished_.wait_for(limit) == std::future_status::ready;
    if (!in_time)
      ioc_.stop();
    join();
    return in_time;
  }

private:
  void join() {
    work_.reset();
    for (std::thread& t : threads_)
      if (t.joinable())
        t.join();
  }

  net::io_context ioc_;
  strand_type strand_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::promise<void> done_;
  std::future<void> finished_;
  std::vector<std::thread> threads_;
};

// Threads that start together, so that their requests overlap.
class start_line {
public:
  explicit start_line(std::size_t n) : waiting_(n) {}
  void arrive_and_wait() {
    --waiting_;
    while (waiting_.load() > 0)
      std::this_thread::yield();
  }

private:
  std::atomic<std::size_t> waiting_;
};

} // namespace

TEST_CASE("one blocking client shared by 4 threads answers each thread's 50 requests, create "
          "and stream mixed") {
  knobs::local::server server(echo());
  knobs::client client{options_for(server)};
  constexpr std::size_t threads = 4;
  constexpr std::size_t per_thread = 50;

  struct tally {
    std::size_t created = 0;
    std::size_t streamed = 0;
    std::size_t own_answer = 0;
    int failed = 0;
  };
  std::vector<tally> tallies(threads); // each thread writes only its own
  start_line line(threads);
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      tally& mine = tallies[t];
      line.arrive_and_wait();
      for (std::size_t i = 0; i < per_thread; ++i) {
        const std::string marker = "blocking-" + std::to_string(t) + "-" + std::to_string(i);
        if (i % 2 == 0) {
          auto r = client.try_create(request_for(marker));
          ++mine.created;
          if (!r)
            ++mine.failed;
          else if (r->text() == answer_to(marker))
            ++mine.own_answer;
        } else {
          std::string pieces;
          std::size_t chunks = 0;
          auto r = client.try_stream(request_for(marker), [&](const knobs::chat_chunk& c) {
            pieces += c.text();
            ++chunks;
          });
          ++mine.streamed;
          if (!r)
            ++mine.failed;
          else if (r->text() == answer_to(marker) && pieces == answer_to(marker) &&
                   chunks == chunks_for(marker))
            ++mine.own_answer;
        }
      }
    });
  for (std::thread& w : workers)
    w.join();

  for (std::size_t t = 0; t < threads; ++t) {
    CAPTURE(t);
    const tally& mine = tallies[t];
    CHECK(mine.created == per_thread / 2);
    CHECK(mine.streamed == per_thread / 2);
    CHECK(mine.failed == 0);
    CHECK(mine.own_answer == per_thread);
  }
  CHECK(server.requests().size() == threads * per_thread);
  // Calls are serialized, so each finds the one connection idle and reuses it.
  CHECK(server.connections_accepted() == 1);
  CHECK(client.async().open_connections() == 1);
}

TEST_CASE("one async_client on a strand over 3 threads answers 200 concurrent requests, each "
          "with its own answer") {
  knobs::local::server server(echo());
  strand_pool pool(3);
  knobs::async_client client{pool.strand(), options_for(server)};
  constexpr std::size_t total = 200;

  // The strand's: touched only by handlers that run on it.
  std::size_t answered = 0;
  std::size_t own_answer = 0;
  int failed = 0;
  int off_strand = 0;
  std::size_t most_open = 0;
  std::set<std::thread::id> runners;

  // A client is used on its strand: the calls are made there too, not only
  // the handlers.
  pool.on_strand([&] {
    for (std::size_t i = 0; i < total; ++i) {
      const std::string marker = "strand-" + std::to_string(i);
      client.async_create(
          request_for(marker),
          pool.bound(answer_handler([&, marker](std::exception_ptr e, knobs::chat_completion r) {
            off_strand += pool.strand().running_in_this_thread() ? 0 : 1;
            runners.insert(std::this_thread::get_id());
            most_open = std::max(most_open, client.open_connections());
            if (e)
              ++failed;
            else if (r.text() == answer_to(marker))
              ++own_answer;
            if (++answered == total)
              pool.done();
          })));
    }
  });
  CHECK(pool.wait(120s));

  CHECK(answered == total);
  CHECK(failed == 0);
  CHECK(own_answer == total);
  CHECK(off_strand == 0);
  CHECK(server.requests().size() == total);
  CHECK(most_open <= client.options().max_connections);
  CHECK(client.open_connections() == client.idle_connections()); // none left busy
  MESSAGE(runners.size() << " of 3 threads ran the strand's handlers");
}

TEST_CASE("four async_clients, one per thread on its own io_context, run concurrently and "
          "independently") {
  knobs::local::server server(echo());
  constexpr std::size_t threads = 4;
  constexpr std::size_t per_thread = 50;

  struct tally {
    std::size_t answered = 0;
    std::size_t own_answer = 0;
    int failed = 0;
    std::size_t open_at_end = 0;
  };
  std::vector<tally> tallies(threads); // each thread writes only its own
  start_line line(threads);
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      tally& mine = tallies[t];
      net::io_context ioc;
      knobs::async_client client{ioc.get_executor(), options_for(server)};
      line.arrive_and_wait();
      for (std::size_t i = 0; i < per_thread; ++i) {
        const std::string marker = "own-" + std::to_string(t) + "-" + std::to_string(i);
        client.async_create(
            request_for(marker),
            answer_handler([&mine, marker](std::exception_ptr e, knobs::chat_completion r) {
              ++mine.answered;
              if (e)
                ++mine.failed;
              else if (r.text() == answer_to(marker))
                ++mine.own_answer;
            }));
      }
      ioc.run();
      mine.open_at_end = client.open_connections();
    });
  for (std::thread& w : workers)
    w.join();

  std::size_t open = 0;
  for (std::size_t t = 0; t < threads; ++t) {
    CAPTURE(t);
    const tally& mine = tallies[t];
    CHECK(mine.answered == per_thread);
    CHECK(mine.failed == 0);
    CHECK(mine.own_answer == per_thread);
    CHECK(mine.open_at_end >= 1);
    open += mine.open_at_end;
  }
  CHECK(server.requests().size() == threads * per_thread);
  // Each client has its own pool: no connection is shared between them.
  CHECK(server.connections_accepted() == open);
}

TEST_CASE("streams on the strand client, pushed and pulled, run while 50 other requests are "
          "answered") {
  knobs::local::server server(echo(5ms));
  strand_pool pool(3);
  knobs::async_client client{pool.strand(), options_for(server)};
  constexpr std::size_t others = 50;
  const std::string pushed_marker = "stream-pushed";
  const std::string pulled_marker = "stream-pulled";

  // The strand's.
  std::size_t pending = others + 2;
  std::size_t own_answer = 0;
  int failed = 0;
  int off_strand = 0;
  std::string pushed_text;
  std::size_t pushed_chunks = 0;
  bool pushed_whole = false;
  std::string pulled_text;
  std::size_t pulled_chunks = 0;
  bool pulled_whole = false;
  knobs::chat_stream pulled;
  std::function<void()> pull_next;

  const auto finish_one = [&] {
    if (--pending == 0)
      pool.done();
  };
  const auto check_strand = [&] { off_strand += pool.strand().running_in_this_thread() ? 0 : 1; };

  pull_next = [&] {
    pulled.async_next(pool.bound([&](std::exception_ptr e, std::optional<knobs::chat_chunk> c) {
      check_strand();
      if (e) {
        ++failed;
        return finish_one();
      }
      if (!c) {
        pulled_whole = pulled.completion().text() == answer_to(pulled_marker);
        return finish_one();
      }
      pulled_text += c->text();
      ++pulled_chunks;
      pull_next();
    }));
  };

  pool.on_strand([&] {
    client.async_stream(
        request_for(pushed_marker),
        [&](const knobs::chat_chunk& c) { // on the client's executor: the strand
          check_strand();
          pushed_text += c.text();
          ++pushed_chunks;
        },
        pool.bound(answer_handler([&](std::exception_ptr e, knobs::chat_completion whole) {
          check_strand();
          if (e)
            ++failed;
          else
            pushed_whole = whole.text() == answer_to(pushed_marker);
          finish_one();
        })));
    client.async_open_stream(request_for(pulled_marker),
                             pool.bound([&](std::exception_ptr e, knobs::chat_stream s) {
                               check_strand();
                               if (e) {
                                 ++failed;
                                 return finish_one();
                               }
                               pulled = std::move(s);
                               pull_next();
                             }));
    for (std::size_t i = 0; i < others; ++i) {
      const std::string marker = "beside-" + std::to_string(i);
      client.async_create(
          request_for(marker),
          pool.bound(answer_handler([&, marker](std::exception_ptr e, knobs::chat_completion r) {
            check_strand();
            if (e)
              ++failed;
            else if (r.text() == answer_to(marker))
              ++own_answer;
            finish_one();
          })));
    }
  });
  CHECK(pool.wait(120s));

  CHECK(pending == 0);
  CHECK(failed == 0);
  CHECK(off_strand == 0);
  CHECK(own_answer == others);
  CHECK(pushed_whole);
  CHECK(pushed_text == answer_to(pushed_marker));
  CHECK(pushed_chunks == chunks_for(pushed_marker));
  CHECK(pulled_whole);
  CHECK(pulled_text == answer_to(pulled_marker));
  CHECK(pulled_chunks == chunks_for(pulled_marker));
  CHECK(server.requests().size() == others + 2);
  CHECK(client.open_connections() == client.idle_connections());
}

TEST_CASE("a request cancelled from the strand completes as cancelled while 50 others are "
          "answered") {
  knobs::local::server server(echo());
  strand_pool pool(3);
  knobs::async_client client{pool.strand(), options_for(server)};
  constexpr std::size_t others = 50; // half before the cancellation, half with it
  using steady = std::chrono::steady_clock;
  const steady::time_point start = steady::now();

  // The strand's, as a cancellation signal must be: emit() runs the
  // operation's cancellation handler in place.
  net::cancellation_signal signal;
  net::steady_timer timer(pool.strand());
  std::function<void()> cancel_once_sent;
  std::size_t pending = others + 1;
  std::size_t own_answer = 0;
  int failed = 0;
  int off_strand = 0;
  bool emitted = false;
  bool slow_cancelled = false;
  steady::duration slow_took{};

  const auto finish_one = [&] {
    if (--pending == 0)
      pool.done();
  };
  const auto send_others = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const std::string marker = "kept-" + std::to_string(i);
      client.async_create(
          request_for(marker),
          pool.bound(answer_handler([&, marker](std::exception_ptr e, knobs::chat_completion r) {
            off_strand += pool.strand().running_in_this_thread() ? 0 : 1;
            if (e)
              ++failed;
            else if (r.text() == answer_to(marker))
              ++own_answer;
            finish_one();
          })));
    }
  };

  // Cancel once the server holds the slow request, and 200 ms more: by then
  // the client waits for the answer (10 s away) in a read that takes the
  // cancellation. (Sooner, the signal may fall between writing the request
  // and starting that read, where knobs does not look at it: the request
  // would then run its 10 s.)
  cancel_once_sent = [&] {
    if (!sent_by(server, "slow")) {
      timer.expires_after(5ms);
      return timer.async_wait([&](boost::system::error_code) { cancel_once_sent(); });
    }
    timer.expires_after(200ms);
    timer.async_wait([&](boost::system::error_code) {
      send_others(others / 2, others);
      emitted = true;
      signal.emit(net::cancellation_type::terminal);
    });
  };

  pool.on_strand([&] {
    client.async_create(request_for("slow"),
                        net::bind_cancellation_slot(
                            signal.slot(), pool.bound(answer_handler([&](std::exception_ptr e,
                                                                         knobs::chat_completion) {
                              off_strand += pool.strand().running_in_this_thread() ? 0 : 1;
                              slow_took = steady::now() - start;
                              slow_cancelled = is_cancelled(e);
                              finish_one();
                            }))));
    send_others(0, others / 2);
    cancel_once_sent();
  });
  CHECK(pool.wait(120s));

  CHECK(emitted);
  CHECK(slow_cancelled);
  CHECK(slow_took < 5s); // not the server's 10 s
  CHECK(failed == 0);
  CHECK(own_answer == others);
  CHECK(off_strand == 0);
  CHECK(server.requests().size() == others + 1);
  // The cancelled request's connection was closed, not returned to the pool.
  CHECK(client.open_connections() == client.idle_connections());
}
