#include <knobs/options.hpp>

#include <doctest/doctest.h>

#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

namespace {

knobs::client_options local() {
  knobs::client_options o;
  o.base_url = "http://127.0.0.1:8000/v1";
  o.api_key = "sk-unit-secret";
  return o;
}

// The error check() gives, after checking there is one.
knobs::error_info refusal(const knobs::client_options& o) {
  const knobs::result<void> r = o.check();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == knobs::errc::invalid_request);
  return r.error();
}

} // namespace

TEST_CASE("the defaults need only a key, and a local server needs none") {
  knobs::client_options o;
  CHECK(refusal(o).where == "OPENAI_API_KEY");
  o.api_key = "sk-x";
  CHECK(o.check().has_value());
  o = local();
  o.api_key.clear();
  CHECK(o.check().has_value());
}

TEST_CASE("every default is the one README.md documents") {
  using namespace std::chrono_literals;
  const knobs::client_options o;
  CHECK(o.base_url == "https://api.openai.com/v1");
  CHECK(o.api_key.empty());
  CHECK(o.api_key_header == knobs::key_header::authorization);
  CHECK(o.organization.empty());
  CHECK(o.project.empty());
  CHECK(o.headers.empty());
  CHECK(o.timeout == 600s);
  CHECK(o.connect_timeout == 5s);
  CHECK(o.stream_idle_timeout == 300s);
  CHECK(o.stream_timeout == 0s);
  CHECK(o.query.empty());
  CHECK(o.max_retries == 2);
  CHECK(o.max_retry_after == 60s);
  CHECK(o.max_connections == 16);
  CHECK(o.max_response_bytes == 64u * 1024 * 1024);
  CHECK(o.max_event_bytes == 16u * 1024 * 1024);
  CHECK(o.ca_file.empty());
  CHECK(o.proxy.empty());
  CHECK(o.no_proxy.empty());
  CHECK_FALSE(o.insecure_skip_tls_verify);
  CHECK(o.user_agent == knobs::default_user_agent);
  using warning_function = void (*)(const knobs::warning&);
  const warning_function* on_warning = o.on_warning.target<warning_function>();
  REQUIRE(on_warning != nullptr);
  const bool prints_warnings = *on_warning == &knobs::print_warning;
  CHECK(prints_warnings);
  CHECK_FALSE(o.strict);
  CHECK(o.log == knobs::log_level::off);
  using log_function = void (*)(knobs::log_level, std::string_view);
  const log_function* on_log = o.on_log.target<log_function>();
  REQUIRE(on_log != nullptr);
  const bool prints_logs = *on_log == &knobs::print_log;
  CHECK(prints_logs);
}

TEST_CASE("log levels: their names, and KNOBS_LOG read case-insensitively") {
  CHECK(knobs::to_string(knobs::log_level::off) == "off");
  CHECK(knobs::to_string(knobs::log_level::info) == "info");
  CHECK(knobs::to_string(knobs::log_level::debug) == "debug");
  unsetenv("KNOBS_LOG");
  CHECK(knobs::log_level_from_env().value() == knobs::log_level::off);
  setenv("KNOBS_LOG", "", 1);
  CHECK(knobs::log_level_from_env().value() == knobs::log_level::off);
  setenv("KNOBS_LOG", "Debug", 1);
  CHECK(knobs::log_level_from_env().value() == knobs::log_level::debug);
  setenv("KNOBS_LOG", "trace", 1);
  const auto r = knobs::log_level_from_env();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().where == "KNOBS_LOG");
  CHECK(r.error().code == knobs::errc::invalid_request);
  unsetenv("KNOBS_LOG");
}

TEST_CASE("a CR or LF in a value that becomes a header is refused, naming the option") {
  struct row {
    std::string knobs::client_options::*member;
    const char* name;
  };
  for (const row& r : {row{&knobs::client_options::organization, "organization"},
                       row{&knobs::client_options::project, "project"},
                       row{&knobs::client_options::user_agent, "user_agent"}}) {
    CAPTURE(r.name);
    knobs::client_options o = local();
    o.*r.member = "x\r\nX-Injected: 1";
    const knobs::error_info e = refusal(o);
    CHECK(e.where == r.name);
    CHECK(e.message ==
          std::string(r.name) +
              " contains the control character 0x0D, which would end the header field");
  }
}

