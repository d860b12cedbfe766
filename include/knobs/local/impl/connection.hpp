// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_IMPL_CONNECTION_HPP
#define KNOBS_LOCAL_IMPL_CONNECTION_HPP

// One accepted connection of knobs::local::server: read a request, ask the
// handler for a plan, carry the plan out (faults included), repeat while the
// connection is kept alive. Everything here runs on the server's own thread.

#include <knobs/detail/byte_stream.hpp>
#include <knobs/detail/http_field.hpp>
#include <knobs/local/response_plan.hpp>
#include <knobs/version.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace knobs {
namespace local {
namespace detail {

using request_handler = std::function<response_plan(const received_request&)>;

// What the server's thread shares with the threads that question the server.
struct server_state {
  mutable std::mutex mutex;
  request_handler handler;                // guarded by mutex
  std::vector<received_request> requests; // guarded by mutex
  std::atomic<std::size_t> connections_accepted{0};
  std::chrono::milliseconds idle_timeout{0}; // set before the thread starts
  bool stopping = false;                     // the server's thread only
};

// The part of a connection the server needs in order to stop it.
class connection_base {
public:
  virtual ~connection_base() = default;
  // Cancels every wait and closes the socket; the pending operations then
  // complete with errors and the connection frees itself.
  virtual void abort() = 0;
};

// The default handler: a server made without one answers, loudly, that it has
// none, rather than pretending to be an API.
inline response_plan no_handler(const received_request& request) {
  return response_plan::api_error(404,
                                  "knobs::local::server has no handler (request: " +
                                      request.method + " " + request.target + ")",
                                  "invalid_request_error");
}

inline std::string chunk(const std::string& data) {
  if (data.empty())
    return {}; // a zero-size chunk would end the body
  static const char digits[] = "0123456789abcdef";
  std::string size;
  for (std::size_t n = data.size(); n != 0; n /= 16)
    size.insert(size.begin(), digits[n % 16]);
  return size + "\r\n" + data + "\r\n";
}

// Over TCP, or TLS when `tls` is not null: one class for both (a byte_stream),
// so that each Beast operation is compiled once.
class connection final : public connection_base, public std::enable_shared_from_this<connection> {
public:
  connection(server_state& state, std::size_t ordinal, boost::asio::ip::tcp::socket socket,
             boost::asio::ssl::context* tls)
      : state_(state), ordinal_(ordinal), stream_(std::move(socket), tls),
        timer_(stream_.get_executor()), deadline_(stream_.get_executor()) {}

  void start() {
    if (stream_.is_tls()) {
      arm_idle_timeout();
      stream_.async_handshake(boost::asio::ssl::stream_base::server,
                              knobs::detail::byte_stream::handler(
                                  [self = shared_from_this()](boost::beast::error_code ec) {
                                    if (ec || self->state_.stopping)
                                      return;
                                    self->read_request();
                                  },
                                  stream_.get_executor()));
    } else {
      read_request();
    }
  }

  void abort() override { close(); }

private:
  using io_handler = knobs::detail::byte_stream::io_handler;

  // Closes the connection if it is still waiting on the client after `d`.
  void expires_after(std::chrono::steady_clock::duration d) {
    deadline_.expires_after(d);
    deadline_.async_wait([weak = weak_from_this()](boost::beast::error_code ec) {
      auto self = weak.lock();
      if (!ec && self)
        self->close();
    });
  }

  void arm_idle_timeout() {
    if (state_.idle_timeout.count() > 0)
      expires_after(state_.idle_timeout);
    else
      deadline_.cancel();
  }

  void close() {
    timer_.cancel();
    deadline_.cancel();
    boost::beast::error_code ignored;
    if (plan_.reset) {
      // A zero linger turns close() into a reset: the kernel sends RST and
      // throws away whatever it still holds, as when a server crashes.
      stream_.tcp().set_option(boost::asio::socket_base::linger(true, 0), ignored);
    }
    stream_.tcp().close(ignored);
  }

