// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_REDACT_HPP
#define KNOBS_DETAIL_REDACT_HPP

// A secret (an API key, a proxy's password) taken out of text that may quote
// it: the client's errors and logs, the cassette's file.

#include <string>
#include <string_view>

namespace knobs {
namespace detail {

inline constexpr std::string_view redaction_mark = "[redacted]";

// Every occurrence of `secret` in `text` replaced by "[redacted]". The search
// goes on after the mark: a secret that is part of it ("e", "red") would
// otherwise be found in it again, forever.
inline std::string redact(std::string text, std::string_view secret) {
  if (secret.empty())
    return text;
  for (auto pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + redaction_mark.size()))
    text.replace(pos, secret.size(), redaction_mark);
  return text;
}

} // namespace detail
} // namespace knobs

#endif
