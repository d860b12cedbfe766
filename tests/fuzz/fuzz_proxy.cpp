// libFuzzer target: detail::parse_proxy_url and detail::no_proxy_matches on
// arbitrary bytes (HTTPS_PROXY, NO_PROXY and their kin come from the
// environment).
//
// Invariants: nothing throws or crashes; a refusal is an invalid_request error
// naming `proxy`, and a URL with an '@' is never quoted back; an accepted
// proxy has a host, a port in [1, 65535], an authority of printable bytes
// without '@' that ends in ":port", and a Proxy-Authorization value that is
// "Basic " and base64 when there are credentials; a NO_PROXY list of "*"
// matches any host, and an empty list none.
#include <knobs/detail/proxy.hpp>

#include "fuzz.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

bool base64(std::string_view s) {
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/' || c == '='))
      return false;
  return !s.empty() && s.size() % 4 == 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const knobs::result<knobs::detail::proxy_endpoint> p = knobs::detail::parse_proxy_url(text);
  if (p) {
    KNOBS_FUZZ_CHECK(!p->host.empty());
    KNOBS_FUZZ_CHECK(p->port >= 1);
    KNOBS_FUZZ_CHECK(knobs_fuzz::printable(p->authority));
    KNOBS_FUZZ_CHECK(p->authority.find('@') == std::string::npos);
    KNOBS_FUZZ_CHECK(knobs_fuzz::ends_with(p->authority, ":" + std::to_string(p->port)));
    if (!p->authorization.empty()) {
      KNOBS_FUZZ_CHECK(knobs_fuzz::starts_with(p->authorization, "Basic "));
      KNOBS_FUZZ_CHECK(base64(std::string_view(p->authorization).substr(6)));
    } else {
      KNOBS_FUZZ_CHECK(p->password.empty());
    }
  } else {
    KNOBS_FUZZ_CHECK(p.error().code == knobs::errc::invalid_request);
    KNOBS_FUZZ_CHECK(p.error().where == "proxy");
    if (text.find('@') != std::string_view::npos)
      KNOBS_FUZZ_CHECK(p.error().message.find("proxy (not quoted: it contains credentials)") == 0);
  }

  // The same bytes as a NO_PROXY list, and as a host against fixed lists.
  (void)knobs::detail::no_proxy_matches(text, "api.example.com", 443);
  (void)knobs::detail::no_proxy_matches(text, "::1", 8000);
  KNOBS_FUZZ_CHECK(knobs::detail::no_proxy_matches("*", text, 80));
  KNOBS_FUZZ_CHECK(!knobs::detail::no_proxy_matches("", text, 80));
  (void)knobs::detail::no_proxy_matches("localhost, .example.com, 10.0.0.0/8, [::1]:8000", text,
                                        443);
  return 0;
}
