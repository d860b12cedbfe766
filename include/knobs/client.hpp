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
#include <knobs/detail/config.hpp>
#include <knobs/detail/erased_handler.hpp>
#include <knobs/error.hpp>
#include <knobs/model_info.hpp>
#include <knobs/options.hpp>
#include <knobs/request_options.hpp>
#include <knobs/server_profile.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace knobs {
namespace detail {

class client_state;

// A request validated and serialized when the call is made (the caller's
// request need not outlive it), or the reason it may not be sent.
struct prepared_request {
  std::string body;
  std::optional<error_info> rejected;
  std::shared_ptr<const request_overrides> options; // the client's with_options, if any
  // Set by the blocking client, which waits for the completion itself: on
  // plain TCP the operation waits for the answer on the calling thread
  // (poll(2) bounded by the deadline, then a read: what a blocking client
  // does) instead of through the reactor, and may complete inside the
  // initiating call. Never set for async_client's callers, whose handlers
  // must not run there and whose threads must not block.
  bool blocking = false;
};

// The completion handlers of the compiled operations, type-erased: each
// operation is instantiated once, with one handler type (in <knobs/src.hpp>,
// or once per program in header-only mode), whatever completion token the
// caller uses; the blocking client goes through the same ones.
using create_handler = erased_handler<void(std::exception_ptr, chat_completion)>;
using open_handler = erased_handler<void(std::exception_ptr, std::shared_ptr<stream_state>)>;
using models_handler = erased_handler<void(std::exception_ptr, std::vector<model_info>)>;

// The caller's `on_chunk`, type-erased; move-only callables are accepted.
class chunk_function {
public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, chunk_function>>>
  explicit chunk_function(F&& f) : f_(new holder<std::decay_t<F>>(std::forward<F>(f))) {}

  void operator()(const chat_chunk& chunk) { f_->ops->call(f_.get(), chunk); }

private:
  // A table of function pointers, not virtual functions, as in
  // erased_handler: GCC compiles every override a reachable virtual call may
  // reach.
  struct callable;
  struct operations {
    void (*call)(callable* self, const chat_chunk& chunk);
    void (*destroy)(callable* self) noexcept;
  };
  struct callable {
    const operations* ops;
  };
  struct deleter {
    void operator()(callable* c) const noexcept { c->ops->destroy(c); }
  };
  template <class F> struct holder final : callable {
    static void call_f(callable* self, const chat_chunk& chunk) {
      static_cast<holder*>(self)->f(chunk);
    }
    static void destroy_holder(callable* self) noexcept { delete static_cast<holder*>(self); }
    static constexpr operations table{&call_f, &destroy_holder};

    template <class G> explicit holder(G&& g) : callable{&table}, f(std::forward<G>(g)) {}
    F f;
  };
  std::unique_ptr<callable, deleter> f_;
};

// The compiled operations under async_client's templates.
KNOBS_DECL void start_create(std::shared_ptr<client_state> state, prepared_request request,
                             create_handler handler);
KNOBS_DECL void start_open(std::shared_ptr<client_state> state, prepared_request request,
                           open_handler handler);
KNOBS_DECL void start_stream(std::shared_ptr<client_state> state, prepared_request request,
                             chunk_function on_chunk, create_handler handler);
KNOBS_DECL void start_models(std::shared_ptr<client_state> state,
                             std::shared_ptr<const request_overrides> options,
                             models_handler handler);

// The initiations of async_client's operations (arguments as async_initiate
// passes them: the handler first).
struct initiate_create {
  template <class Handler>
  void operator()(Handler&& handler, std::shared_ptr<client_state> state,
                  const boost::asio::any_io_executor& ex, prepared_request request) const {
    start_create(std::move(state), std::move(request),
                 create_handler(std::forward<Handler>(handler), ex));
  }
};

struct initiate_open_stream {
  template <class Handler>
  void operator()(Handler&& handler, std::shared_ptr<client_state> state,
                  const boost::asio::any_io_executor& ex, prepared_request request) const {
    // The stream's state becomes a chat_stream here, in the caller's
    // template, so that the compiled operation has one completion type.
    auto handler_ex = boost::asio::get_associated_executor(handler, ex);
    auto slot = boost::asio::get_associated_cancellation_slot(handler);
    start_open(std::move(state), std::move(request),
               open_handler(
                   [h = std::forward<Handler>(handler)](
                       std::exception_ptr e, std::shared_ptr<stream_state> opened) mutable {
                     std::move(h)(std::move(e), chat_stream(std::move(opened)));
                   },
                   std::move(handler_ex), slot));
  }
};

struct initiate_models {
  template <class Handler>
  void operator()(Handler&& handler, std::shared_ptr<client_state> state,
                  const boost::asio::any_io_executor& ex,
                  std::shared_ptr<const request_overrides> options) const {
    start_models(std::move(state), std::move(options),
                 models_handler(std::forward<Handler>(handler), ex));
  }
};

struct initiate_stream {
  template <class Handler, class OnChunk>
  void operator()(Handler&& handler, std::shared_ptr<client_state> state,
                  const boost::asio::any_io_executor& ex, prepared_request request,
                  OnChunk&& on_chunk) const {
    start_stream(std::move(state), std::move(request),
                 chunk_function(std::forward<OnChunk>(on_chunk)),
                 create_handler(std::forward<Handler>(handler), ex));
  }
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
  /// The executor type of the client's operations.
  using executor_type = boost::asio::any_io_executor;

