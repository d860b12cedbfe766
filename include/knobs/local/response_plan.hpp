// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_RESPONSE_PLAN_HPP
#define KNOBS_LOCAL_RESPONSE_PLAN_HPP

/// \file
/// What the loopback server (`knobs::local::server`) receives, and how it is
/// told to answer.
///
/// A handler sees each request as a `received_request` and returns a
/// `response_plan`: a status, headers and a body, or a body in parts sent as
/// they come (how Server-Sent Events are served), and optionally a fault — a
/// delay, a connection closed without an answer, a response cut after N bytes,
/// a Content-Length that lies, a stream that dies or stalls after K parts, a
/// TCP reset, bytes that are not HTTP at all, a response dribbled one byte at
/// a time, a body far larger than the plan holds in memory.
/// ```cpp
/// knobs::local::server server{[](const knobs::local::received_request& r) {
///   if (r.header("authorization") != "Bearer sk-test")
///     return knobs::local::response_plan::api_error(401, "bad key", "invalid_request_error");
///   return knobs::local::response_plan::json(200, R"({"choices":[]})")
///       .with_header("x-request-id", "req_123");
/// }};
/// ```

#include <knobs/detail/config.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace knobs {
namespace local {

/// One HTTP header field: its name (as sent, any case) and its value.
using header_field = std::pair<std::string, std::string>;

/// An HTTP request as the loopback server read it off the wire.
struct received_request {
  /// The method, e.g. "POST".
  std::string method;
  /// The request target, e.g. "/v1/chat/completions".
  std::string target;
  /// Every header field in arrival order, names spelled as the client sent them.
  std::vector<header_field> headers;
  /// The body, with any chunked transfer coding removed.
  std::string body;
  /// Which connection the request came on: 1 for the first the server
  /// accepted, 2 for the second, and so on.
  std::size_t connection = 0;

  /// The value of the first header field called `name`, compared without
  /// regard to case; `std::nullopt` when there is none.
  KNOBS_DECL std::optional<std::string> header(std::string_view name) const;
};

/// The body of an API error in the shape OpenAI sends:
/// `{"error":{"message":...,"type":...,"param":...,"code":...}}`, with an
/// absent `param` or `code` written as `null`.
KNOBS_DECL std::string api_error_body(std::string_view message, std::string_view type,
                                      std::optional<std::string_view> param = std::nullopt,
                                      std::optional<std::string_view> code = std::nullopt);

/// One Server-Sent Event as the bytes of a stream: every line of `data`
/// (split at '\n') as a `data:` field, an `event:` field first when `event`
/// is not empty, and the blank line that ends the event. `sse_event("[DONE]")`
/// is `"data: [DONE]\n\n"`.
KNOBS_DECL std::string sse_event(std::string_view data, std::string_view event = {});

/// How the loopback server answers one request. The defaults are a plain
/// `200` with `Content-Type: application/json`, an empty body, and the
/// connection kept alive when the client asked for that (HTTP/1.1's default).
///
/// The steps, in order: wait `delay`; if `close_without_response`, close;
/// otherwise send the head (or `raw`) and then either `body` (with a
/// Content-Length) or, when `parts` is not empty, each part as one chunk of a
/// chunked body, waiting `part_delay` between parts; `repeat` times over.
/// `close_after_bytes` cuts all of that short; `byte_interval` spreads it out.
/// Every fault ends by closing the connection the way a dying server does: a
/// TCP close (a reset, with `reset`), with no TLS close_notify.
struct response_plan {
  /// The HTTP status, 100 to 999. A value outside that range is answered as a
  /// handler failure (500).
  int status = 200;
  /// The Content-Type header; none is sent when empty.
  std::string content_type = "application/json";
  /// Extra header fields (Retry-After, x-request-id, ...). A name that the
  /// server also sets (Content-Type, Server, Connection, ...) replaces the
  /// server's field; a name given twice here is sent twice. To lie about the
  /// length of the body, use `content_length`, which the server knows about.
  std::vector<header_field> headers;
  /// The body, sent with a Content-Length. Ignored when `parts` is not empty.
  std::string body;

  /// When not empty, the body is sent with `Transfer-Encoding: chunked`, one
  /// chunk per part (an empty part sends nothing), so a client sees each part
  /// as it is sent. This is how a text/event-stream is served.
  std::vector<std::string> parts;
  /// The wait before each part after the first.
  std::chrono::milliseconds part_delay{0};

  /// The wait before anything is sent; `server::stop()` cuts it short.
  std::chrono::milliseconds delay{0};

