// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_SRC_HPP
#define KNOBS_LOCAL_SRC_HPP

/// \file
/// The compiled part of knobs::local (the loopback test server, the offline
/// model and its server, test certificates, the cassette), for
/// KNOBS_SEPARATE_COMPILATION:
/// include it in exactly one translation unit of a program that uses
/// knobs::local, beside <knobs/src.hpp>. The CMake target
/// knobs::knobs_compiled does this for you, in an object file of its own, so
/// a program that does not use knobs::local does not link it.

#include <knobs/detail/config.hpp>

#if !defined(KNOBS_SEPARATE_COMPILATION)
#error                                                                                             \
    "<knobs/local/src.hpp> is for KNOBS_SEPARATE_COMPILATION: define it for every translation unit of the program, or leave this file out (knobs is header-only by default)"
#endif

#include <knobs/local/impl/cassette.ipp>
#include <knobs/local/impl/certificate.ipp>
#include <knobs/local/impl/model_server.ipp>
#include <knobs/local/impl/offline_model.ipp>
#include <knobs/local/impl/response_plan.ipp>
#include <knobs/local/impl/server.ipp>

#endif