TEST_CASE("a control character in the API key is refused without quoting the key") {
  knobs::client_options o = local();
  o.api_key = "sk-unit-secret\n";
  const knobs::error_info e = refusal(o);
  CHECK(e.where == "api_key");
  CHECK(e.message ==
        "api_key contains the control character 0x0A, which would end the header field");
  CHECK(e.message.find("sk-unit") == std::string::npos);
  o.api_key = std::string("sk-\0", 4);
  CHECK(refusal(o).message == "api_key contains the control character 0x00");
}

TEST_CASE("a tab and bytes from 0x80 are allowed in values; DEL is not") {
  knobs::client_options o = local();
  o.user_agent = "my-app/1.0\t(caf\xC3\xA9)";
  CHECK(o.check().has_value());
  o.user_agent = "my-app\x7F";
  CHECK(refusal(o).message == "user_agent contains the control character 0x7F");
}

TEST_CASE("extra headers need token names, clean values, and leave the framing to knobs") {
  knobs::client_options o = local();
  o.headers = {{"X-Trace", "abc"}, {"User-Agent", "my-app/2"}};
  CHECK(o.check().has_value());

  o.headers = {{"X-Trace", "abc"}, {"", "v"}};
  knobs::error_info e = refusal(o);
  CHECK(e.where == "headers[1]");
  CHECK(e.message == "headers[1]: the name is empty");

  o.headers = {{"X Trace", "v"}};
  CHECK(refusal(o).message ==
        "headers[0]: the name contains a character that is not allowed in a header name");
  o.headers = {{"X-Trace:", "v"}};
  CHECK(refusal(o).where == "headers[0]");

  o.headers = {{"X-Trace", "a\rb"}};
  CHECK(refusal(o).message ==
        "headers[0]: the value of X-Trace contains the control character 0x0D, which would end "
        "the header field");

  for (const char* framing : {"Content-Length", "transfer-encoding"}) {
    o.headers = {{framing, "5"}};
    CHECK(refusal(o).message ==
          std::string("headers[0]: ") + framing + " is set by knobs from the body");
  }
}

TEST_CASE("numeric limits are checked") {
  knobs::client_options o = local();
  o.max_retries = -1;
  CHECK(refusal(o).where == "max_retries");
  o = local();
  o.max_connections = 0;
  CHECK(refusal(o).where == "max_connections");
  o = local();
  o.max_event_bytes = 0;
  CHECK(refusal(o).where == "max_event_bytes");
  o = local();
  o.stream_idle_timeout = std::chrono::milliseconds(0);
  CHECK(refusal(o).where == "stream_idle_timeout");
  o = local();
  o.stream_timeout = std::chrono::milliseconds(-1);
  CHECK(refusal(o).where == "stream_timeout");
  o = local();
  o.stream_timeout = std::chrono::milliseconds(0); // no bound
  CHECK(o.check().has_value());
}

TEST_CASE("query parameters need a name; their bytes are knobs' to encode") {
  knobs::client_options o = local();
  o.query = {{"api-version", "2024-10-21"}, {"odd", "a b\r\n&="}};
  CHECK(o.check().has_value());
  o.query.emplace_back("", "x");
  CHECK(refusal(o).message == "query[2]: the parameter's name is empty");
}

TEST_CASE("a proxy URL is checked: http only, refused naming proxy, credentials never quoted") {
  knobs::client_options o = local();
  o.proxy = "http://user:pa%3Ass@127.0.0.1:3128";
  CHECK(o.check().has_value());
  o.proxy = "127.0.0.1:3128"; // no scheme: http, as curl reads it
  CHECK(o.check().has_value());

  o.proxy = "https://127.0.0.1:3128";
  knobs::error_info e = refusal(o);
  CHECK(e.where == "proxy");
  CHECK(e.message.find("the scheme must be http") != std::string::npos);

  o.proxy = "socks5://user:hunter2-SECRET@127.0.0.1:1080";
  e = refusal(o);
  CHECK(e.where == "proxy");
  CHECK(e.message.find("hunter2") == std::string::npos);

  o.proxy = "http://127.0.0.1:70000";
  CHECK(refusal(o).message == "proxy \"http://127.0.0.1:70000\" is not usable: the port must be a "
                              "number in [1, 65535]");
}

