// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_TRANSPORT_HPP
#define KNOBS_IMPL_TRANSPORT_HPP

// The machinery under knobs::async_client: a connection (plain or TLS), the
// per-client state with its keep-alive pool, the composed operation that sends
// one request with retries, and the state of a stream being read.

#include <knobs/api_error.hpp>
#include <knobs/chat_chunk.hpp>
#include <knobs/chat_completion.hpp>
#include <knobs/chat_request.hpp>
#include <knobs/detail/byte_stream.hpp>
#include <knobs/detail/http_field.hpp>
#include <knobs/detail/number.hpp>
#include <knobs/detail/proxy.hpp>
#include <knobs/detail/redact.hpp>
#include <knobs/detail/retry.hpp>
#include <knobs/detail/sse.hpp>
#include <knobs/detail/tls_host.hpp>
#include <knobs/detail/tls_sessions.hpp>
#include <knobs/detail/url.hpp>
#include <knobs/error.hpp>
#include <knobs/model_info.hpp>
#include <knobs/options.hpp>
#include <knobs/request_options.hpp>
#include <knobs/server_profile.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <openssl/asn1.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace knobs {
namespace detail {

class connection;

// The deadlines of one client's connections, watched by one timer.
//
// Beast's tcp_stream arms a timer for every read and write it does; on a
// keep-alive connection that is two timer-queue changes and a timerfd update
// (a system call) per request. Here a connection only records its deadline;
// the timer is armed for the earliest one and, when it fires, closes the
// connections that are late and re-arms for the next. A later deadline than
// the armed one (the usual case: each request's deadline is later than the
// last) changes nothing. When no connection is watched the timer is cancelled
// (after the handlers that may start the next request have run), so an
// io_context with nothing else to do returns from run().
class deadline_watch : public std::enable_shared_from_this<deadline_watch> {
public:
  using clock = std::chrono::steady_clock;

  explicit deadline_watch(const boost::asio::any_io_executor& ex) : timer_(ex) {}

  // Starts or moves `c`'s deadline.
  void watch(connection& c, clock::time_point deadline);
  // Stops watching `c` (no effect when it is not watched).
  void unwatch(connection& c) noexcept;
  // Leaves the timer armed when nothing is watched, for a blocking client,
  // whose io_context never runs out of work: the next request's deadline is
  // later than the armed one, so it arms nothing (no timerfd_settime per
  // request), and an expiry with nothing late re-arms nothing.
  void keep_armed() noexcept { keep_armed_ = true; }

private:
  void arm(clock::time_point when) {
    timer_.expires_at(when);
    armed_ = true;
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec)
        return; // cancelled, or moved to an earlier deadline
      if (auto self = weak.lock())
        self->expired();
    });
  }
  void expired();
  void disarm_when_idle() {
    if (!armed_ || check_posted_)
      return;
    check_posted_ = true;
    boost::asio::post(timer_.get_executor(), [weak = weak_from_this()] {
      auto self = weak.lock();
      if (!self)
        return;
      self->check_posted_ = false;
      if (self->watched_.empty() && self->armed_) {
        self->timer_.cancel();
        self->armed_ = false;
      }
    });
  }

  boost::asio::steady_timer timer_;
  bool armed_ = false;
  bool check_posted_ = false;
  bool keep_armed_ = false;
  std::vector<connection*> watched_;
};

// One HTTP/1.1 connection to the server, over TCP or TLS over TCP (a
// byte_stream: each Beast operation is compiled once, for both). Its
// deadline is kept by the client's deadline_watch (Beast's own per-operation
// timeouts are not used); a connection that misses it is closed, and its
// operations' errors read as boost::beast::error::timeout through
// `timeout_or()`.
class connection {
public:
  using tcp_stream = byte_stream::tcp_stream;
  using tls_stream = byte_stream::tls_stream;

  connection(const boost::asio::any_io_executor& ex, boost::asio::ssl::context* tls,
             std::shared_ptr<deadline_watch> watch)
      : stream_(ex, tls), watch_(std::move(watch)) {
    // Beast reads as much as the buffer has room for, at least 512 bytes
    // (beast::read_size): an empty buffer would take a ~900-byte completion
    // in two reads (two system calls, and two trips through the io_context)
    // and a stream in as many reads as it has ~512-byte pieces.
    buffer_.reserve(read_capacity);
  }

  // What one read may take from the socket.
  static constexpr std::size_t read_capacity = 16 * 1024;

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() { watch_->unwatch(*this); }

  // The operations started from now on must finish by `deadline`.
  void expires_at(std::chrono::steady_clock::time_point deadline) {
    timed_out_ = false;
    watch_->watch(*this, deadline);
  }
  void expires_after(std::chrono::steady_clock::duration d) {
    expires_at(std::chrono::steady_clock::now() + d);
  }
  void expires_never() noexcept { watch_->unwatch(*this); }

  // `ec`, or boost::beast::error::timeout when the connection was closed for
  // missing its deadline (its operations then fail with operation_aborted or
  // similar).
  boost::system::error_code timeout_or(boost::system::error_code ec) const noexcept {
    if (timed_out_)
      return boost::beast::error::timeout;
    return ec;
  }

  bool is_tls() const noexcept { return stream_.is_tls(); }
  tcp_stream& tcp() noexcept { return stream_.tcp(); }

  tls_stream& tls() noexcept { return stream_.tls(); }
  byte_stream& stream() noexcept { return stream_; }

  // Whether the server has closed this idle connection (or sent something
  // unasked, which no HTTP/1.1 exchange allows between responses: a
  // connection that has anything to read while idle is not reused). One
  // non-blocking peek at the socket, as curl checks a connection before it
  // reuses one.
  bool peer_closed() noexcept {
#if defined(MSG_PEEK) && defined(MSG_DONTWAIT)
    char byte = 0;
    const auto n = ::recv(tcp().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
#else
    return false; // no peek here: a closed connection is found by using it
#endif
  }

  // Writes a request: its head (request line and fields, see request_head())
  // and its body, in one gather write.
  template <class Handler>
  void async_write(const std::string& head, const std::string& body, Handler&& handler) {
    const std::array<boost::asio::const_buffer, 2> buffers{boost::asio::buffer(head),
                                                           boost::asio::buffer(body)};
    boost::asio::async_write(stream_, buffers, std::forward<Handler>(handler));
  }

  // Writes the rest of a request, from byte `from` of head and body on.
  template <class Handler>
  void async_write(const std::string& head, const std::string& body, std::size_t from,
                   Handler&& handler) {
    const std::size_t h = std::min(from, head.size());
    const std::array<boost::asio::const_buffer, 2> buffers{boost::asio::buffer(head) + h,
                                                           boost::asio::buffer(body) + (from - h)};
    boost::asio::async_write(stream_, buffers, std::forward<Handler>(handler));
  }

  // Writes what the socket takes now of head and body from byte `written`
  // on, adding what it wrote to `written`; true when all of it is written.
  // False with `ec` clear when the socket takes no more now: write the
  // rest with async_write.
  bool write_now(const std::string& head, const std::string& body, std::size_t& written,
                 boost::system::error_code& ec) {
    const std::size_t total = head.size() + body.size();
    while (written < total) {
      const std::size_t h = std::min(written, head.size());
      const std::array<boost::asio::const_buffer, 2> buffers{
          boost::asio::buffer(head) + h, boost::asio::buffer(body) + (written - h)};
      written += stream_.write_now(buffers, ec);
      if (ec) {
        if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again)
          ec = {};
        return false;
      }
    }
    return true;
  }

