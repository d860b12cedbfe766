// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_TESTS_CONTRACT_HPP
#define KNOBS_TESTS_CONTRACT_HPP

// What the contract tests share: the official spec (chat-completions.json, see
// README.md here for where it comes from), the Prism mock server generated from
// it, a raw POST for bodies knobs' typed API cannot build, and the table of
// known disagreements between knobs' ranges and the spec's.

#include <knobs/client.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace contract {

// -- the spec ------------------------------------------------------------------

// The whole document, parsed once.
const boost::json::object& spec();

// -- Prism -----------------------------------------------------------------------

// Prism serving the spec on 127.0.0.1:<a free port>, started on first use and
// stopped (by its process id) when the program exits.
// \throws std::runtime_error saying what to do when it cannot start: Prism not
// installed ("run npm ci --prefix tests/contract"), node missing, or Prism
// exiting or not listening within 60 s (with its log).
class prism {
public:
  static prism& instance();

  unsigned short port() const noexcept { return port_; }
  // http://127.0.0.1:<port>: Prism serves /chat/completions with no /v1.
  std::string base_url() const;

  prism(const prism&) = delete;
  prism& operator=(const prism&) = delete;
  ~prism();

private:
  prism() = default;
  void start();
  void stop() noexcept;

  int pid_ = -1;
  unsigned short port_ = 0;
};

// Options for a knobs client talking to Prism: a dummy bearer token (Prism
// answers 401 without one), no retries (a failure must show at once) and no
// warnings on stderr (the matrix sets knobs together on purpose).
knobs::client_options prism_options();

// What Prism answered to a raw POST.
struct answer {
  int status = 0;
  std::string content_type;
  std::string body;

  // The body as JSON (an empty object when it is not JSON).
  boost::json::value json() const;
  // For a 422: the fields named in `validation[].location` (["body","temperature"]
  // gives "temperature", ["body","stream_options","include_usage"] gives
  // "stream_options.include_usage"), each once, in order.
  std::vector<std::string> invalid_fields() const;
};

// POSTs `body` as is to Prism's /chat/completions with a bearer token and
// `Accept: application/json`, on a fresh connection.
answer post(const std::string& body);

// `body` (a JSON object as text) with `field` set to the raw JSON text `value`,
// spliced in as text so that the value reaches Prism exactly as written.
std::string with_field(const std::string& body, std::string_view field, std::string_view value);

// -- where knobs departs from the spec, on purpose (exceptions.cpp) ---------------

// A field of the spec's CreateChatCompletionRequest that knobs has no setter
// for: users send it with `extra(field, value)`.
struct left_to_extra_field {
  std::string_view field;   // the JSON field
  std::string_view why;     // why knobs has no setter for it
  std::string_view example; // a valid value, as JSON text
};

const std::vector<left_to_extra_field>& left_to_extra();

// A range on which knobs and the official spec knowingly disagree. Each entry is
// checked both ways by "every known disagreement between knobs and the spec
// still holds": when one side changes, that test fails until the entry goes.
struct known_disagreement {
  std::string_view field;      // the JSON field
  std::string_view knobs_says; // knobs' rule
  std::string_view spec_says;  // the spec's schema
  std::string_view probe;      // a JSON value for `field` on which they disagree
  bool (*knobs_accepts)();     // whether knobs' typed API takes `probe`
  int prism_status;            // what Prism answers to `probe`: 200 or 422
};

const std::vector<known_disagreement>& known_disagreements();

// The entry for `field` (the first, for a field listed twice), or nullptr.
const known_disagreement* disagreement_for(std::string_view field);

} // namespace contract

#endif
