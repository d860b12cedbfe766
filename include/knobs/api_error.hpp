// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_API_ERROR_HPP
#define KNOBS_API_ERROR_HPP

/// \file
/// Reading what a server said when it refused or failed a request: the body of
/// an HTTP error response (or an error event in a stream), into
/// `knobs::api_error_info` (see error.hpp).
///
/// The shapes understood:
/// - `{"error": {"message", "type", "param", "code"}}` — OpenAI, vLLM,
///   llama.cpp's server, Ollama's and LM Studio's OpenAI-compatible endpoints.
///   `code` is a string (OpenAI: "invalid_api_key"), an integer (vLLM,
///   llama.cpp: 400, kept in decimal as "400") or null; `type` and `param` may
///   be null or absent.
/// - `{"object": "error", "message", "type", "param", "code"}` — older vLLM.
/// - `{"error": "some message"}` — Ollama's and LM Studio's own endpoints.

#include <knobs/detail/config.hpp>
#include <knobs/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace knobs {

/// Parses an API error body. Never throws for bad input. `status` is the
/// HTTP status to record in the result (0 for an error event inside a stream);
/// `request_id` is left for the client to fill.
///
/// Returns an `errc::invalid_response` error when the body is not JSON (the
/// message has Boost.JSON's reason and the first 80 bytes of the body), is not
/// one of the shapes above, or has a member of the wrong type (`where` is its
/// JSON path, e.g. "error.code").
KNOBS_DECL result<api_error_info> try_parse_api_error(std::string_view body, int status = 0);

/// Parses an API error body.
/// \throws parse_error as described at `try_parse_api_error`.
KNOBS_DECL api_error_info parse_api_error(std::string_view body, int status = 0);

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/api_error.ipp>
#endif

#endif