  // Feeds `parser` what is buffered and what the socket has now, without
  // waiting, until it is done (or, unless `eager`, its head is): true then.
  // False with `ec` clear when more must be waited for (wait_readable, then
  // again); with `ec` set as Beast's read operations set it when the
  // bytes are no HTTP or the connection ended or failed.
  template <class Parser>
  bool parse_now(Parser& parser, bool eager, boost::system::error_code& ec) {
    parser.eager(eager);
    const auto done = [&] { return eager ? parser.is_done() : parser.is_header_done(); };
    for (;;) {
      while (buffer_.size() != 0 && !done()) {
        const std::size_t used = parser.put(buffer_.data(), ec);
        buffer_.consume(used);
        if (ec == boost::beast::http::error::need_more) {
          ec = {};
          break;
        }
        if (ec)
          return false;
        if (used == 0)
          break;
      }
      if (done())
        return true;
      const std::size_t n =
          stream_.read_now(buffer_.prepare(boost::beast::read_size(buffer_, read_capacity)), ec);
      buffer_.commit(n);
      if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
        ec = {};
        return false;
      }
      if (ec == boost::asio::error::eof) {
        // As Beast's read operations: the end of a body that runs to the
        // end of the connection, else a message cut short.
        if (parser.got_some()) {
          ec = {};
          parser.put_eof(ec);
          return !ec && done();
        }
        ec = boost::beast::http::error::end_of_stream;
        return false;
      }
      if (ec)
        return false;
    }
  }

  // Waits on the calling thread, until `deadline`, for the socket to have
  // something to read: false with `ec` set (beast::error::timeout at the
  // deadline). For the blocking client only (prepared_request::blocking).
  bool wait_readable(std::chrono::steady_clock::time_point deadline,
                     boost::system::error_code& ec) {
    for (;;) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        ec = boost::beast::error::timeout;
        return false;
      }
      pollfd p{tcp().native_handle(), POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30)));
      if (r > 0)
        return true;
      if (r < 0 && errno != EINTR) {
        ec = boost::system::error_code(errno, boost::system::system_category());
        return false;
      }
    }
  }

  template <class Parser, class Handler> void async_read(Parser& parser, Handler&& handler) {
    boost::beast::http::async_read(stream_, buffer_, parser, std::forward<Handler>(handler));
  }

  template <class Parser, class Handler> void async_read_header(Parser& parser, Handler&& handler) {
    boost::beast::http::async_read_header(stream_, buffer_, parser, std::forward<Handler>(handler));
  }

  // Feeds `parser` the bytes already read past the head (for a small
  // response, usually its whole body), so that no read operation is spent
  // on what is here; the parser may be done after it.
  template <class Parser> void parse_buffered(Parser& parser, boost::system::error_code& ec) {
    parser.eager(true);
    while (buffer_.size() != 0 && !parser.is_done()) {
      const std::size_t used = parser.put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == boost::beast::http::error::need_more) {
        ec = {};
        return;
      }
      if (ec || used == 0)
        return;
    }
  }

  template <class Parser, class Handler> void async_read_some(Parser& parser, Handler&& handler) {
    boost::beast::http::async_read_some(stream_, buffer_, parser, std::forward<Handler>(handler));
  }

  // A client has nothing to gain from a TLS close_notify here: the response
  // was complete (HTTP framing says so) or the connection is being abandoned.
  //
  // `clean`: every response on the connection was read whole, so its TLS
  // session may be resumed. OpenSSL forgets the session of a connection
  // freed before a close_notify was sent (SSL_free(3), after RFC 2246);
  // marking one as sent, without sending it, keeps the session when the
  // connection beneath is closed anyway (SSL_set_shutdown(3), OpenSSL 3.0).
  void close(bool clean = false) noexcept {
    if (clean && is_tls())
      SSL_set_shutdown(tls().native_handle(), SSL_SENT_SHUTDOWN);
    boost::system::error_code ignored;
    tcp().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    tcp().close(ignored);
  }

  // Bytes the server sent past the last response: a keep-alive connection must
  // have none before it is reused.
  bool has_leftover() const noexcept { return buffer_.size() != 0; }

private:
  friend class deadline_watch;

  byte_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<deadline_watch> watch_;
  // Kept by watch_: the deadline, and where this connection is in its list.
  std::chrono::steady_clock::time_point deadline_{};
  std::size_t watched_at_ = npos;
  bool timed_out_ = false;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

inline void deadline_watch::watch(connection& c, clock::time_point deadline) {
  c.deadline_ = deadline;
  if (c.watched_at_ == connection::npos) {
    c.watched_at_ = watched_.size();
    watched_.push_back(&c);
  }
  if (!armed_ || deadline < timer_.expiry())
    arm(deadline);
}

inline void deadline_watch::unwatch(connection& c) noexcept {
  if (c.watched_at_ == connection::npos)
    return;
  connection* last = watched_.back();
  watched_[c.watched_at_] = last;
  last->watched_at_ = c.watched_at_;
  watched_.pop_back();
  c.watched_at_ = connection::npos;
  if (watched_.empty() && !keep_armed_)
    disarm_when_idle();
}

inline void deadline_watch::expired() {
  armed_ = false;
  const clock::time_point now = clock::now();
  clock::time_point next = clock::time_point::max();
  // Closing a connection does not unwatch it (its operation does that when it
  // sees the error), so the list is stable during the loop.
  for (connection* c : watched_) {
    if (c->timed_out_)
      continue;
    if (c->deadline_ <= now) {
      c->timed_out_ = true;
      c->close();
    } else {
      next = std::min(next, c->deadline_);
    }
  }
  if (next != clock::time_point::max())
    arm(next);
}

// The head of every request a client sends, from the request line to
// "Content-Length: " (the length is added per request). It is built once per
// client and written as it is, which costs a fraction of serializing a
// beast::http::request each time. client_options::check() has refused field
// names and values that could break the framing (CR, LF, NUL, ...), and
// Content-Length and Transfer-Encoding among the extra headers.
//
// Through a proxy (`proxy` not null) to an http server, the request goes to
// the proxy with the absolute URL as its target (RFC 9112 §3.2.2) and the
// proxy's credentials; to an https server it goes inside a CONNECT tunnel
// (make_connect_head()) as it would directly.
//
// What the request is: a chat completion (POST, a JSON body) or the model
// list (GET .../models, no body: its head is whole, ending with the blank
// line).
enum class request_kind { create, stream, list_models };

inline std::string request_head(const client_options& o, const endpoint& ep, request_kind kind,
                                const proxy_endpoint* proxy,
                                const request_options* extra = nullptr) {
  const bool get = kind == request_kind::list_models;
  std::vector<std::pair<std::string, std::string>> fields{{"Host", ep.host_header},
                                                          {"User-Agent", o.user_agent}};
  if (!get)
    fields.emplace_back("Content-Type", "application/json");
  fields.emplace_back("Accept",
                      kind == request_kind::stream ? "text/event-stream" : "application/json");
  // Azure OpenAI takes its resource key as `api-key: KEY` ("Azure OpenAI
  // Service REST API reference", learn.microsoft.com/azure/ai-services/openai/
  // reference, "Authentication"); the value is the key itself, so
  // client_state::redact() finds it in an echo as it finds a Bearer one.
  if (!o.api_key.empty()) {
    if (o.api_key_header == key_header::api_key)
      fields.emplace_back("api-key", o.api_key);
    else
      fields.emplace_back("Authorization", "Bearer " + o.api_key);
  }
  if (!o.organization.empty())
    fields.emplace_back("OpenAI-Organization", o.organization);
  if (!o.project.empty())
    fields.emplace_back("OpenAI-Project", o.project);
  const bool absolute = proxy && !ep.tls;
  if (absolute && !proxy->authorization.empty())
    fields.emplace_back("Proxy-Authorization", proxy->authorization);
  // An extra header replaces a field of the same name, ours or an earlier
  // one: the client's, then the request's.
  auto add = [&](const std::pair<std::string, std::string>& h) {
    auto same = std::find_if(fields.begin(), fields.end(), [&](const auto& f) {
      return boost::beast::iequals(f.first, h.first);
    });
    if (same != fields.end())
      same->second = h.second;
    else
      fields.push_back(h);
  };
  std::for_each(o.headers.begin(), o.headers.end(), add);
  std::string target = get ? ep.models_target() : ep.target("/chat/completions");
  append_query(target, o.query);
  if (extra) {
    std::for_each(extra->headers.begin(), extra->headers.end(), add);
    append_query(target, extra->query);
  }
  std::string head = (get ? "GET " : "POST ") +
                     (absolute ? "http://" + ep.host_header : std::string()) + target +
                     " HTTP/1.1\r\n";
  for (const auto& f : fields) {
    head += f.first;
    head += ": ";
    head += f.second;
    head += "\r\n";
  }
  head += get ? "\r\n" : "Content-Length: ";
  return head;
}

// The request that asks a proxy for a tunnel to an https server: `CONNECT
// host:port` in authority form, with the same authority as Host (RFC 9110
// §9.3.6), and the proxy's credentials.
inline std::string make_connect_head(const client_options& o, const endpoint& ep,
                                     const proxy_endpoint& proxy) {
  const bool ipv6 = !ep.host_header.empty() && ep.host_header.front() == '[';
  const std::string authority =
      (ipv6 ? "[" + ep.host + "]" : ep.host) + ":" + std::to_string(ep.port);
  std::string head = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority +
                     "\r\nUser-Agent: " + o.user_agent + "\r\n";
  if (!proxy.authorization.empty())
    head += "Proxy-Authorization: " + proxy.authorization + "\r\n";
  return head + "\r\n";
}

class client_state;

// A host name being resolved under a deadline. Neither getaddrinfo (Asio's
// resolver runs it on a thread of its own) nor a user's `resolve` function
// can be stopped, so the request does not wait for them past its deadline:
// it waits on `signal`, a timer set to the deadline that the resolution
// cancels when it is in. A resolution that comes too late finds `settled`
// and is dropped; what it touches (the Asio resolver, or the flag a user's
// thread checks) lives in shared state until it returns.
struct resolution {
  explicit resolution(const boost::asio::any_io_executor& ex) : signal(ex) {}
  resolution(const resolution&) = delete;
  resolution& operator=(const resolution&) = delete;
  ~resolution() {
    // A user's resolver thread must not post to an executor that may be gone.
    if (gate) {
      std::lock_guard<std::mutex> lock(gate->mutex);
      gate->closed = true;
    }
  }

  // Takes the result, if the request still waits for it.
  void settle(boost::system::error_code e, std::vector<boost::asio::ip::tcp::endpoint> found,
              std::string why) {
    if (settled)
      return;
    settled = true;
    ec = e;
    endpoints = std::move(found);
    error = std::move(why);
    signal.cancel();
  }

  struct gate_state {
    std::mutex mutex;
    bool closed = false;
  };

  boost::asio::steady_timer signal;
  bool settled = false;
  boost::system::error_code ec;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  std::string error; // a user's resolver's what()
  std::optional<boost::asio::ip::tcp::resolver> system;
  std::shared_ptr<gate_state> gate;
};

// `host` as the one endpoint it names when it is an IP address ("127.0.0.1",
// "::1"), or nothing when it is a name to resolve.
inline std::vector<boost::asio::ip::tcp::endpoint> ip_literal(const std::string& host,
                                                              std::uint16_t port) {
  boost::system::error_code not_an_address;
  const boost::asio::ip::address address = boost::asio::ip::make_address(host, not_an_address);
  if (not_an_address)
    return {};
  return {boost::asio::ip::tcp::endpoint(address, port)};
}

