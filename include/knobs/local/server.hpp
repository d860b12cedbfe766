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

/// \namespace knobs::local
/// What runs on the loopback interface, for tests and offline examples: the
/// scriptable `server`, the `offline_model` and the `model_server` that serves
/// it, and throw-away TLS certificates. Nothing here talks to the network
/// beyond 127.0.0.1 and [::1]. Include these headers on their own: they are
/// not part of `<knobs/knobs.hpp>`.

#include <knobs/detail/config.hpp>
#include <knobs/local/response_plan.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
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
  KNOBS_DECL explicit server(handler_type handler, server_options options = {});

  /// Starts a server without a handler: it answers every request with a 404
  /// API error until `set_handler()` gives it one.
  KNOBS_DECL explicit server(server_options options = {});

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Stops the server (see `stop()`).
  KNOBS_DECL ~server();

  /// The port the server listens on (never 0).
  KNOBS_DECL std::uint16_t port() const noexcept;

  /// The address and port the server listens on.
  KNOBS_DECL boost::asio::ip::tcp::endpoint endpoint() const noexcept;

  /// True when the server speaks HTTPS.
  KNOBS_DECL bool tls() const noexcept;

  /// The base URL of the API as clients want it:
  /// "http://127.0.0.1:PORT/v1", "https://127.0.0.1:PORT/v1" or
  /// "http://[::1]:PORT/v1".
  KNOBS_DECL std::string base_url() const;

  /// Replaces the handler; requests read after this call use the new one.
  KNOBS_DECL void set_handler(handler_type handler);

  /// Every request the server has read so far, in the order it read them
  /// (a copy). A request is recorded before its handler runs, so it is here
  /// by the time its client sees any response.
  KNOBS_DECL std::vector<received_request> requests() const;

  /// How many connections the server has accepted so far.
  KNOBS_DECL std::size_t connections_accepted() const noexcept;

  /// Stops listening, closes every open connection (cutting short any delay
  /// or stall) and joins the server's thread. Idempotent; the accessors keep
  /// working afterwards.
  KNOBS_DECL void stop();

private:
  class impl; // the acceptor, the TLS context, the connections and the thread
  std::unique_ptr<impl> impl_;
};

} // namespace local
} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/local/impl/server.ipp>
#endif

#endif
