// Two translation units including every header, linked into one program: a
// non-inline function defined in a header is defined twice and fails to link.
#include <knobs/knobs.hpp>
#include <knobs/local/certificate.hpp>
#include <knobs/local/model_server.hpp>
#include <knobs/local/offline_model.hpp>
#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include <string>

std::string second_tu_request();
std::string second_tu_text();

TEST_CASE("two translation units including knobs.hpp link into one program") {
  CHECK(second_tu_request() ==
        knobs::to_json(knobs::chat_request{"m"}.user("hi").temperature(0.7)));
  CHECK(second_tu_text() == "hello");
}
