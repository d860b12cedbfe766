// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_IMPL_CASSETTE_IPP
#define KNOBS_LOCAL_IMPL_CASSETTE_IPP

#include <knobs/local/cassette.hpp>

#include <knobs/detail/byte_stream.hpp>
#include <knobs/detail/http_field.hpp>
#include <knobs/detail/redact.hpp>
#include <knobs/detail/sse.hpp>
#include <knobs/detail/tls_host.hpp>
#include <knobs/detail/url.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace knobs {
namespace local {

namespace detail {

inline std::string cassette_prefix() { return "knobs::local::cassette: "; }

// Now, in UTC, as the file's recorded_at.
inline std::string cassette_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
#ifdef _WIN32
  gmtime_s(&utc, &now);
#else
  gmtime_r(&now, &utc);
#endif
  char text[32];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text, n);
}

// The system_fingerprint of an answer: the body's own, or a stream's first.
inline std::optional<std::string> fingerprint_of(std::string_view content_type,
                                                 std::string_view body) {
  auto from_json = [](std::string_view text) -> std::optional<std::string> {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(text, ec);
    if (ec || !v.is_object())
      return std::nullopt;
    const boost::json::value* f = v.as_object().if_contains("system_fingerprint");
    if (!f || !f->is_string())
      return std::nullopt;
    return std::string(f->as_string());
  };
  if (content_type.substr(0, content_type.find(';')) != "text/event-stream")
    return from_json(body);
  knobs::detail::sse_parser events;
  events.feed(body);
  knobs::detail::sse_event event;
  while (events.finish(event) == knobs::detail::sse_status::event)
    if (auto f = from_json(event.data))
      return f;
  return std::nullopt;
}

// Up to 24 bytes of `body` on each side of `at`, printable.
inline std::string context_at(std::string_view body, std::size_t at) {
  constexpr std::size_t side = 24;
  const std::size_t from = at > side ? at - side : 0;
  const std::size_t to = std::min(body.size(), at + side);
  std::string out = from > 0 ? "..." : "";
  for (std::size_t i = from; i < to; ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    }
  }
  if (at >= body.size())
    out += "<end>";
  else if (to < body.size())
    out += "...";
  return out;
}

// What the cassette forwards to: the upstream's URL, taken apart once.
struct cassette_upstream {
  knobs::detail::endpoint where;
  std::string api_key;
  std::string ca_file;
};

// The target to ask the upstream for: what follows the cassette's own "/v1"
// goes after the upstream's path prefix; anything else goes as it is.
inline std::string upstream_target(const knobs::detail::endpoint& where,
                                   const std::string& target) {
  const bool under_v1 = target.compare(0, 3, "/v1") == 0 &&
                        (target.size() == 3 || target[3] == '/' || target[3] == '?');
  return under_v1 ? where.path_prefix + target.substr(3) : target;
}