namespace {

// Sets the proxy variables for one test and restores a clean environment
// after it (none of them set, and OPENAI_* as the test left them).
struct proxy_environment {
  static constexpr const char* names[] = {"https_proxy", "HTTPS_PROXY", "http_proxy",
                                          "HTTP_PROXY",  "all_proxy",   "ALL_PROXY",
                                          "no_proxy",    "NO_PROXY",    "OPENAI_BASE_URL"};
  proxy_environment() { clear(); }
  ~proxy_environment() { clear(); }
  static void clear() {
    for (const char* n : names)
      ::unsetenv(n);
  }
  void set(const char* name, const char* value) { ::setenv(name, value, 1); }
};

} // namespace

TEST_CASE("from_env reads the proxy as curl does: the scheme's variable, lower case first") {
  proxy_environment env;
  env.set("OPENAI_BASE_URL", "https://llm.example/v1");
  env.set("HTTPS_PROXY", "http://upper:3128");
  CHECK(knobs::client_options::from_env().proxy == "http://upper:3128");
  env.set("https_proxy", "http://lower:3128");
  CHECK(knobs::client_options::from_env().proxy == "http://lower:3128");
  // http_proxy is not read for an https server.
  env.set("http_proxy", "http://plain:3128");
  CHECK(knobs::client_options::from_env().proxy == "http://lower:3128");

  env.set("OPENAI_BASE_URL", "http://llm.example/v1");
  CHECK(knobs::client_options::from_env().proxy == "http://plain:3128");
}

TEST_CASE("from_env never reads HTTP_PROXY (as curl), and falls back to all_proxy, ALL_PROXY") {
  proxy_environment env;
  env.set("OPENAI_BASE_URL", "http://llm.example/v1");
  env.set("HTTP_PROXY", "http://from-a-cgi-header:3128");
  CHECK(knobs::client_options::from_env().proxy.empty());
  env.set("ALL_PROXY", "http://all-upper:3128");
  CHECK(knobs::client_options::from_env().proxy == "http://all-upper:3128");
  env.set("all_proxy", "http://all-lower:3128");
  CHECK(knobs::client_options::from_env().proxy == "http://all-lower:3128");
  env.set("http_proxy", "http://plain:3128");
  CHECK(knobs::client_options::from_env().proxy == "http://plain:3128");

  // An https server with no https_proxy takes all_proxy too.
  env.set("OPENAI_BASE_URL", "https://llm.example/v1");
  CHECK(knobs::client_options::from_env().proxy == "http://all-lower:3128");
}

TEST_CASE("from_env reads no_proxy, else NO_PROXY") {
  proxy_environment env;
  env.set("OPENAI_BASE_URL", "http://llm.example/v1");
  CHECK(knobs::client_options::from_env().no_proxy.empty());
  env.set("NO_PROXY", "upper.example");
  CHECK(knobs::client_options::from_env().no_proxy == "upper.example");
  env.set("no_proxy", "lower.example,10.0.0.0/8");
  CHECK(knobs::client_options::from_env().no_proxy == "lower.example,10.0.0.0/8");
}

TEST_CASE("a bad proxy variable is refused naming the variable, its credentials unquoted") {
  proxy_environment env;
  env.set("OPENAI_BASE_URL", "https://llm.example/v1");
  env.set("HTTPS_PROXY", "socks5://me:hunter2-SECRET@proxy.corp:1080");
  const knobs::result<knobs::client_options> r = knobs::client_options::try_from_env();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().where == "proxy");
  CHECK(r.error().message.find("(read from the environment variable HTTPS_PROXY)") !=
        std::string::npos);
  CHECK(r.error().message.find("hunter2") == std::string::npos);
  CHECK_THROWS_AS(knobs::client_options::from_env(), knobs::request_error);
}

TEST_CASE("azure() with a deployment: the dated API's URL, api-version and the api-key header") {
  const auto o =
      knobs::client_options::azure("https://res.openai.azure.com/", "gpt-4o-mini", "2024-10-21");
  CHECK(o.base_url == "https://res.openai.azure.com/openai/deployments/gpt-4o-mini");
  CHECK(o.api_key_header == knobs::key_header::api_key);
  REQUIRE(o.query.size() == 1);
  CHECK(o.query[0].first == "api-version");
  CHECK(o.query[0].second == "2024-10-21");
  CHECK(o.api_key.empty()); // the caller's to set
  // Trailing slashes, a gateway's path prefix, and a name that needs encoding.
  const auto g = knobs::client_options::azure("http://127.0.0.1:8080/gw//", "my dep/1", "v");
  CHECK(g.base_url == "http://127.0.0.1:8080/gw/openai/deployments/my%20dep%2F1");
}

