// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_BYTE_STREAM_HPP
#define KNOBS_DETAIL_BYTE_STREAM_HPP

// TCP, or TLS over TCP, behind one stream type, for the client's connections
// and the loopback server's.
//
// Beast's HTTP operations are templates on the stream and on the handler.
// Given the two streams directly, every operation is compiled twice, and the
// TLS layer once more for each Beast operation that calls it. byte_stream is
// an AsyncReadStream and AsyncWriteStream whose read_some and write_some take
// one handler type (erased_handler), so the TCP and TLS layers are compiled
// once each and every HTTP operation once. The price is one allocation per
// read_some or write_some, next to a system call.

#include <knobs/detail/erased_handler.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <array>
#include <cstddef>
#include <memory>
#include <utility>

namespace knobs {
namespace detail {

// At most `capacity` buffers of a gather write, the first ones of a sequence
// (a write_some may write fewer bytes than it is given).
class gather_buffers {
public:
  static constexpr std::size_t capacity = 16;
  using value_type = boost::asio::const_buffer;
  using const_iterator = const boost::asio::const_buffer*;

  template <class ConstBufferSequence> explicit gather_buffers(const ConstBufferSequence& buffers) {
    auto it = boost::asio::buffer_sequence_begin(buffers);
    const auto end = boost::asio::buffer_sequence_end(buffers);
    for (; it != end && size_ != capacity; ++it) {
      const boost::asio::const_buffer b(*it);
      if (b.size() != 0)
        buffers_[size_++] = b;
    }
  }

  const_iterator begin() const noexcept { return buffers_.data(); }
  const_iterator end() const noexcept { return buffers_.data() + size_; }

private:
  std::array<boost::asio::const_buffer, capacity> buffers_{};
  std::size_t size_ = 0;
};

class byte_stream {
public:
  // A plain socket, not Beast's tcp_stream: the client and the server keep
  // their own deadlines, and tcp_stream's per-operation timers would compile
  // (and run) a timer with every read and write.
  using tcp_stream = boost::asio::ip::tcp::socket;
  using tls_stream = boost::beast::ssl_stream<tcp_stream>;
  using executor_type = boost::asio::any_io_executor;
  using io_handler = erased_handler<void(boost::system::error_code, std::size_t)>;
  using handler = erased_handler<void(boost::system::error_code)>;

  // A stream yet to connect; TLS when `tls` is not null.
  byte_stream(const executor_type& ex, boost::asio::ssl::context* tls)
      : tcp_(tls ? nullptr : std::make_unique<tcp_stream>(ex)),
        tls_(tls ? std::make_unique<tls_stream>(ex, *tls) : nullptr) {}

  // An accepted socket; TLS when `tls` is not null.
  byte_stream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls)
      : tcp_(tls ? nullptr : std::make_unique<tcp_stream>(std::move(socket))),
        tls_(tls ? std::make_unique<tls_stream>(std::move(socket), *tls) : nullptr) {}

  bool is_tls() const noexcept { return tls_ != nullptr; }

  // The TCP layer (under TLS, if any).
  tcp_stream& tcp() noexcept { return tls_ ? tls_->next_layer() : *tcp_; }

  // The TLS layer; only when is_tls().
  tls_stream& tls() noexcept { return *tls_; }

  executor_type get_executor() noexcept { return tcp().get_executor(); }

  template <class MutableBufferSequence, class ReadHandler>
  void async_read_some(const MutableBufferSequence& buffers, ReadHandler&& h) {
    // One buffer is enough for a read_some; Beast's buffers give it one.
    boost::asio::mutable_buffer first;
    for (auto it = boost::asio::buffer_sequence_begin(buffers),
              end = boost::asio::buffer_sequence_end(buffers);
         it != end; ++it) {
      first = *it;
      if (first.size() != 0)
        break;
    }
    read_some(first, io_handler(std::forward<ReadHandler>(h), get_executor()));
  }

  template <class ConstBufferSequence, class WriteHandler>
  void async_write_some(const ConstBufferSequence& buffers, WriteHandler&& h) {
    write_some(gather_buffers(buffers), io_handler(std::forward<WriteHandler>(h), get_executor()));
  }