  /// A client for `options.base_url` whose operations run on `ex`.
  /// \throws request_error if `options.check()` fails (bad base URL, missing
  /// key for api.openai.com, ...).
  /// \throws boost::system::system_error if `options.ca_file` cannot be read.
  KNOBS_DECL async_client(executor_type ex, client_options options);

  /// The executor the client's operations run on.
  KNOBS_DECL const executor_type& get_executor() const noexcept;

  /// The options the client was made with.
  KNOBS_DECL const client_options& options() const noexcept;

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
  template <class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(executor_type)>
  auto async_create(const chat_request& request,
                    CompletionToken&& token BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(executor_type)) {
    return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, chat_completion)>(
        detail::initiate_create{}, token, state_, get_executor(), prepare(request, false));
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
  template <class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(executor_type)>
  auto
  async_open_stream(const chat_request& request,
                    CompletionToken&& token BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(executor_type)) {
    return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, chat_stream)>(
        detail::initiate_open_stream{}, token, state_, get_executor(), prepare(request, true));
  }

  /// Streams `request` (as `async_open_stream`), calls
  /// `on_chunk(const chat_chunk&)` for each chunk as it arrives, and completes
  /// with `void(std::exception_ptr, chat_completion)`: the chunks folded into
  /// the completion the same request would have returned without streaming.
  ///
  /// `on_chunk` runs on the client's executor; it may throw to stop the
  /// stream, and the operation then completes with that exception (the
  /// connection is closed). On a failure after chunks arrived the completion
  /// is empty and the error's `info().partial` holds those chunks folded.
  template <class OnChunk,
            class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(executor_type)>
  auto async_stream(const chat_request& request, OnChunk&& on_chunk,
                    CompletionToken&& token BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(executor_type)) {
    return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, chat_completion)>(
        detail::initiate_stream{}, token, state_, get_executor(), prepare(request, true),
        std::forward<OnChunk>(on_chunk));
  }

  /// Asks the server what it serves (`GET {base_url}/models`; on Azure
  /// OpenAI's deployment-style base URL, the resource's `GET /openai/models`)
  /// and completes with `void(std::exception_ptr, std::vector<model_info>)`,
  /// in the server's order. Retries, timeouts, headers and query parameters
  /// work as for `async_create`; a body that is not a model list completes
  /// with `parse_error`.
  template <class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(executor_type)>
  auto async_models(CompletionToken&& token BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(executor_type)) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(std::exception_ptr, std::vector<model_info>)>(
        detail::initiate_models{}, token, state_, get_executor(), overrides_);
  }

  /// A client for the same server that shares this one's connections,
  /// executor and options, and sends each request with `o` over them (a
  /// longer timeout, other retries, extra headers or query parameters). It
  /// may outlive this one. Options of an earlier `with_options` stay, with
  /// `o` on top (`request_options::merged`).
  /// \throws request_error if `o.check()` fails, naming the field.
  KNOBS_DECL async_client with_options(request_options o) const;

  /// The request options this client adds to its requests (empty for a
  /// client made from `client_options` alone).
  KNOBS_DECL request_options request_overrides() const;

  /// The profile the client applies to its requests (`client_options::server`,
  /// or the one the base URL's host implies, or the one set since); a
  /// profile of `server_kind::unknown` when none is known. Shared with its
  /// `with_options` clients.
  KNOBS_DECL server_profile server() const;

  /// Applies `profile` to the requests prepared from now on, this client's
  /// and its `with_options` clients'; safe while requests are in flight.
  /// With `async_models`, what `client::detect_server` does:
  /// `set_server(server_profile::of(server_from_models(models)))`.
  KNOBS_DECL void set_server(server_profile profile);

  /// Connections open now, idle or busy: at most
  /// `client_options::max_connections`. Counts the connections this client
  /// shares with its `with_options` clients.
  KNOBS_DECL std::size_t open_connections() const noexcept;
  /// Of the open connections, those idle in the keep-alive pool, waiting for
  /// the next request to reuse them.
  KNOBS_DECL std::size_t idle_connections() const noexcept;

