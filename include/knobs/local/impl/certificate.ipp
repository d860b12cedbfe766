// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_IMPL_CERTIFICATE_IPP
#define KNOBS_LOCAL_IMPL_CERTIFICATE_IPP

#include <knobs/local/certificate.hpp>

#include <knobs/local/detail/openssl.hpp>

#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

namespace knobs {
namespace local {

namespace detail {

inline evp_pkey_ptr make_p256_key() {
  char curve[] = "P-256"; // EVP_PKEY_Q_keygen reads a char* from its varargs
  return evp_pkey_ptr(check(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve), "EC key generation"));
}

inline void set_name(X509_NAME* name, const std::string& common_name) {
  auto add = [name](const char* field, const std::string& value) {
    check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                     0),
          "X509_NAME_add_entry_by_txt");
  };
  add("O", "knobs");
  add("CN", common_name);
}

inline void set_validity(X509* cert, std::chrono::system_clock::time_point not_before,
                         std::chrono::system_clock::time_point not_after) {
  check(ASN1_TIME_set(X509_getm_notBefore(cert), std::chrono::system_clock::to_time_t(not_before)),
        "setting notBefore");
  check(ASN1_TIME_set(X509_getm_notAfter(cert), std::chrono::system_clock::to_time_t(not_after)),
        "setting notAfter");
}

// A fresh, random, positive serial: clients may cache certificates by issuer
// and serial, and every run makes a new CA and leaf.
inline void set_random_serial(X509* cert) {
  bignum_ptr serial(check(BN_new(), "BN_new"));
  check(BN_rand(serial.get(), 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY), "BN_rand");
  check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)), "BN_to_ASN1_INTEGER");
}

inline void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  x509_extension_ptr extension(
      check(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value), OBJ_nid2sn(nid)));
  check(X509_add_ext(cert, extension.get(), -1), "X509_add_ext");
}

inline asn1_string_ptr parse_ip_address(const std::string& ip) {
  asn1_string_ptr value(a2i_IPADDRESS(ip.c_str()));
  if (!value) {
    ERR_clear_error();
    throw std::invalid_argument("make_test_certificates: \"" + ip + "\" is not an IP address");
  }
  return value;
}

inline void check_names(const certificate_options& options) {
  if (options.dns_names.empty() && options.ip_addresses.empty())
    throw std::invalid_argument("make_test_certificates: give at least one DNS name or IP address");
  for (const std::string& dns : options.dns_names)
    if (dns.empty() || dns.find('\0') != std::string::npos)
      throw std::invalid_argument("make_test_certificates: \"" + dns + "\" is not a DNS name");
  for (const std::string& ip : options.ip_addresses)
    parse_ip_address(ip);
}

// Built from typed names rather than a "DNS:a,IP:b" config string, so a name
// cannot smuggle in config syntax.
inline void add_subject_alt_names(X509* cert, const std::vector<std::string>& dns_names,
                                  const std::vector<std::string>& ip_addresses) {
  general_names_ptr names(check(GENERAL_NAMES_new(), "GENERAL_NAMES_new"));
  auto push = [&names](int type, asn1_string_ptr value) {
    general_name_ptr name(check(GENERAL_NAME_new(), "GENERAL_NAME_new"));
    GENERAL_NAME_set0_value(name.get(), type, value.release());
    check(sk_GENERAL_NAME_push(names.get(), name.get()), "sk_GENERAL_NAME_push");
    name.release(); // now owned by names
  };
  for (const std::string& dns : dns_names) {
    asn1_string_ptr value(check(ASN1_IA5STRING_new(), "ASN1_IA5STRING_new"));
    check(ASN1_STRING_set(value.get(), dns.data(), static_cast<int>(dns.size())),
          "ASN1_STRING_set");
    push(GEN_DNS, std::move(value));
  }
  for (const std::string& ip : ip_addresses)
    push(GEN_IPADD, parse_ip_address(ip));
  check(X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT),
        "adding subjectAltName");
}

inline x509_ptr new_certificate(EVP_PKEY* key, const std::string& common_name,
                                std::chrono::system_clock::time_point not_before,
                                std::chrono::system_clock::time_point not_after) {
  x509_ptr cert(check(X509_new(), "X509_new"));
  check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");
  set_random_serial(cert.get());
  set_validity(cert.get(), not_before, not_after);
  check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");
  set_name(X509_get_subject_name(cert.get()), common_name);
  return cert;
}

inline std::string to_pem(BIO* bio, const char* step) {
  char* data = nullptr;
  // BIO_get_mem_data, spelled out: the macro hides a C-style cast.
  const long size = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
  if (size <= 0 || data == nullptr)
    throw_openssl_error(step);
  return std::string(data, static_cast<std::size_t>(size));
}

inline std::string certificate_pem(X509* cert) {
  bio_ptr bio(check(BIO_new(BIO_s_mem()), "BIO_new"));
  check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  return to_pem(bio.get(), "PEM_write_bio_X509");
}

inline std::string private_key_pem(EVP_PKEY* key) {
  bio_ptr bio(check(BIO_new(BIO_s_mem()), "BIO_new"));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  return to_pem(bio.get(), "PEM_write_bio_PrivateKey");
}

} // namespace detail

test_certificates make_test_certificates(const certificate_options& options) {
  detail::check_names(options);
  if (options.not_after < options.not_before)
    throw std::invalid_argument("make_test_certificates: not_after precedes not_before");

  const auto now = std::chrono::system_clock::now();
  const auto ca_not_before = std::min(options.not_before, now - std::chrono::hours(1));
  const auto ca_not_after = std::max(options.not_after, now + std::chrono::hours(24));

  detail::evp_pkey_ptr ca_key = detail::make_p256_key();
  detail::x509_ptr ca =
      detail::new_certificate(ca_key.get(), "knobs local test CA", ca_not_before, ca_not_after);
  detail::check(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())),
                "X509_set_issuer_name");
  detail::add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  detail::add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  detail::add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  detail::add_extension(ca.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  detail::check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()), "signing the CA certificate");

  const std::string& common_name =
      options.dns_names.empty() ? options.ip_addresses.front() : options.dns_names.front();
  detail::evp_pkey_ptr key = detail::make_p256_key();
  detail::x509_ptr leaf =
      detail::new_certificate(key.get(), common_name, options.not_before, options.not_after);
  detail::check(X509_set_issuer_name(leaf.get(), X509_get_subject_name(ca.get())),
                "X509_set_issuer_name");
  detail::add_extension(leaf.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  // ECDSA keys sign; they never encipher, so digitalSignature is the whole of it.
  detail::add_extension(leaf.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  detail::add_extension(leaf.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  detail::add_extension(leaf.get(), ca.get(), NID_subject_key_identifier, "hash");
  detail::add_extension(leaf.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  detail::add_subject_alt_names(leaf.get(), options.dns_names, options.ip_addresses);
  detail::check(X509_sign(leaf.get(), ca_key.get(), EVP_sha256()),
                "signing the server certificate");

  return test_certificates{detail::certificate_pem(ca.get()), detail::certificate_pem(leaf.get()),
                           detail::private_key_pem(key.get())};
}

} // namespace local
} // namespace knobs

#endif