// One request to the upstream, on a connection of its own: the server's
// thread waits for the answer, running an io_context of its own (one request
// at a time is all a recording needs). Throws boost::system::system_error.
inline boost::beast::http::response<boost::beast::http::string_body>
forward(const cassette_upstream& up, const received_request& r) {
  namespace http = boost::beast::http;
  http::request<http::string_body> req;
  req.version(11);
  req.method_string(r.method);
  req.target(upstream_target(up.where, r.target));
  req.set(http::field::host, up.where.host_header);
  req.set(http::field::content_type, r.header("content-type").value_or("application/json"));
  req.set(http::field::accept, r.header("accept").value_or("application/json"));
  if (!up.api_key.empty())
    req.set(http::field::authorization, "Bearer " + up.api_key);
  req.keep_alive(false);
  req.body() = r.body;
  req.prepare_payload();

  boost::asio::io_context ioc;
  boost::asio::ip::tcp::resolver resolver(ioc);
  const auto addresses = resolver.resolve(up.where.host, std::to_string(up.where.port));
  // As the client's transport does: the system's trust store (and the extra
  // CA file), the peer verified, SNI for a host name, and the name (or IP
  // address) checked by OpenSSL as part of the chain.
  std::optional<boost::asio::ssl::context> tls;
  if (up.where.tls) {
    tls.emplace(boost::asio::ssl::context::tls_client);
    tls->set_default_verify_paths();
    if (!up.ca_file.empty())
      tls->load_verify_file(up.ca_file);
    tls->set_verify_mode(boost::asio::ssl::verify_peer);
  }
  // The client's stream type and its operations, run here to the end: the
  // recording compiles no HTTP or TLS operation of its own but the request's
  // write.
  knobs::detail::byte_stream stream(ioc.get_executor(), tls ? &*tls : nullptr);
  boost::asio::connect(stream.tcp(), addresses);
  boost::system::error_code ec;
  const auto done = [&](boost::system::error_code e, std::size_t) { ec = e; };
  const auto finish = [&] {
    ioc.restart();
    ioc.run();
    if (ec)
      throw boost::system::system_error(ec);
  };
  if (tls) {
    if (const auto bad =
            knobs::detail::expect_tls_host(stream.tls().native_handle(), up.where.host, true))
      throw boost::system::system_error(bad, "setting the TLS host name");
    stream.async_handshake(
        boost::asio::ssl::stream_base::client,
        knobs::detail::byte_stream::handler([&](boost::system::error_code e) { ec = e; },
                                            ioc.get_executor(), boost::asio::cancellation_slot()));
    finish();
  }
  // The request's bytes as Beast's serializer writes them (the start line,
  // each field as set, the blank line, the body), written as the client
  // writes its requests: the serializer and its write operations, compiled
  // for this one call, cost each program that uses the cassette about 2 s of
  // compile time in header-only mode.
  std::string head;
  head.append(req.method_string()).append(" ").append(req.target()).append(" HTTP/1.1\r\n");
  knobs::detail::append_fields_and_end(head, req.base());
  boost::asio::async_write(stream,
                           std::array<boost::asio::const_buffer, 2>{
                               boost::asio::buffer(head), boost::asio::buffer(req.body())},
                           knobs::detail::byte_stream::io_handler(
                               done, ioc.get_executor(), boost::asio::cancellation_slot()));
  finish();
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  boost::beast::flat_buffer buffer;
  http::async_read(stream, buffer, parser,
                   knobs::detail::byte_stream::io_handler(done, ioc.get_executor(),
                                                          boost::asio::cancellation_slot()));
  finish();
  // The answer is whole (the request asked for `Connection: close`); the
  // connection closes with the stream, no goodbye needed.
  return parser.release();
}

} // namespace detail

std::string to_cassette_line(const cassette_exchange& exchange) {
  boost::json::object o;
  o["method"] = boost::json::string(exchange.method);
  o["target"] = boost::json::string(exchange.target);
  o["request"] = boost::json::string(exchange.request);
  o["status"] = exchange.status;
  o["content_type"] = boost::json::string(exchange.content_type);
  o["response"] = boost::json::string(exchange.response);
  if (exchange.system_fingerprint)
    o["system_fingerprint"] = boost::json::string(*exchange.system_fingerprint);
  else
    o["system_fingerprint"] = nullptr;
  o["recorded_at"] = boost::json::string(exchange.recorded_at);
  return boost::json::serialize(o);
}

cassette_exchange parse_cassette_line(std::string_view line) {
  boost::json::parse_options options;
  // A body is kept byte for byte, even one that is not UTF-8.
  options.allow_invalid_utf8 = true;
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(line, ec, {}, options);
  if (ec)
    throw std::invalid_argument("not JSON (" + ec.message() + ")");
  if (!v.is_object())
    throw std::invalid_argument("not a JSON object");
  const boost::json::object& o = v.as_object();
  auto text = [&](const char* key, bool required) -> std::optional<std::string> {
    const boost::json::value* f = o.if_contains(key);
    if (!f || (!required && f->is_null())) {
      if (required)
        throw std::invalid_argument(std::string("\"") + key + "\" is missing");
      return std::nullopt;
    }
    if (!f->is_string())
      throw std::invalid_argument(std::string("\"") + key + "\" is not a string");
    return std::string(f->as_string());
  };
  cassette_exchange e;
  e.method = *text("method", true);
  e.target = *text("target", true);
  e.request = *text("request", true);
  const boost::json::value* status = o.if_contains("status");
  if (!status)
    throw std::invalid_argument("\"status\" is missing");
  if (!status->is_int64() || status->get_int64() < 100 || status->get_int64() > 999)
    throw std::invalid_argument("\"status\" is not an HTTP status (an integer in [100, 999])");
  e.status = static_cast<int>(status->get_int64());
  e.content_type = *text("content_type", true);
  e.response = *text("response", true);
  e.system_fingerprint = text("system_fingerprint", false);
  e.recorded_at = text("recorded_at", false).value_or("");
  return e;
}

