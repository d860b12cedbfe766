#include <knobs/request_options.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

namespace {

knobs::error_info refusal(const knobs::request_options& o) {
  const knobs::result<void> r = o.check();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == knobs::errc::invalid_request);
  return r.error();
}

} // namespace

TEST_CASE("request_options: nothing set is valid and changes nothing") {
  const knobs::request_options o;
  CHECK(o.check().has_value());
  CHECK_FALSE(o.timeout);
  CHECK_FALSE(o.max_retries);
  CHECK(o.headers.empty());
}

TEST_CASE("request_options::check names the field it refuses") {
  knobs::request_options o;
  o.timeout = -5ms;
  CHECK(refusal(o).where == "timeout");
  o = {};
  o.max_retries = -1;
  CHECK(refusal(o).message == "max_retries must be >= 0");
  o = {};
  o.stream_idle_timeout = 0ms;
  CHECK(refusal(o).where == "stream_idle_timeout");
  o = {};
  o.stream_timeout = 0ms; // no bound: allowed
  CHECK(o.check().has_value());
  o = {};
  o.headers = {{"Bad Name", "x"}};
  CHECK(refusal(o).message ==
        "headers[0]: the name contains a character that is not allowed in a header name");
  o = {};
  o.headers = {{"X-A", "ok"}, {"transfer-encoding", "chunked"}};
  CHECK(refusal(o).message == "headers[1]: transfer-encoding is set by knobs from the body");
  o = {};
  o.headers = {{"X-A", std::string("a\0b", 3)}};
  CHECK(refusal(o).message == "headers[0]: the value of X-A contains the control character 0x00");
  o = {};
  o.query = {{"ok", "any bytes at all \r\n"}, {"", "v"}};
  CHECK(refusal(o).message == "query[1]: the parameter's name is empty");
}

TEST_CASE("request_options::merged: set fields replace, headers and query add up") {
  knobs::request_options base;
  base.timeout = 1s;
  base.max_retries = 3;
  base.headers = {{"X-A", "1"}};
  base.query = {{"a", "1"}};
  knobs::request_options over;
  over.max_retries = 0;
  over.stream_timeout = 10s;
  over.headers = {{"X-A", "2"}};
  over.query = {{"b", "2"}};
  const knobs::request_options m = base.merged(over);
  CHECK(m.timeout == 1s);
  CHECK(m.max_retries == 0);
  CHECK(m.stream_timeout == 10s);
  CHECK_FALSE(m.stream_idle_timeout);
  REQUIRE(m.headers.size() == 2);
  CHECK(m.headers[1].second == "2"); // later: it wins when sent
  REQUIRE(m.query.size() == 2);
  CHECK(m.query[0].first == "a");
  CHECK(m.query[1].first == "b");
}
