// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_TLS_SOCKET_HPP
#define KNOBS_DETAIL_TLS_SOCKET_HPP

// TLS over a TCP socket, with OpenSSL reading and writing the socket itself.
//
// Asio's ssl::stream puts a BIO pair between OpenSSL and the socket: OpenSSL
// writes records into memory, Asio copies them out and sends them, and the
// other way round. That costs four 17 KiB buffers a connection, two of its own
// and the pair's (boost/asio/ssl/detail/stream_core.hpp, max_tls_record_size;
// OpenSSL 3.0 crypto/bio/bss_bio.c), a copy of every byte each way, and a
// record once encrypted must be sent whole by Asio: a write cannot be tried
// without waiting. Here OpenSSL's BIO is the socket (a BIO of our own that
// sends with MSG_NOSIGNAL, where OpenSSL's socket BIO would raise SIGPIPE), on
// the socket's non-blocking descriptor: an operation is tried at once, and
// when OpenSSL wants to read or write, the socket's async_wait says when to
// try again. A record OpenSSL could not send whole stays in OpenSSL until the
// write is repeated with the same bytes (SSL_write(3): SSL_ERROR_WANT_WRITE;
// the modes set below allow a moved buffer and partial writes, as Asio sets
// them).
//
// The errors are Asio's, as its engine maps them (boost/asio/ssl/detail/impl/
// engine.ipp, Boost 1.81): OpenSSL's error in the ssl category, a system
// error as the socket gave it, the end of the stream as asio::error::eof
// after a close_notify and ssl::error::stream_truncated without one.

#include <knobs/detail/erased_handler.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/system/error_code.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <stdexcept>
#include <utility>

namespace knobs {
namespace detail {

class tls_socket {
public:
  using socket_type = boost::asio::ip::tcp::socket;
  using executor_type = boost::asio::any_io_executor;
  using io_handler = erased_handler<void(boost::system::error_code, std::size_t)>;
  using handler = erased_handler<void(boost::system::error_code)>;

  tls_socket(socket_type socket, boost::asio::ssl::context& context)
      : socket_(std::move(socket)), ssl_(SSL_new(context.native_handle())) {
    BIO* bio = ssl_ ? BIO_new(bio_method()) : nullptr;
    if (bio == nullptr) {
      SSL_free(ssl_);
      throw std::runtime_error("OpenSSL could not make a TLS connection (out of memory)");
    }
    BIO_set_data(bio, this);
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl_, bio, bio); // SSL owns it
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                           SSL_MODE_RELEASE_BUFFERS);
    // One recv for what has come, not one for a record's 5-byte header and
    // another for its body (SSL_set_read_ahead(3)); what is read ahead
    // shows in SSL_has_pending (holds_input).
    SSL_set_read_ahead(ssl_, 1);
  }

  tls_socket(const tls_socket&) = delete;
  tls_socket& operator=(const tls_socket&) = delete;
  ~tls_socket() { SSL_free(ssl_); }

  socket_type& next_layer() noexcept { return socket_; }
  // The bytes its reads gave, the plaintext.
  std::size_t bytes_read() const noexcept { return bytes_read_; }
  SSL* native_handle() noexcept { return ssl_; }
  executor_type get_executor() noexcept { return socket_.get_executor(); }

  void async_handshake(boost::asio::ssl::stream_base::handshake_type type, handler h) {
    if (type == boost::asio::ssl::stream_base::client)
      SSL_set_connect_state(ssl_);
    else
      SSL_set_accept_state(ssl_);
    start(op{this, kind::handshake, nullptr, 0, wrap(std::move(h))});
  }

  void async_shutdown(handler h) {
    start(op{this, kind::shutdown, nullptr, 0, wrap(std::move(h))});
  }

  void async_read_some(boost::asio::mutable_buffer b, io_handler h) {
    start(op{this, kind::read, b.data(), b.size(), std::move(h)});
  }

  void async_write_some(boost::asio::const_buffer b, io_handler h) {
    start(op{this, kind::write, const_cast<void*>(b.data()), b.size(), std::move(h)});
  }

  // Without waiting: what OpenSSL reads or writes now, and would_block when
  // it would have to wait for the socket. A write that would block may have
  // left part of a record inside OpenSSL: it must be repeated with the same
  // bytes (an async_write_some from the same place does that).
  std::size_t read_some(boost::asio::mutable_buffer b, boost::system::error_code& ec) {
    return now(kind::read, b.data(), b.size(), ec);
  }
  std::size_t write_some(boost::asio::const_buffer b, boost::system::error_code& ec) {
    return now(kind::write, const_cast<void*>(b.data()), b.size(), ec);
  }

  // Whether OpenSSL holds bytes read from the socket and not yet given out:
  // a read may then succeed though a poll of the socket would wait.
  bool holds_input() const noexcept { return SSL_has_pending(ssl_) == 1; }

private:
  enum class kind { handshake, read, write, shutdown };
  enum class next { done, wait_read, wait_write };

  // An operation in progress: tried again when the socket is ready. Its
  // executor and cancellation slot are its handler's, so the wait runs
  // there and a cancellation ends it.
  struct op {
    tls_socket* self;
    kind what;
    void* data;
    std::size_t size;
    io_handler h;

    using executor_type = io_handler::executor_type;
    using cancellation_slot_type = io_handler::cancellation_slot_type;
    executor_type get_executor() const noexcept { return h.get_executor(); }
    cancellation_slot_type get_cancellation_slot() const noexcept {
      return h.get_cancellation_slot();
    }

    void operator()(boost::system::error_code ec) {
      if (ec) {
        std::move(h)(ec, 0);
        return;
      }
      self->step(std::move(*this), false);
    }
  };