std::vector<cassette_exchange> parse_cassette(std::string_view text, std::string_view name) {
  std::vector<cassette_exchange> out;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos)
      continue;
    try {
      out.push_back(parse_cassette_line(line));
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(detail::cassette_prefix() + std::string(name) + ":" +
                               std::to_string(number) + ": " + e.what());
    }
  }
  return out;
}

std::vector<cassette_exchange> read_cassette(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(detail::cassette_prefix() + "cannot read \"" + path +
                             "\": " + std::strerror(errno));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad())
    throw std::runtime_error(detail::cassette_prefix() + "cannot read \"" + path + "\"");
  return parse_cassette(text, path);
}

std::optional<std::string> cassette_mismatch(const std::vector<cassette_exchange>& exchanges,
                                             std::string_view method, std::string_view target,
                                             std::string_view body) {
  auto same_place = [&](const cassette_exchange& e) {
    return e.method == method && e.target == target;
  };
  for (const cassette_exchange& e : exchanges)
    if (same_place(e) && e.request == body)
      return std::nullopt;
  std::string why = "the cassette has no recording of " + std::string(method) + " " +
                    std::string(target) + " with this " + std::to_string(body.size()) +
                    "-byte body";
  if (exchanges.empty())
    return why + ": it holds no exchanges";
  const bool any_same_place = std::any_of(exchanges.begin(), exchanges.end(), same_place);
  std::size_t nearest = exchanges.size();
  std::size_t shared = 0;
  for (std::size_t i = 0; i < exchanges.size(); ++i) {
    const cassette_exchange& e = exchanges[i];
    if (any_same_place && !same_place(e))
      continue;
    const std::size_t n = static_cast<std::size_t>(
        std::mismatch(e.request.begin(),
                      e.request.begin() +
                          static_cast<std::ptrdiff_t>(std::min(e.request.size(), body.size())),
                      body.begin())
            .first -
        e.request.begin());
    if (nearest == exchanges.size() || n > shared) {
      nearest = i;
      shared = n;
    }
  }
  const cassette_exchange& e = exchanges[nearest];
  why += "; the nearest is request #" + std::to_string(nearest + 1);
  if (!any_same_place)
    why += " (" + e.method + " " + e.target + ": none has this method and target)";
  if (e.request == body)
    return why + ", whose body is the same";
  return why + ", whose body differs at byte " + std::to_string(shared) + ": recorded `" +
         detail::context_at(e.request, shared) + "`, sent `" + detail::context_at(body, shared) +
         "`";
}

struct cassette::state {
  std::string path;
  cassette_mode mode = cassette_mode::replay;
  std::optional<detail::cassette_upstream> upstream;
  std::function<void(const std::string&)> on_notice;
  server_options listen;

  // record: the file as it was, for fingerprints only. Otherwise empty.
  std::vector<cassette_exchange> before;
  // What the cassette answers from (replay, record_new) or has recorded (record).
  std::vector<cassette_exchange> exchanges;
  // How many times each request (method, target, body) has come so far.
  std::map<std::string, std::size_t> seen;
  std::size_t replayed = 0;
  std::size_t recorded = 0;
  mutable std::mutex mutex;

  explicit state(cassette_options options)
      : path(std::move(options.path)), mode(options.mode), on_notice(std::move(options.on_notice)),
        listen(std::move(options.server)) {
    const std::string prefix = detail::cassette_prefix();
    if (path.empty())
      throw std::invalid_argument(prefix + "no file (cassette_options::path)");
    if (mode != cassette_mode::replay) {
      if (options.upstream.empty())
        throw std::invalid_argument(prefix +
                                    "recording needs an upstream (cassette_options::upstream)");
      auto where = knobs::detail::parse_base_url(options.upstream);
      if (!where)
        throw std::invalid_argument(prefix + "the upstream's " + where.error().message);
      upstream = detail::cassette_upstream{std::move(*where), std::move(options.upstream_api_key),
                                           std::move(options.upstream_ca_file)};
    }
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (mode == cassette_mode::replay || exists)
      (mode == cassette_mode::record ? before : exchanges) = read_cassette(path);
    if (mode == cassette_mode::record || !exists) {
      std::ofstream start(path, std::ios::binary | std::ios::trunc);
      if (!start)
        throw std::runtime_error(prefix + "cannot write \"" + path + "\": " + std::strerror(errno));
    }
  }

  static std::string key(std::string_view method, std::string_view target, std::string_view body) {
    std::string k;
    k.reserve(method.size() + target.size() + body.size() + 2);
    k.append(method).append(1, '\n').append(target).append(1, '\n').append(body);
    return k;
  }

