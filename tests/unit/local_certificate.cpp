#include <knobs/local/certificate.hpp>

#include <doctest/doctest.h>

#include <knobs/local/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using knobs::local::certificate_options;
using knobs::local::make_test_certificates;
using knobs::local::received_request;
using knobs::local::response_plan;
using knobs::local::test_certificates;
using namespace std::chrono_literals;

namespace {

struct x509_free {
  void operator()(X509* x) const { X509_free(x); }
};
using x509_ptr = std::unique_ptr<X509, x509_free>;

x509_ptr parse_certificate(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())),
                                                &BIO_free);
  REQUIRE(bio);
  x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(cert);
  return cert;
}

// Verifies `leaf` against `ca` alone, at the current time; returns OpenSSL's
// verdict (X509_V_OK when the chain holds).
int verify_chain(X509* leaf, X509* ca) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  X509_STORE_add_cert(store.get(), ca);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

std::time_t to_time_t(const ASN1_TIME* t) {
  std::tm tm{};
  REQUIRE(ASN1_TIME_to_tm(t, &tm) == 1);
  return timegm(&tm);
}

knobs::local::tls_credentials credentials(const test_certificates& certs) {
  return {certs.cert_pem, certs.key_pem};
}

response_plan hello(const received_request&) { return response_plan::json(200, "hello"); }

// What a TLS client saw: the handshake's outcome, why verification failed
// (OpenSSL's code for the chain, and whether the host name matched), and the
// body of a GET when the handshake succeeded.
struct tls_outcome {
  beast::error_code ec;
  int chain_error = X509_V_OK;
  bool host_mismatch = false;
  std::string body;
};

// Connects to `endpoint` over TLS, trusting `ca_pem` only (none when empty),
// verifying the peer against `host` as Asio users do
// (ssl::host_name_verification), with SNI when `host` is a name.
tls_outcome https_get(const net::ip::tcp::endpoint& endpoint, const std::string& ca_pem,
                      const std::string& host) {
  net::io_context ioc;
  ssl::context ctx{ssl::context::tls_client};
  ctx.set_verify_mode(ssl::verify_peer);
  if (!ca_pem.empty())
    ctx.add_certificate_authority(net::buffer(ca_pem));
  beast::ssl_stream<beast::tcp_stream> stream{ioc, ctx};

  tls_outcome outcome;
  stream.set_verify_callback([&outcome, host](bool preverified, ssl::verify_context& vc) {
    if (!preverified) {
      if (outcome.chain_error == X509_V_OK)
        outcome.chain_error = X509_STORE_CTX_get_error(vc.native_handle());
      return false;
    }
    if (!ssl::host_name_verification(host)(preverified, vc)) {
      outcome.host_mismatch = true;
      return false;
    }
    return true;
  });
  beast::error_code ignored;
  net::ip::make_address(host, ignored);
  if (ignored) // a name, not an address: send it as SNI
    REQUIRE(SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()) == 1);

  beast::get_lowest_layer(stream).connect(endpoint);
  stream.handshake(ssl::stream_base::client, outcome.ec);
  if (outcome.ec)
    return outcome;
  http::request<http::string_body> request{http::verb::get, "/v1/models", 11};
  request.set(http::field::host, host);
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response, outcome.ec);
  outcome.body = response.body();
  return outcome;
}

} // namespace