  // While set, a TLS stream reads and writes on its TCP layer: for the
  // CONNECT exchange with a proxy, in the clear, before the TLS handshake
  // with the server at the other end of the tunnel. The same HTTP operations
  // serve both, so the exchange compiles no operation of its own but its read.
  void tcp_only(bool on) noexcept { tcp_only_ = on; }

  void read_some(boost::asio::mutable_buffer buffer, io_handler h) {
    if (tls_ && !tcp_only_)
      tls_->async_read_some(buffer, counted{std::move(h), &bytes_read_});
    else
      tcp().async_read_some(buffer, counted{std::move(h), &bytes_read_});
  }

  // The bytes read so far (for the client's logs), TLS records as their
  // plaintext, the CONNECT exchange's as they came.
  std::size_t bytes_read() const noexcept { return bytes_read_; }

  // Writing and reading now, without waiting: what the socket takes or has
  // at once, and `would_block` when that is nothing. A request then spends
  // no trip through the io_context on its write (an asynchronous write that
  // completes at once still waits its turn behind the reactor, which costs
  // an epoll_wait), and the blocking client reads its answer without the
  // reactor.
  //
  // Reading now works under TLS as well: OpenSSL reads a record whole or
  // wants more input, and Asio's synchronous TLS read returns would_block
  // when the socket has none, having consumed nothing it cannot give later
  // (asio/ssl/detail/io.hpp, Boost 1.81). Writing now is for plain TCP
  // only: what the socket did not take of an encrypted record would be lost.
  bool can_write_now() const noexcept { return !tls_ || tcp_only_; }

  std::size_t read_now(boost::asio::mutable_buffer buffer, boost::system::error_code& ec) {
    if (!now_ready(ec))
      return 0;
    const std::size_t n =
        tls_ && !tcp_only_ ? tls_->read_some(buffer, ec) : tcp().read_some(buffer, ec);
    bytes_read_ += n;
    return n;
  }

  // Whether OpenSSL holds bytes read from the socket but not yet given out
  // (decrypted or not): reading now may then give data that no poll of the
  // socket would announce.
  bool tls_holds_input() noexcept {
    if (!tls_ || tcp_only_)
      return false;
    SSL* ssl = tls_->native_handle();
    return SSL_has_pending(ssl) == 1 || BIO_pending(SSL_get_rbio(ssl)) > 0;
  }

  template <class ConstBufferSequence>
  std::size_t write_now(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    if (!now_ready(ec))
      return 0;
    return tcp().write_some(gather_buffers(buffers), ec);
  }

  void write_some(const gather_buffers& buffers, io_handler h) {
    if (tls_ && !tcp_only_)
      tls_->async_write_some(buffers, std::move(h));
    else
      tcp().async_write_some(buffers, std::move(h));
  }

  // The TLS handshake (only when is_tls()).
  void async_handshake(boost::asio::ssl::stream_base::handshake_type type, handler h) {
    tls_->async_handshake(type, std::move(h));
  }

  // The TLS close_notify exchange (only when is_tls()).
  void async_shutdown(handler h) { tls_->async_shutdown(std::move(h)); }

private:
  // The socket in non-blocking mode for the calls above (one ioctl per
  // connection; Asio's asynchronous operations do not look at it).
  bool now_ready(boost::system::error_code& ec) {
    if (!non_blocking_) {
      tcp().non_blocking(true, ec);
      non_blocking_ = !ec;
    }
    return non_blocking_;
  }

  // A read's handler that counts what it delivered. One type for every
  // read, so that the layers beneath are compiled once for it.
  struct counted {
    io_handler h;
    std::size_t* total;

    using executor_type = io_handler::executor_type;
    using cancellation_slot_type = io_handler::cancellation_slot_type;
    executor_type get_executor() const noexcept { return h.get_executor(); }
    cancellation_slot_type get_cancellation_slot() const noexcept {
      return h.get_cancellation_slot();
    }

    void operator()(boost::system::error_code ec, std::size_t n) {
      *total += n;
      std::move(h)(ec, n);
    }
  };

  std::unique_ptr<tcp_stream> tcp_;
  std::unique_ptr<tls_stream> tls_;
  bool tcp_only_ = false;
  bool non_blocking_ = false;
  std::size_t bytes_read_ = 0;
};

} // namespace detail
} // namespace knobs

#endif
