// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_VERSION_HPP
#define KNOBS_VERSION_HPP

/// The library version, as major * 10000 + minor * 100 + patch.
/// This is the single source of the version: CMake parses these three lines.
#define KNOBS_VERSION_MAJOR 0
#define KNOBS_VERSION_MINOR 2
#define KNOBS_VERSION_PATCH 0

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
