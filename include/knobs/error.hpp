// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_ERROR_HPP
#define KNOBS_ERROR_HPP

/// \file
/// What can go wrong, as values and as exceptions.
///
/// Every failure knobs reports has an `errc` (an `error_code` in knobs'
/// own category) and a message written for the user. Non-throwing calls return
/// `knobs::result<T>`, whose error is an `error_info` carrying that code, the
/// message, the place at fault (a knob, a request field, a JSON path) and, for
/// failures reported by a server, the server's own diagnostics. Throwing calls
/// throw a `knobs::error` subclass that carries the same `error_info`.

#include <boost/assert/source_location.hpp>
#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace knobs {

struct chat_completion; // <knobs/chat_completion.hpp>

/// The kinds of failure knobs reports, in `knobs::error_category()`.
enum class errc {
  /// A sampling knob was given a value outside its range (or NaN/infinity).
  invalid_knob = 1,
  /// A request the API would reject (see `chat_request::validate()`), or a
  /// field set in a way that would lose data (e.g. `extra` over a typed field).
  invalid_request,
  /// Bytes from a server that are not the documented shape: bad JSON, or a
  /// field of the wrong type. The message names the JSON path.
  invalid_response,
  /// The server answered with an error (an HTTP error status and/or an
  /// `{"error": {...}}` body). `error_info::api` has the details.
  api_error,
  /// The server could not be reached, or the connection broke before a whole
  /// response arrived. The message says which step failed and why.
  connection_error,
  /// An attempt took longer than `client_options::timeout` (or connecting
  /// longer than `connect_timeout`).
  timeout,
  /// The operation was cancelled through its cancellation slot.
  cancelled,
  /// The request was not sent: `client_options::strict` turned one of its
  /// `warnings()` into an error.
  strict_warning,
  /// The proxy (`client_options::proxy`) answered 407: it wants credentials,
  /// or refused the ones given. Never retried. Thrown as
  /// `proxy_authentication_error`, a `connection_error`: the server was not
  /// reached.
  proxy_authentication,
  /// The model declined to answer (`message.refusal`), so there is no value
  /// to read from its answer (`chat_completion::parse`). Thrown as
  /// `refusal_error`, whose `refusal()` is the model's words.
  refused,
  /// A tool run (`knobs::run_tools`) stopped: the model still asked for tools
  /// after the step limit, or a tool failed and the run was told to stop on
  /// failures. Thrown as `tool_error`.
  tool_failed,
};

namespace detail {

class error_category_impl final : public boost::system::error_category {
public:
  // A fixed id keeps codes comparable across shared-library boundaries.
  constexpr error_category_impl() noexcept : error_category(0x6b6e6f6273ull) {}

  const char* name() const noexcept override { return "knobs"; }

  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
    case errc::invalid_knob:
      return "sampling knob out of range";
    case errc::invalid_request:
      return "invalid request";
    case errc::invalid_response:
      return "invalid response from server";
    case errc::api_error:
      return "error reported by the API server";
    case errc::connection_error:
      return "connection error";
    case errc::timeout:
      return "request timed out";
    case errc::cancelled:
      return "operation cancelled";
    case errc::strict_warning:
      return "request has a warning and the client is strict";
    case errc::proxy_authentication:
      return "proxy authentication required or failed";
    case errc::refused:
      return "the model refused to answer";
    case errc::tool_failed:
      return "a tool run failed";
    }
    return "unknown knobs error";
  }
};

} // namespace detail

/// The category of every `knobs::errc`.
inline const boost::system::error_category& error_category() noexcept {
  static const detail::error_category_impl instance;
  return instance;
}

