#include <knobs/message.hpp>

#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

TEST_CASE("roles are spelled as the JSON spells them") {
  CHECK(knobs::to_string(knobs::role::system) == "system");
  CHECK(knobs::to_string(knobs::role::developer) == "developer");
  CHECK(knobs::to_string(knobs::role::user) == "user");
  CHECK(knobs::to_string(knobs::role::assistant) == "assistant");
  CHECK(knobs::to_string(knobs::role::tool) == "tool");
  static_assert(knobs::to_string(knobs::role::user) == "user");
}

TEST_CASE("image detail is spelled auto, low and high") {
  CHECK(knobs::to_string(knobs::image_detail::auto_) == "auto");
  CHECK(knobs::to_string(knobs::image_detail::low) == "low");
  CHECK(knobs::to_string(knobs::image_detail::high) == "high");
}

TEST_CASE("a message made by hand is a user message with no content, name or tool calls") {
  const knobs::message m;
  CHECK(m.role == knobs::role::user);
  CHECK(std::holds_alternative<std::monostate>(m.content));
  CHECK_FALSE(m.name);
  CHECK(m.tool_calls.empty());
  CHECK_FALSE(m.tool_call_id);
}

TEST_CASE("a message's content holds a string or a list of text and image parts") {
  knobs::message m;
  m.content = std::string("hello");
  CHECK(std::get<std::string>(m.content) == "hello");

  m.content = std::vector<knobs::content_part>{
      knobs::text_part{"What is in this picture?"},
      knobs::image_url_part{"https://example.com/night.png", knobs::image_detail::low}};
  const auto& parts = std::get<std::vector<knobs::content_part>>(m.content);
  REQUIRE(parts.size() == 2);
  CHECK(std::get<knobs::text_part>(parts[0]).text == "What is in this picture?");
  const auto& image = std::get<knobs::image_url_part>(parts[1]);
  CHECK(image.url == "https://example.com/night.png");
  CHECK(image.detail == knobs::image_detail::low);
  CHECK_FALSE(knobs::image_url_part{"https://example.com/a.png", {}}.detail);
}