  /// Fault: read the request, then close the connection without a byte of
  /// response.
  bool close_without_response = false;
  /// Fault: send only the first N bytes of the serialized response (head,
  /// body, chunk framing; 0 sends nothing), then close. The connection is
  /// closed even when the whole response fits in N bytes.
  std::optional<std::size_t> close_after_bytes;
  /// Fault: the Content-Length to announce instead of the body's size. When it
  /// differs from the body's size, the body is sent and the connection closed,
  /// so a client waiting for the missing bytes sees the end of the stream.
  /// Ignored when `parts` is not empty.
  std::optional<std::size_t> content_length;
  /// Fault: with `parts`, send K parts and close without the chunked body's
  /// final chunk — a server dying mid-stream. K = parts.size() sends every
  /// part but not the end.
  std::optional<std::size_t> close_after_parts;
  /// Fault: with `parts`, send K parts and then send nothing more, holding the
  /// connection open until the client closes it or the server stops.
  std::optional<std::size_t> stall_after_parts;

  /// How many times the body is sent: `body` N times back to back (the
  /// Content-Length, unless `content_length` says otherwise, is N times its
  /// size), or the whole list of `parts` N times over (K in
  /// `close_after_parts` and `stall_after_parts` counts every part sent). So
  /// a 1 MiB string serves a 100 MiB body without the plan holding 100 MiB,
  /// and `std::numeric_limits<std::size_t>::max()` with `parts` is a body
  /// without end, sent until the client goes away or the server stops. 0
  /// sends an empty body. A `body` whose size times N does not fit in a
  /// `std::size_t` is answered as a handler failure (500); `parts` that are
  /// all empty are sent once, whatever N is.
  std::size_t repeat = 1;

  /// Fault: send these bytes exactly as they are in place of the head — no
  /// status line or header field of the server's own, so they need not be
  /// HTTP at all — and then the `parts` (if any, `repeat` times over, with
  /// `part_delay`) exactly as they are too: no chunk framing, no final chunk.
  /// `status`, `content_type`, `headers`, `body` and `content_length` are
  /// ignored. When the last part is out the connection is closed; to hold it
  /// open instead, set `stall_after_parts` (0: right after `raw`). For a head
  /// without end: `raw = "HTTP/1.1 200 OK\r\n"`, `parts = {"X-Fill: ...\r\n"}`
  /// with an endless `repeat`, or `stall_after_parts = 0` for one that goes
  /// silent.
  std::optional<std::string> raw;

  /// Fault: when positive, every byte of the response (head, body, chunk
  /// framing, `raw`) is written on its own, this long after the one before:
  /// a server that sends one byte a second. The server notices at once when
  /// the client hangs up (it stops, and frees the connection), and
  /// `server::stop()` cuts the wait short; the connection is closed once the
  /// response is out, never kept alive.
  std::chrono::milliseconds byte_interval{0};

  /// Fault: close the connection with a TCP reset (RST, as `SO_LINGER` 0
  /// makes) rather than an orderly close (FIN), at the point where the plan
  /// closes it (after `close_without_response`, `close_after_bytes`,
  /// `close_after_parts`, a framing lie or `raw`), or else as soon as the
  /// response is out: a client then reads "connection reset by peer" instead
  /// of the end of the stream. Bytes still in the server's send buffer may
  /// be lost, as with any reset.
  bool reset = false;

  /// Answer with `Connection: close` and close the connection once the
  /// response has been sent.
  bool close_after_response = false;

  /// A response with `status` and a JSON `body`.
  static response_plan json(int status, std::string body) {
    response_plan plan;
    plan.status = status;
    plan.body = std::move(body);
    return plan;
  }

  /// An error response as OpenAI sends it: `status` and the body made by
  /// `api_error_body(message, type, param, code)`.
  static response_plan api_error(int status, std::string_view message, std::string_view type,
                                 std::optional<std::string_view> param = std::nullopt,
                                 std::optional<std::string_view> code = std::nullopt) {
    return json(status, api_error_body(message, type, param, code));
  }

  /// A `200` `text/event-stream` whose parts are `events` (see `sse_event()`),
  /// sent `delay_between` apart.
  static response_plan event_stream(std::vector<std::string> events,
                                    std::chrono::milliseconds delay_between = {}) {
    response_plan plan;
    plan.content_type = "text/event-stream";
    plan.parts = std::move(events);
    plan.part_delay = delay_between;
    return plan;
  }

  /// Adds a header field to `headers`; returns this plan, for chaining.
  response_plan& with_header(std::string name, std::string value) & {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  /// Adds a header field to `headers`; returns the plan, for chaining on a
  /// temporary such as `response_plan::json(...)`.
  response_plan with_header(std::string name, std::string value) && {
    headers.emplace_back(std::move(name), std::move(value));
    return std::move(*this);
  }
};

} // namespace local
} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/local/impl/response_plan.ipp>
#endif

#endif