  // The indices of the exchanges in `from` that hold this request.
  static std::vector<std::size_t> matches(const std::vector<cassette_exchange>& from,
                                          const received_request& r) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < from.size(); ++i)
      if (from[i].method == r.method && from[i].target == r.target && from[i].request == r.body)
        out.push_back(i);
    return out;
  }

  static response_plan answer(const cassette_exchange& e) {
    response_plan plan;
    plan.status = e.status;
    plan.content_type = e.content_type;
    plan.body = e.response;
    return plan;
  }

  void notice(const std::string& message) const {
    if (on_notice)
      on_notice(message);
    else
      std::cerr << "knobs: cassette: " << message << '\n';
  }

  // Forwards, appends to the file, and compares fingerprints with the
  // recording `previous` (#number in the file) when there is one.
  response_plan record(const received_request& r, const cassette_exchange* previous,
                       std::size_t number) {
    boost::beast::http::response<boost::beast::http::string_body> res;
    try {
      res = detail::forward(*upstream, r);
    } catch (const boost::system::system_error& e) {
      // The URL is the one given in the options, which parse_base_url
      // refuses when it holds credentials; the key is in no error.
      return response_plan::api_error(
          502,
          "the cassette cannot reach its upstream " +
              std::string(upstream->where.tls ? "https://" : "http://") +
              upstream->where.host_header + ": " + e.what(),
          "server_error", std::nullopt, "cassette_upstream");
    }
    const std::string& key_text = upstream->api_key;
    cassette_exchange e;
    e.method = r.method;
    e.target = knobs::detail::redact(r.target, key_text);
    e.request = knobs::detail::redact(r.body, key_text);
    e.status = static_cast<int>(res.result_int());
    e.content_type = std::string(res[boost::beast::http::field::content_type]);
    e.response = knobs::detail::redact(res.body(), key_text);
    e.system_fingerprint = detail::fingerprint_of(e.content_type, res.body());
    e.recorded_at = detail::cassette_now();
    {
      std::ofstream out(path, std::ios::binary | std::ios::app);
      out << to_cassette_line(e) << '\n';
      out.flush();
      if (!out)
        throw std::runtime_error(detail::cassette_prefix() + "cannot append to \"" + path +
                                 "\": " + std::strerror(errno));
    }
    ++recorded;
    if (previous && previous->system_fingerprint != e.system_fingerprint)
      notice("system_fingerprint changed from " + previous->system_fingerprint.value_or("none") +
             " to " + e.system_fingerprint.value_or("none") + " for request #" +
             std::to_string(number) + " of " + path + " (" + r.method + " " + e.target +
             "): identical inputs may diverge");
    response_plan plan = answer(e);
    exchanges.push_back(std::move(e));
    return plan;
  }

  response_plan respond(const received_request& r) {
    std::lock_guard<std::mutex> lock(mutex);
    const std::size_t k = seen[key(r.method, r.target, r.body)]++;
    if (mode == cassette_mode::record) {
      const std::vector<std::size_t> was = matches(before, r);
      if (was.empty())
        return record(r, nullptr, 0);
      const std::size_t i = was[std::min(k, was.size() - 1)];
      return record(r, &before[i], i + 1);
    }
    const std::vector<std::size_t> held = matches(exchanges, r);
    if (k < held.size() || (mode == cassette_mode::replay && !held.empty())) {
      ++replayed;
      return answer(exchanges[held[std::min(k, held.size() - 1)]]);
    }
    if (mode == cassette_mode::replay)
      return response_plan::api_error(404,
                                      *cassette_mismatch(exchanges, r.method, r.target, r.body),
                                      "invalid_request_error", std::nullopt, "cassette_mismatch");
    if (held.empty())
      return record(r, nullptr, 0);
    const std::size_t last = held.back();
    const cassette_exchange previous = exchanges[last]; // a copy: record() appends
    return record(r, &previous, last + 1);
  }
};

cassette::cassette(cassette_options options)
    : state_(std::make_unique<state>(std::move(options))),
      server_([s = state_.get()](const received_request& r) { return s->respond(r); },
              state_->listen) {}

cassette::~cassette() { server_.stop(); }

std::string cassette::base_url() const { return server_.base_url(); }

response_plan cassette::respond(const received_request& request) {
  return state_->respond(request);
}

std::vector<cassette_exchange> cassette::exchanges() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->exchanges;
}

std::size_t cassette::replayed() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->replayed;
}

std::size_t cassette::recorded() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->recorded;
}

void cassette::stop() { server_.stop(); }

} // namespace local
} // namespace knobs

#endif
