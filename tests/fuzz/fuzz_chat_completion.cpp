// libFuzzer target: knobs::try_parse_chat_completion on arbitrary bytes (the
// body of a non-streamed response).
//
// Invariants: it never throws and never crashes; a failure is an
// invalid_response error with a message (starting with its JSON path when it
// has one), and parse_chat_completion throws parse_error with the same
// message; a success agrees with the JSON it came from (object kind, one
// choice per element of `choices`, indexes, content, roles, usage), leaves
// the client's fields alone, and parses again the same from its own `raw`.
#include <knobs/chat_completion.hpp>
#include <knobs/detail/json_read.hpp>

#include "fuzz.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using knobs::detail::json_to_int64;
namespace json = boost::json;

const json::value* member(const json::object& o, std::string_view key) {
  return o.if_contains(json::string_view(key.data(), key.size()));
}

void check_completion(const knobs::chat_completion& c) {
  KNOBS_FUZZ_CHECK(c.object == "chat.completion");
  KNOBS_FUZZ_CHECK(c.request_id.empty());
  KNOBS_FUZZ_CHECK(c.retries == 0);

  const json::value* id = member(c.raw, "id");
  KNOBS_FUZZ_CHECK(id ? id->is_string() && c.id == std::string_view(id->get_string())
                      : c.id.empty());
  const json::value* usage = member(c.raw, "usage");
  KNOBS_FUZZ_CHECK(c.usage.has_value() == (usage && usage->is_object()));
  if (c.usage) {
    const json::value* total = member(usage->get_object(), "total_tokens");
    KNOBS_FUZZ_CHECK(c.usage->total_tokens == (total ? json_to_int64(*total).value() : 0));
  }

  const json::value* choices = member(c.raw, "choices");
  KNOBS_FUZZ_CHECK(choices && choices->is_array());
  const json::array& a = choices->get_array();
  KNOBS_FUZZ_CHECK(c.choices.size() == a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const knobs::choice& ch = c.choices[i];
    KNOBS_FUZZ_CHECK(a[i].is_object());
    const json::object& o = a[i].get_object();
    const json::value* index = member(o, "index");
    KNOBS_FUZZ_CHECK(ch.index ==
                     (index ? json_to_int64(*index).value() : static_cast<std::int64_t>(i)));
    const json::value* message = member(o, "message");
    KNOBS_FUZZ_CHECK(message && message->is_object());
    const json::object& m = message->get_object();
    const json::value* content = member(m, "content");
    if (content && content->is_string())
      KNOBS_FUZZ_CHECK(ch.message.content == std::string_view(content->get_string()));
    else
      KNOBS_FUZZ_CHECK(!ch.message.content);
    if (!member(m, "role"))
      KNOBS_FUZZ_CHECK(ch.message.role == "assistant");
    const json::value* calls = member(m, "tool_calls");
    KNOBS_FUZZ_CHECK(ch.message.tool_calls.size() ==
                     (calls && calls->is_array() ? calls->get_array().size() : 0));
    const json::value* finish = member(o, "finish_reason");
    KNOBS_FUZZ_CHECK(ch.finish_reason.has_value() == (finish && finish->is_string()));
  }
  KNOBS_FUZZ_CHECK(c.text() == (c.choices.empty() || !c.choices[0].message.content
                                    ? std::string()
                                    : *c.choices[0].message.content));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  knobs::result<knobs::chat_completion> r = knobs::try_parse_chat_completion(body);
  if (!r) {
    knobs_fuzz::check_response_error(r.error());
    knobs_fuzz::check_throws_parse_error([&] { (void)knobs::parse_chat_completion(body); },
                                         r.error());
    return 0;
  }
  check_completion(*r);

  // What was accepted once is accepted again, the same, from its own tree.
  // Boost.JSON 1.81 reads 1e400 as infinity and 0e400 as NaN, and writes them
  // back as `Infinity` and `NaN`, which are not JSON: then no second round.
  const std::string again = json::serialize(r->raw);
  boost::system::error_code ec;
  (void)json::parse(again, ec);
  if (ec)
    return 0;
  knobs::result<knobs::chat_completion> r2 = knobs::try_parse_chat_completion(again);
  KNOBS_FUZZ_CHECK(r2.has_value());
  check_completion(*r2);
  KNOBS_FUZZ_CHECK(r2->id == r->id && r2->model == r->model && r2->created == r->created);
  KNOBS_FUZZ_CHECK(r2->choices.size() == r->choices.size());
  KNOBS_FUZZ_CHECK(r2->text() == r->text());
  KNOBS_FUZZ_CHECK(r2->system_fingerprint == r->system_fingerprint);
  return 0;
}