// Starts resolving `host` with the system's resolver or `custom`; the result
// settles `r`.
inline void
start_resolving(const std::shared_ptr<resolution>& r, const boost::asio::any_io_executor& ex,
                const std::string& host, std::uint16_t port,
                const std::function<std::vector<std::string>(const std::string&)>& custom) {
  if (!custom) {
    r->system.emplace(ex);
    r->system->async_resolve(
        host, std::to_string(port), boost::asio::ip::tcp::resolver::numeric_service,
        [r](boost::system::error_code ec, boost::asio::ip::tcp::resolver::results_type found) {
          std::vector<boost::asio::ip::tcp::endpoint> endpoints;
          for (const auto& entry : found)
            endpoints.push_back(entry.endpoint());
          r->settle(ec, std::move(endpoints), {});
        });
    return;
  }
  r->gate = std::make_shared<resolution::gate_state>();
  std::weak_ptr<resolution> weak = r;
  std::thread([gate = r->gate, weak, ex, host, port, custom] {
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;
    boost::system::error_code ec;
    std::string why;
    try {
      for (const std::string& text : custom(host)) {
        boost::system::error_code bad;
        const auto address = boost::asio::ip::make_address(text, bad);
        if (bad)
          throw std::invalid_argument("\"" + text + "\" is not an IP address");
        endpoints.emplace_back(address, port);
      }
      if (endpoints.empty())
        throw std::invalid_argument("no address");
    } catch (const std::exception& e) {
      ec = boost::asio::error::host_not_found;
      why = e.what();
    } catch (...) {
      ec = boost::asio::error::host_not_found;
      why = "an exception that is not a std::exception";
    }
    std::lock_guard<std::mutex> lock(gate->mutex);
    if (gate->closed)
      return;
    boost::asio::post(ex,
                      [weak, ec, endpoints = std::move(endpoints), why = std::move(why)]() mutable {
                        if (auto r = weak.lock())
                          r->settle(ec, std::move(endpoints), std::move(why));
                      });
  }).detach();
}

// For the logs: "12.3 ms" (whatever the locale).
inline std::string log_ms(std::chrono::steady_clock::duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  const auto tenths = (us + 50) / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " ms";
}

// For the logs: a header line with a credential's value hidden.
inline std::string hide_credentials(std::string_view line) {
  const std::string_view name = line.substr(0, line.find(':'));
  for (std::string_view secret : {"authorization", "api-key", "proxy-authorization"})
    if (iequal(name, secret))
      return std::string(name) + ": [redacted]";
  return std::string(line);
}

// For the logs: a request line with its query's values hidden, as in the
// URL of an info line ("POST /v1/chat/completions?api-version=1&t=[redacted] HTTP/1.1").
inline std::string hide_query_values(std::string_view line) {
  const std::size_t query = line.find('?');
  if (query == std::string_view::npos)
    return std::string(line);
  const std::size_t end = std::min(line.find(' ', query), line.size());
  std::string out(line.substr(0, query + 1));
  std::string_view params = line.substr(query + 1, end - query - 1);
  while (!params.empty()) {
    const std::size_t amp = params.find('&');
    const std::string_view param = params.substr(0, amp);
    const std::size_t eq = param.find('=');
    const std::string_view name = param.substr(0, eq);
    out += name;
    if (eq != std::string_view::npos)
      out += iequal(name, "api-version") ? std::string(param.substr(eq)) : "=[redacted]";
    params.remove_prefix(amp == std::string_view::npos ? params.size() : amp + 1);
    if (!params.empty())
      out += '&';
  }
  out += line.substr(end);
  return out;
}

// For the logs: a body on one line, its line breaks written as \r and \n.
inline std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// One request's exchange with the server: the HTTP request with its headers,
// the response parser, the connection in use and the retry bookkeeping. The
// client keeps finished ones for reuse, so the headers, which depend only on
// the options, are built once per client rather than once per request.
struct exchange {
  explicit exchange(std::shared_ptr<client_state> c);

  std::shared_ptr<client_state> client;
  // The request as sent: the client's head with this body's Content-Length,
  // and the body. The head is written once a connection is in hand
  // (client_state::write_head; empty until then): a request queued behind
  // max_connections holds its body, not a copy of the head too.
  std::string request_head;
  std::shared_ptr<const request_overrides> overrides; // a with_options client's, if any
  std::string body;
  const std::string no_body; // the CONNECT request's
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser;
  // A stream's response head is read on its own (the body is then read piece
  // by piece); an error response continues into `parser`.
  bool streaming = false;
  // GET .../models: the body is a model list, not a completion.
  bool listing = false;
  std::unique_ptr<boost::beast::http::response_parser<boost::beast::http::buffer_body>> head;
  // The proxy's answer to CONNECT, while it is read.
  std::unique_ptr<boost::beast::http::response_parser<boost::beast::http::empty_body>> tunnel;
  std::unique_ptr<connection> conn;
  bool reused = false;
  // A failed reused connection was already replaced once without counting a
  // retry; the next failure counts.
  bool replaced_stale = false;
  // The attempt's connection is open (and its TLS handshake done): a timeout
  // from here on is the server's slowness, before it the connection's.
  bool connected = false;
  int retries = 0;
  // The operation has started; it is in its initiating call (see
  // request_op::operator()(Self&)).
  bool started = false;
  bool initiating = false;
  bool blocking = false; // see prepared_request::blocking
  // Bytes of the request written so far, and a failure kept across a post.
  std::size_t written = 0;
  boost::system::error_code failed_with;
  // This request's limits: the client's options, with its request_options.
  std::chrono::milliseconds timeout{0};
  int max_retries = 0;
  std::chrono::milliseconds stream_idle_timeout{0};
  std::chrono::milliseconds stream_timeout{0};
  std::chrono::steady_clock::time_point deadline;
  // Made when first needed: most requests reuse a connection and never wait.
  // The name being resolved, and the addresses it resolved to.
  std::shared_ptr<resolution> resolving;
  bool in_resolution = false;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  std::optional<boost::asio::steady_timer> timer;
  // Rare (a request refused before sending), so out of line: an
  // error_info is 320 bytes, which every queued request would carry.
  std::unique_ptr<error_info> rejected;
  std::optional<std::chrono::milliseconds> wait;
  // The attempt's failure, kept while a retry waits; out of line, as `rejected`.
  std::unique_ptr<error_info> failure;
  // For the logs: the URL as logged, when the attempt began and its
  // response's head arrived, the connection's bytes read before it, and the
  // attempt's result and figures for its line.
  std::string log_url;
  bool attempted = false;
  std::chrono::steady_clock::time_point attempt_start{};
  std::chrono::steady_clock::time_point head_at{};
  std::size_t read_before = 0;
  std::size_t sent = 0;
  std::string what;
  std::string stats;

  boost::asio::steady_timer& wait_timer();
};

// Everything an async_client shares between its operations. Operations hold
// it by shared_ptr, so a client may be destroyed while they run.
class client_state : public std::enable_shared_from_this<client_state> {
public:
  client_state(boost::asio::any_io_executor ex, client_options options, endpoint ep)
      : executor_(std::move(ex)), options_(std::move(options)), endpoint_(std::move(ep)),
        proxy_(proxy_for(options_, endpoint_)),
        deadlines_(std::make_shared<deadline_watch>(executor_)),
        json_head_(request_head(options_, endpoint_, request_kind::create, proxy())),
        stream_head_(request_head(options_, endpoint_, request_kind::stream, proxy())),
        log_url_(loggable_url(nullptr)),
        connect_head_(proxy_ && endpoint_.tls ? make_connect_head(options_, endpoint_, *proxy_)
                                              : ""),
        rng_(std::random_device{}()) {
    // Every secret a message could repeat: the key, and the proxy's password
    // and Basic credentials (whether or not the proxy is used for this server).
    if (!options_.api_key.empty())
      secrets_.push_back(options_.api_key);
    if (!options_.proxy.empty())
      if (auto p = parse_proxy_url(options_.proxy)) {
        if (!p->password.empty())
          secrets_.push_back(p->password);
        if (!p->authorization.empty())
          secrets_.push_back(p->authorization.substr(6)); // after "Basic "
      }
    // A credential given as an extra header (a Microsoft Entra ID token in
    // Authorization, an Azure key in api-key): its value, and the token
    // after a scheme such as "Bearer ".
    add_secrets(options_.headers);
    if (endpoint_.tls) {
      tls_.emplace(boost::asio::ssl::context::tls_client);
      tls_->set_default_verify_paths();
      if (!options_.ca_file.empty())
        tls_->load_verify_file(options_.ca_file);
      tls_->set_verify_mode(options_.insecure_skip_tls_verify ? boost::asio::ssl::verify_none
                                                              : boost::asio::ssl::verify_peer);
      sessions_.attach(tls_->native_handle());
    }
  }

  ~client_state() {
    for (auto& c : idle_)
      c->close(true);
  }

  const boost::asio::any_io_executor& executor() const noexcept { return executor_; }
  const client_options& options() const noexcept { return options_; }
  const endpoint& server() const noexcept { return endpoint_; }
  // The proxy the connections go through; null when there is none, or when
  // no_proxy exempts the server.
  const proxy_endpoint* proxy() const noexcept { return proxy_ ? &*proxy_ : nullptr; }
  // The CONNECT request, for an https server through a proxy.
  const std::string& connect_head() const noexcept { return connect_head_; }
  boost::asio::ssl::context* tls() noexcept { return tls_ ? &*tls_ : nullptr; }
  // The TLS sessions the server gave, offered to the next connections.
  tls_sessions& sessions() noexcept { return sessions_; }
  const std::shared_ptr<deadline_watch>& deadlines() const noexcept { return deadlines_; }

