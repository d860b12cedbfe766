// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_OPTIONS_IPP
#define KNOBS_IMPL_OPTIONS_IPP

// The compiled part of <knobs/options.hpp>: checking the options, reading
// them from the environment, and the default warning printer.

#include <knobs/options.hpp>

#include <knobs/detail/http_field.hpp>
#include <knobs/detail/proxy.hpp>
#include <knobs/detail/url.hpp>

#include <cstdlib>
#include <initializer_list>
#include <iostream>

namespace knobs {

std::string_view to_string(log_level level) noexcept {
  switch (level) {
  case log_level::off:
    return "off";
  case log_level::info:
    return "info";
  case log_level::debug:
    return "debug";
  }
  return "off";
}

result<log_level> log_level_from_env() {
  const char* v = std::getenv("KNOBS_LOG");
  const std::string_view value = v ? v : "";
  for (log_level level : {log_level::off, log_level::info, log_level::debug})
    if (detail::iequal(value, to_string(level)))
      return level;
  if (value.empty())
    return log_level::off;
  return make_error(errc::invalid_request,
                    "KNOBS_LOG is \"" + std::string(value) +
                        "\", which is not a log level: use info, debug or off",
                    "KNOBS_LOG");
}

void print_log(log_level, std::string_view line) { std::cerr << "knobs: " << line << '\n'; }

void print_warning(const warning& w) {
  std::cerr << "knobs: warning [" << to_string(w.code) << "]: " << w.message << '\n';
}

client_options client_options::from_env() { return try_from_env().value(); }

result<client_options> client_options::try_from_env() {
  client_options o;
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  if (auto v = env("OPENAI_BASE_URL"); !v.empty())
    o.base_url = v;
  o.api_key = env("OPENAI_API_KEY");
  o.organization = env("OPENAI_ORG_ID");
  o.project = env("OPENAI_PROJECT_ID");

  // The proxy variables as curl reads them (libcurl-env(3),
  // https://curl.se/libcurl/c/libcurl-env.html, and "Proxy environment
  // variables", https://everything.curl.dev/usingcurl/proxies/env): the
  // scheme's own variable, lower case first, then upper case, except that
  // http_proxy is read in lower case only (a CGI program finds a request's
  // `Proxy:` header in HTTP_PROXY, so an upper-case one may come from a
  // client); then all_proxy / ALL_PROXY; no_proxy / NO_PROXY.
  const char* variable = nullptr;
  auto first = [&](std::initializer_list<const char*> names) {
    for (const char* name : names)
      if (auto v = env(name); !v.empty()) {
        variable = name;
        return v;
      }
    return std::string();
  };
  const bool https =
      o.base_url.size() >= 6 && detail::iequal(std::string_view(o.base_url).substr(0, 6), "https:");
  o.proxy = https ? first({"https_proxy", "HTTPS_PROXY"}) : first({"http_proxy"});
  if (o.proxy.empty())
    o.proxy = first({"all_proxy", "ALL_PROXY"});
  const char* proxy_variable = variable;
  o.no_proxy = first({"no_proxy", "NO_PROXY"});
  if (auto r = o.check(); !r) {
    error_info e = r.error();
    if (e.where == "proxy" && proxy_variable)
      e.message += " (read from the environment variable " + std::string(proxy_variable) + ")";
    return e;
  }
  return o;
}

result<void> client_options::check() const {
  auto ep = detail::parse_base_url(base_url);
  if (!ep)
    return ep.error();
  if (!proxy.empty())
    if (auto p = detail::parse_proxy_url(proxy); !p)
      return p.error();
  if (api_key.empty() && ep->host == "api.openai.com")
    return make_error(errc::invalid_request,
                      "an API key is required for api.openai.com: set OPENAI_API_KEY, or "
                      "client_options::api_key, or point OPENAI_BASE_URL at another server",
                      "OPENAI_API_KEY");
  // Every string that goes into a header field. The key's own characters
  // are never quoted.
  const std::pair<const char*, const std::string*> fields[] = {{"api_key", &api_key},
                                                               {"organization", &organization},
                                                               {"project", &project},
                                                               {"user_agent", &user_agent}};
  for (const auto& [name, value] : fields)
    if (std::string problem = detail::field_value_problem(*value); !problem.empty())
      return make_error(errc::invalid_request, std::string(name) + " " + problem, name);
  if (auto r = detail::check_fields(headers, "headers"); !r)
    return r;
  if (auto r = detail::check_query(query, "query"); !r)
    return r;
  if (max_retries < 0)
    return make_error(errc::invalid_request, "max_retries must be >= 0", "max_retries");
  if (max_event_bytes == 0)
    return make_error(errc::invalid_request, "max_event_bytes must be >= 1", "max_event_bytes");
  if (stream_idle_timeout.count() <= 0)
    return make_error(errc::invalid_request, "stream_idle_timeout must be positive",
                      "stream_idle_timeout");
  if (stream_timeout.count() < 0)
    return make_error(errc::invalid_request, "stream_timeout must be >= 0 (0: no bound)",
                      "stream_timeout");
  if (max_connections == 0)
    return make_error(errc::invalid_request, "max_connections must be >= 1", "max_connections");
  return {};
}

} // namespace knobs

#endif