  void read_request() {
    if (state_.stopping)
      return;
    parser_.emplace();
    // Limits are for a server on the open internet; a test may well send a
    // large body (images as base64) and should see it arrive.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser_->header_limit(1024 * 1024);
    arm_idle_timeout();
    boost::beast::http::async_read(stream_, buffer_, *parser_,
                                   [self = shared_from_this()](boost::beast::error_code ec,
                                                               std::size_t) { self->on_read(ec); });
  }

  void on_read(boost::beast::error_code ec) {
    if (state_.stopping)
      return;
    deadline_.cancel();
    if (ec) {
      // Bytes that do not parse as HTTP get a 400, as from any server; a
      // client that went away, or stayed idle too long, gets nothing.
      const auto& http_errors =
          boost::beast::http::make_error_code(boost::beast::http::error::bad_target).category();
      if (ec.category() == http_errors && ec != boost::beast::http::error::end_of_stream &&
          ec != boost::beast::http::error::partial_message) {
        keep_alive_ = false;
        adopt(response_plan::api_error(400, "malformed HTTP request: " + ec.message(),
                                       "invalid_request_error"));
        respond();
        return;
      }
      close();
      return;
    }

    auto& message = parser_->get();
    received_request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message)
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    request.body = std::move(message.body());
    request.connection = ordinal_;
    keep_alive_ = message.keep_alive();

    request_handler handler;
    {
      std::lock_guard<std::mutex> lock(state_.mutex);
      state_.requests.push_back(request);
      handler = state_.handler;
    }
    // The handler is the user's code: whatever it throws becomes the 500 a
    // real server would send, not an exception on the server's thread.
    try {
      adopt(handler ? handler(request) : no_handler(request));
    } catch (const std::exception& e) {
      adopt(response_plan::api_error(500, e.what(), "server_error"));
    } catch (...) {
      adopt(response_plan::api_error(
          500, "the request handler threw an exception that is not a std::exception",
          "server_error"));
    }

    if (plan_.delay.count() > 0) {
      timer_.expires_after(plan_.delay);
      timer_.async_wait([self = shared_from_this()](boost::beast::error_code wait_ec) {
        if (wait_ec || self->state_.stopping)
          return;
        self->respond();
      });
    } else {
      respond();
    }
  }

  // Adopts a plan and serializes its head now, so that a plan the server
  // cannot send (a bad status) is answered with a 500 before any byte goes out.
  void adopt(response_plan p) {
    try {
      head_ = p.raw ? *p.raw : serialize_head(p);
      plan_ = std::move(p);
    } catch (const std::exception& e) {
      response_plan failure = response_plan::api_error(
          500, std::string("the request handler's response_plan cannot be sent: ") + e.what(),
          "server_error");
      head_ = serialize_head(failure);
      plan_ = std::move(failure);
    }
  }

  bool chunked() const { return !plan_.parts.empty(); }

  // The size of `body` sent `repeat` times; nullopt when it does not fit.
  static std::optional<std::size_t> repeated_body_size(const response_plan& p) {
    if (p.repeat != 0 && p.body.size() > std::numeric_limits<std::size_t>::max() / p.repeat)
      return std::nullopt;
    return p.body.size() * p.repeat;
  }

  // How many parts go out in all; an endless body saturates at the largest
  // size_t, which no connection lives to reach. Parts that are all empty send
  // nothing, so repeating them would only spin: they are sent once.
  static std::size_t total_parts(const response_plan& p) {
    const bool all_empty = std::all_of(p.parts.begin(), p.parts.end(),
                                       [](const std::string& part) { return part.empty(); });
    if (p.parts.empty() || all_empty)
      return p.parts.size();
    if (p.repeat > std::numeric_limits<std::size_t>::max() / p.parts.size())
      return std::numeric_limits<std::size_t>::max();
    return p.parts.size() * p.repeat;
  }

  // Closes (abruptly) once the response is out, because the framing lies and
  // the connection cannot carry another response.
  bool framing_lie(const response_plan& p) const {
    return p.parts.empty() && p.content_length && *p.content_length != repeated_body_size(p);
  }