  // The pool. An operation takes an idle connection if there is one, else
  // opens a new one if under max_connections, else waits for a release.
  //
  // Once a reused connection has turned out to be closed by the server (see
  // request_op: it is sent again, uncounted), every idle connection is
  // checked before it is reused: a server (or proxy: tinyproxy 1.11 closes
  // each client connection after one response without saying `Connection:
  // close`) that closed one will close others, and a request sent on a
  // closed connection costs a write, a failed read and a second send.
  // Servers that keep their connections open never pay for the check.
  std::unique_ptr<connection> take_idle() {
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (!check_idle_ || !c->peer_closed())
        return c;
      closed(std::move(c), true);
    }
    return nullptr;
  }

  // A reused connection was found closed by the server.
  void found_closed() noexcept { check_idle_ = true; }

  // The server's profile: the options', else the host's; replaced by
  // client::detect_server() while requests may be prepared on other threads.
  std::shared_ptr<const server_profile> profile() const { return std::atomic_load(&profile_); }
  // What the last model list's header fields said of the server.
  void heard_from(server_kind k) noexcept { heard_ = k; }
  server_kind heard() const noexcept { return heard_; }

  void set_profile(server_profile p) {
    std::atomic_store(&profile_, std::shared_ptr<const server_profile>(
                                     std::make_shared<server_profile>(std::move(p))));
  }

  // Whether the default on_warning prints `w`: the first time this client
  // meets it (its code and message). The requests of a loop repeat their
  // warnings; one line each is enough.
  // `very_first` tells whether it is the first warning the client prints.
  bool first_time(const warning& w, bool& very_first) {
    std::string key(to_string(w.code));
    key += ':';
    key += w.message;
    std::lock_guard<std::mutex> lock(warned_mutex_);
    const bool added = warned_.insert(std::move(key)).second;
    very_first = added && warned_.size() == 1;
    return added;
  }

  bool may_open() const noexcept { return open_ < options_.max_connections; }
  void opened() noexcept { ++open_; }

  void give_back(std::unique_ptr<connection> c) {
    idle_.push_back(std::move(c));
    wake_one();
  }

  // `clean`: see connection::close.
  void closed(std::unique_ptr<connection> c, bool clean = false) {
    if (!c)
      return;
    c->close(clean);
    --open_;
    wake_one();
  }

  void add_waiter(boost::asio::steady_timer* t) { waiters_.push_back(t); }
  void remove_waiter(boost::asio::steady_timer* t) {
    waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), t), waiters_.end());
  }

  std::size_t open_connections() const noexcept { return open_; }
  std::size_t idle_connections() const noexcept { return idle_.size(); }

  // What a with_options client built on this one sends, built once. Its
  // credential headers become secrets like the key.
  std::shared_ptr<const request_overrides> make_overrides(request_options o) {
    add_secrets(o.headers);
    auto out = std::make_shared<request_overrides>();
    if (!o.headers.empty() || !o.query.empty()) {
      out->json_head = request_head(options_, endpoint_, request_kind::create, proxy(), &o);
      out->stream_head = request_head(options_, endpoint_, request_kind::stream, proxy(), &o);
    }
    out->log_url = loggable_url(&o);
    out->options = std::move(o);
    return out;
  }

  // An exchange for a new request: a finished one if there is one to reuse.
  std::unique_ptr<exchange> take_exchange(std::string body, std::optional<error_info> rejected,
                                          request_kind kind,
                                          const std::shared_ptr<const request_overrides>& extra) {
    const bool streaming = kind == request_kind::stream;
    std::unique_ptr<exchange> x;
    if (spare_.empty()) {
      x = std::make_unique<exchange>(shared_from_this());
    } else {
      x = std::move(spare_.back());
      spare_.pop_back();
      x->client = shared_from_this();
    }
    const request_options* o = extra ? &extra->options : nullptr;
    x->listing = kind == request_kind::list_models;
    x->overrides = extra;
    if (logging(log_level::info))
      x->log_url = x->listing ? loggable_url(o, kind) : extra ? extra->log_url : log_url_;
    x->timeout = o && o->timeout ? *o->timeout : options_.timeout;
    x->max_retries = o && o->max_retries ? *o->max_retries : options_.max_retries;
    x->stream_idle_timeout =
        o && o->stream_idle_timeout ? *o->stream_idle_timeout : options_.stream_idle_timeout;
    x->stream_timeout = o && o->stream_timeout ? *o->stream_timeout : options_.stream_timeout;
    x->body = std::move(body);
    if (rejected)
      x->rejected = std::make_unique<error_info>(std::move(*rejected));
    x->streaming = streaming;
    return x;
  }

  // Writes the exchange's request head, once: a with_options client's head
  // when it has one of its own (extra fields or query parameters), otherwise
  // the client's, with the body's Content-Length.
  void write_head(exchange& x) const {
    if (!x.request_head.empty())
      return;
    const request_overrides* extra = x.overrides.get();
    const bool own = extra && !extra->json_head.empty();
    if (x.listing) { // rare: its head is made each time
      x.request_head = request_head(options_, endpoint_, request_kind::list_models, proxy(),
                                    extra ? &extra->options : nullptr);
      return;
    }
    if (x.streaming)
      x.request_head.assign(own ? extra->stream_head : stream_head_);
    else
      x.request_head.assign(own ? extra->json_head : json_head_);
    append_number(x.request_head, static_cast<std::int64_t>(x.body.size()));
    x.request_head += "\r\n\r\n";
  }

  // Takes back a finished exchange. The caller holds its own reference to
  // this state: the exchange's is dropped here, or the spare exchanges would
  // keep the state alive forever.
  void recycle(std::unique_ptr<exchange> x) {
    closed(std::move(x->conn));
    x->client.reset();
    x->parser.reset();
    x->head.reset();
    x->tunnel.reset();
    x->streaming = false;
    x->listing = false;
    x->request_head.clear();
    x->overrides.reset();
    x->reused = false;
    x->connected = false;
    x->replaced_stale = false;
    x->retries = 0;
    x->started = false;
    x->initiating = false;
    x->blocking = false;
    x->resolving.reset();
    x->in_resolution = false;
    x->endpoints.clear();
    x->rejected.reset();
    x->wait.reset();
    x->failure.reset();
    x->attempted = false;
    x->what.clear();
    x->stats.clear();
    if (spare_.size() < 64)
      spare_.push_back(std::move(x));
  }

  double jitter() { return std::uniform_int_distribution<int>(0, 999)(rng_) / 1000.0; }

  // Messages may quote what a server said; a server or a proxy could echo
  // the key or the proxy's credentials back.
  // "POST https://host/v1/chat/completions?api-version=2024-10-21&trace=[redacted]":
  // what a log line names, the query's values hidden (a query may carry a
  // secret) but Azure's api-version.
  std::string loggable_url(const request_options* extra,
                           request_kind kind = request_kind::create) const {
    const bool get = kind == request_kind::list_models;
    std::string url = std::string(get ? "GET " : "POST ") +
                      (endpoint_.tls ? "https://" : "http://") + endpoint_.host_header +
                      (get ? endpoint_.models_target() : endpoint_.target("/chat/completions"));
    bool first = true;
    auto add = [&](const std::vector<std::pair<std::string, std::string>>& query) {
      for (const auto& [name, value] : query) {
        url += first ? '?' : '&';
        first = false;
        append_percent_encoded(url, name);
        url += '=';
        if (iequal(name, "api-version"))
          append_percent_encoded(url, value);
        else
          url += "[redacted]";
      }
    };
    add(options_.query);
    if (extra)
      add(extra->query);
    return url;
  }

  // The values of credential fields among extra headers (`Authorization`,
  // `api-key`, `Proxy-Authorization`: a token put there by hand), the
  // client's or a with_options client's, are secrets like the key.
  void add_secrets(const std::vector<std::pair<std::string, std::string>>& headers) {
    for (const auto& [name, value] : headers) {
      if (!iequal(name, "authorization") && !iequal(name, "api-key") &&
          !iequal(name, "proxy-authorization"))
        continue;
      // "Bearer TOKEN": the token is the secret, wherever it is echoed alone.
      const std::size_t space = value.find(' ');
      const std::string token = space == std::string::npos ? value : value.substr(space + 1);
      for (const std::string& secret : {value, token})
        if (!secret.empty() &&
            std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end())
          secrets_.push_back(secret);
    }
  }

  // Logs. Lines are redacted like errors; a sink that throws loses its
  // line, never the request.
  void set_log_level(log_level level) noexcept { log_level_ = level; }
  bool logging(log_level level) const noexcept {
    return log_level_ >= level && options_.on_log != nullptr;
  }
  void log(log_level level, std::string line) const noexcept {
    try {
      options_.on_log(level, redact(std::move(line)));
    } catch (...) {
    }
  }

  std::string redact(std::string text) const {
    for (const std::string& secret : secrets_)
      text = detail::redact(std::move(text), secret);
    return text;
  }

  // Every string of a failure that a server (or a proxy) could have written:
  // the message and `where` quote its bytes, and the API fields are its own.
  // Every failure passes here once, where it is completed (request_op) or
  // recorded (a stream's), so the messages are built without redacting.
  void redact(error_info& e) const {
    if (secrets_.empty())
      return;
    e.message = redact(std::move(e.message));
    e.where = redact(std::move(e.where));
    if (e.api) {
      api_error_info& api = *e.api;
      api.message = redact(std::move(api.message));
      api.request_id = redact(std::move(api.request_id));
      for (std::optional<std::string>* field : {&api.type, &api.param, &api.code})
        if (*field)
          **field = redact(std::move(**field));
    }
  }

