// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_CHAT_STREAM_HPP
#define KNOBS_CHAT_STREAM_HPP

/// \file
/// `knobs::chat_stream`: a streamed answer being read, one chunk at a time.
///
/// `async_client::async_open_stream` sends the request and completes with a
/// stream once the server has answered with `text/event-stream`; each
/// `async_next` then completes with the next `chat_chunk`, or with an empty
/// optional when the stream has ended. With C++20 coroutines:
/// ```cpp
/// knobs::chat_stream stream =
///     co_await client.async_open_stream(request, asio::use_awaitable);
/// while (std::optional<knobs::chat_chunk> chunk =
///            co_await stream.async_next(asio::use_awaitable))
///   std::cout << chunk->text() << std::flush;
/// knobs::chat_completion whole = stream.completion();  // the chunks, folded
/// ```
///
/// The bytes are framed as Server-Sent Events whatever way the network splits
/// them (any line ending, any split, inside a UTF-8 character too). An
/// `{"error": ...}` event ends the stream with an `api_error`; so does a
/// stalled stream (`errc::timeout` after `client_options::stream_idle_timeout`),
/// a broken connection (`errc::connection_error`), or an event larger than
/// `client_options::max_event_bytes` (`errc::invalid_response`). Nothing is
/// retried once the stream is open.

#include <knobs/chat_chunk.hpp>
#include <knobs/chat_completion.hpp>
#include <knobs/detail/config.hpp>
#include <knobs/detail/erased_handler.hpp>
#include <knobs/error.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace knobs {
namespace detail {

struct stream_state;

using next_handler = erased_handler<void(std::exception_ptr, std::optional<chat_chunk>)>;

// The compiled operation under chat_stream::async_next, and the executor it
// runs on (its client's).
KNOBS_DECL void start_next(std::shared_ptr<stream_state> state, next_handler handler);
KNOBS_DECL const boost::asio::any_io_executor& executor_of(const stream_state& state) noexcept;

struct initiate_next {
  template <class Handler>
  void operator()(Handler&& handler, std::shared_ptr<stream_state> state) const {
    if (!state) {
      // A stream that has ended before it began: nothing to read. Complete on
      // the handler's own executor, never inside the initiating call.
      auto ex = boost::asio::get_associated_executor(handler);
      boost::asio::post(ex, [h = std::forward<Handler>(handler)]() mutable {
        std::move(h)(std::exception_ptr(), std::optional<chat_chunk>());
      });
      return;
    }
    const boost::asio::any_io_executor& ex = executor_of(*state);
    start_next(std::move(state), next_handler(std::forward<Handler>(handler), ex));
  }
};

} // namespace detail

/// A streamed answer being read. Made by `async_client::async_open_stream`
/// (a default-constructed stream has ended). Movable, not copyable.
///
/// Destroying or `close()`-ing a stream before its end closes its connection:
/// a half-read connection never returns to the client's pool. A stream belongs
/// to its client's executor: use it on the thread (or strand) that runs it.
class chat_stream {
public:
  /// A stream that has ended (and has no chunks).
  chat_stream() = default;

  /// Made by the clients; not for users.
  explicit chat_stream(std::shared_ptr<detail::stream_state> state) noexcept
      : s_(std::move(state)) {}

  /// Reads the next chunk. Completes with
  /// `void(std::exception_ptr, std::optional<knobs::chat_chunk>)`: the chunk,
  /// or an empty optional when the stream has ended (`data: [DONE]`, or a
  /// body that ended after every choice had its finish_reason). On failure
  /// the pointer holds the `knobs::error` subclass (`api_error` for an error
  /// event, `timeout_error`, `connection_error`, `parse_error`), the
  /// connection is closed, and further calls complete with the same error.
  ///
  /// One `async_next` at a time; the stream must outlive none of them (the
  /// operation shares its state). Terminal cancellation ends the stream with
  /// `errc::cancelled` and closes the connection.
  template <class CompletionToken> auto async_next(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken,
                                       void(std::exception_ptr, std::optional<chat_chunk>)>(
        detail::initiate_next{}, token, s_);
  }

  /// Every chunk so far, folded into the completion the same request would
  /// have returned without streaming (text, tool calls, usage, ...), with the
  /// response's request id and the number of retries before the stream opened.
  KNOBS_DECL chat_completion completion() const;

  /// Like `completion()`, but moves the folded completion out: call it once,
  /// after the last chunk.
  KNOBS_DECL chat_completion take_completion();

  /// How many chunks have been delivered.
  KNOBS_DECL std::size_t chunks() const noexcept;

  /// True once no more chunks will come: the end, a failure, or `close()`.
  KNOBS_DECL bool done() const noexcept;

  /// The response's `x-request-id` ("" when the server sent none).
  KNOBS_DECL std::string request_id() const;

  /// Stops reading and closes the connection now. Later `async_next` calls
  /// complete with an empty optional.
  KNOBS_DECL void close() noexcept;

private:
  std::shared_ptr<detail::stream_state> s_;
};

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/chat_stream.ipp>
#endif

#endif
