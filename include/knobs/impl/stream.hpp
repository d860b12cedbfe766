// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_STREAM_HPP
#define KNOBS_IMPL_STREAM_HPP

// The operation under knobs::chat_stream::async_next: read the body of a
// text/event-stream piece by piece, frame it into events, and turn each event
// into a chunk, an end, or a typed error.

#include <knobs/api_error.hpp>
#include <knobs/chat_chunk.hpp>
#include <knobs/detail/sse.hpp>
#include <knobs/error.hpp>
#include <knobs/impl/chat_chunk.ipp>
#include <knobs/impl/transport.hpp>

#include <boost/asio/coroutine.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace knobs {
namespace detail {

// How much of the body one read may deliver: what the connection reads at
// once. Large enough that a fast server's events arrive many to a read; the
// SSE parser holds what an event needs.
inline constexpr std::size_t stream_read_size = connection::read_capacity;

// For the logs: how the stream went, "after 12 chunks, 4096 B in 812.3 ms".
inline std::string stream_stats(const stream_state& s) {
  const std::size_t received = s.conn ? s.conn->stream().bytes_read() - s.read_before : 0;
  return "after " + std::to_string(s.chunks) + " chunks, " + std::to_string(received) + " B in " +
         log_ms(std::chrono::steady_clock::now() - s.opened_at);
}

// Records why a stream failed: redacted, with what arrived before it.
inline void record_failure(stream_state& s, error_info e) {
  if (s.client->logging(log_level::info))
    s.client->log(log_level::info,
                  s.log_url + ": the stream failed " + stream_stats(s) + ": " + e.message);
  s.client->redact(e);
  e.chunks = s.chunks;
  if (s.chunks != 0) {
    auto partial = std::make_shared<chat_completion>(s.folded.completion());
    partial->request_id = s.request_id;
    partial->retries = s.retries;
    e.partial = std::move(partial);
  }
  s.failure = std::move(e);
}

// What one event of the stream means.
enum class event_kind { chunk, done, skip, failed };

// Turns one event's data into a chunk (folded into the stream's completion),
// the end, or the stream's failure.
inline event_kind take_event(stream_state& s, const sse_event& event,
                             std::optional<chat_chunk>& chunk) {
  // llama.cpp's server reports a failure mid-stream in an `error:` field.
  const std::string_view data = event.error.empty() ? event.data : event.error;
  if (s.client->logging(log_level::debug))
    s.client->log(log_level::debug,
                  "< " + std::string(event.error.empty() ? "data: " : "error: ") + one_line(data));
  if (data == "[DONE]")
    return event_kind::done;
  // Keep-alive events with no payload carry nothing to deliver.
  if (data.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return event_kind::skip;
  std::optional<error_info> bad = parse_chat_chunk_into(data, chunk.emplace());
  if (!bad && event.error.empty()) {
    s.folded.add(*chunk);
    ++s.chunks;
    return event_kind::chunk;
  }
  chunk.reset();
  // A server that fails mid-stream says so in an event: `{"error": {...}}`,
  // or (llama.cpp) the error object alone in an `error:` field.
  const int status = static_cast<int>(s.parser->get().result_int());
  auto api = try_parse_api_error(data, status);
  if (!api && !event.error.empty())
    api = try_parse_api_error("{\"error\":" + std::string(data) + "}", status);
  if (api) {
    api_error_info info = std::move(*api);
    info.request_id = s.request_id;
    std::string message = "error event from " + s.client->server().host_header + " after " +
                          std::to_string(s.chunks) + " chunks: " + info.message;
    if (info.param)
      message += " (param: " + *info.param + ")";
    error_info e = make_error(errc::api_error, std::move(message), info.param.value_or(""));
    e.api = std::move(info);
    e.retries = s.retries;
    record_failure(s, std::move(e));
    return event_kind::failed;
  }
  // (An `error:` field that reads as a chunk and not as an error has no
  // error of its own: an empty one, as result::error() gave before.)
  error_info e = bad ? std::move(*bad) : error_info{};
  e.message = "stream event " + std::to_string(s.chunks + 1) + ": " + e.message +
              " (data: " + snippet(std::string(data)) + ")";
  e.retries = s.retries;
  record_failure(s, std::move(e));
  return event_kind::failed;
}

// What the bytes read so far hold for the reader of a stream.
enum class poll_result {
  chunk,     // the next chunk, in `chunk`
  end,       // the stream has ended; the connection went back to the pool
  failed,    // the stream failed; `s.failure` says why, the connection is closed
  need_read, // more bytes are needed: read, then `read_done`, then poll again
};

inline error_info stream_error(const stream_state& s, errc code, std::string message) {
  error_info e = make_error(code, std::move(message));
  e.retries = s.retries;
  return e;
}

inline poll_result fail_stream(stream_state& s, error_info e) {
  record_failure(s, std::move(e));
  s.close();
  return poll_result::failed;
}

// A server that ends the body without [DONE] (some do) has still finished
// when every choice it started has a finish_reason.
inline bool finished_every_choice(const stream_state& s) {
  const chat_completion& c = s.folded.completion();
  if (c.choices.empty())
    return false;
  for (const choice& ch : c.choices)
    if (!ch.finish_reason)
      return false;
  return true;
}

// Takes the next chunk out of the bytes read so far, without waiting.
inline poll_result poll(stream_state& s, std::optional<chat_chunk>& chunk) {
  for (;;) {
    sse_event event;
    sse_status status = s.events.next(event);
    if (status == sse_status::need_more && s.body_done)
      status = s.events.finish(event);
    if (status == sse_status::too_large)
      return fail_stream(s, stream_error(s, errc::invalid_response,
                                         "an event of the stream from " +
                                             s.client->server().host_header +
                                             " is larger than max_event_bytes (" +
                                             std::to_string(s.events.max_event_bytes()) + ")"));
    if (status == sse_status::need_more)
      break;
    if (s.done_seen)
      continue; // after [DONE] only the end of the body matters
    switch (take_event(s, event, chunk)) {
    case event_kind::chunk:
      return poll_result::chunk;
    case event_kind::done:
      s.done_seen = true;
      break;
    case event_kind::skip:
      break;
    case event_kind::failed:
      s.close();
      return poll_result::failed;
    }
  }
  if (!s.body_done)
    return poll_result::need_read;
  if (!s.done_seen && !finished_every_choice(s))
    return fail_stream(s, stream_error(s, errc::connection_error,
                                       "the stream from " + s.client->server().host_header +
                                           " ended after " + std::to_string(s.chunks) +
                                           " chunks without [DONE] or a finish_reason"));
  if (s.client->logging(log_level::info))
    s.client->log(log_level::info, s.log_url + ": the stream ended " + stream_stats(s));
  s.release();
  return poll_result::end;
}

// Starts reading more of the body, the wait bounded by the idle timeout.
template <class Handler> void read_more(stream_state& s, Handler&& handler) {
  if (!s.scratch)
    s.scratch.reset(new char[stream_read_size]);
  s.parser->get().body().data = s.scratch.get();
  s.parser->get().body().size = stream_read_size;
  // The next wait ends at the idle timeout, or at the stream's own end
  // (stream_timeout) if that comes first.
  s.conn->expires_at(std::min(std::chrono::steady_clock::now() + s.idle_timeout, s.end_by));
  s.conn->async_read_some(*s.parser, std::forward<Handler>(handler));
}

// Takes in what a read delivered; false (with `s.failure` set and the
// connection closed) when the read failed.
inline bool read_done(stream_state& s, boost::system::error_code ec, bool cancelled) {
  // The idle timeout bounds a wait for the server, not the time the caller
  // takes between reads.
  ec = s.conn->timeout_or(ec);
  s.conn->expires_never();
  if (ec == boost::beast::http::error::need_buffer)
    ec = {};
  if (ec) {
    const std::string where = s.client->server().host_header;
    const std::string after = " after " + std::to_string(s.chunks) + " chunks";
    if (cancelled)
      fail_stream(s, stream_error(s, errc::cancelled, "the stream was cancelled" + after));
    else if (ec == boost::beast::error::timeout && std::chrono::steady_clock::now() >= s.end_by)
      fail_stream(s, stream_error(s, errc::timeout,
                                  "the stream from " + where + " did not end within " +
                                      std::to_string(s.stream_timeout.count()) +
                                      " ms (stream_timeout)" + after));
    else if (ec == boost::beast::error::timeout)
      fail_stream(s, stream_error(s, errc::timeout,
                                  "the stream from " + where + " stalled" + after +
                                      ": nothing for " + std::to_string(s.idle_timeout.count()) +
                                      " ms (stream_idle_timeout)"));
    else if (ec.category() ==
                 boost::system::error_code(boost::beast::http::error::body_limit).category() &&
             ec != boost::beast::http::error::end_of_stream &&
             ec != boost::beast::http::error::partial_message)
      fail_stream(s, stream_error(s, errc::invalid_response,
                                  "the stream from " + where + " is not valid HTTP" + after + ": " +
                                      ec.message()));
    else
      fail_stream(s, stream_error(s, errc::connection_error,
                                  "the connection to " + where + " failed mid-stream" + after +
                                      ": " + ec.message()));
    return false;
  }
  s.events.feed(std::string_view(s.scratch.get(), stream_read_size - s.parser->get().body().size));
  if (s.parser->is_done()) {
    s.body_done = true;
    s.conn->expires_never();
  }
  return true;
}

// Reads the next chunk of a stream (never a null one: chat_stream completes
// those itself); completes with
// void(std::exception_ptr, std::optional<chat_chunk>), an empty optional at
// the end of the stream.
class next_op : boost::asio::coroutine {
public:
  explicit next_op(std::shared_ptr<stream_state> s) : s_(std::move(s)) {}

  template <class Self> void operator()(Self& self) { (*this)(self, {}, 0); }

  template <class Self> void operator()(Self& self, boost::system::error_code ec, std::size_t) {
    stream_state& s = *s_;
    BOOST_ASIO_CORO_REENTER(this) {
      if (s.reading) {
        BOOST_ASIO_CORO_YIELD boost::asio::post(s.client->executor(), std::move(self));
        return self.complete(
            to_exception_ptr(make_error(errc::invalid_request,
                                        "async_next was called while another async_next on the "
                                        "same stream was still running")),
            std::optional<chat_chunk>());
      }
      s.reading = true;
      for (;;) {
        result_ =
            s.finished ? (s.failure ? poll_result::failed : poll_result::end) : poll(s, chunk_);
        if (result_ != poll_result::need_read)
          break;
        BOOST_ASIO_CORO_YIELD read_more(s, std::move(self));
        read_ = true;
        if (!read_done(s, ec, self.cancelled() != boost::asio::cancellation_type::none)) {
          result_ = poll_result::failed;
          break;
        }
      }
      if (!read_) {
        // The answer was already at hand: complete through the executor, never
        // inside the initiating call (a loop of async_next calls must not
        // recurse).
        BOOST_ASIO_CORO_YIELD boost::asio::post(s.client->executor(), std::move(self));
      }
      s.reading = false;
      if (result_ == poll_result::failed)
        return self.complete(to_exception_ptr(*s.failure), std::optional<chat_chunk>());
      return self.complete(std::exception_ptr(), std::move(chunk_));
    }
  }

private:
  std::shared_ptr<stream_state> s_;
  std::optional<chat_chunk> chunk_;
  poll_result result_ = poll_result::need_read;
  bool read_ = false;
};

} // namespace detail
} // namespace knobs

#endif
