// Shared by the libFuzzer targets in this directory: how a broken invariant
// becomes a crash, and the checks every knobs error must pass.
#ifndef KNOBS_TESTS_FUZZ_FUZZ_HPP
#define KNOBS_TESTS_FUZZ_FUZZ_HPP

#include <knobs/error.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

// A violated invariant is a crash, so that libFuzzer saves the input and
// prints the stack: abort() rather than an exception, which a target must
// never let escape anyway.
#define KNOBS_FUZZ_CHECK(cond)                                                                     \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      ::knobs_fuzz::violated(#cond, __FILE__, __LINE__);                                           \
  } while (false)

namespace knobs_fuzz {

[[noreturn]] inline void violated(const char* what, const char* file, int line) {
  std::fprintf(stderr, "knobs fuzz: invariant violated at %s:%d: %s\n", file, line, what);
  std::abort();
}

inline bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// No spaces or control characters: what may stand in a request line or a
// header value as it is.
inline bool printable(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F)
      return false;
  return true;
}

inline bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// What every failure of a parser of server bytes must look like: the code it
// documents, a message for the user, and (for a JSON path) a message that
// starts with the path, as json_reader builds it.
inline void check_response_error(const knobs::error_info& e) {
  KNOBS_FUZZ_CHECK(e.code == knobs::errc::invalid_response);
  KNOBS_FUZZ_CHECK(!e.message.empty());
  KNOBS_FUZZ_CHECK(e.where.empty() || starts_with(e.message, e.where + ": "));
  KNOBS_FUZZ_CHECK(!e.api);
  KNOBS_FUZZ_CHECK(e.retries == 0);
}

// The throwing form of a parser must fail exactly when the non-throwing form
// does, with parse_error carrying the same message: `parse` is called only
// after `try_parse` failed, and must throw.
template <class Parse>
void check_throws_parse_error(Parse&& parse, const knobs::error_info& expected) {
  bool thrown = false;
  try {
    parse();
  } catch (const knobs::parse_error& e) { // the documented exception of parse_*
    thrown = true;
    KNOBS_FUZZ_CHECK(e.info().message == expected.message);
    KNOBS_FUZZ_CHECK(e.where() == expected.where);
  }
  KNOBS_FUZZ_CHECK(thrown);
}

} // namespace knobs_fuzz

#endif