private:
  static std::optional<proxy_endpoint> proxy_for(const client_options& o, const endpoint& ep) {
    if (o.proxy.empty() || no_proxy_matches(o.no_proxy, ep.host, ep.port))
      return std::nullopt;
    return parse_proxy_url(o.proxy).value(); // client_options::check() has accepted it
  }

  void wake_one() {
    if (waiters_.empty())
      return;
    waiters_.front()->cancel();
    waiters_.pop_front();
  }

  boost::asio::any_io_executor executor_;
  client_options options_;
  endpoint endpoint_;
  std::optional<proxy_endpoint> proxy_;
  std::vector<std::string> secrets_;
  std::shared_ptr<const server_profile> profile_ = std::make_shared<server_profile>(
      options_.server ? *options_.server : server_profile::of(server_from_url(options_.base_url)));
  std::atomic<server_kind> heard_{server_kind::unknown};
  std::mutex warned_mutex_; // prepare() runs on the callers' threads
  std::set<std::string> warned_;
  log_level log_level_ = log_level::off;
  tls_sessions sessions_; // outlives tls_, whose callback refers to it
  std::optional<boost::asio::ssl::context> tls_;
  std::shared_ptr<deadline_watch> deadlines_;
  std::vector<std::unique_ptr<connection>> idle_;
  bool check_idle_ = false; // see take_idle()
  std::size_t open_ = 0;
  std::deque<boost::asio::steady_timer*> waiters_;
  std::vector<std::unique_ptr<exchange>> spare_;
  // The request heads up to "Content-Length: ", for a completion and for a
  // stream (they differ in Accept).
  std::string json_head_;
  std::string stream_head_;
  std::string log_url_; // the URL the client's log lines name
  std::string connect_head_;
  std::minstd_rand rng_;
};

inline exchange::exchange(std::shared_ptr<client_state> c) : client(std::move(c)) {}

inline boost::asio::steady_timer& exchange::wait_timer() {
  if (!timer)
    timer.emplace(client->executor());
  return *timer;
}

// A stream being read: what a knobs::chat_stream holds. The operation that
// opened it hands over the connection and the parser positioned at the start
// of the body.
struct stream_state {
  std::shared_ptr<client_state> client;
  std::unique_ptr<connection> conn;
  std::unique_ptr<boost::beast::http::response_parser<boost::beast::http::buffer_body>> parser;
  sse_parser events;
  chat_accumulator folded;
  // Where a read puts the body: made once per stream, left uninitialized
  // (a std::vector would zero it: 16 KiB of memset per stream).
  std::unique_ptr<char[]> scratch;
  std::string request_id;
  int retries = 0;
  std::size_t chunks = 0;
  std::string log_url; // for the logs: the request's URL as logged
  std::chrono::steady_clock::time_point opened_at{};
  std::size_t read_before = 0;               // the connection's bytes read before the body
  std::chrono::milliseconds idle_timeout{0}; // stream_idle_timeout
  std::chrono::milliseconds stream_timeout{0};
  // When the whole stream must have ended (stream_timeout after the head);
  // the largest time point when there is no such bound.
  std::chrono::steady_clock::time_point end_by = std::chrono::steady_clock::time_point::max();
  bool body_done = false; // the HTTP body has ended
  bool done_seen = false; // `data: [DONE]` arrived
  bool finished = false;  // no more chunks: done, failed or closed
  bool reading = false;   // an async_next is in flight
  std::optional<error_info> failure;

  stream_state(std::shared_ptr<client_state> c, std::size_t max_event_bytes)
      : client(std::move(c)), events(max_event_bytes) {}

  stream_state(const stream_state&) = delete;
  stream_state& operator=(const stream_state&) = delete;

  // A stream dropped before its end leaves the connection half-read: it must
  // not go back to the pool.
  ~stream_state() { close(); }

  void close() noexcept {
    if (conn)
      client->closed(std::move(conn));
    finished = true;
  }

  // The stream ended as HTTP says it should: the connection may be reused.
  void release() {
    if (conn) {
      if (parser->keep_alive() && !conn->has_leftover())
        client->give_back(std::move(conn));
      else
        client->closed(std::move(conn), true);
    }
    finished = true;
  }
};

inline std::exception_ptr to_exception_ptr(error_info info) {
  try {
    throw_error(std::move(info));
  } catch (...) {
    return std::current_exception();
  }
}

// At most 200 bytes of a body, for messages about bodies that were not what
// they should be.
inline std::string snippet(const std::string& body) {
  constexpr std::size_t limit = 200;
  if (body.size() <= limit)
    return body;
  return body.substr(0, limit) + "...";
}

// What a request_op completes with: the completion, or the opened stream.
struct request_result {
  chat_completion completion;
  std::shared_ptr<stream_state> stream;
  std::vector<model_info> models;
};

// Sends one chat-completion request, retrying as the options say, and
// completes with void(std::exception_ptr, request_result&&). Unless
// `streaming`, it reads the whole response into the result's completion;
// otherwise it reads the response's head and completes with the result's
// stream, positioned at the start of the body: retries happen only before
// that point. One class for both, so that it is compiled once.
class request_op : boost::asio::coroutine {
  using response = boost::beast::http::response<boost::beast::http::string_body>;

public:
  // What a model list's answer and an event stream's head become: the
  // result, or (for the list) why there is none. Only start_models and
  // start_open name them (list_result, stream_result), through these
  // pointers, so a program that only creates completions does not compile
  // the list's reading or the stream's opening.
  using list_reader = std::optional<error_info> (*)(request_op& op, const response& res,
                                                    request_result& out);
  using stream_opener = void (*)(request_op& op, request_result& out);

  request_op(std::shared_ptr<client_state> state, std::string body,
             std::optional<error_info> rejected, request_kind kind,
             const std::shared_ptr<const request_overrides>& extra, bool blocking = false,
             list_reader read_list = nullptr, stream_opener open_stream = nullptr)
      : s_(state->take_exchange(std::move(body), std::move(rejected), kind, extra)),
        read_list_(read_list), open_stream_(open_stream) {
    s_->blocking = blocking;
  }

  static std::optional<error_info> list_result(request_op& op, const response& res,
                                               request_result& out) {
    return op.finish_list(res, out);
  }

  static void stream_result(request_op& op, request_result& out) { op.open_stream(out); }

  // The first call is the initiation (a later one without arguments resumes
  // after a post); every other call is a handler's. What happens in the
  // initiation must not complete the operation there (see `initiating`).
  template <class Self> void operator()(Self& self) {
    s_->initiating = !s_->started;
    s_->started = true;
    step(self, {});
  }

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec, boost::asio::ip::tcp::endpoint) {
    s_->initiating = false;
    step(self, ec);
  }

  template <class Self> void operator()(Self& self, boost::system::error_code ec, std::size_t) {
    s_->initiating = false;
    step(self, ec);
  }

  template <class Self> void operator()(Self& self, boost::system::error_code ec) {
    s_->initiating = false;
    step(self, ec);
  }

