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

#include <algorithm>
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

namespace detail {

// The names azure options are read from, for the errors: the function's
// parameters, or the environment variables from_env() read them from.
struct azure_names {
  const char* endpoint;
  const char* api_version;
};

inline bool dated_api_version(std::string_view v) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return v.size() >= 10 && digit(v[0]) && digit(v[1]) && digit(v[2]) && digit(v[3]) &&
         v[4] == '-' && digit(v[5]) && digit(v[6]) && v[7] == '-' && digit(v[8]) && digit(v[9]);
}

// Azure OpenAI's two URL forms, as Microsoft documents them:
// - the dated API: POST {endpoint}/openai/deployments/{deployment-id}/chat/completions
//   ?api-version={api-version}, api-version required ("Azure OpenAI Service
//   REST API reference", learn.microsoft.com/azure/ai-services/openai/reference,
//   data plane inference GA 2024-10-21); the key in the `api-key` header, or
//   a Microsoft Entra ID token as `Authorization: Bearer` (same page,
//   "Authentication");
// - the v1 API: {endpoint}/openai/v1/chat/completions, the deployment's name
//   as `model`, "no need to specify new api-version's" ("Azure OpenAI v1
//   API", learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle,
//   August 2025). A dated api-version on /openai/v1 is refused by Azure
//   ("API version not supported", zendev-sh/goai PR #54, May 2026), so knobs
//   refuses it first; openai-python (src/openai/lib/azure.py, 2025) treats
//   the versions "preview" and "latest" as not deployment-based, so
//   non-dated versions are passed on.
// openai-python builds the deployment URL the same way,
// `{azure_endpoint.rstrip('/')}/openai/deployments/{azure_deployment}`
// (src/openai/lib/azure.py, AzureOpenAI.__init__).
inline result<client_options> azure_options(std::string_view endpoint, std::string_view deployment,
                                            std::string_view api_version,
                                            const azure_names& names) {
  const std::string field = names.endpoint;
  std::string base(endpoint);
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  auto ep = parse_base_url(base);
  if (!ep) {
    // parse_base_url() speaks of base_url; here the value is the endpoint.
    error_info e = ep.error();
    if (e.message.rfind("base_url", 0) == 0)
      e.message.replace(0, 8, field);
    e.message += " (an Azure OpenAI endpoint is e.g. https://NAME.openai.azure.com)";
    e.where = field;
    return e;
  }
  const std::string& path = ep->path_prefix;
  if (ends_with(path, "/openai") || ends_with(path, "/openai/v1") ||
      path.find("/openai/deployments") != std::string::npos)
    return make_error(errc::invalid_request,
                      field + " must be the resource's URL (https://NAME.openai.azure.com), "
                              "without /openai/...: knobs adds /openai/v1 or "
                              "/openai/deployments/DEPLOYMENT to it",
                      field);
  client_options o;
  o.api_key_header = key_header::api_key;
  if (!deployment.empty()) {
    if (api_version.empty())
      return make_error(errc::invalid_request,
                        std::string(names.api_version) +
                            " is required with a deployment (the dated Azure OpenAI API takes "
                            "?api-version=, e.g. 2024-10-21); without a deployment knobs uses "
                            "the v1 API, which needs none",
                        names.api_version);
    base += "/openai/deployments/";
    append_percent_encoded(base, deployment);
  } else {
    if (dated_api_version(api_version))
      return make_error(errc::invalid_request,
                        std::string(names.api_version) + " \"" + std::string(api_version) +
                            "\" is a dated version, which the v1 API (/openai/v1) does not "
                            "take: name a deployment for the dated API, or leave " +
                            names.api_version + " empty",
                        names.api_version);
    base += "/openai/v1";
  }
  o.base_url = std::move(base);
  if (!api_version.empty())
    o.query = {{"api-version", std::string(api_version)}};
  return o;
}

} // namespace detail

client_options client_options::azure(std::string_view endpoint, std::string_view deployment,
                                     std::string_view api_version) {
  return try_azure(endpoint, deployment, api_version).value();
}

result<client_options> client_options::try_azure(std::string_view endpoint,
                                                 std::string_view deployment,
                                                 std::string_view api_version) {
  return detail::azure_options(endpoint, deployment, api_version, {"endpoint", "api_version"});
}

client_options client_options::from_env() { return try_from_env().value(); }

result<client_options> client_options::try_from_env() {
  client_options o;
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  if (auto v = env("OPENAI_BASE_URL"); !v.empty()) {
    o.base_url = v;
    o.api_key = env("OPENAI_API_KEY");
  } else if (auto endpoint = env("AZURE_OPENAI_ENDPOINT"); !endpoint.empty()) {
    // The variables openai-python's AzureOpenAI reads (src/openai/lib/azure.py,
    // 2025): AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY (sent as api-key),
    // AZURE_OPENAI_AD_TOKEN (sent as Authorization: Bearer, and preferred to
    // the key), OPENAI_API_VERSION. It takes the deployment from each
    // request's model; knobs reads it from AZURE_OPENAI_DEPLOYMENT, the name
    // openai-node's Azure guide uses (docs/azure.md), and without one talks to
    // the v1 API, where the model is the deployment.
    auto azure =
        detail::azure_options(endpoint, env("AZURE_OPENAI_DEPLOYMENT"), env("OPENAI_API_VERSION"),
                              {"AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION"});
    if (!azure)
      return azure.error();
    o = std::move(*azure);
    if (auto token = env("AZURE_OPENAI_AD_TOKEN"); !token.empty()) {
      o.api_key = std::move(token);
      o.api_key_header = key_header::authorization;
    } else {
      o.api_key = env("AZURE_OPENAI_API_KEY");
    }
    if (o.api_key.empty())
      return make_error(errc::invalid_request,
                        "AZURE_OPENAI_ENDPOINT is set but neither AZURE_OPENAI_API_KEY nor "
                        "AZURE_OPENAI_AD_TOKEN is: Azure OpenAI needs one of them",
                        "AZURE_OPENAI_API_KEY");
  } else {
    o.api_key = env("OPENAI_API_KEY");
  }
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
  if (api_key.empty() && api_key_header == key_header::api_key &&
      std::none_of(headers.begin(), headers.end(), [](const auto& h) {
        return detail::iequal(h.first, "api-key") || detail::iequal(h.first, "authorization");
      }))
    return make_error(errc::invalid_request,
                      "api_key_header is key_header::api_key (Azure OpenAI) but api_key is "
                      "empty: set api_key (or AZURE_OPENAI_API_KEY), or a Microsoft Entra ID "
                      "token with api_key_header = key_header::authorization",
                      "api_key");
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