  std::string serialize_head(const response_plan& p) const {
    if (p.status < 100 || p.status > 999)
      throw std::invalid_argument("status " + std::to_string(p.status) + " is outside 100 to 999");
    boost::beast::http::response<boost::beast::http::empty_body> response;
    response.version(11);
    response.result(static_cast<unsigned>(p.status));
    response.set(boost::beast::http::field::server, "knobs-local/" KNOBS_VERSION_STRING);
    if (!p.content_type.empty())
      response.set(boost::beast::http::field::content_type, p.content_type);
    if (!p.parts.empty()) {
      response.chunked(true);
    } else {
      const std::optional<std::size_t> size = repeated_body_size(p);
      if (!size && !p.content_length)
        throw std::invalid_argument("a body of " + std::to_string(p.body.size()) +
                                    " bytes repeated " + std::to_string(p.repeat) +
                                    " times is larger than any Content-Length");
      response.content_length(p.content_length ? *p.content_length : *size);
    }
    response.keep_alive(keep_alive_ && !p.close_after_response);
    // The first field of a name replaces the server's own; later ones add to it.
    for (auto field = p.headers.begin(); field != p.headers.end(); ++field) {
      const bool first = std::none_of(p.headers.begin(), field, [&](const header_field& earlier) {
        return boost::beast::iequals(earlier.first, field->first);
      });
      if (first)
        response.set(field->first, field->second);
      else
        response.insert(field->first, field->second);
    }
    // The head as Beast's operator<< writes it (the status line, the fields
    // as set, the blank line), without compiling Beast's buffer sequences
    // for an ostream in each program that runs the server.
    std::string head = "HTTP/1.1 " + std::to_string(p.status) + " ";
    head.append(response.reason()).append("\r\n");
    knobs::detail::append_fields_and_end(head, response.base());
    return head;
  }

  void respond() {
    if (plan_.close_without_response) {
      close();
      return;
    }
    budget_ = plan_.close_after_bytes;
    parts_ = total_parts(plan_);
    // A dribbling server must notice a client that hangs up between two
    // bytes, or it would go on writing into a dead socket for as long as the
    // response lasts.
    if (plan_.byte_interval.count() > 0)
      watch();
    if (plan_.raw || chunked()) {
      send(std::move(head_), [](connection& c) { c.send_part(0); });
    } else if (plan_.repeat == 0 || plan_.body.empty()) {
      send(std::move(head_), [](connection& c) { c.finish(); });
    } else {
      send(std::move(head_) + plan_.body, [](connection& c) { c.send_copy(1); });
    }
  }

  // Sends copy number `k` (from 0) of a repeated body, and the rest after it.
  void send_copy(std::size_t k) {
    if (k >= plan_.repeat) {
      finish();
      return;
    }
    send(plan_.body, [k](connection& c) { c.send_copy(k + 1); });
  }

  const std::string& part(std::size_t i) const { return plan_.parts[i % plan_.parts.size()]; }

  void send_part(std::size_t i) {
    if (plan_.close_after_parts && i == *plan_.close_after_parts) {
      close();
      return;
    }
    if (plan_.stall_after_parts && i == *plan_.stall_after_parts) {
      stall();
      return;
    }
    if (i == parts_) {
      if (plan_.raw)
        close(); // raw bytes have no end of body to send
      else
        send("0\r\n\r\n", [](connection& c) { c.finish(); });
      return;
    }
    if (i == 0 || plan_.part_delay.count() <= 0) {
      send(framed(part(i)), [i](connection& self) { self.send_part(i + 1); });
      return;
    }
    timer_.expires_after(plan_.part_delay);
    timer_.async_wait([self = shared_from_this(), i](boost::beast::error_code ec) {
      if (ec || self->state_.stopping)
        return;
      self->send(self->framed(self->part(i)), [i](connection& c) { c.send_part(i + 1); });
    });
  }

  // A part as it goes on the wire: a chunk, or with `raw` the bytes alone.
  std::string framed(const std::string& data) const { return plan_.raw ? data : chunk(data); }

  // What a connection does after a send (one type, so that the write is
  // compiled once).
  using next_step = std::function<void(connection&)>;

