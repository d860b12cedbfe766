// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_VERSION_HPP
#define KNOBS_VERSION_HPP

/// \file
/// The library version, as macros (for `#if`) and as text (the User-Agent).
/// This is the single source of the version: CMake parses the three
/// `KNOBS_VERSION_MAJOR`, `_MINOR` and `_PATCH` lines.

/// The major version, the first number of `major.minor.patch`.
#define KNOBS_VERSION_MAJOR 0
/// The minor version. The installed CMake package is compatible within one
/// minor version: `find_package(knobs 0.2)` accepts 0.2.x and nothing else.
#define KNOBS_VERSION_MINOR 2
/// The patch version, the last number of `major.minor.patch`.
#define KNOBS_VERSION_PATCH 0

/// The library version as one number, major * 10000 + minor * 100 + patch
/// (200 for 0.2.0), for comparisons in `#if`.
#define KNOBS_VERSION                                                                              \
  (KNOBS_VERSION_MAJOR * 10000 + KNOBS_VERSION_MINOR * 100 + KNOBS_VERSION_PATCH)

#define KNOBS_DETAIL_STR2(x) #x
#define KNOBS_DETAIL_STR(x) KNOBS_DETAIL_STR2(x)

/// The version as text, e.g. "0.2.0".
#define KNOBS_VERSION_STRING                                                                       \
  KNOBS_DETAIL_STR(KNOBS_VERSION_MAJOR)                                                            \
  "." KNOBS_DETAIL_STR(KNOBS_VERSION_MINOR) "." KNOBS_DETAIL_STR(KNOBS_VERSION_PATCH)

namespace knobs {

/// The version as text, e.g. "0.2.0".
inline constexpr const char* version_string = KNOBS_VERSION_STRING;

/// The default User-Agent header value sent by the clients, e.g. "knobs-cpp/0.2.0".
inline constexpr const char* default_user_agent = "knobs-cpp/" KNOBS_VERSION_STRING;

} // namespace knobs

#endif
