// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_TLS_HOST_HPP
#define KNOBS_DETAIL_TLS_HOST_HPP

// The host a TLS connection expects, told to OpenSSL before the handshake:
// the client's connections and the cassette's upstream.

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/system/error_code.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <string>

namespace knobs {
namespace detail {

// SNI carries host names only; an IP literal is verified against the
// certificate's IP addresses instead. With `verify`, OpenSSL checks the name
// as part of verifying the chain (Asio's host_name_verification callback does
// the same check, but a failure there leaves no reason behind), so a
// mismatch is a verify result ("hostname mismatch", "IP address mismatch")
// that an error can quote. Returns OpenSSL's error when it refuses the name.
inline boost::system::error_code expect_tls_host(SSL* ssl, const std::string& host, bool verify) {
  boost::system::error_code not_an_address;
  boost::asio::ip::make_address(host, not_an_address);
  const bool named = static_cast<bool>(not_an_address);
  bool ok = !named || SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
  if (ok && verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    ok = (named ? X509_VERIFY_PARAM_set1_host(param, host.data(), host.size())
                : X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())) == 1;
  }
  if (ok)
    return {};
  return {static_cast<int>(::ERR_get_error()), boost::asio::error::get_ssl_category()};
}

} // namespace detail
} // namespace knobs

#endif
