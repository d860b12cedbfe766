// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_CLIENT_HPP
#define KNOBS_CLIENT_HPP

/// \file
/// The clients: `knobs::async_client` on your Asio executor, and
/// `knobs::client`, the blocking form shaped like the lesson's
/// `client.chat.completions.create(...)`.
///
/// ```cpp
/// knobs::client client{knobs::client_options::from_env()};
/// knobs::chat_completion r = client.create(
///     knobs::chat_request{"gpt-oss-120b"}.user("Hi").temperature(0.7));
/// std::cout << r.text() << '\n';
///
/// // The same, streamed: each chunk as it arrives, then the whole answer.
/// knobs::chat_completion whole = client.stream(
///     knobs::chat_request{"gpt-oss-120b"}.user("Hi"),
///     [](const knobs::chat_chunk& chunk) { std::cout << chunk.text() << std::flush; });
/// ```

#include <knobs/chat_chunk.hpp>
#include <knobs/chat_completion.hpp>
#include <knobs/chat_request.hpp>
#include <knobs/chat_stream.hpp>
#include <knobs/detail/stream.hpp>
#include <knobs/detail/transport.hpp>
#include <knobs/error.hpp>
#include <knobs/options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace knobs {
namespace detail {

// Opens a stream, hands each chunk to `on_chunk`, and completes with the
// chunks folded: void(std::exception_ptr, chat_completion). Chunks that are
// already read are handed over in a loop, without a round through the
// executor each.
template <class OnChunk> class stream_op : boost::asio::coroutine {
public:
  stream_op(std::shared_ptr<client_state> state, std::string body,
            std::optional<error_info> rejected, OnChunk on_chunk)
      : state_(std::move(state)), body_(std::move(body)), rejected_(std::move(rejected)),
        on_chunk_(std::move(on_chunk)) {}

  template <class Self>
  void operator()(Self& self, std::exception_ptr e, std::shared_ptr<stream_state> opened) {
    if (e)
      return self.complete(std::move(e), chat_completion{});
    s_ = std::move(opened);
    (*this)(self, boost::system::error_code(), 0);
  }

  template <class Self> void operator()(Self& self) {
    (*this)(self, boost::system::error_code(), 0);
  }

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec, std::size_t) {
    BOOST_ASIO_CORO_REENTER(this) {
      BOOST_ASIO_CORO_YIELD boost::asio::async_compose<
          Self, void(std::exception_ptr, std::shared_ptr<stream_state>)>(
          request_op<std::shared_ptr<stream_state>>(state_, std::move(body_),
                                                    std::move(rejected_)),
          self, state_->executor());
      for (;;) {
        for (;;) {
          std::optional<chat_chunk> chunk;
          const poll_result r = poll(*s_, chunk);
          if (r == poll_result::need_read)
            break;
          if (r == poll_result::failed)
            return self.complete(to_exception_ptr(*s_->failure), chat_completion{});
          if (r == poll_result::end) {
            chat_completion out = s_->folded.take();
            out.request_id = s_->request_id;
            out.retries = s_->retries;
            return self.complete(std::exception_ptr(), std::move(out));
          }
          try {
            on_chunk_(static_cast<const chat_chunk&>(*chunk));
          } catch (...) {
            // The caller's function stops the stream by throwing; it gets its
            // own exception back, and the half-read connection is closed.
            s_->close();
            return self.complete(std::current_exception(), chat_completion{});
          }
        }
        BOOST_ASIO_CORO_YIELD read_more(*s_, std::move(self));
        if (!read_done(*s_, ec, self.cancelled() != boost::asio::cancellation_type::none))
          return self.complete(to_exception_ptr(*s_->failure), chat_completion{});
      }
    }
  }

private:
  std::shared_ptr<client_state> state_;
  std::string body_;
  std::optional<error_info> rejected_;
  OnChunk on_chunk_;
  std::shared_ptr<stream_state> s_;
};

} // namespace detail

/// A client that sends requests asynchronously on the caller's executor.
///
/// Every `async_*` call follows Asio's universal model: it takes any completion
/// token (a callback, `use_future`, `use_awaitable`, `deferred`, `as_tuple(...)`)
/// and honours the handler's cancellation slot (terminal cancellation closes
/// the request's connection).
///
/// The completion signature is `void(std::exception_ptr, knobs::chat_completion)`,
/// as `co_spawn`'s: on failure the pointer holds the `knobs::error` subclass
/// with everything known (an `api_error` has the status, type, code, param,
/// message and request id), so `co_await client.async_create(r, use_awaitable)`
/// throws it and `as_tuple(use_awaitable)` hands it over without throwing.
///
/// Thread safety: an async_client and its operations belong to one thread at a
/// time — run its executor on one thread, or make it a strand, and make the
/// `async_*` calls on that thread or strand too (a call starts its work at
/// once, on the calling thread). Different clients are independent.
/// tests/integration/threads.cpp checks this under ThreadSanitizer.
class async_client {
public:
  /// A client for `options.base_url` whose operations run on `ex`.
  /// \throws request_error if `options.check()` fails (bad base URL, missing
  /// key for api.openai.com, ...).
  /// \throws boost::system::system_error if `options.ca_file` cannot be read.
  async_client(boost::asio::any_io_executor ex, client_options options)
      : state_(make_state(std::move(ex), std::move(options))) {}

