// libFuzzer target: a streamed answer end to end, as knobs' stream reader
// handles it. The bytes go to detail::sse_parser in pieces whose sizes come
// from the input; each event's data goes to try_parse_chat_chunk and is folded
// into a chat_accumulator, and error-looking events go to try_parse_api_error.
//
// Input layout: 4 header bytes, then the body.
//   [0] the parser's max_event_bytes: 1..2033 (below 128), 2 KiB..34 KiB, or the
//       default 16 MiB (255)
//   [1] from 0xC0 up, the body is repeated 2..5 times (low bits), to reach the
//       buffer's compaction (4 KiB) with short inputs; once below
//   [2] the feed sizes: bits 7-6 pick 0..16, 1..256, 1 or 1..4096 bytes a feed;
//       bits 5-0 and [3] seed the sizes
//
// Invariants: nothing throws or crashes; no event is larger than the bound;
// after next() reports need_more the buffer stays within a fixed multiple of
// the bound; the events do not depend on how the body was split (a split run
// gives the events of the whole-body run, or a prefix of them when it hit the
// bound on a partial line first, which the whole-body run may not); the
// parsers fail with invalid_response and a message; the accumulator keeps
// choices sorted and unique by index, concatenates exactly the pieces it was
// given, and is empty after take().
#include <knobs/api_error.hpp>
#include <knobs/chat_chunk.hpp>
#include <knobs/detail/sse.hpp>

#include "fuzz.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

using knobs::detail::sse_event;
using knobs::detail::sse_parser;
using knobs::detail::sse_status;

struct owned_event {
  std::string data, event, id, error;
  bool operator==(const owned_event& o) const {
    return data == o.data && event == o.event && id == o.id && error == o.error;
  }
};

void check_event_size(const sse_parser& p, const sse_event& e) {
  KNOBS_FUZZ_CHECK(e.data.size() + e.event.size() + e.id.size() + e.error.size() <=
                   p.max_event_bytes());
}

// The body fed at once, as a reference for the split run.
struct whole_run {
  std::vector<owned_event> events;
  bool too_large = false;
};

whole_run parse_whole(std::string_view body, std::size_t max) {
  whole_run out;
  sse_parser p(max);
  p.feed(body);
  sse_event e;
  for (bool at_end : {false, true}) {
    for (;;) {
      const sse_status s = at_end ? p.finish(e) : p.next(e);
      if (s != sse_status::event) {
        out.too_large = out.too_large || s == sse_status::too_large;
        break;
      }
      check_event_size(p, e);
      out.events.push_back(
          {std::string(e.data), std::string(e.event), std::string(e.id), std::string(e.error)});
    }
  }
  return out;
}

// What the accumulator must hold for one choice, tracked independently.
struct shadow_choice {
  std::optional<std::size_t> content, reasoning, refusal; // lengths
  std::size_t arguments = 0;                              // all tool-call argument bytes
  std::size_t tool_fragments = 0;
  std::size_t logprobs = 0;
  bool finished = false;
};

class stream_checker {
public:
  void take(const sse_event& e) {
    // llama.cpp reports a failure mid-stream in an `error:` field.
    const std::string_view payload = e.error.empty() ? e.data : e.error;
    if (payload == "[DONE]")
      return;
    if (payload.find_first_not_of(" \t\r\n") == std::string_view::npos)
      return;
    knobs::result<knobs::chat_chunk> chunk = knobs::try_parse_chat_chunk(payload);
    if (!chunk)
      knobs_fuzz::check_response_error(chunk.error());
    if (chunk && e.error.empty()) {
      check_chunk(*chunk, payload);
      fold(*chunk);
      return;
    }
    knobs::result<knobs::api_error_info> api = knobs::try_parse_api_error(payload, 200);
    if (!api && !e.error.empty())
      api = knobs::try_parse_api_error("{\"error\":" + std::string(payload) + "}", 200);
    if (api)
      KNOBS_FUZZ_CHECK(api->status == 200 && api->request_id.empty());
    else
      knobs_fuzz::check_response_error(api.error());
  }

  void end() {
    check_folded();
    const std::size_t n = acc_.completion().choices.size();
    knobs::chat_completion whole = acc_.take();
    KNOBS_FUZZ_CHECK(whole.choices.size() == n);
    KNOBS_FUZZ_CHECK(whole.object == "chat.completion");
    KNOBS_FUZZ_CHECK(acc_.completion().choices.empty() && acc_.completion().raw.empty() &&
                     acc_.completion().id.empty() && !acc_.completion().usage);
  }

private:
  static void check_chunk(const knobs::chat_chunk& c, std::string_view payload) {
    KNOBS_FUZZ_CHECK(c.object == "chat.completion.chunk");
    KNOBS_FUZZ_CHECK(c.json == payload);
    // The extensions are exactly the top-level members knobs does not model.
    const boost::json::object whole = c.raw();
    std::size_t unmodelled = 0;
    for (const auto& member : whole)
      if (!knobs::detail::is_chunk_member(member.key())) {
        KNOBS_FUZZ_CHECK(c.extensions.contains(member.key()));
        ++unmodelled;
      }
    KNOBS_FUZZ_CHECK(c.extensions.size() == unmodelled);
    KNOBS_FUZZ_CHECK(c.text() == (c.choices.empty() || !c.choices[0].delta.content
                                      ? std::string()
                                      : *c.choices[0].delta.content));
  }

  static void add(std::optional<std::size_t>& to, const std::optional<std::string>& piece) {
    if (piece)
      to = to.value_or(0) + piece->size();
  }

