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
#include <knobs/detail/stream.hpp>
#include <knobs/detail/transport.hpp>
#include <knobs/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace knobs {

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
  explicit chat_stream(std::shared_ptr<detail::stream_state> state) : s_(std::move(state)) {}

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
    using signature = void(std::exception_ptr, std::optional<chat_chunk>);
    if (!s_) // nothing to read; completes on the handler's own executor
      return boost::asio::async_compose<CompletionToken, signature>(detail::next_op(nullptr),
                                                                    token);
    return boost::asio::async_compose<CompletionToken, signature>(detail::next_op(s_), token,
                                                                  s_->client->executor());
  }

  /// Every chunk so far, folded into the completion the same request would
  /// have returned without streaming (text, tool calls, usage, ...), with the
  /// response's request id and the number of retries before the stream opened.
  chat_completion completion() const {
    if (!s_)
      return {};
    chat_completion out = s_->folded.completion();
    out.request_id = s_->request_id;
    out.retries = s_->retries;
    return out;
  }

  /// Like `completion()`, but moves the folded completion out: call it once,
  /// after the last chunk.
  chat_completion take_completion() {
    if (!s_)
      return {};
    chat_completion out = s_->folded.take();
    out.request_id = s_->request_id;
    out.retries = s_->retries;
    return out;
  }

  /// How many chunks have been delivered.
  std::size_t chunks() const noexcept { return s_ ? s_->chunks : 0; }

  /// True once no more chunks will come: the end, a failure, or `close()`.
  bool done() const noexcept { return !s_ || s_->finished; }

  /// The response's `x-request-id` ("" when the server sent none).
  std::string request_id() const { return s_ ? s_->request_id : std::string(); }

  /// Stops reading and closes the connection now. Later `async_next` calls
  /// complete with an empty optional.
  void close() noexcept {
    if (s_)
      s_->close();
  }

private:
  std::shared_ptr<detail::stream_state> s_;
};

} // namespace knobs

#endif
