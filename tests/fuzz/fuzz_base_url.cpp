// libFuzzer target: detail::parse_base_url, and client_options::check() over
// it, on arbitrary bytes (OPENAI_BASE_URL comes from the environment).
//
// Invariants: nothing throws or crashes; a refusal is an invalid_request error
// naming base_url with a message, and never repeats credentials the URL
// carried; an accepted URL is http or https with a host, a port in
// [1, 65535], no query or fragment, and a path prefix and Host header that can
// go into a request line and a header as they are (no spaces or control
// characters, a prefix that is empty or starts with '/' and has no trailing
// '/'); check() agrees with parse_base_url.
#include <knobs/detail/url.hpp>
#include <knobs/options.hpp>

#include "fuzz.hpp"

#include <boost/url/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

void check_refusal([[maybe_unused]] std::string_view url, const knobs::error_info& e) {
  KNOBS_FUZZ_CHECK(e.code == knobs::errc::invalid_request);
  KNOBS_FUZZ_CHECK(e.where == "base_url");
  KNOBS_FUZZ_CHECK(!e.message.empty());
  // Credentials must not come back in a message (it may be logged): whatever
  // the reason for the refusal, the user:password@host of the URL is not in it.
  auto u = boost::urls::parse_uri(url);
  if (u && u->has_password() && !u->encoded_password().empty() && !u->encoded_host().empty()) {
    const std::string credentials =
        std::string(u->encoded_userinfo()) + "@" + std::string(u->encoded_host());
    KNOBS_FUZZ_CHECK(e.message.find(credentials) == std::string::npos);
  }
}

void check_endpoint(std::string_view url, const knobs::detail::endpoint& ep) {
  KNOBS_FUZZ_CHECK(knobs_fuzz::starts_with(url, ep.tls ? "https:" : "http:"));
  KNOBS_FUZZ_CHECK(url.find_first_of("?#") == std::string_view::npos);
  KNOBS_FUZZ_CHECK(!ep.host.empty());
  KNOBS_FUZZ_CHECK(ep.port >= 1);
  KNOBS_FUZZ_CHECK(!ep.host_header.empty() && knobs_fuzz::printable(ep.host_header));
  KNOBS_FUZZ_CHECK(ep.host_header.find('@') == std::string::npos);
  KNOBS_FUZZ_CHECK(knobs_fuzz::printable(ep.path_prefix));
  KNOBS_FUZZ_CHECK(ep.path_prefix.empty() || ep.path_prefix.front() == '/');
  KNOBS_FUZZ_CHECK(ep.path_prefix.empty() || ep.path_prefix.back() != '/');
  KNOBS_FUZZ_CHECK(ep.target("/chat/completions") == ep.path_prefix + "/chat/completions");
  if (ep.host_header.front() == '[') // an IPv6 literal, sent in brackets
    KNOBS_FUZZ_CHECK(knobs_fuzz::starts_with(ep.host_header, "[" + ep.host + "]"));
  else
    KNOBS_FUZZ_CHECK(ep.host.find(':') == std::string::npos);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view url(reinterpret_cast<const char*>(data), size);
  knobs::result<knobs::detail::endpoint> ep = knobs::detail::parse_base_url(url);
  if (ep)
    check_endpoint(url, *ep);
  else
    check_refusal(url, ep.error());

  // What a client checks when it is made, with and without a key.
  knobs::client_options o;
  o.base_url = std::string(url);
  o.api_key = "sk-fuzz";
  knobs::result<void> checked = o.check();
  KNOBS_FUZZ_CHECK(checked.has_value() == ep.has_value());
  if (!checked)
    KNOBS_FUZZ_CHECK(checked.error().message == ep.error().message);
  o.api_key.clear();
  checked = o.check();
  KNOBS_FUZZ_CHECK(checked.has_value() == (ep && ep->host != "api.openai.com"));
  if (!checked && ep)
    KNOBS_FUZZ_CHECK(checked.error().where == "OPENAI_API_KEY" &&
                     checked.error().message.find("sk-") == std::string::npos);
  return 0;
}