  void fold(const knobs::chat_chunk& c) {
    if (first_id_.empty())
      first_id_ = c.id;
    for (const knobs::chunk_choice& ch : c.choices) {
      shadow_choice& s = shadow_[ch.index];
      add(s.content, ch.delta.content);
      add(s.reasoning, ch.delta.reasoning);
      add(s.refusal, ch.delta.refusal);
      for (const knobs::tool_call_delta& t : ch.delta.tool_calls) {
        ++s.tool_fragments;
        s.arguments += t.arguments ? t.arguments->size() : 0;
      }
      if (ch.logprobs)
        s.logprobs += ch.logprobs->content.size();
      s.finished = s.finished || ch.finish_reason.has_value();
    }
    acc_.add(c);
    if (c.usage)
      KNOBS_FUZZ_CHECK(acc_.completion().usage &&
                       acc_.completion().usage->total_tokens == c.usage->total_tokens);
    check_folded();
  }

  void check_folded() const {
    const knobs::chat_completion& all = acc_.completion();
    KNOBS_FUZZ_CHECK(all.id == first_id_);
    KNOBS_FUZZ_CHECK(all.choices.size() == shadow_.size());
    auto s = shadow_.begin();
    for (const knobs::choice& ch : all.choices) {
      KNOBS_FUZZ_CHECK(ch.index == s->first); // sorted and unique, as the map is
      const shadow_choice& want = s->second;
      const knobs::assistant_message& m = ch.message;
      KNOBS_FUZZ_CHECK(m.content ? want.content == m.content->size() : !want.content);
      KNOBS_FUZZ_CHECK(m.reasoning ? want.reasoning == m.reasoning->size() : !want.reasoning);
      KNOBS_FUZZ_CHECK(m.refusal ? want.refusal == m.refusal->size() : !want.refusal);
      KNOBS_FUZZ_CHECK(m.tool_calls.size() <= want.tool_fragments);
      std::size_t arguments = 0;
      for (const knobs::tool_call& t : m.tool_calls)
        arguments += t.arguments.size();
      KNOBS_FUZZ_CHECK(arguments == want.arguments);
      KNOBS_FUZZ_CHECK((ch.logprobs ? ch.logprobs->content.size() : 0) == want.logprobs);
      KNOBS_FUZZ_CHECK(ch.finish_reason.has_value() == want.finished);
      ++s;
    }
    for (const auto& member : all.raw)
      KNOBS_FUZZ_CHECK(member.key() != "choices" && member.key() != "id" &&
                       member.key() != "usage" && member.key() != "object");
  }

  knobs::chat_accumulator acc_;
  std::map<std::int64_t, shadow_choice> shadow_;
  std::string first_id_;
};

// A small deterministic generator for the feed sizes.
struct xorshift {
  std::uint32_t state;
  std::uint32_t operator()() {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4)
    return 0;
  const std::uint8_t limit = data[0], repeat = data[1], split = data[2], seed = data[3];
  const std::size_t max = limit == 255  ? knobs::detail::default_max_sse_event_bytes
                          : limit < 128 ? 1 + std::size_t(limit) * 16
                                        : 2048 + std::size_t(limit - 128) * 256;
  std::string body;
  const std::string_view input(reinterpret_cast<const char*>(data) + 4, size - 4);
  const int copies = repeat >= 0xC0 ? 2 + (repeat & 3) : 1;
  for (int i = 0; i < copies; ++i)
    body += input;

  const whole_run reference = parse_whole(body, max);

  sse_parser p(max);
  stream_checker checker;
  std::vector<owned_event> events;
  bool too_large = false;
  xorshift rng{(std::uint32_t(split & 63) << 8 | seed) + 1};
  const std::uint32_t spans[] = {17, 256, 1, 4096};
  const std::uint32_t span = spans[split >> 6];
  const std::uint32_t least = span == 17 ? 0 : 1;
  sse_event e;
  auto deliver = [&] {
    check_event_size(p, e);
    events.push_back(
        {std::string(e.data), std::string(e.event), std::string(e.id), std::string(e.error)});
    checker.take(e);
  };
  for (std::size_t at = 0; at < body.size() && !too_large;) {
    const std::size_t n = std::min<std::size_t>(body.size() - at, least + rng() % span);
    p.feed(std::string_view(body).substr(at, n));
    at += n;
    for (;;) {
      const sse_status s = p.next(e);
      if (s == sse_status::event) {
        deliver();
        continue;
      }
      too_large = s == sse_status::too_large;
      if (s == sse_status::need_more) // the bound holds the buffer too (see sse.hpp)
        KNOBS_FUZZ_CHECK(p.buffered() <= 6 * max + 8192);
      break;
    }
  }
  for (;;) {
    const sse_status s = p.finish(e);
    if (s != sse_status::event) {
      too_large = too_large || s == sse_status::too_large;
      KNOBS_FUZZ_CHECK(p.finish(e) == s); // and keeps saying so
      break;
    }
    deliver();
  }
  checker.end();

  // How the body was split changes nothing, except that a partial line can
  // hit the bound before the line is complete.
  KNOBS_FUZZ_CHECK(events.size() <= reference.events.size());
  for (std::size_t i = 0; i < events.size(); ++i)
    KNOBS_FUZZ_CHECK(events[i] == reference.events[i]);
  if (reference.too_large)
    KNOBS_FUZZ_CHECK(too_large);
  if (!too_large)
    KNOBS_FUZZ_CHECK(!reference.too_large && events.size() == reference.events.size());
  return 0;
}
