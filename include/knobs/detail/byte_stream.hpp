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
#include <knobs/detail/tls_socket.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/core/error.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <iterator>
#include <memory>
#include <string>
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
  using tls_stream = tls_socket;
  using executor_type = boost::asio::any_io_executor;
  using io_handler = erased_handler<void(boost::system::error_code, std::size_t)>;
  using handler = erased_handler<void(boost::system::error_code)>;

  // A stream yet to connect; TLS when `tls` is not null.
  byte_stream(const executor_type& ex, boost::asio::ssl::context* tls)
      : tcp_(tls ? nullptr : std::make_unique<tcp_stream>(ex)),
        tls_(tls ? std::make_unique<tls_stream>(tcp_stream(ex), *tls) : nullptr) {}

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
      tls_->async_read_some(buffer, std::move(h));
    else
      tcp().async_read_some(buffer, counted{std::move(h), &bytes_read_});
  }

  // The bytes read so far (for the client's logs), TLS records as their
  // plaintext, the CONNECT exchange's as they came.
  std::size_t bytes_read() const noexcept { return bytes_read_ + (tls_ ? tls_->bytes_read() : 0); }

  // Writing and reading now, without waiting: what the socket takes or has
  // at once, and `would_block` when that is nothing. A request then spends
  // no trip through the io_context on its write (an asynchronous write that
  // completes at once still waits its turn behind the reactor, which costs
  // an epoll_wait), and the blocking client reads its answer without the
  // reactor.
  //
  // Under TLS both work too (tls_socket: OpenSSL reads and writes the
  // socket itself, and keeps what it could not send until the write is
  // repeated).
  std::size_t read_now(boost::asio::mutable_buffer buffer, boost::system::error_code& ec) {
    if (!now_ready(ec))
      return 0;
    if (tls_ && !tcp_only_)
      return tls_->read_some(buffer, ec);
    const std::size_t n = tcp().read_some(buffer, ec);
    bytes_read_ += n;
    return n;
  }

  // Whether OpenSSL holds bytes read from the socket but not yet given out:
  // reading now may then give data that no poll of the socket would
  // announce.
  bool tls_holds_input() const noexcept { return tls_ && !tcp_only_ && tls_->holds_input(); }

  template <class ConstBufferSequence>
  std::size_t write_now(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    if (!now_ready(ec))
      return 0;
    if (tls_ && !tcp_only_)
      return tls_->write_some(one_record(gather_buffers(buffers)), ec);
    return tcp().write_some(gather_buffers(buffers), ec);
  }

  void write_some(const gather_buffers& buffers, io_handler h) {
    if (tls_ && !tcp_only_)
      tls_->async_write_some(one_record(buffers), std::move(h));
    else
      tcp().async_write_some(buffers, std::move(h));
  }

  // The TLS handshake (only when is_tls()).
  void async_handshake(boost::asio::ssl::stream_base::handshake_type type, handler h) {
    boost::system::error_code ec;
    if (!now_ready(ec)) { // OpenSSL's reads and writes must not block
      boost::asio::post(get_executor(), boost::asio::append(std::move(h), ec));
      return;
    }
    tls_->async_handshake(type, std::move(h));
  }

  // The TLS close_notify exchange (only when is_tls()).
  void async_shutdown(handler h) { tls_->async_shutdown(std::move(h)); }

private:
  // What one TLS write takes: a record's worth (16 KiB) of the buffers, as
  // one buffer, copied when there are several (a head and a body become one
  // record and one send, not two). A write repeated from the same place
  // gives OpenSSL the same bytes, as it requires after a write it could not
  // finish (tls_socket).
  boost::asio::const_buffer one_record(const gather_buffers& buffers) {
    constexpr std::size_t record = 16 * 1024;
    auto it = buffers.begin();
    if (it == buffers.end())
      return {};
    if (std::next(it) == buffers.end() || it->size() >= record)
      return boost::asio::buffer(*it, record);
    out_.clear();
    for (; it != buffers.end() && out_.size() < record; ++it)
      out_.append(static_cast<const char*>(it->data()), std::min(it->size(), record - out_.size()));
    return boost::asio::buffer(out_);
  }

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
  std::string out_; // one_record's copy
  bool tcp_only_ = false;
  bool non_blocking_ = false;
  std::size_t bytes_read_ = 0;
};

} // namespace detail
} // namespace knobs

#endif