private:
  template <class Self> void step(Self& self, boost::system::error_code ec) {
    exchange& s = *s_;
    client_state& c = *s.client;
    const client_options& o = c.options();
    BOOST_ASIO_CORO_REENTER(this) {
      if (s.rejected) {
        // Nothing is sent; the handler must still not run inside the initiating call.
        BOOST_ASIO_CORO_YIELD boost::asio::post(c.executor(), std::move(self));
        return complete(self, std::move(*s.rejected));
      }
      for (;;) {
        // Acquire a connection: an idle one, a new one, or wait for one.
        s.conn = c.take_idle();
        s.reused = s.conn != nullptr;
        s.connected = false;
        if (!s.conn) {
          if (!c.may_open()) {
            s.wait_timer().expires_at(std::chrono::steady_clock::time_point::max());
            c.add_waiter(&s.wait_timer());
            BOOST_ASIO_CORO_YIELD s.wait_timer().async_wait(std::move(self));
            c.remove_waiter(&s.wait_timer());
            if (self.cancelled() != boost::asio::cancellation_type::none)
              return complete(self, cancelled());
            continue;
          }
          c.opened();
          s.conn = std::make_unique<connection>(c.executor(), c.tls(), c.deadlines());
          begin_attempt(s);
          s.deadline = std::chrono::steady_clock::now() + s.timeout;
          s.conn->expires_at(
              std::min(s.deadline, std::chrono::steady_clock::now() + o.connect_timeout));
          // An IP address (the server's, or through a proxy the proxy's) is
          // its own endpoint: no resolver, so no resolver thread.
          s.endpoints = o.resolve ? std::vector<boost::asio::ip::tcp::endpoint>{}
                                  : ip_literal(c.proxy() ? c.proxy()->host : c.server().host,
                                               c.proxy() ? c.proxy()->port : c.server().port);
          if (s.endpoints.empty()) {
            // Resolve the name without waiting past the connect deadline for
            // a resolver that cannot be stopped.
            s.resolving = std::make_shared<resolution>(c.executor());
            s.resolving->signal.expires_at(
                std::min(s.deadline, std::chrono::steady_clock::now() + o.connect_timeout));
            s.in_resolution = true;
            start_resolving(s.resolving, c.executor(),
                            c.proxy() ? c.proxy()->host : c.server().host,
                            c.proxy() ? c.proxy()->port : c.server().port, o.resolve);
            BOOST_ASIO_CORO_YIELD s.resolving->signal.async_wait(std::move(self));
            if (stopped(self))
              goto failed;
            if (!s.resolving->settled) {
              ec = boost::beast::error::timeout; // the deadline came first
              goto failed;
            }
            ec = s.resolving->ec;
            s.endpoints = std::move(s.resolving->endpoints);
            if (ec)
              goto failed;
            s.in_resolution = false;
            s.resolving.reset();
          }
          BOOST_ASIO_CORO_YIELD boost::asio::async_connect(s.conn->tcp(), s.endpoints,
                                                           std::move(self));
          if (ec || stopped(self))
            goto failed;
          if (c.proxy() && s.conn->is_tls()) {
            // The tunnel (RFC 9110 §9.3.6): CONNECT in the clear, the proxy's
            // answer head (a 2xx has no body), then TLS with the server
            // through it, under the same connect_timeout.
            s.conn->stream().tcp_only(true);
            BOOST_ASIO_CORO_YIELD s.conn->async_write(c.connect_head(), s.no_body, std::move(self));
            if (ec || stopped(self))
              goto failed;
            s.tunnel = std::make_unique<
                boost::beast::http::response_parser<boost::beast::http::empty_body>>();
            s.tunnel->skip(true);
            BOOST_ASIO_CORO_YIELD s.conn->async_read(*s.tunnel, std::move(self));
            if (ec || stopped(self))
              goto failed;
            s.conn->stream().tcp_only(false);
            {
              const unsigned status = s.tunnel->get().result_int();
              if (status < 200 || status >= 300 || s.conn->has_leftover()) {
                const bool retry =
                    is_retryable_status(static_cast<int>(status)) && s.retries < s.max_retries;
                s.failure = std::make_unique<error_info>(
                    tunnel_refused(s, status, s.tunnel->get().reason()));
                s.stats = attempt_stats(s);
                s.what = "failed: " + s.failure->message;
                s.tunnel.reset();
                s.conn->expires_never();
                c.closed(std::move(s.conn));
                if (!retry)
                  return complete(self, std::move(*s.failure));
                s.wait.reset();
                goto retry;
              }
            }
            s.tunnel.reset();
          }
          if (s.conn->is_tls()) {
            if (!prepare_tls(s, ec))
              goto failed;
            BOOST_ASIO_CORO_YIELD s.conn->stream().async_handshake(
                boost::asio::ssl::stream_base::client,
                byte_stream::handler(std::move(self), c.executor()));
            if (ec || stopped(self))
              goto failed;
          }
        } else {
          begin_attempt(s);
          s.deadline = std::chrono::steady_clock::now() + s.timeout;
        }

        // One exchange, under the attempt's deadline.
        c.write_head(s);
        s.connected = true;
        s.conn->expires_at(s.deadline);
        if (c.logging(log_level::debug))
          log_request(s);
        // The request is written at once (under TLS too), as far as the socket
        // takes it (all of it, nearly always): an asynchronous write that
        // completes at once still waits its turn behind the reactor, an
        // epoll_wait. An async_client's answer is read asynchronously: Asio
        // tries the read at once anyway, and when nothing is there yet (a
        // server takes its time) goes straight to epoll_wait; reading it here
        // first would cost a read that finds nothing, and an epoll_ctl to
        // wait after it. The blocking client waits with poll(2) instead.
        s.written = 0;
        if (!s.conn->write_now(s.request_head, s.body, s.written, ec)) {
          if (ec)
            goto failed;
          BOOST_ASIO_CORO_YIELD s.conn->async_write(s.request_head, s.body, s.written,
                                                    std::move(self));
        }
        if (ec || stopped(self))
          goto failed;
        s.sent = s.request_head.size() + s.body.size();
        // The response's head first, for either kind of request: interim
        // 1xx heads are skipped, an event stream opens here, and anything
        // else is read whole below.
        do {
          s.head = std::make_unique<
              boost::beast::http::response_parser<boost::beast::http::buffer_body>>();
          s.head->body_limit(o.max_response_bytes);
          if (s.blocking) {
            // The blocking client waits here, on its own thread, as a
            // blocking client does: poll (at once when the answer is there),
            // then read what came. Reading first would cost a read that finds
            // nothing whenever the server is slower than the client.
            if (!s.conn->has_leftover() && !s.conn->stream().tls_holds_input() &&
                !s.conn->wait_readable(s.deadline, ec))
              goto failed;
            while (!s.conn->parse_now(*s.head, false, ec))
              if (ec || !s.conn->wait_readable(s.deadline, ec))
                goto failed;
            continue;
          }
          BOOST_ASIO_CORO_YIELD s.conn->async_read_header(*s.head, std::move(self));
          if (ec || stopped(self))
            goto failed;
        } while (is_interim(s.head->get()));
        s.head_at = std::chrono::steady_clock::now();
        if (s.head->get().result_int() == 101)
          return complete(self, switched_protocols());
        if (s.streaming && is_event_stream(s.head->get())) {
          request_result out;
          assert(open_stream_); // start_open is the only start of a stream
          open_stream_(*this, out);
          return self.complete(std::exception_ptr(), std::move(out));
        }
        // A completion, an error, or a server that ignored `stream`: the
        // whole body.
        s.parser.emplace(std::move(*s.head));
        s.head.reset();
        s.parser->body_limit(o.max_response_bytes);
        if (s.blocking) {
          while (!s.conn->parse_now(*s.parser, true, ec))
            if (ec || !s.conn->wait_readable(s.deadline, ec))
              goto failed;
        } else {
          s.conn->parse_buffered(*s.parser, ec);
          if (ec)
            goto failed;
          if (!s.parser->is_done()) {
            BOOST_ASIO_CORO_YIELD s.conn->async_read(*s.parser, std::move(self));
            if (ec || stopped(self))
              goto failed;
          }
        }
        s.conn->expires_never();

        {
          auto& res = s.parser->get();
          const int status = static_cast<int>(res.result_int());
          if (c.logging(log_level::info)) {
            s.stats = attempt_stats(s);
            s.what = std::to_string(status) + " " + std::string(res.reason());
            if (c.logging(log_level::debug))
              log_response(s, res, res.body());
          }
          if (s.parser->keep_alive() && !s.conn->has_leftover())
            c.give_back(std::move(s.conn));
          else
            c.closed(std::move(s.conn), true);

          if (status >= 200 && status < 300) {
            if (s.streaming)
              return complete(self, not_a_stream(res));
            return finish(self, res);
          }

          // Through a proxy to an http server, the proxy answers the
          // request itself when it wants credentials.
          if (status == 407 && c.proxy() && !c.server().tls)
            return complete(self, tunnel_refused(s, 407, res.reason()));
          s.failure = std::make_unique<error_info>(api_failure(s, res, status));
          if (!should_retry(s, res, status))
            return complete(self, std::move(*s.failure));
          s.wait = retry_after(std::string(res["retry-after-ms"]), std::string(res["retry-after"]),
                               std::chrono::system_clock::now(), o.max_retry_after);
        }
        goto retry;

      failed:
        if (s.initiating && !s.blocking) {
          // A write that failed at once (a dead connection) must not complete
          // the operation inside its initiating call: through the executor.
          s.failed_with = ec;
          BOOST_ASIO_CORO_YIELD boost::asio::post(c.executor(), std::move(self));
          ec = s.failed_with;
        }
        ec = s.conn->timeout_or(ec);
        s.conn->expires_never();
        if (self.cancelled() != boost::asio::cancellation_type::none) {
          c.closed(std::move(s.conn));
          return complete(self, cancelled());
        }
        // A keep-alive connection the server closed while it sat idle fails at
        // once, before any byte of a response: that is not the request's fault,
        // so try again on a fresh connection without counting a retry.
        // Only once per request: a server that reads requests and resets the
        // connection must not see the same POST over and over, uncounted.
        if (s.reused && !s.replaced_stale && ec != boost::beast::error::timeout && !got_some(s)) {
          if (c.logging(log_level::info)) {
            s.stats = attempt_stats(s);
            s.what =
                "failed on a kept-alive connection the server had closed (" + ec.message() + ")";
            log_attempt("; sent again on a new connection, not counted as a retry");
          }
          s.replaced_stale = true;
          c.found_closed();
          c.closed(std::move(s.conn));
          s.parser.reset();
          s.head.reset();
          continue;
        }
        {
          const std::string why = tls_verify_detail(s, ec);
          if (c.logging(log_level::info))
            s.stats = attempt_stats(s);
          c.closed(std::move(s.conn));
          s.failure = std::make_unique<error_info>(transport_failure(s, ec, why));
          s.what = "failed: " + s.failure->message;
        }
        // Bytes that are not HTTP, and a TLS failure (a certificate that does
        // not verify, no common protocol), come back the same on every try.
        if (s.failure->code == errc::invalid_response || is_tls_failure(ec) ||
            s.retries >= s.max_retries)
          return complete(self, std::move(*s.failure));
        s.wait.reset();

      retry:
        if (!s.wait)
          s.wait = backoff_delay(s.retries, c.jitter());
        log_attempt("; retry " + std::to_string(s.retries + 1) + " of " +
                    std::to_string(s.max_retries) + " in " + std::to_string(s.wait->count()) +
                    " ms");
        ++s.retries;
        s.parser.reset();
        s.head.reset();
        s.tunnel.reset();
        s.wait_timer().expires_after(*s.wait);
        BOOST_ASIO_CORO_YIELD s.wait_timer().async_wait(std::move(self));
        if (self.cancelled() != boost::asio::cancellation_type::none)
          return complete(self, cancelled());
      }
    }
  }

