#include <knobs/options.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

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
  CHECK_FALSE(o.insecure_skip_tls_verify);
  CHECK(o.user_agent == knobs::default_user_agent);
  using warning_function = void (*)(const knobs::warning&);
  const warning_function* on_warning = o.on_warning.target<warning_function>();
  REQUIRE(on_warning != nullptr);
  const bool prints_warnings = *on_warning == &knobs::print_warning;
  CHECK(prints_warnings);
  CHECK_FALSE(o.strict);
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