TEST_CASE("azure() without a deployment: the v1 API, with no dated api-version") {
  const auto o = knobs::client_options::azure("https://res.openai.azure.com");
  CHECK(o.base_url == "https://res.openai.azure.com/openai/v1");
  CHECK(o.api_key_header == knobs::key_header::api_key);
  CHECK(o.query.empty());
  const auto preview = knobs::client_options::azure("https://res.openai.azure.com", "", "preview");
  REQUIRE(preview.query.size() == 1);
  CHECK(preview.query[0].second == "preview");

  const auto dated =
      knobs::client_options::try_azure("https://res.openai.azure.com", "", "2024-10-21");
  REQUIRE_FALSE(dated.has_value());
  CHECK(dated.error().where == "api_version");
  CHECK(dated.error().message.find("\"2024-10-21\" is a dated version, which the v1 API "
                                   "(/openai/v1) does not take") != std::string::npos);
}

TEST_CASE("azure() refuses a bad endpoint or a deployment without api_version, naming the field") {
  auto refused = [](std::string_view endpoint, std::string_view deployment = {},
                    std::string_view version = {}) {
    const auto r = knobs::client_options::try_azure(endpoint, deployment, version);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == knobs::errc::invalid_request);
    return r.error();
  };
  knobs::error_info e = refused("res.openai.azure.com");
  CHECK(e.where == "endpoint");
  CHECK(e.message.rfind("endpoint \"res.openai.azure.com\" is not usable: ", 0) == 0);
  CHECK(e.message.find("https://NAME.openai.azure.com") != std::string::npos);
  CHECK(refused("ftp://res.openai.azure.com").where == "endpoint");
  CHECK(refused("https://res.openai.azure.com/?x=1").where == "endpoint");
  CHECK(refused("").where == "endpoint");
  // Credentials are not quoted back.
  e = refused("https://user:hunter2@res.openai.azure.com");
  CHECK(e.where == "endpoint");
  CHECK(e.message.find("hunter2") == std::string::npos);
  // The whole URL given as the endpoint.
  for (const char* full :
       {"https://res.openai.azure.com/openai/", "https://res.openai.azure.com/openai/v1",
        "https://res.openai.azure.com/openai/deployments/gpt-4o-mini"}) {
    CAPTURE(full);
    e = refused(full);
    CHECK(e.where == "endpoint");
    CHECK(e.message.find("without /openai/...") != std::string::npos);
  }
  e = refused("https://res.openai.azure.com", "gpt-4o-mini");
  CHECK(e.where == "api_version");
  CHECK(e.message.find("api_version is required with a deployment") == 0);
  CHECK_THROWS_AS(knobs::client_options::azure("nope"), knobs::request_error);
}

TEST_CASE("check(): the api-key header needs a key, or a credential among the headers") {
  auto o = knobs::client_options::azure("https://res.openai.azure.com");
  const knobs::error_info e = refusal(o);
  CHECK(e.where == "api_key");
  CHECK(e.message.find("api_key_header is key_header::api_key") == 0);
  o.api_key = "azure-key";
  CHECK(o.check().has_value());
  o.api_key.clear();
  o.headers = {{"authorization", "Bearer entra-token"}};
  CHECK(o.check().has_value());
  o.headers = {{"API-Key", "azure-key"}};
  CHECK(o.check().has_value());
  // The api.openai.com rule does not misfire for an Azure host: with the
  // Authorization header chosen, a missing key is the user's business.
  o.headers.clear();
  o.api_key_header = knobs::key_header::authorization;
  CHECK(o.check().has_value());
}