  // A handler without a byte count, as an io_handler.
  static io_handler wrap(handler h) {
    auto ex = h.get_executor();
    auto slot = h.get_cancellation_slot();
    return io_handler(
        [h = std::move(h)](boost::system::error_code ec, std::size_t) mutable { std::move(h)(ec); },
        std::move(ex), std::move(slot));
  }

  void start(op o) { step(std::move(o), true); }

  // Tries the operation; waits for the socket when OpenSSL asks, else
  // completes (through the executor when still in the initiating call).
  void step(op o, bool initiating) {
    boost::system::error_code ec;
    std::size_t n = 0;
    const next then = attempt(o.what, o.data, o.size, n, ec);
    if (then == next::wait_read) {
      socket_.async_wait(socket_type::wait_read, std::move(o));
      return;
    }
    if (then == next::wait_write) {
      socket_.async_wait(socket_type::wait_write, std::move(o));
      return;
    }
    if (initiating) {
      // As Asio's own operations complete: queued on the socket's executor,
      // then run through the handler's.
      boost::asio::post(socket_.get_executor(), boost::asio::append(std::move(o.h), ec, n));
      return;
    }
    std::move(o.h)(ec, n);
  }

  std::size_t now(kind what, void* data, std::size_t size, boost::system::error_code& ec) {
    std::size_t n = 0;
    if (attempt(what, data, size, n, ec) != next::done)
      ec = boost::asio::error::would_block;
    return n;
  }

  next attempt(kind what, void* data, std::size_t size, std::size_t& n,
               boost::system::error_code& ec) {
    ec = {};
    n = 0;
    if (!socket_.is_open()) {
      ec = boost::asio::error::bad_descriptor;
      return next::done;
    }
    ::ERR_clear_error(); // errors another connection left on this thread
    errno_ = 0;
    int r = 0;
    switch (what) {
    case kind::handshake:
      r = SSL_do_handshake(ssl_);
      break;
    case kind::shutdown:
      r = SSL_shutdown(ssl_);
      if (r == 0) // ours is sent; the peer's close_notify is read next
        r = SSL_shutdown(ssl_);
      break;
    case kind::read:
    case kind::write: {
      if (size == 0)
        return next::done;
      const int len = size > INT_MAX ? INT_MAX : static_cast<int>(size);
      r = what == kind::read ? SSL_read(ssl_, data, len) : SSL_write(ssl_, data, len);
      if (r > 0) {
        n = static_cast<std::size_t>(r);
        if (what == kind::read)
          bytes_read_ += n;
        return next::done;
      }
      break;
    }
    }
    if (r == 1 && (what == kind::handshake || what == kind::shutdown))
      return next::done;
    switch (SSL_get_error(ssl_, r)) {
    case SSL_ERROR_WANT_READ:
      return next::wait_read;
    case SSL_ERROR_WANT_WRITE:
      return next::wait_write;
    case SSL_ERROR_ZERO_RETURN:
      ec = boost::asio::error::eof; // the peer's close_notify
      return next::done;
    case SSL_ERROR_SYSCALL:
      if (const unsigned long e = ::ERR_get_error())
        ec = {static_cast<int>(e), boost::asio::error::get_ssl_category()};
      else if (errno_ != 0)
        ec = {errno_, boost::system::system_category()};
      else
        ec = boost::asio::ssl::error::stream_truncated; // the end, without close_notify
      return next::done;
    case SSL_ERROR_SSL: {
      const unsigned long e = ::ERR_get_error();
      if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
        ec = boost::asio::ssl::error::stream_truncated;
      else
        ec = {static_cast<int>(e), boost::asio::error::get_ssl_category()};
      return next::done;
    }
    default:
      ec = boost::asio::ssl::error::unexpected_result;
      return next::done;
    }
  }

  // The BIO: recv and send on the socket's descriptor, never waiting (Asio
  // keeps it non-blocking for its asynchronous operations once they start,
  // and read_some/write_some above are for a socket set non-blocking).
  static BIO_METHOD* bio_method() {
    static BIO_METHOD* const method = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "knobs socket");
      if (m != nullptr) {
        BIO_meth_set_write_ex(m, &bio_write);
        BIO_meth_set_read_ex(m, &bio_read);
        BIO_meth_set_ctrl(m, &bio_ctrl);
      }
      return m;
    }();
    return method;
  }

  static int bio_read(BIO* bio, char* out, std::size_t size, std::size_t* read) {
    auto* self = static_cast<tls_socket*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    const ssize_t r = ::recv(self->socket_.native_handle(), out, size, 0);
    if (r > 0) {
      *read = static_cast<std::size_t>(r);
      return 1;
    }
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      BIO_set_retry_read(bio);
    else if (r < 0)
      self->errno_ = errno;
    return 0;
  }

  static int bio_write(BIO* bio, const char* in, std::size_t size, std::size_t* written) {
    auto* self = static_cast<tls_socket*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    const ssize_t r = ::send(self->socket_.native_handle(), in, size, MSG_NOSIGNAL);
    if (r >= 0) {
      *written = static_cast<std::size_t>(r);
      return 1;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
      BIO_set_retry_write(bio);
    else
      self->errno_ = errno;
    return 0;
  }

  static long bio_ctrl(BIO*, int cmd, long, void*) {
    return cmd == BIO_CTRL_FLUSH ? 1 : 0; // nothing is buffered here
  }

  socket_type socket_;
  SSL* ssl_;
  int errno_ = 0; // the socket's error, for SSL_ERROR_SYSCALL
  std::size_t bytes_read_ = 0;
};

} // namespace detail
} // namespace knobs

#endif