  /// The executor the client's operations run on.
  const boost::asio::any_io_executor& get_executor() const noexcept {
    return state_->executor();
  }

  /// The options the client was made with.
  const client_options& options() const noexcept { return state_->options(); }

  /// Sends `request` to `POST {base_url}/chat/completions`, retrying as the
  /// options say, and completes with `void(std::exception_ptr, chat_completion)`.
  ///
  /// Before anything is sent the request is validated (a failure completes
  /// with `request_error`, nothing reaches the wire) and its warnings go to
  /// `options().on_warning` (or fail with `errc::strict_warning` when
  /// `strict`). The request is serialized at once: it need not outlive the
  /// call. The client must outlive the operation's completion only in the
  /// sense that its executor must keep running; the operation shares the
  /// client's state.
  ///
  /// A request with `stream(true)` is refused (`request_error`): read it with
  /// `async_stream` or `async_open_stream`.
  template <class CompletionToken>
  auto async_create(const chat_request& request, CompletionToken&& token) {
    std::optional<error_info> rejected;
    std::string body = prepare(request, false, rejected);
    return boost::asio::async_compose<CompletionToken, void(std::exception_ptr, chat_completion)>(
        detail::request_op<chat_completion>(state_, std::move(body), std::move(rejected)), token,
        state_->executor());
  }

  /// Sends `request` with `"stream": true` (set for you when the request does
  /// not say so) and completes with `void(std::exception_ptr, chat_stream)`
  /// as soon as the server has answered with the head of an event stream;
  /// read the chunks with `chat_stream::async_next`.
  ///
  /// Validation, warnings, retries and `timeout` work as for `async_create`,
  /// up to the head of the response: an error status is retried like any
  /// other, but once the stream is open nothing is retried (its bytes may
  /// already have been shown). Terminal cancellation closes the connection.
  template <class CompletionToken>
  auto async_open_stream(const chat_request& request, CompletionToken&& token) {
    std::optional<error_info> rejected;
    std::string body = prepare(request, true, rejected);
    return boost::asio::async_compose<CompletionToken, void(std::exception_ptr, chat_stream)>(
        detail::request_op<chat_stream>(state_, std::move(body), std::move(rejected)), token,
        state_->executor());
  }

  /// Streams `request` (as `async_open_stream`), calls
  /// `on_chunk(const chat_chunk&)` for each chunk as it arrives, and completes
  /// with `void(std::exception_ptr, chat_completion)`: the chunks folded into
  /// the completion the same request would have returned without streaming.
  ///
  /// `on_chunk` runs on the client's executor; it may throw to stop the
  /// stream, and the operation then completes with that exception (the
  /// connection is closed). On any failure the completion is empty: chunks
  /// already delivered are all the caller gets.
  template <class OnChunk, class CompletionToken>
  auto async_stream(const chat_request& request, OnChunk&& on_chunk, CompletionToken&& token) {
    std::optional<error_info> rejected;
    std::string body = prepare(request, true, rejected);
    return boost::asio::async_compose<CompletionToken, void(std::exception_ptr, chat_completion)>(
        detail::stream_op<std::decay_t<OnChunk>>(state_, std::move(body), std::move(rejected),
                                                 std::forward<OnChunk>(on_chunk)),
        token, state_->executor());
  }

  /// Connections open now (idle or busy), and idle in the keep-alive pool.
  std::size_t open_connections() const noexcept { return state_->open_connections(); }
  std::size_t idle_connections() const noexcept { return state_->idle_connections(); }

private:
  static std::shared_ptr<detail::client_state> make_state(boost::asio::any_io_executor ex,
                                                          client_options options) {
    options.check().value();
    auto ep = detail::parse_base_url(options.base_url).value();
    return std::make_shared<detail::client_state>(std::move(ex), std::move(options),
                                                  std::move(ep));
  }