TEST_CASE("the test CA signs a server certificate for the names and addresses asked") {
  const test_certificates certs = make_test_certificates();
  const x509_ptr ca = parse_certificate(certs.ca_cert_pem);
  const x509_ptr leaf = parse_certificate(certs.cert_pem);

  CHECK(verify_chain(leaf.get(), ca.get()) == X509_V_OK);
  CHECK(X509_check_ca(ca.get()) >= 1);
  CHECK(X509_check_ca(leaf.get()) == 0);
  CHECK(X509_check_host(leaf.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(leaf.get(), "::1", 0) == 1);
  CHECK(X509_check_host(leaf.get(), "example.com", 0, 0, nullptr) == 0);
  CHECK(X509_check_ip_asc(leaf.get(), "127.0.0.2", 0) == 0);
  CHECK(X509_check_purpose(leaf.get(), X509_PURPOSE_SSL_SERVER, 0) == 1);

  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(certs.key_pem.data(), int(certs.key_pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  REQUIRE(key);
  CHECK(X509_check_private_key(leaf.get(), key.get()) == 1);
  CHECK(X509_check_private_key(ca.get(), key.get()) == 0);
  CHECK(certs.key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
}

TEST_CASE("the server certificate is valid over the window asked, to the second") {
  certificate_options options;
  options.dns_names = {"api.test"};
  options.ip_addresses = {};
  const auto now = std::chrono::system_clock::now();
  options.not_before = now - 48h;
  options.not_after = now - 24h;
  const test_certificates certs = make_test_certificates(options);
  const x509_ptr leaf = parse_certificate(certs.cert_pem);
  const x509_ptr ca = parse_certificate(certs.ca_cert_pem);

  CHECK(to_time_t(X509_get0_notBefore(leaf.get())) ==
        std::chrono::system_clock::to_time_t(options.not_before));
  CHECK(to_time_t(X509_get0_notAfter(leaf.get())) ==
        std::chrono::system_clock::to_time_t(options.not_after));
  // The CA stays valid, so that only the server certificate has expired.
  CHECK(to_time_t(X509_get0_notAfter(ca.get())) > std::time(nullptr));
  CHECK(verify_chain(leaf.get(), ca.get()) == X509_V_ERR_CERT_HAS_EXPIRED);
  CHECK(X509_check_host(leaf.get(), "api.test", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0) == 0);
}

TEST_CASE("every call makes a new CA, which vouches for its own certificate only") {
  const test_certificates first = make_test_certificates();
  const test_certificates second = make_test_certificates();
  CHECK(first.ca_cert_pem != second.ca_cert_pem);
  CHECK(first.key_pem != second.key_pem);
  const x509_ptr first_leaf = parse_certificate(first.cert_pem);
  const x509_ptr second_ca = parse_certificate(second.ca_cert_pem);
  CHECK(verify_chain(first_leaf.get(), second_ca.get()) != X509_V_OK);
}

TEST_CASE("make_test_certificates rejects malformed names, addresses and windows") {
  certificate_options bad_ip;
  bad_ip.ip_addresses = {"127.0.0.256"};
  CHECK_THROWS_AS(make_test_certificates(bad_ip), std::invalid_argument);

  certificate_options empty_name;
  empty_name.dns_names = {""};
  CHECK_THROWS_AS(make_test_certificates(empty_name), std::invalid_argument);

  certificate_options nothing;
  nothing.dns_names = {};
  nothing.ip_addresses = {};
  CHECK_THROWS_AS(make_test_certificates(nothing), std::invalid_argument);

  certificate_options backwards;
  backwards.not_after = backwards.not_before - 1s;
  CHECK_THROWS_AS(make_test_certificates(backwards), std::invalid_argument);
}

TEST_CASE("a client that trusts the test CA verifies the server as 127.0.0.1") {
  const test_certificates certs = make_test_certificates();
  knobs::local::server_options options;
  options.tls = credentials(certs);
  knobs::local::server server{hello, options};
  CHECK(server.tls());
  CHECK(server.base_url() == "https://127.0.0.1:" + std::to_string(server.port()) + "/v1");

  const tls_outcome outcome = https_get(server.endpoint(), certs.ca_cert_pem, "127.0.0.1");
  CHECK_MESSAGE(!outcome.ec, outcome.ec.message());
  CHECK(outcome.chain_error == X509_V_OK);
  CHECK_FALSE(outcome.host_mismatch);
  CHECK(outcome.body == "hello");
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].target == "/v1/models");
}

TEST_CASE("a client that trusts the test CA verifies the server as localhost, with SNI") {
  const test_certificates certs = make_test_certificates();
  knobs::local::server_options options;
  options.tls = credentials(certs);
  knobs::local::server server{hello, options};
  const tls_outcome outcome = https_get(server.endpoint(), certs.ca_cert_pem, "localhost");
  CHECK_MESSAGE(!outcome.ec, outcome.ec.message());
  CHECK(outcome.body == "hello");
}

TEST_CASE("a client that trusts the test CA verifies the server as ::1") {
  const test_certificates certs = make_test_certificates();
  knobs::local::server_options options;
  options.tls = credentials(certs);
  options.ipv6 = true;
  knobs::local::server server{hello, options};
  CHECK(server.base_url() == "https://[::1]:" + std::to_string(server.port()) + "/v1");
  const tls_outcome outcome = https_get(server.endpoint(), certs.ca_cert_pem, "::1");
  CHECK_MESSAGE(!outcome.ec, outcome.ec.message());
  CHECK(outcome.body == "hello");
}

TEST_CASE("a client that does not trust the test CA fails verification") {
  const test_certificates certs = make_test_certificates();
  knobs::local::server_options options;
  options.tls = credentials(certs);
  knobs::local::server server{hello, options};

  const tls_outcome untrusting = https_get(server.endpoint(), "", "127.0.0.1");
  CHECK(untrusting.ec);
  CHECK(untrusting.chain_error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);

  // Trusting another test CA is no better.
  const tls_outcome other_ca =
      https_get(server.endpoint(), make_test_certificates().ca_cert_pem, "127.0.0.1");
  CHECK(other_ca.ec);
  CHECK(other_ca.chain_error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  CHECK(server.requests().empty());
}

TEST_CASE("a client that expects another host name fails verification") {
  const test_certificates certs = make_test_certificates();
  knobs::local::server_options options;
  options.tls = credentials(certs);
  knobs::local::server server{hello, options};

  for (const char* host : {"api.openai.com", "127.0.0.2"}) {
    CAPTURE(host);
    const tls_outcome outcome = https_get(server.endpoint(), certs.ca_cert_pem, host);
    CHECK(outcome.ec);
    CHECK(outcome.chain_error == X509_V_OK); // the chain itself was fine
    CHECK(outcome.host_mismatch);
  }
  CHECK(server.requests().empty());
}

TEST_CASE("a client fails verification of an expired certificate, and of one not yet valid") {
  const auto now = std::chrono::system_clock::now();
  certificate_options expired;
  expired.not_before = now - 48h;
  expired.not_after = now - 24h;
  certificate_options early;
  early.not_before = now + 24h;
  early.not_after = now + 48h;

  for (const auto& [window, error] : {std::pair{expired, X509_V_ERR_CERT_HAS_EXPIRED},
                                      std::pair{early, X509_V_ERR_CERT_NOT_YET_VALID}}) {
    const int expected = error; // a copy: clang 14 cannot capture a structured binding
    CAPTURE(expected);
    const test_certificates certs = make_test_certificates(window);
    knobs::local::server_options options;
    options.tls = credentials(certs);
    knobs::local::server server{hello, options};
    const tls_outcome outcome = https_get(server.endpoint(), certs.ca_cert_pem, "127.0.0.1");
    CHECK(outcome.ec);
    CHECK(outcome.chain_error == expected);
  }
}

TEST_CASE("a TLS server refuses credentials it could not use") {
  const test_certificates certs = make_test_certificates();
  const test_certificates other = make_test_certificates();
  knobs::local::server_options mismatched;
  mismatched.tls = knobs::local::tls_credentials{certs.cert_pem, other.key_pem};
  CHECK_THROWS_AS(knobs::local::server(hello, mismatched), boost::system::system_error);

  knobs::local::server_options garbage;
  garbage.tls = knobs::local::tls_credentials{"not a certificate", certs.key_pem};
  CHECK_THROWS_AS(knobs::local::server(hello, garbage), boost::system::system_error);
}

TEST_CASE("over TLS, parts stream and faults end the connection without close_notify") {
  const test_certificates certs = make_test_certificates();
  knobs::local::server_options options;
  options.tls = credentials(certs);
  knobs::local::server server{[](const received_request& r) {
                                response_plan plan = response_plan::event_stream(
                                    {knobs::local::sse_event("a"), knobs::local::sse_event("b")});
                                if (r.target == "/die")
                                  plan.close_after_parts = 1;
                                if (r.target == "/bye")
                                  plan.close_after_response = true;
                                return plan;
                              },
                              options};

  net::io_context ioc;
  ssl::context ctx{ssl::context::tls_client};
  ctx.set_verify_mode(ssl::verify_peer);
  ctx.add_certificate_authority(net::buffer(certs.ca_cert_pem));
  auto request = [&](const char* target, beast::error_code& ec) {
    beast::ssl_stream<beast::tcp_stream> stream{ioc, ctx};
    stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    beast::get_lowest_layer(stream).connect(server.endpoint());
    stream.handshake(ssl::stream_base::client);
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    http::read(stream, buffer, parser, ec);
    if (!ec) {
      // Read past the response: a graceful close shows as its end.
      http::response_parser<http::string_body> none;
      http::read(stream, buffer, none, ec);
    }
    return parser.get().body();
  };

  beast::error_code ec;
  CHECK(request("/die", ec) == "data: a\n\n");
  CHECK(ec == ssl::error::stream_truncated); // a dying server sends no close_notify

  CHECK(request("/bye", ec) == "data: a\n\ndata: b\n\n");
  CHECK(ec == http::error::end_of_stream); // close_notify, then the end
}
