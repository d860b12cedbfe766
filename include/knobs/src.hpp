// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_SRC_HPP
#define KNOBS_SRC_HPP

/// \file
/// The compiled part of knobs, for KNOBS_SEPARATE_COMPILATION: include this
/// file in exactly one translation unit of a program whose every translation
/// unit is compiled with KNOBS_SEPARATE_COMPILATION defined (as
/// <boost/beast/src.hpp>). The CMake target knobs::knobs_compiled does this
/// for you. knobs::local (the loopback servers and the offline model) has a
/// src.hpp of its own, <knobs/local/src.hpp>.

#include <knobs/detail/config.hpp>

#if !defined(KNOBS_SEPARATE_COMPILATION)
#error                                                                                             \
    "<knobs/src.hpp> is for KNOBS_SEPARATE_COMPILATION: define it for every translation unit of the program, or leave this file out (knobs is header-only by default)"
#endif

#include <knobs/detail/impl/typed_json.ipp>
#include <knobs/impl/api_error.ipp>
#include <knobs/impl/chat_chunk.ipp>
#include <knobs/impl/chat_completion.ipp>
#include <knobs/impl/chat_request.ipp>
#include <knobs/impl/chat_stream.ipp>
#include <knobs/impl/client.ipp>
#include <knobs/impl/distribution.ipp>
#include <knobs/impl/model_info.ipp>
#include <knobs/impl/options.ipp>
#include <knobs/impl/request_options.ipp>
#include <knobs/impl/sampling.ipp>
#include <knobs/impl/schema.ipp>
#include <knobs/impl/server_profile.ipp>
#include <knobs/impl/tool_runner.ipp>

#endif