/// Makes `knobs::errc` usable as a `boost::system::error_code`.
inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// What a server said about a failed request: the HTTP status and the fields of
/// the API's error body `{"error": {"message", "type", "param", "code"}}`.
struct api_error_info {
  /// HTTP status, or 0 when the error came without one (an error event in
  /// the middle of a stream).
  int status = 0;
  /// The server's human-readable message ("" if it sent none).
  std::string message;
  /// e.g. "invalid_request_error"; absent when the body had none or `null`.
  std::optional<std::string> type;
  /// The request field at fault, e.g. "temperature".
  std::optional<std::string> param;
  /// The server's error code. OpenAI sends strings ("invalid_api_key"); vLLM
  /// and llama.cpp send integers, which are kept here in decimal ("400").
  std::optional<std::string> code;
  /// The `x-request-id` response header, when the server sent one.
  std::string request_id;
};

/// One failure, as returned by every non-throwing knobs call.
struct error_info {
  /// A `knobs::errc` (or, for transport failures, the underlying Asio code).
  boost::system::error_code code;
  /// A complete message for the user, e.g.
  /// "temperature must be in [0, 2], got 2.5".
  std::string message;
  /// What is at fault: a knob name ("temperature"), a request field
  /// ("top_logprobs") or a JSON path ("choices[0].message.content"); "" if none.
  std::string where;
  /// Set when the failure was reported by a server.
  std::optional<api_error_info> api;
  /// How many times the request was retried before this failure (0: the
  /// first attempt failed and was not retried, or nothing was sent).
  int retries = 0;
  /// For a stream that failed after chunks arrived (a reset, a stall, an
  /// error event, a chunk that does not parse): what arrived, folded as
  /// `chat_stream::completion()` folds it (text, reasoning, tool-call
  /// fragments, finish reasons so far), with `request_id` and `retries`.
  /// Null when no chunk arrived, and for anything but a stream.
  std::shared_ptr<const chat_completion> partial;
  /// For a stream: how many chunks arrived before the failure.
  std::size_t chunks = 0;
};

/// Writes the message (what a user should read) to a stream.
inline std::ostream& operator<<(std::ostream& os, const error_info& e) { return os << e.message; }

/// The base of every exception knobs throws. `what()` is `info().message`.
class error : public std::runtime_error {
public:
  /// The exception for the failure `info` describes; `what()` is
  /// `info.message`.
  explicit error(error_info info) : std::runtime_error(info.message), info_(std::move(info)) {}

  /// Everything known about the failure.
  const error_info& info() const noexcept { return info_; }
  /// The failure's code; compare with `knobs::errc` values.
  const boost::system::error_code& code() const noexcept { return info_.code; }
  /// The knob, field or JSON path at fault ("" if none).
  const std::string& where() const noexcept { return info_.where; }

private:
  error_info info_;
};

/// A sampling knob was given a value outside its range. `where()` names the knob.
class knob_error : public error {
public:
  using error::error;
};

/// A request the API would reject. `where()` names the request field.
class request_error : public error {
public:
  using error::error;
};

/// A server's bytes did not have the documented shape. `where()` is the JSON
/// path of the offending value ("" when the body was not JSON at all).
class parse_error : public error {
public:
  using error::error;
};

/// The model declined to answer (`errc::refused`): its answer carries a
/// refusal instead of the value `chat_completion::parse<T>()` was asked for.
/// `where()` is "choices[0].message.refusal".
class refusal_error : public error {
public:
  using error::error;

  /// What the model said instead of answering.
  std::string refusal() const {
    const std::string& m = info().message;
    return m.compare(0, prefix().size(), prefix()) == 0 ? m.substr(prefix().size()) : m;
  }

  /// How a refusal's message starts; the model's words follow.
  static const std::string& prefix() {
    static const std::string p = "the model refused to answer: ";
    return p;
  }
};

/// A tool run stopped (`errc::tool_failed`): the step limit was reached, or a
/// tool failed and `tool_run_options::stop_on_tool_error` was set. `where()`
/// names the tool, or "max_steps".
class tool_error : public error {
public:
  using error::error;
};

/// The server reported an error; `api()` has its status and diagnostics.
class api_error : public error {
public:
  using error::error;

  /// The server's diagnostics. Always present for an `api_error`.
  const api_error_info& api() const noexcept { return *info().api; }
};