  // The body to send, or (in `rejected`) why nothing may be sent.
  std::string prepare(const chat_request& request, bool streaming,
                      std::optional<error_info>& rejected) const {
    if (streaming && request.stream() != true) {
      chat_request copy = request;
      copy.stream(true);
      return prepare(copy, true, rejected);
    }
    if (!streaming && request.stream() == true) {
      rejected = make_error(errc::invalid_request,
                            "the request has stream(true), so its answer is a stream of events: "
                            "read it with stream(), async_stream() or async_open_stream(), or "
                            "drop stream(true) to use create()",
                            "stream");
      return {};
    }
    if (auto v = request.validate(); !v) {
      rejected = v.error();
      return {};
    }
    const client_options& o = state_->options();
    for (const warning& w : request.warnings()) {
      if (o.strict) {
        rejected = make_error(errc::strict_warning,
                              "strict mode: " + std::string(to_string(w.code)) + ": " + w.message);
        return {};
      }
      if (o.on_warning)
        o.on_warning(w);
    }
    return detail::write_request(request); // validate() covered to_json's checks
  }

  std::shared_ptr<detail::client_state> state_;
};

/// The blocking client: each call runs the request to completion on the
/// calling thread. Calls from several threads are serialized.
class client {
public:
  /// A client for `options.base_url`.
  /// \throws request_error if the options are unusable (see `client_options::check`).
  explicit client(client_options options) : async_(ioc_.get_executor(), std::move(options)) {}

  /// Sends the request and returns the completion.
  /// \throws request_error (invalid request, or a warning in strict mode),
  /// an `api_error` subclass by status (`bad_request_error`, `rate_limit_error`,
  /// ...), `connection_error`, `timeout_error` or `parse_error`.
  chat_completion create(const chat_request& request) {
    return value_or_throw(run([&](outcome_handler h) { async_.async_create(request, h); }));
  }

  /// The non-throwing form of `create`: the completion, or the `error_info`
  /// of the exception `create` would throw.
  result<chat_completion> try_create(const chat_request& request) {
    return to_result(run([&](outcome_handler h) { async_.async_create(request, h); }));
  }

  /// Streams the request (`"stream": true` is set for you), calls
  /// `on_chunk(const chat_chunk&)` with each chunk as it arrives, and returns
  /// the chunks folded into the completion the same request would have
  /// returned without streaming.
  /// \throws what `create` throws; besides, mid-stream: `api_error` for an
  /// error event, `timeout_error` when the stream stalls for
  /// `stream_idle_timeout`, `connection_error` when it breaks. An exception
  /// thrown by `on_chunk` stops the stream and propagates.
  template <class OnChunk> chat_completion stream(const chat_request& request, OnChunk&& on_chunk) {
    return value_or_throw(stream_erased(request, std::ref(on_chunk)));
  }

  /// The non-throwing form of `stream`. An exception thrown by `on_chunk`
  /// still propagates (it is the caller's, not knobs').
  template <class OnChunk>
  result<chat_completion> try_stream(const chat_request& request, OnChunk&& on_chunk) {
    outcome o = stream_erased(request, std::ref(on_chunk));
    if (o.failure && !is_knobs_error(o.failure))
      std::rethrow_exception(o.failure);
    return to_result(std::move(o));
  }

  /// The options the client was made with.
  const client_options& options() const noexcept { return async_.options(); }

  /// The underlying asynchronous client (its executor runs only during calls).
  async_client& async() noexcept { return async_; }

private:
  struct outcome {
    std::exception_ptr failure;
    chat_completion value;
  };

  // The completion handler of every blocking call: one type, so each
  // operation is instantiated once however many call sites there are.
  struct outcome_handler {
    outcome* out;
    void operator()(std::exception_ptr e, chat_completion r) const {
      out->failure = std::move(e);
      out->value = std::move(r);
    }
  };

  // Runs one operation to its end on the calling thread.
  template <class Initiate> outcome run(Initiate initiate) {
    std::lock_guard<std::mutex> lock(mutex_);
    outcome out;
    initiate(outcome_handler{&out});
    ioc_.restart();
    ioc_.run();
    return out;
  }

  // Every caller's chunk function goes through one std::function, so the
  // streaming machinery is compiled once, not once per lambda.
  outcome stream_erased(const chat_request& request,
                        std::function<void(const chat_chunk&)> on_chunk) {
    return run([&](outcome_handler handler) {
      async_.async_stream(request, std::move(on_chunk), handler);
    });
  }

  static chat_completion value_or_throw(outcome o) {
    if (o.failure)
      std::rethrow_exception(o.failure);
    return std::move(o.value);
  }

  static bool is_knobs_error(const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const error&) {
      return true;
    } catch (...) {
      return false;
    }
  }

  static result<chat_completion> to_result(outcome o) {
    if (!o.failure)
      return std::move(o.value);
    try {
      std::rethrow_exception(o.failure);
    } catch (const error& e) {
      return e.info();
    } catch (const std::exception& e) {
      return make_error(errc::connection_error, e.what());
    }
  }

  std::mutex mutex_;
  boost::asio::io_context ioc_;
  async_client async_;
};

} // namespace knobs

#endif
