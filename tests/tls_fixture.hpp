// Shared by the integration tests: a loopback HTTPS server's certificates, and
// the CA file a client is told to trust.
#ifndef KNOBS_TESTS_TLS_FIXTURE_HPP
#define KNOBS_TESTS_TLS_FIXTURE_HPP

#include <knobs/local/certificate.hpp>
#include <knobs/local/server.hpp>

#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <string>

// The test CA written to a temporary directory, removed at the end of the test.
struct tls_fixture {
  std::string dir;
  std::string ca_path;
  explicit tls_fixture(const knobs::local::test_certificates& certs) {
    char tmpl[] = "/tmp/knobs-tls-XXXXXX";
    dir = ::mkdtemp(tmpl);
    ca_path = dir + "/ca.pem";
    std::ofstream(ca_path) << certs.ca_cert_pem;
  }
  ~tls_fixture() {
    std::remove(ca_path.c_str());
    std::remove(dir.c_str());
  }
};

// Server options that serve HTTPS with `certs`.
inline knobs::local::server_options serving(const knobs::local::test_certificates& certs) {
  knobs::local::server_options so;
  so.tls = knobs::local::tls_credentials{certs.cert_pem, certs.key_pem};
  return so;
}

#endif