/// The result of a non-throwing knobs call: a `T`, or the `error_info` saying
/// why not. `value()` throws the matching `knobs::error` subclass.
template <class T> using result = boost::system::result<T, error_info>;

/// 400: the server found the request malformed or invalid.
class bad_request_error : public api_error {
public:
  using api_error::api_error;
};
/// 401: the API key is missing or wrong.
class authentication_error : public api_error {
public:
  using api_error::api_error;
};
/// 403: the key may not do this.
class permission_denied_error : public api_error {
public:
  using api_error::api_error;
};
/// 404: no such model or endpoint.
class not_found_error : public api_error {
public:
  using api_error::api_error;
};
/// 409: a conflicting request is in progress (retried by default).
class conflict_error : public api_error {
public:
  using api_error::api_error;
};
/// 422: the request was well-formed JSON but failed the server's validation.
class unprocessable_entity_error : public api_error {
public:
  using api_error::api_error;
};
/// 429: too many requests, or out of quota (retried by default).
class rate_limit_error : public api_error {
public:
  using api_error::api_error;
};
/// 5xx: the server failed (retried by default).
class internal_server_error : public api_error {
public:
  using api_error::api_error;
};

/// The server could not be reached or the connection broke mid-response.
class connection_error : public error {
public:
  using error::error;
};
/// An attempt ran out of time.
class timeout_error : public connection_error {
public:
  using connection_error::connection_error;
};
/// The proxy answered 407 (`errc::proxy_authentication`): it needs
/// credentials in `client_options::proxy`, or refused the ones given.
class proxy_authentication_error : public connection_error {
public:
  using connection_error::connection_error;
};

/// Throws the `knobs::error` subclass that matches `info.code`.
[[noreturn]] inline void throw_error(error_info info) {
  if (info.code == make_error_code(errc::invalid_knob))
    throw knob_error(std::move(info));
  if (info.code == make_error_code(errc::invalid_request) ||
      info.code == make_error_code(errc::strict_warning))
    throw request_error(std::move(info));
  if (info.code == make_error_code(errc::invalid_response))
    throw parse_error(std::move(info));
  if (info.code == make_error_code(errc::timeout))
    throw timeout_error(std::move(info));
  if (info.code == make_error_code(errc::connection_error))
    throw connection_error(std::move(info));
  if (info.code == make_error_code(errc::proxy_authentication))
    throw proxy_authentication_error(std::move(info));
  if (info.code == make_error_code(errc::refused))
    throw refusal_error(std::move(info));
  if (info.code == make_error_code(errc::tool_failed))
    throw tool_error(std::move(info));
  if (info.api) {
    switch (info.api->status) {
    case 400:
      throw bad_request_error(std::move(info));
    case 401:
      throw authentication_error(std::move(info));
    case 403:
      throw permission_denied_error(std::move(info));
    case 404:
      throw not_found_error(std::move(info));
    case 409:
      throw conflict_error(std::move(info));
    case 422:
      throw unprocessable_entity_error(std::move(info));
    case 429:
      throw rate_limit_error(std::move(info));
    default:
      if (info.api->status >= 500)
        throw internal_server_error(std::move(info));
      throw api_error(std::move(info));
    }
  }
  throw error(std::move(info));
}

/// Called by `boost::system::result<T, error_info>::value()` (found by ADL).
[[noreturn]] inline void throw_exception_from_error(const error_info& info,
                                                    const boost::source_location&) {
  throw_error(info);
}

/// Makes an `error_info` with a knobs code, a message and the place at fault.
inline error_info make_error(errc code, std::string message, std::string where = {}) {
  error_info e;
  e.code = make_error_code(code);
  e.message = std::move(message);
  e.where = std::move(where);
  return e;
}

} // namespace knobs

namespace boost {
namespace system {
template <> struct is_error_code_enum<::knobs::errc> : std::true_type {};
} // namespace system
} // namespace boost

#endif