namespace {

// The variables from_env() reads for Azure and for OpenAI, cleared before
// and after each test.
struct azure_environment {
  static constexpr const char* names[] = {"OPENAI_BASE_URL",
                                          "OPENAI_API_KEY",
                                          "AZURE_OPENAI_ENDPOINT",
                                          "AZURE_OPENAI_API_KEY",
                                          "OPENAI_API_VERSION",
                                          "AZURE_OPENAI_DEPLOYMENT",
                                          "AZURE_OPENAI_AD_TOKEN",
                                          "https_proxy",
                                          "HTTPS_PROXY",
                                          "all_proxy",
                                          "ALL_PROXY"};
  azure_environment() { clear(); }
  ~azure_environment() { clear(); }
  static void clear() {
    for (const char* n : names)
      ::unsetenv(n);
  }
  void set(const char* name, const char* value) { ::setenv(name, value, 1); }
};

} // namespace

TEST_CASE("from_env: AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY give the v1 API with api-key") {
  azure_environment env;
  env.set("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com/");
  env.set("AZURE_OPENAI_API_KEY", "azure-secret");
  env.set("OPENAI_API_KEY", "sk-openai"); // not read for Azure
  auto o = knobs::client_options::from_env();
  CHECK(o.base_url == "https://res.openai.azure.com/openai/v1");
  CHECK(o.api_key == "azure-secret");
  CHECK(o.api_key_header == knobs::key_header::api_key);
  CHECK(o.query.empty());

  env.set("AZURE_OPENAI_DEPLOYMENT", "gpt-4o-mini");
  env.set("OPENAI_API_VERSION", "2024-10-21");
  o = knobs::client_options::from_env();
  CHECK(o.base_url == "https://res.openai.azure.com/openai/deployments/gpt-4o-mini");
  REQUIRE(o.query.size() == 1);
  CHECK(o.query[0].first == "api-version");
  CHECK(o.query[0].second == "2024-10-21");

  // The Azure endpoint's scheme picks the proxy variable.
  env.set("HTTPS_PROXY", "http://proxy.corp:3128");
  CHECK(knobs::client_options::from_env().proxy == "http://proxy.corp:3128");
}

TEST_CASE("from_env: an Entra ID token in AZURE_OPENAI_AD_TOKEN wins and goes as Bearer") {
  azure_environment env;
  env.set("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com");
  env.set("AZURE_OPENAI_API_KEY", "azure-secret");
  env.set("AZURE_OPENAI_AD_TOKEN", "entra-token");
  const auto o = knobs::client_options::from_env();
  CHECK(o.api_key == "entra-token");
  CHECK(o.api_key_header == knobs::key_header::authorization);
}

TEST_CASE("from_env: OPENAI_BASE_URL wins over AZURE_OPENAI_ENDPOINT") {
  azure_environment env;
  env.set("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1");
  env.set("OPENAI_API_KEY", "sk-openai");
  env.set("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com");
  env.set("AZURE_OPENAI_API_KEY", "azure-secret");
  env.set("OPENAI_API_VERSION", "2024-10-21");
  const auto o = knobs::client_options::from_env();
  CHECK(o.base_url == "http://127.0.0.1:8000/v1");
  CHECK(o.api_key == "sk-openai");
  CHECK(o.api_key_header == knobs::key_header::authorization);
  CHECK(o.query.empty());
}

TEST_CASE("from_env: Azure errors name the variable at fault") {
  azure_environment env;
  auto refused = [] {
    const auto r = knobs::client_options::try_from_env();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == knobs::errc::invalid_request);
    CHECK(r.error().message.find("azure-secret") == std::string::npos);
    return r.error();
  };
  env.set("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com");
  knobs::error_info e = refused();
  CHECK(e.where == "AZURE_OPENAI_API_KEY");
  CHECK(e.message.find("neither AZURE_OPENAI_API_KEY nor AZURE_OPENAI_AD_TOKEN") !=
        std::string::npos);

  env.set("AZURE_OPENAI_API_KEY", "azure-secret");
  env.set("OPENAI_API_VERSION", "2024-10-21"); // dated, and no deployment
  e = refused();
  CHECK(e.where == "OPENAI_API_VERSION");
  CHECK(e.message.find("OPENAI_API_VERSION \"2024-10-21\" is a dated version") == 0);

  env.set("AZURE_OPENAI_ENDPOINT", "res.openai.azure.com");
  e = refused();
  CHECK(e.where == "AZURE_OPENAI_ENDPOINT");
  CHECK(e.message.rfind("AZURE_OPENAI_ENDPOINT \"res.openai.azure.com\" is not usable", 0) == 0);
  CHECK_THROWS_AS(knobs::client_options::from_env(), knobs::request_error);
}
