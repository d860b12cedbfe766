// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_KNOBS_HPP
#define KNOBS_KNOBS_HPP

/// \file
/// Everything public in knobs, in one include, except the loopback server
/// (`<knobs/local/server.hpp>`, `<knobs/local/certificate.hpp>`), which only
/// tests and the offline examples need.

/// \namespace knobs
/// The whole public API: the clients (`client`, `async_client`), the request
/// (`chat_request`) and its knobs, the responses (`chat_completion`,
/// `chat_chunk`), the errors (`errc`, `error_info`, the `error` exceptions)
/// and what knobs knows of servers (`server_profile`). Names in
/// `knobs::detail` are the implementation and may change without notice.

#include <knobs/api_error.hpp>
#include <knobs/chat_chunk.hpp>
#include <knobs/chat_completion.hpp>
#include <knobs/chat_request.hpp>
#include <knobs/chat_stream.hpp>
#include <knobs/client.hpp>
#include <knobs/distribution.hpp>
#include <knobs/error.hpp>
#include <knobs/message.hpp>
#include <knobs/model_info.hpp>
#include <knobs/options.hpp>
#include <knobs/request_options.hpp>
#include <knobs/response_format.hpp>
#include <knobs/sampling.hpp>
#include <knobs/schema.hpp>
#include <knobs/server_profile.hpp>
#include <knobs/tool.hpp>
#include <knobs/tool_call.hpp>
#include <knobs/tool_runner.hpp>
#include <knobs/version.hpp>
#include <knobs/warning.hpp>

#endif
