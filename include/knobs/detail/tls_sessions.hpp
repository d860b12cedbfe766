// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_TLS_SESSIONS_HPP
#define KNOBS_DETAIL_TLS_SESSIONS_HPP

// TLS session resumption for one client's connections, which all go to one
// server: the sessions that server hands out are kept, and the newest is
// offered at the next connection's handshake. Where the server takes it, the
// handshake is abbreviated: no certificate is sent or verified, and no key
// exchange signed.
//
// What OpenSSL says (OpenSSL 3.0 manual):
// - SSL_CTX_sess_set_new_cb(3): the callback is called for every new session
//   only while session caching is on, and a client's is off by default
//   (SSL_CTX_set_session_cache_mode(3): the default is
//   SSL_SESS_CACHE_SERVER). Returning 1 keeps the reference it is given.
// - A TLS 1.3 server sends its tickets after the handshake
//   (NewSessionTicket), so they arrive with the first response read, each
//   through that callback; a TLS 1.2 session is there when the handshake ends.
// - SSL_CTX_set_session_cache_mode(3): a client's internal cache is never
//   consulted ("the application must explicitly call SSL_set_session"), so
//   SSL_SESS_CACHE_NO_INTERNAL_STORE keeps it empty.
// - SSL_get_session(3): "In TLSv1.3 it is recommended that each SSL_SESSION
//   object is only used for resumption once": a TLS 1.3 session leaves the
//   store when it is offered (the resumed connection brings a new ticket); a
//   TLS 1.2 one stays, as servers resume it again.

#include <openssl/ssl.h>

#include <cstddef>
#include <vector>

namespace knobs {
namespace detail {

class tls_sessions {
public:
  tls_sessions() = default;
  tls_sessions(const tls_sessions&) = delete;
  tls_sessions& operator=(const tls_sessions&) = delete;
  ~tls_sessions() {
    for (SSL_SESSION* s : kept_)
      SSL_SESSION_free(s);
  }

  // From now on, keeps the sessions of the connections made with `ctx`. This
  // object must outlive `ctx` (the context's callback refers to it).
  void attach(SSL_CTX* ctx) {
    kept_.reserve(capacity); // the callback does not allocate
    SSL_CTX_set_ex_data(ctx, index(), this);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, &on_new_session);
  }

  // Offers the newest kept session to `ssl`, before its handshake.
  // A session whose connection broke off is no longer resumable (OpenSSL
  // marks it when the connection is freed; see connection::close): it goes.
  void offer(SSL* ssl) {
    while (!kept_.empty() && !SSL_SESSION_is_resumable(kept_.back())) {
      SSL_SESSION_free(kept_.back());
      kept_.pop_back();
    }
    if (kept_.empty())
      return;
    SSL_SESSION* newest = kept_.back();
    SSL_set_session(ssl, newest); // takes a reference of its own
    if (SSL_SESSION_get_protocol_version(newest) >= TLS1_3_VERSION) {
      kept_.pop_back();
      SSL_SESSION_free(newest);
    }
  }

private:
  // Enough for the tickets of a few connections made at once; the oldest go.
  static constexpr std::size_t capacity = 4;

  static int index() {
    static const int i = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return i;
  }

  static int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* self = static_cast<tls_sessions*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), index()));
    if (self == nullptr || !SSL_SESSION_is_resumable(session))
      return 0; // OpenSSL keeps its reference
    if (self->kept_.size() == capacity) {
      SSL_SESSION_free(self->kept_.front());
      self->kept_.erase(self->kept_.begin());
    }
    self->kept_.push_back(session);
    return 1;
  }

  std::vector<SSL_SESSION*> kept_;
};

} // namespace detail
} // namespace knobs

#endif
