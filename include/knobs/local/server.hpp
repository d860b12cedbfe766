// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_SERVER_HPP
#define KNOBS_LOCAL_SERVER_HPP

/// \file
/// A scriptable HTTP/1.1 (and HTTPS) server on the loopback interface, for
/// testing programs that talk to an OpenAI-compatible API.
///
/// The server runs in the same process, on a thread of its own, so a blocking
/// client on any other thread can talk to it over real sockets. It listens on
/// 127.0.0.1 (or [::1]) only, never on any other address. A handler decides
/// every answer (see `response_plan.hpp`); the server records every request
/// and counts the connections it accepted.
/// ```cpp
/// knobs::local::server server{[](const knobs::local::received_request&) {
///   return knobs::local::response_plan::json(200, R"({"id":"chatcmpl-1", ...})");
/// }};
/// // point a client at server.base_url() ("http://127.0.0.1:PORT/v1"), then:
/// assert(server.requests().size() == 1);
/// assert(server.connections_accepted() == 1);
/// ```

#include <knobs/local/detail/connection.hpp>
#include <knobs/local/response_plan.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace knobs {
namespace local {

/// A certificate chain and its private key, both PEM, for a server that
/// speaks HTTPS. `make_test_certificates()` (certificate.hpp) makes a pair.
struct tls_credentials {
  /// The server's certificate, optionally followed by intermediates.
  std::string cert_chain_pem;
  /// The certificate's private key (PKCS#8 or traditional PEM, unencrypted).
  std::string key_pem;
};

/// How a `knobs::local::server` listens.
struct server_options {
  /// The port; 0 (the default) lets the system pick a free one.
  std::uint16_t port = 0;
  /// Listen on [::1] instead of 127.0.0.1.
  bool ipv6 = false;
  /// When set, the server speaks HTTPS (TLS 1.2 or later) with these credentials.
  std::optional<tls_credentials> tls;
  /// When positive, a connection that sends no complete request for this
  /// long is closed — as real servers drop idle keep-alive connections, which
  /// a client's connection pool must survive. Zero (the default) never does.
  std::chrono::milliseconds idle_timeout{0};
};

/// A scriptable HTTP/1.1 server on the loopback interface, running on its own
/// thread from construction until `stop()` or destruction.
///
/// Thread safety: every member function may be called from any thread. The
/// handler runs on the server's thread, one request at a time; it should
/// return quickly (use `response_plan::delay` rather than sleeping) and must
/// not call `stop()` or destroy the server.
class server {
public:
  /// Decides the answer to each request. Whatever it throws is answered with
  /// a 500 whose body is `api_error_body(what(), "server_error")`.
  using handler_type = std::function<response_plan(const received_request&)>;