  // Writes bytes, honouring close_after_bytes and byte_interval, then calls
  // next(*this).
  void send(std::string bytes, next_step next) {
    bool cut = false;
    if (budget_) {
      if (bytes.size() > *budget_) {
        bytes.resize(*budget_);
        cut = true;
      }
      *budget_ -= bytes.size();
    }
    if (bytes.empty()) {
      if (cut)
        close();
      else
        next(*this);
      return;
    }
    out_ = std::move(bytes);
    if (plan_.byte_interval.count() > 0) {
      dribble(0, cut, next);
      return;
    }
    boost::asio::async_write(
        stream_, boost::asio::buffer(out_),
        [self = shared_from_this(), cut, next](boost::beast::error_code ec, std::size_t) {
          if (ec || self->state_.stopping)
            return;
          if (cut)
            self->close();
          else
            next(*self);
        });
  }

  // Writes out_[at], waits byte_interval, and so on to the end of out_; then
  // as send() does. The first byte of each send goes at once.
  void dribble(std::size_t at, bool cut, next_step next) {
    if (at == out_.size()) {
      if (cut)
        close();
      else
        next(*this);
      return;
    }
    auto write_one = [self = shared_from_this(), at, cut, next]() {
      boost::asio::async_write(self->stream_, boost::asio::buffer(self->out_.data() + at, 1),
                               [self, at, cut, next](boost::beast::error_code ec, std::size_t) {
                                 if (ec || self->state_.stopping)
                                   return;
                                 self->dribble(at + 1, cut, next);
                               });
    };
    if (at == 0) {
      write_one();
      return;
    }
    timer_.expires_after(plan_.byte_interval);
    timer_.async_wait([self = shared_from_this(), write_one](boost::beast::error_code ec) {
      if (ec || self->state_.stopping)
        return;
      write_one();
    });
  }

  void finish() {
    if (plan_.close_after_bytes || framing_lie(plan_) || plan_.reset ||
        plan_.byte_interval.count() > 0) {
      // A dribbled response leaves watch() reading: the connection cannot
      // read the next request too, so it ends here.
      close();
    } else if (!keep_alive_ || plan_.close_after_response) {
      close_gracefully();
    } else {
      read_request();
    }
  }

  // Holds the connection open without answering, until the client closes it
  // or the server stops.
  void stall() {
    if (!watching_)
      watch();
  }

  // Reads (and discards) whatever the client sends, and closes the
  // connection when the client hangs up: a stalled or dribbling connection
  // lives exactly as long as the client keeps it.
  void watch() {
    watching_ = true;
    stream_.read_some(boost::asio::buffer(scratch_),
                      io_handler(
                          [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
                            if (self->state_.stopping)
                              return;
                            if (ec) {
                              self->close();
                              return;
                            }
                            self->watch();
                          },
                          stream_.get_executor()));
  }

  // After `Connection: close`. Closing a socket with unread bytes in it sends
  // a reset, which can destroy the response before the client reads it; so
  // stop sending, wait (briefly) for the client to close its side, then close.
  void close_gracefully() {
    expires_after(std::chrono::seconds(1));
    if (stream_.is_tls()) {
      stream_.async_shutdown(knobs::detail::byte_stream::handler(
          [self = shared_from_this()](boost::beast::error_code) { self->close(); },
          stream_.get_executor()));
    } else {
      boost::beast::error_code ignored;
      stream_.tcp().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
      drain();
    }
  }

  void drain() {
    stream_.read_some(boost::asio::buffer(scratch_),
                      io_handler(
                          [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
                            if (ec || self->state_.stopping) {
                              self->close();
                              return;
                            }
                            self->drain();
                          },
                          stream_.get_executor()));
  }

  server_state& state_;
  std::size_t ordinal_;
  knobs::detail::byte_stream stream_;
  boost::asio::steady_timer timer_;    // a plan's delays
  boost::asio::steady_timer deadline_; // the idle timeout, and the graceful close's
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  bool keep_alive_ = true;
  response_plan plan_;
  std::string head_;
  std::optional<std::size_t> budget_;
  std::size_t parts_ = 0;
  bool watching_ = false;
  std::string out_;
  std::array<char, 4096> scratch_{};
};

} // namespace detail
} // namespace local
} // namespace knobs

#endif
