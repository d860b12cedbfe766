// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_IMPL_SERVER_IPP
#define KNOBS_LOCAL_IMPL_SERVER_IPP

#include <knobs/local/server.hpp>

#include <knobs/local/impl/connection.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace knobs {
namespace local {

// Everything of a server that lives on (or is shared with) its thread. It is
// on the heap, so the handlers that capture `this` never see it move.
class server::impl {
public:
  impl(handler_type handler, const server_options& options) : ioc_(1), acceptor_(ioc_) {
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

  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
  ~impl() = default;

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
    auto started = std::make_shared<detail::connection>(state_, ordinal, std::move(socket),
                                                        ssl_ ? &*ssl_ : nullptr);
    started->start();
    connections_.erase(
        std::remove_if(connections_.begin(), connections_.end(),
                       [](const std::weak_ptr<detail::connection_base>& w) { return w.expired(); }),
        connections_.end());
    connections_.push_back(std::move(started));
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

server::server(handler_type handler, server_options options)
    : impl_(std::make_unique<impl>(std::move(handler), options)) {}

server::server(server_options options) : server(handler_type(), std::move(options)) {}

server::~server() { stop(); }

std::uint16_t server::port() const noexcept { return impl_->endpoint_.port(); }

boost::asio::ip::tcp::endpoint server::endpoint() const noexcept { return impl_->endpoint_; }

bool server::tls() const noexcept { return impl_->ssl_.has_value(); }

std::string server::base_url() const {
  const boost::asio::ip::address address = impl_->endpoint_.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return (tls() ? "https://" : "http://") + host + ":" + std::to_string(port()) + "/v1";
}

void server::set_handler(handler_type handler) {
  std::lock_guard<std::mutex> lock(impl_->state_.mutex);
  impl_->state_.handler = std::move(handler);
}

std::vector<received_request> server::requests() const {
  std::lock_guard<std::mutex> lock(impl_->state_.mutex);
  return impl_->state_.requests;
}

std::size_t server::connections_accepted() const noexcept {
  return impl_->state_.connections_accepted.load();
}

void server::stop() { impl_->stop(); }

} // namespace local
} // namespace knobs

#endif