private:
  static void begin_attempt(exchange& s) {
    s.attempted = true;
    s.attempt_start = std::chrono::steady_clock::now();
    s.head_at = {};
    s.read_before = s.conn->stream().bytes_read();
    s.sent = 0;
    s.what.clear();
    s.stats.clear();
  }

  // "head 1.2 ms, end 1.4 ms; sent 640 B, received 812 B; new connection":
  // the current attempt's figures, while it still has its connection. A new
  // TLS connection says its version and whether its session was resumed
  // ("new connection, TLSv1.3 resumed") or not ("..., TLSv1.3 full handshake").
  static std::string attempt_stats(const exchange& s) {
    const auto now = std::chrono::steady_clock::now();
    std::string out;
    if (s.head_at != std::chrono::steady_clock::time_point{})
      out += "head " + log_ms(s.head_at - s.attempt_start) + ", ";
    out += "end " + log_ms(now - s.attempt_start);
    const std::size_t received = s.conn ? s.conn->stream().bytes_read() - s.read_before : 0;
    out += "; sent " + std::to_string(s.sent) + " B, received " + std::to_string(received) + " B; ";
    out += s.reused ? "reused connection" : "new connection";
    if (!s.reused && s.conn && s.conn->is_tls() && s.connected) {
      SSL* ssl = s.conn->tls().native_handle();
      out += std::string(", ") + SSL_get_version(ssl) +
             (SSL_session_reused(ssl) ? " resumed" : " full handshake");
    }
    return out;
  }

  // One info line for the attempt whose result is in `what`: the URL, the
  // result, its figures, and `next` (the retry and its wait, or nothing).
  void log_attempt(const std::string& next) {
    exchange& s = *s_;
    if (!s.attempted || s.what.empty() || !s.client->logging(log_level::info))
      return;
    s.client->log(log_level::info, s.log_url + ": " + s.what + "; " + s.stats + "; attempt " +
                                       std::to_string(s.retries + 1) + next);
    s.what.clear();
    s.stats.clear();
  }

  // Debug: the request as sent, a line each ("> "), the credentials'
  // values hidden.
  static void log_request(const exchange& s) {
    const client_state& c = *s.client;
    std::string_view head = s.request_head;
    while (!head.empty()) {
      const std::size_t end = head.find("\r\n");
      const std::string_view line = head.substr(0, end);
      head.remove_prefix(end == std::string_view::npos ? head.size() : end + 2);
      if (line.empty())
        continue;
      const bool request_line = line.data() == s.request_head.data();
      c.log(log_level::debug,
            "> " + (request_line ? hide_query_values(line) : hide_credentials(line)));
    }
    c.log(log_level::debug, "> " + one_line(s.body));
  }

  // Debug: a response's head and body ("< "), a line each.
  static void log_response(const exchange& s, const boost::beast::http::response_header<>& head,
                           std::string_view body) {
    const client_state& c = *s.client;
    c.log(log_level::debug,
          "< HTTP/1.1 " + std::to_string(head.result_int()) + " " + std::string(head.reason()));
    for (const auto& field : head)
      c.log(log_level::debug, "< " + hide_credentials(std::string(field.name_string()) + ": " +
                                                      std::string(field.value())));
    if (!body.empty())
      c.log(log_level::debug, "< " + one_line(body));
  }

  static bool got_some(const exchange& s) {
    return (s.parser && s.parser->got_some()) || (s.head && s.head->got_some());
  }

  // Interim responses (RFC 9110, section 15.2): 1xx heads that come before
  // the final response, such as 100 Continue and 103 Early Hints, have no
  // body (Beast's parser is done after the head) and are skipped. 101 would
  // switch protocols, which no request here asks for: an error.
  template <class Fields>
  static bool is_interim(const boost::beast::http::response_header<Fields>& head) {
    const unsigned status = head.result_int();
    return status >= 100 && status < 200 && status != 101;
  }

  error_info switched_protocols() const {
    error_info e = make_error(errc::invalid_response,
                              "the server at " + s_->client->server().host_header +
                                  " answered 101 Switching Protocols, which a chat completion "
                                  "request never asks for");
    e.retries = s_->retries;
    return e;
  }

  template <class Fields>
  static bool is_event_stream(const boost::beast::http::response_header<Fields>& head) {
    const unsigned status = head.result_int();
    if (status < 200 || status >= 300)
      return false;
    auto type = head[boost::beast::http::field::content_type];
    return type.substr(0, type.find(';')) == "text/event-stream";
  }

  static bool prepare_tls(exchange& s, boost::system::error_code& ec) {
    SSL* ssl = s.conn->tls().native_handle();
    ec = expect_tls_host(ssl, s.client->server().host,
                         !s.client->options().insecure_skip_tls_verify);
    if (!ec)
      s.client->sessions().offer(ssl);
    return !ec;
  }

  // A cancellation that arrives between two steps (no operation waiting to
  // be cancelled) is seen here, before the next step starts.
  template <class Self> static bool stopped(Self& self) {
    return self.cancelled() != boost::asio::cancellation_type::none;
  }

  error_info cancelled() const {
    error_info e = make_error(errc::cancelled, "the request was cancelled");
    e.retries = s_->retries;
    return e;
  }

  // TLS protocol failures come in the ssl category; those of the socket
  // beneath (a reset during the handshake) in the system category, and the
  // stream's own (a truncated close) in the ssl stream category.
  static bool is_tls_failure(boost::system::error_code ec) {
    return ec.category() == boost::asio::error::get_ssl_category();
  }

  // Why the peer's certificate did not verify, for a TLS failure during the
  // handshake ("" otherwise): OpenSSL's verify result, and what the user
  // needs to act on it, as curl says it: whom the certificate is for, when
  // it expired, that its CA is not trusted and how to trust it.
  static std::string tls_verify_detail(const exchange& s, boost::system::error_code ec) {
    if (!is_tls_failure(ec) || !s.conn || !s.conn->is_tls())
      return {};
    SSL* ssl = s.conn->tls().native_handle();
    const long result = SSL_get_verify_result(ssl);
    if (result == X509_V_OK)
      return {};
    std::string why = X509_verify_cert_error_string(result);
    // The server's own certificate, as it sent it (kept although the chain
    // did not verify).
    STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
    X509* cert = chain && sk_X509_num(chain) > 0 ? sk_X509_value(chain, 0) : nullptr;
    const std::string& host = s.client->server().host;
    switch (result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      if (cert)
        why += ": the certificate is for " + certificate_names(cert) + ", not " + host;
      break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      if (cert)
        why += ": it expired on " + certificate_time(X509_get0_notAfter(cert));
      break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      if (cert)
        why += ": it is valid from " + certificate_time(X509_get0_notBefore(cert));
      break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      why += ": its CA is not one this client trusts; add the CA's certificate with "
             "client_options::ca_file";
      break;
    default:
      break;
    }
    return why;
  }

  // "localhost, 127.0.0.1": the certificate's DNS names and IP addresses
  // (subjectAltName), or its subject's common name when it has none.
  static std::string certificate_names(X509* cert) {
    std::string names;
    auto add = [&](const std::string& name) { names += (names.empty() ? "" : ", ") + name; };
    auto* alt =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; alt && i < sk_GENERAL_NAME_num(alt); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(alt, i);
      if (n->type == GEN_DNS) {
        const ASN1_STRING* dns = n->d.dNSName;
        add(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                        static_cast<std::size_t>(ASN1_STRING_length(dns))));
      } else if (n->type == GEN_IPADD) {
        const ASN1_OCTET_STRING* ip = n->d.iPAddress;
        const unsigned char* bytes = ASN1_STRING_get0_data(ip);
        if (ASN1_STRING_length(ip) == 4) {
          boost::asio::ip::address_v4::bytes_type b{};
          std::copy(bytes, bytes + 4, b.begin());
          add(boost::asio::ip::address_v4(b).to_string());
        } else if (ASN1_STRING_length(ip) == 16) {
          boost::asio::ip::address_v6::bytes_type b{};
          std::copy(bytes, bytes + 16, b.begin());
          add(boost::asio::ip::address_v6(b).to_string());
        }
      }
    }
    GENERAL_NAMES_free(alt);
    if (names.empty()) {
      char cn[256] = {};
      if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0)
        names = cn;
    }
    return names.empty() ? std::string("no name") : names;
  }

  // "2026-12-02 17:09:18 UTC".
  static std::string certificate_time(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
      return "an unreadable date";
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return text;
  }

  error_info transport_failure(const exchange& s, boost::system::error_code ec,
                               const std::string& tls_detail = {}) const {
    const client_options& o = s.client->options();
    const endpoint& ep = s.client->server();
    const proxy_endpoint* proxy = s.client->proxy();
    const std::string where =
        proxy ? ep.host_header + " through the proxy " + proxy->authority : ep.host_header;
    error_info e;
    const std::string name = proxy ? "the proxy's name " + proxy->host : ep.host;
    if (s.in_resolution && ec == boost::beast::error::timeout) {
      e = make_error(errc::timeout, "could not resolve " + name + " within connect_timeout (" +
                                        std::to_string(o.connect_timeout.count()) + " ms)");
    } else if (s.in_resolution) {
      const std::string why =
          s.resolving && !s.resolving->error.empty() ? s.resolving->error : ec.message();
      e = make_error(errc::connection_error, "could not resolve " + name + ": " + why);
    } else if (ec == boost::beast::error::timeout && !s.connected) {
      e = make_error(errc::timeout, "could not connect to " + where + " within connect_timeout (" +
                                        std::to_string(o.connect_timeout.count()) + " ms; " +
                                        std::to_string(s.timeout.count()) + " ms per attempt)");
    } else if (ec == boost::beast::error::timeout) {
      e = make_error(errc::timeout, "no complete response from " + where + " within the timeout (" +
                                        std::to_string(s.timeout.count()) + " ms per attempt, " +
                                        std::to_string(o.connect_timeout.count()) +
                                        " ms to connect)");
    } else if (ec == boost::beast::http::error::body_limit) {
      e = make_error(errc::invalid_response, "the response from " + where +
                                                 " is larger than max_response_bytes (" +
                                                 std::to_string(o.max_response_bytes) + ")");
    } else if (ec.category() ==
                   boost::system::error_code(boost::beast::http::error::body_limit).category() &&
               ec != boost::beast::http::error::end_of_stream &&
               ec != boost::beast::http::error::partial_message) {
      e = make_error(errc::invalid_response,
                     "the response from " + where + " is not valid HTTP: " + ec.message());
    } else {
      e = make_error(errc::connection_error,
                     "the connection to " + where + " failed: " + ec.message() +
                         (tls_detail.empty() ? "" : " (" + tls_detail + ")"));
    }
    e.retries = s.retries;
    return e;
  }

  // A proxy that would not open the tunnel (or, for an http server, would
  // not forward the request): a 407 (or 401 to CONNECT) is
  // errc::proxy_authentication, never retried; anything else a
  // connection_error, retried on 408, 409, 429 and 5xx as a connection
  // failure. Both name the proxy by host and port only.
  static error_info tunnel_refused(const exchange& s, unsigned status,
                                   boost::beast::string_view reason) {
    const proxy_endpoint& p = *s.client->proxy();
    const endpoint& ep = s.client->server();
    error_info e;
    // 407 is the proxy's "who are you" (RFC 9110 §15.5.8). tinyproxy 1.11
    // answers a CONNECT with wrong credentials with 401 instead; a 401 to
    // CONNECT cannot come from the server, which was not reached.
    if (status == 407 || status == 401) {
      const std::string code = "(" + std::to_string(status) + " " + std::string(reason) + ")";
      e = make_error(errc::proxy_authentication,
                     "the proxy " + p.authority +
                         (p.authorization.empty()
                              ? " requires authentication " + code +
                                    ": give a user name and secret in client_options::proxy "
                                    "as http://user:secret@host:port"
                              : " refused the credentials in client_options::proxy " + code +
                                    ": proxy authentication failed"),
                     "proxy");
    } else if (status >= 200 && status < 300) {
      e = make_error(errc::connection_error, "the proxy " + p.authority +
                                                 " sent bytes before the TLS handshake with " +
                                                 ep.host_header + " began");
    } else {
      e = make_error(errc::connection_error,
                     "the proxy " + p.authority + " refused the tunnel to " + ep.host_header +
                         ": " + std::to_string(status) + " " + std::string(reason));
    }
    e.retries = s.retries;
    return e;
  }

  error_info api_failure(const exchange& s, const response& res, int status) const {
    const client_state& c = *s.client;
    auto parsed = try_parse_api_error(res.body(), status);
    api_error_info api;
    if (parsed) {
      api = std::move(*parsed);
    } else {
      api.status = status;
      api.message = std::string(res.reason()) + " (body: " + snippet(res.body()) + ")";
    }
    api.status = status;
    api.request_id = std::string(res["x-request-id"]);
    std::string message = std::to_string(status) + " from " + c.server().host_header + ": " +
                          (api.message.empty() ? std::string(res.reason()) : api.message);
    if (api.param)
      message += " (param: " + *api.param + ")";
    if (!api.request_id.empty())
      message += " [request id " + api.request_id + "]";
    error_info e = make_error(errc::api_error, std::move(message), api.param.value_or(""));
    e.api = std::move(api);
    e.retries = s.retries;
    return e;
  }

  // A successful answer to a streamed request that is not a stream.
  error_info not_a_stream(const response& res) const {
    std::string type(res[boost::beast::http::field::content_type]);
    error_info e =
        make_error(errc::invalid_response,
                   "the server answered a streamed request with " +
                       (type.empty() ? std::string("no Content-Type") : "Content-Type " + type) +
                       " instead of text/event-stream (body: " + snippet(res.body()) + ")");
    e.retries = s_->retries;
    return e;
  }

  static bool should_retry(const exchange& s, const response& res, int status) {
    if (s.retries >= s.max_retries)
      return false;
    auto hint = res["x-should-retry"];
    if (hint == "true")
      return true;
    if (hint == "false")
      return false;
    return is_retryable_status(status);
  }

  template <class Self> void finish(Self& self, const response& res) {
    if (s_->listing) {
      request_result out;
      assert(read_list_); // start_models is the only start of a list
      if (std::optional<error_info> e = read_list_(*this, res, out))
        return complete(self, std::move(*e));
      return self.complete(std::exception_ptr(), std::move(out));
    }
    // The completion is read where the handler takes it from: not moved
    // there, and its `raw` keeps the arena it was parsed into.
    request_result out;
    if (std::optional<error_info> bad = parse_chat_completion_into(res.body(), out.completion)) {
      // Which server, what it said the body is, why it is no completion, and
      // the body's start once (a body that is not JSON is quoted already).
      error_info e = std::move(*bad);
      const std::string type(res[boost::beast::http::field::content_type]);
      const std::string body = snippet(res.body());
      std::string message =
          "the " + std::to_string(res.result_int()) + " response from " +
          s_->client->server().host_header + " (" +
          (type.empty() ? std::string("no Content-Type") : "Content-Type " + type) +
          ") is not a chat completion: " + e.message;
      if (!body.empty() && e.message.find(body) == std::string::npos)
        message += " (body: " + body + ")";
      e.message = std::move(message);
      e.retries = s_->retries;
      return complete(self, std::move(e));
    }
    log_attempt("");
    out.completion.request_id = std::string(res["x-request-id"]);
    out.completion.retries = s_->retries;
    release();
    self.complete(std::exception_ptr(), std::move(out));
  }

  // The model list of a GET .../models, or why the answer is none.
  std::optional<error_info> finish_list(const response& res, request_result& out) {
    auto parsed = try_parse_models(res.body());
    if (!parsed) {
      error_info e = parsed.error();
      e.message = "the " + std::to_string(res.result_int()) + " response from " +
                  s_->client->server().host_header + " is not a model list: " + e.message;
      e.retries = s_->retries;
      return e;
    }
    // What the answer's header fields say of the server, for detect_server().
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& f : res)
      fields.emplace_back(std::string(f.name_string()), std::string(f.value()));
    s_->client->heard_from(server_from_headers(fields));
    log_attempt("");
    out.models = std::move(*parsed);
    release();
    return std::nullopt;
  }

  // Hands the connection and the parser, now at the start of the body, to a
  // stream. From here on the request is never retried.
  void open_stream(request_result& out) {
    exchange& s = *s_;
    const client_options& o = s.client->options();
    if (s.client->logging(log_level::info)) {
      s.stats = attempt_stats(s);
      s.what = std::to_string(s.head->get().result_int()) + " " +
               std::string(s.head->get().reason()) + ", an event stream";
      if (s.client->logging(log_level::debug))
        log_response(s, s.head->get(), {});
      log_attempt("");
    }
    auto state = std::make_shared<stream_state>(s.client, o.max_event_bytes);
    state->conn = std::move(s.conn);
    state->parser = std::move(s.head);
    state->parser->body_limit(boost::none); // a stream may be long; events are limited instead
    state->request_id = std::string(state->parser->get()["x-request-id"]);
    state->retries = s.retries;
    state->log_url = std::move(s.log_url);
    state->opened_at = std::chrono::steady_clock::now();
    state->read_before = state->conn->stream().bytes_read();
    state->idle_timeout = s.stream_idle_timeout;
    state->stream_timeout = s.stream_timeout;
    if (s.stream_timeout.count() > 0)
      state->end_by = std::chrono::steady_clock::now() + s.stream_timeout;
    state->conn->expires_never();
    release();
    out.stream = std::move(state);
  }

  // Hands the exchange back to the client before the handler runs, so a
  // handler that sends the next request reuses it.
  void release() {
    std::shared_ptr<client_state> keep = s_->client;
    keep->recycle(std::move(s_));
  }

  template <class Self> void complete(Self& self, error_info e) {
    if (s_->attempted && s_->client->logging(log_level::info)) {
      if (s_->stats.empty())
        s_->stats = attempt_stats(*s_);
      if (s_->what.empty())
        s_->what = "failed: " + e.message;
      log_attempt(e.code == errc::cancelled ? "" : "; not retried");
    }
    s_->client->redact(e);
    release();
    self.complete(to_exception_ptr(std::move(e)), request_result{});
  }

  std::unique_ptr<exchange> s_;
  list_reader read_list_;
  stream_opener open_stream_;
};

} // namespace detail
} // namespace knobs

#endif