private:
  friend class client; // runs the operations without type erasure

  // The body to send, or (in `rejected`) why nothing may be sent.
  KNOBS_DECL detail::prepared_request prepare(const chat_request& request, bool streaming) const;

  std::shared_ptr<detail::client_state> state_;
  std::shared_ptr<const detail::request_overrides> overrides_;
};

/// The blocking client: each call runs the request to completion on the
/// calling thread. Calls from several threads are serialized.
class client {
public:
  /// A client for `options.base_url`.
  /// \throws request_error if the options are unusable (see `client_options::check`).
  KNOBS_DECL explicit client(client_options options);
  KNOBS_DECL ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Sends the request and returns the completion.
  /// \throws request_error (invalid request, or a warning in strict mode),
  /// an `api_error` subclass by status (`bad_request_error`, `rate_limit_error`,
  /// ...), `connection_error`, `timeout_error` or `parse_error`.
  KNOBS_DECL chat_completion create(const chat_request& request);

  /// The non-throwing form of `create`: the completion, or the `error_info`
  /// of the exception `create` would throw.
  KNOBS_DECL result<chat_completion> try_create(const chat_request& request);

  /// Streams the request (`"stream": true` is set for you), calls
  /// `on_chunk(const chat_chunk&)` with each chunk as it arrives, and returns
  /// the chunks folded into the completion the same request would have
  /// returned without streaming.
  /// \throws what `create` throws; besides, mid-stream: `api_error` for an
  /// error event, `timeout_error` when the stream stalls for
  /// `stream_idle_timeout`, `connection_error` when it breaks. An exception
  /// thrown by `on_chunk` stops the stream and propagates.
  template <class OnChunk> chat_completion stream(const chat_request& request, OnChunk&& on_chunk) {
    return stream_erased(request, detail::chunk_function(std::ref(on_chunk)));
  }

  /// The non-throwing form of `stream`. An exception thrown by `on_chunk`
  /// still propagates (it is the caller's, not knobs').
  template <class OnChunk>
  result<chat_completion> try_stream(const chat_request& request, OnChunk&& on_chunk) {
    return try_stream_erased(request, detail::chunk_function(std::ref(on_chunk)));
  }

  /// What the server serves: `GET {base_url}/models` (see
  /// `async_client::async_models`), its entries in the server's order.
  /// \throws what `create` throws, but `request_error`.
  KNOBS_DECL std::vector<model_info> models();

  /// The non-throwing form of `models`.
  KNOBS_DECL result<std::vector<model_info>> try_models();

  /// Asks the server which it is (`models()`, read by `server_from_models`,
  /// then its header fields by `server_from_headers`)
  /// and, when the answer says, applies that server's built-in profile from
  /// now on; returns what it found (`server_kind::unknown` when the list does
  /// not say, and the profile is then left as it was).
  /// \throws what `models()` throws.
  KNOBS_DECL server_kind detect_server();

  /// The profile the client applies (see `async_client::server`).
  KNOBS_DECL server_profile server() const;

  /// The options the client was made with.
  KNOBS_DECL const client_options& options() const noexcept;

  /// A client for the same server that shares this one's connections (and
  /// its thread: calls through either are serialized) and sends each request
  /// with `o` over the options, as `async_client::with_options`. It may
  /// outlive this one.
  /// \throws request_error if `o.check()` fails, naming the field.
  KNOBS_DECL client with_options(request_options o) const;

  /// The underlying asynchronous client. Its executor runs only during this
  /// client's calls, and not while a call over plain TCP waits for its answer
  /// (it waits in poll(2), on this thread): work started on it progresses
  /// only then.
  KNOBS_DECL async_client& async() noexcept;

private:
  struct state;

  KNOBS_DECL client(std::shared_ptr<state> s, async_client async);

  // Every caller's chunk function is type-erased, so the streaming machinery
  // is compiled once, not once per lambda.
  KNOBS_DECL chat_completion stream_erased(const chat_request& request,
                                           detail::chunk_function on_chunk);
  KNOBS_DECL result<chat_completion> try_stream_erased(const chat_request& request,
                                                       detail::chunk_function on_chunk);

  std::shared_ptr<state> state_; // the io_context the calls run, shared by with_options
  async_client async_;
};

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/client.ipp>
#endif

#endif
