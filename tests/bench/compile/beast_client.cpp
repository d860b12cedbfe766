// The yardstick of the compile-time benchmark (compile_time.sh): the least a
// Beast HTTPS client that does what knobs' quick start does must compile — a
// POST over an ssl_stream with http::write and http::read, and the answer
// parsed with Boost.JSON. It is compiled, never run.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <iostream>
#include <string>

namespace net = boost::asio;
namespace http = boost::beast::http;

int main() {
  net::io_context ioc;
  net::ssl::context tls(net::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(net::ssl::verify_peer);
  net::ip::tcp::resolver resolver(ioc);
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(ioc, tls);
  SSL_set_tlsext_host_name(stream.native_handle(), "api.openai.com");
  stream.set_verify_callback(net::ssl::host_name_verification("api.openai.com"));
  boost::beast::get_lowest_layer(stream).connect(resolver.resolve("api.openai.com", "443"));
  stream.handshake(net::ssl::stream_base::client);

  boost::json::object body{{"model", "gpt-oss-120b"}, {"temperature", 0.7}, {"max_tokens", 60}};
  body["messages"] = boost::json::array{
      {{"role", "user"}, {"content", "In one sentence, describe a city at night."}}};
  http::request<http::string_body> req{http::verb::post, "/v1/chat/completions", 11};
  req.set(http::field::host, "api.openai.com");
  req.set(http::field::authorization, "Bearer sk-...");
  req.set(http::field::content_type, "application/json");
  req.body() = boost::json::serialize(body);
  req.prepare_payload();
  http::write(stream, req);

  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  const boost::json::value answer = boost::json::parse(res.body());
  std::cout << answer.at("choices").at(0).at("message").at("content").as_string() << '\n';
}
