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
/// ```

#include <knobs/chat_completion.hpp>
#include <knobs/chat_request.hpp>
#include <knobs/detail/transport.hpp>
#include <knobs/error.hpp>
#include <knobs/options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace knobs {

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
/// time — run its executor on one thread, or make it a strand. Different
/// clients are independent.
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
  template <class CompletionToken>
  auto async_create(const chat_request& request, CompletionToken&& token) {
    std::optional<error_info> rejected;
    std::string body = prepare(request, rejected);
    return boost::asio::async_compose<CompletionToken, void(std::exception_ptr, chat_completion)>(
        detail::create_op(state_, std::move(body), std::move(rejected)), token,
        state_->executor());
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
  std::string prepare(const chat_request& request, std::optional<error_info>& rejected) const {
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
    std::exception_ptr failure;
    chat_completion out = run(request, failure);
    if (failure)
      std::rethrow_exception(failure);
    return out;
  }

  /// The non-throwing form of `create`: the completion, or the `error_info`
  /// of the exception `create` would throw.
  result<chat_completion> try_create(const chat_request& request) {
    std::exception_ptr failure;
    chat_completion out = run(request, failure);
    if (!failure)
      return out;
    try {
      std::rethrow_exception(failure);
    } catch (const error& e) {
      return e.info();
    } catch (const std::exception& e) {
      return make_error(errc::connection_error, e.what());
    }
  }

  /// The options the client was made with.
  const client_options& options() const noexcept { return async_.options(); }

  /// The underlying asynchronous client (its executor runs only during calls).
  async_client& async() noexcept { return async_; }

private:
  chat_completion run(const chat_request& request, std::exception_ptr& failure) {
    std::lock_guard<std::mutex> lock(mutex_);
    chat_completion out;
    async_.async_create(request, [&](std::exception_ptr e, chat_completion r) {
      failure = e;
      out = std::move(r);
    });
    ioc_.restart();
    ioc_.run();
    return out;
  }

  std::mutex mutex_;
  boost::asio::io_context ioc_;
  async_client async_;
};

} // namespace knobs

#endif
