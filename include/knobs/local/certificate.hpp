// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_CERTIFICATE_HPP
#define KNOBS_LOCAL_CERTIFICATE_HPP

/// \file
/// Throw-away certificates for testing TLS on loopback, made at run time.
///
/// `make_test_certificates()` makes a self-signed certificate authority and a
/// server certificate signed by it, for the names and addresses you give and
/// for the validity window you give (in the past, to test an expired
/// certificate). A client that trusts `ca_cert_pem` verifies the server; one
/// that does not, fails — the very checks a TLS client must make.
/// ```cpp
/// auto certs = knobs::local::make_test_certificates();
/// knobs::local::server_options options;
/// options.tls = knobs::local::tls_credentials{certs.cert_pem, certs.key_pem};
/// knobs::local::server server{handler, options};  // https://127.0.0.1:PORT/v1
/// // ... and give certs.ca_cert_pem to the client as its extra CA.
/// ```
/// The keys are ECDSA P-256; the CA's private key is discarded once it has
/// signed, so the CA can vouch for nothing else.

#include <knobs/detail/config.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace knobs {
namespace local {

/// What the server certificate made by `make_test_certificates()` is for.
struct certificate_options {
  /// DNS names for the subjectAltName, e.g. "localhost".
  std::vector<std::string> dns_names{"localhost"};
  /// IP addresses (IPv4 or IPv6, in text) for the subjectAltName.
  std::vector<std::string> ip_addresses{"127.0.0.1", "::1"};
  /// The start of the server certificate's validity (default: an hour ago).
  std::chrono::system_clock::time_point not_before =
      std::chrono::system_clock::now() - std::chrono::hours(1);
  /// The end of the server certificate's validity (default: a day from now);
  /// a time in the past makes an expired certificate.
  std::chrono::system_clock::time_point not_after =
      std::chrono::system_clock::now() + std::chrono::hours(24);
};

/// A test CA's certificate and a server certificate signed by it, all PEM.
struct test_certificates {
  /// The CA certificate: what a client must trust.
  std::string ca_cert_pem;
  /// The server certificate.
  std::string cert_pem;
  /// The server certificate's private key (PKCS#8, unencrypted).
  std::string key_pem;
};

/// Makes a self-signed test CA and a server certificate signed by it, valid
/// for `options.dns_names` and `options.ip_addresses` from
/// `options.not_before` to `options.not_after`. The CA is valid over that
/// window and at least from an hour ago to a day from now, so that the server
/// certificate's own window is what a client's verification tests.
///
/// Throws `std::invalid_argument` when there is no name or address, when a
/// name or address is malformed, or when `not_after` precedes `not_before`;
/// `std::runtime_error` carrying OpenSSL's error text when OpenSSL fails.
KNOBS_DECL test_certificates make_test_certificates(const certificate_options& options = {});

} // namespace local
} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/local/impl/certificate.ipp>
#endif

#endif
