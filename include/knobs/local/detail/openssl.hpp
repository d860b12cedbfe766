// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_DETAIL_OPENSSL_HPP
#define KNOBS_LOCAL_DETAIL_OPENSSL_HPP

// Owning handles for the OpenSSL objects that certificate.hpp builds, and the
// one way it reports OpenSSL's failures.

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace knobs {
namespace local {
namespace detail {

template <class T, void (*Free)(T*)> struct openssl_deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

using evp_pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using x509_extension_ptr =
    std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using general_name_ptr =
    std::unique_ptr<GENERAL_NAME, openssl_deleter<GENERAL_NAME, GENERAL_NAME_free>>;
using general_names_ptr =
    std::unique_ptr<GENERAL_NAMES, openssl_deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using asn1_string_ptr =
    std::unique_ptr<ASN1_STRING, openssl_deleter<ASN1_STRING, ASN1_STRING_free>>;
using bignum_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BIGNUM, BN_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO, BIO_free_all>>;

// Throws std::runtime_error naming the step that failed, followed by every
// error OpenSSL queued on this thread (which it also clears).
[[noreturn]] inline void throw_openssl_error(const std::string& step) {
  std::string message = step + " failed";
  const char* separator = ": ";
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    message += separator;
    message += text;
    separator = "; ";
  }
  throw std::runtime_error(message);
}

template <class T> T* check(T* p, const char* step) {
  if (p == nullptr)
    throw_openssl_error(step);
  return p;
}

inline void check(int ok, const char* step) {
  if (ok <= 0)
    throw_openssl_error(step);
}

} // namespace detail
} // namespace local
} // namespace knobs

#endif