  /// Starts a server that answers with `handler`. Throws
  /// `boost::system::system_error` when the port cannot be bound (e.g. in
  /// use) or the TLS credentials are unusable.
  explicit server(handler_type handler, server_options options = {}) : ioc_(1), acceptor_(ioc_) {
    state_.handler = std::move(handler);
    state_.idle_timeout = options.idle_timeout;
    if (options.tls) {
      ssl_.emplace(boost::asio::ssl::context::tls_server);
      ssl_->set_options(boost::asio::ssl::context::default_workarounds |
                        boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                        boost::asio::ssl::context::no_tlsv1 |
                        boost::asio::ssl::context::no_tlsv1_1);
      ssl_->use_certificate_chain(boost::asio::buffer(options.tls->cert_chain_pem));
      ssl_->use_private_key(boost::asio::buffer(options.tls->key_pem),
                            boost::asio::ssl::context::pem);
      // A key that does not match the certificate would only show as failed
      // handshakes later; say so now, where the mistake was made.
      if (SSL_CTX_check_private_key(ssl_->native_handle()) != 1)
        throw boost::system::system_error(
            boost::system::error_code(static_cast<int>(ERR_get_error()),
                                      boost::asio::error::get_ssl_category()),
            "knobs::local::server: the TLS private key does not match the certificate");
    }
    // Loopback, always: a test server must never be reachable from the network.
    const boost::asio::ip::tcp::endpoint wanted{
        options.ipv6 ? boost::asio::ip::address(boost::asio::ip::address_v6::loopback())
                     : boost::asio::ip::address(boost::asio::ip::address_v4::loopback()),
        options.port};
    acceptor_.open(wanted.protocol());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind(wanted);
    acceptor_.listen();
    endpoint_ = acceptor_.local_endpoint();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  /// Starts a server without a handler: it answers every request with a 404
  /// API error until `set_handler()` gives it one.
  explicit server(server_options options = {}) : server(handler_type(), std::move(options)) {}

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Stops the server (see `stop()`).
  ~server() { stop(); }

  /// The port the server listens on (never 0).
  std::uint16_t port() const noexcept { return endpoint_.port(); }

  /// The address and port the server listens on.
  boost::asio::ip::tcp::endpoint endpoint() const noexcept { return endpoint_; }

  /// True when the server speaks HTTPS.
  bool tls() const noexcept { return ssl_.has_value(); }

  /// The base URL of the API as clients want it:
  /// "http://127.0.0.1:PORT/v1", "https://127.0.0.1:PORT/v1" or
  /// "http://[::1]:PORT/v1".
  std::string base_url() const {
    const std::string host = endpoint_.address().is_v6()
                                 ? "[" + endpoint_.address().to_string() + "]"
                                 : endpoint_.address().to_string();
    return (tls() ? "https://" : "http://") + host + ":" + std::to_string(port()) + "/v1";
  }

  /// Replaces the handler; requests read after this call use the new one.
  void set_handler(handler_type handler) {
    std::lock_guard<std::mutex> lock(state_.mutex);
    state_.handler = std::move(handler);
  }

  /// Every request the server has read so far, in the order it read them
  /// (a copy). A request is recorded before its handler runs, so it is here
  /// by the time its client sees any response.
  std::vector<received_request> requests() const {
    std::lock_guard<std::mutex> lock(state_.mutex);
    return state_.requests;
  }

  /// How many connections the server has accepted so far.
  std::size_t connections_accepted() const noexcept { return state_.connections_accepted.load(); }

  /// Stops listening, closes every open connection (cutting short any delay
  /// or stall) and joins the server's thread. Idempotent; the accessors keep
  /// working afterwards.
  void stop() {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    if (!stop_requested_) {
      stop_requested_ = true;
      boost::asio::post(ioc_, [this] { shutdown(); });
    }
    // Once everything is closed, run() returns as soon as the last aborted
    // operation has completed.
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
      thread_.join();
  }

private:
  void accept() {
    acceptor_.async_accept(
        [this](boost::beast::error_code ec, boost::asio::ip::tcp::socket socket) {
          if (state_.stopping || ec == boost::asio::error::operation_aborted)
            return;
          if (!ec)
            start_connection(std::move(socket));
          accept();
        });
  }

  void start_connection(boost::asio::ip::tcp::socket socket) {
    // Parts of a streamed body must leave when they are sent, not when Nagle's
    // algorithm decides.
    boost::beast::error_code ignored;
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    const std::size_t ordinal = ++state_.connections_accepted;
    std::shared_ptr<detail::connection_base> started;
    if (ssl_) {
      auto c =
          std::make_shared<detail::connection<boost::beast::ssl_stream<boost::beast::tcp_stream>>>(
              state_, ordinal, std::move(socket), *ssl_);
      c->start();
      started = std::move(c);
    } else {
      auto c = std::make_shared<detail::connection<boost::beast::tcp_stream>>(state_, ordinal,
                                                                              std::move(socket));
      c->start();
      started = std::move(c);
    }
    connections_.erase(
        std::remove_if(connections_.begin(), connections_.end(),
                       [](const std::weak_ptr<detail::connection_base>& w) { return w.expired(); }),
        connections_.end());
    connections_.push_back(started);
  }

  void shutdown() {
    state_.stopping = true;
    boost::beast::error_code ignored;
    acceptor_.close(ignored);
    for (const auto& weak : connections_)
      if (auto c = weak.lock())
        c->abort();
    connections_.clear();
  }

  // Declaration order is destruction order in reverse: the io_context goes
  // before the state and the TLS context that its leftover handlers refer to.
  detail::server_state state_;
  std::optional<boost::asio::ssl::context> ssl_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::vector<std::weak_ptr<detail::connection_base>> connections_; // server's thread only
  std::mutex stop_mutex_;
  bool stop_requested_ = false;
  std::thread thread_;
};

} // namespace local
} // namespace knobs

#endif
