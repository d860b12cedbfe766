// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_CONFIG_HPP
#define KNOBS_DETAIL_CONFIG_HPP

// The two ways to build knobs, as Boost.Beast and Boost.JSON offer them.
//
// Header-only (the default): every header brings its implementation along
// (its impl/*.ipp is included at the end of the header), and every function
// of it is `inline`.
//
// Compiled once: define KNOBS_SEPARATE_COMPILATION for the whole program and
// include <knobs/src.hpp> (and <knobs/local/src.hpp> when the program uses
// knobs::local) in exactly one of its translation units; the CMake target
// knobs::knobs_compiled does both. The headers then declare what the .ipp
// files define, so a file that calls the clients does not compile Beast,
// Asio's SSL layer or the JSON parser again.
//
// KNOBS_DECL marks a declaration whose definition lives in an .ipp file.

#if defined(KNOBS_SEPARATE_COMPILATION)
#define KNOBS_DECL
#else
#define KNOBS_HEADER_ONLY 1
#define KNOBS_DECL inline
#endif

#endif
