// Tests of knobs/detail/sse.hpp: the fixture streams split every way, line
// endings, the field rules of the SSE spec, the size bound and the end of body.
#include <knobs/detail/sse.hpp>

#include <doctest/doctest.h>

#include "../fixture.hpp"

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <initializer_list>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using knobs::detail::sse_event;
using knobs::detail::sse_parser;
using knobs::detail::sse_status;

namespace {

// The non-empty lines of a .jsonl fixture: the data each event must carry.
std::vector<std::string> jsonl_lines(const std::string& name) {
  std::vector<std::string> lines = fixture_lines(name);
  REQUIRE_FALSE(lines.empty());
  return lines;
}

// `text` with every "\n" replaced by `eol`.
std::string with_line_ending(std::string_view text, std::string_view eol) {
  std::string out;
  for (char c : text) {
    if (c == '\n')
      out += eol;
    else
      out += c;
  }
  return out;
}

// An event copied out of the parser, whose views die with the next call.
struct owned_event {
  std::string data, event, id, error;

  explicit owned_event(const sse_event& e)
      : data(e.data), event(e.event), id(e.id), error(e.error) {}
  bool operator==(const owned_event& o) const {
    return data == o.data && event == o.event && id == o.id && error == o.error;
  }
};

std::ostream& operator<<(std::ostream& os, const owned_event& e) {
  return os << "{data=\"" << e.data << "\" event=\"" << e.event << "\" id=\"" << e.id
            << "\" error=\"" << e.error << "\"}";
}

// What a stream came to: its events, and whether the parser gave up on it.
struct outcome {
  std::vector<owned_event> events;
  bool too_large = false;
};

// Drains `p` with next() (or finish() when `at_end`) into `o`.
void drain(sse_parser& p, outcome& o, bool at_end) {
  sse_event e;
  for (;;) {
    const sse_status s = at_end ? p.finish(e) : p.next(e);
    if (s == sse_status::event) {
      o.events.emplace_back(e);
    } else {
      o.too_large = o.too_large || s == sse_status::too_large;
      return;
    }
  }
}

// Feeds `pieces` one at a time, draining after each, then finishes.
outcome parse_pieces(const std::vector<std::string_view>& pieces,
                     std::size_t max = knobs::detail::default_max_sse_event_bytes) {
  sse_parser p(max);
  outcome o;
  for (std::string_view piece : pieces) {
    p.feed(piece);
    drain(p, o, false);
  }
  drain(p, o, true);
  return o;
}

outcome parse_whole(std::string_view text) { return parse_pieces({text}); }

// `text` cut at the given offsets (ascending).
std::vector<std::string_view> cut(std::string_view text, std::initializer_list<std::size_t> at) {
  std::vector<std::string_view> pieces;
  std::size_t from = 0;
  for (std::size_t to : at) {
    pieces.push_back(text.substr(from, to - from));
    from = to;
  }
  pieces.push_back(text.substr(from));
  return pieces;
}

std::vector<std::string_view> bytes_of(std::string_view text) {
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < text.size(); ++i)
    pieces.push_back(text.substr(i, 1));
  return pieces;
}

void check_same(const outcome& actual, const outcome& expected) {
  CHECK(actual.too_large == expected.too_large);
  REQUIRE(actual.events.size() == expected.events.size());
  for (std::size_t i = 0; i < actual.events.size(); ++i) {
    CAPTURE(i);
    CHECK(actual.events[i] == expected.events[i]);
  }
}

// The data of each event, for streams where only the data matters.
std::vector<std::string> data_of(const outcome& o) {
  std::vector<std::string> data;
  for (const owned_event& e : o.events)
    data.push_back(e.data);
  return data;
}

const char* const sse_fixtures[][2] = {{"sse/openai.sse", "openai/stream.jsonl"},
                                       {"sse/llamacpp.sse", "llamacpp/stream.jsonl"}};

} // namespace

TEST_CASE("an OpenAI-shaped stream gives one event per chunk, then [DONE]") {
  const std::vector<std::string> chunks = jsonl_lines("openai/stream.jsonl");
  const outcome o = parse_whole(fixture("sse/openai.sse"));
  CHECK_FALSE(o.too_large);
  REQUIRE(o.events.size() == chunks.size() + 1);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    CAPTURE(i);
    CHECK(o.events[i].data == chunks[i]);
    CHECK(o.events[i].event == "");
    CHECK(o.events[i].id == "");
    CHECK(o.events[i].error == "");
  }
  CHECK(o.events.back().data == "[DONE]");
}

TEST_CASE("the fixture streams give the same events however they are split, with any line ending") {
  for (const auto& names : sse_fixtures) {
    const std::string sse = names[0];
    const std::size_t chunks = jsonl_lines(names[1]).size();
    for (const char* eol : {"\n", "\r\n", "\r"}) {
      const std::string text = with_line_ending(fixture(sse), eol);
      const std::string eol_name = eol == std::string_view("\n")     ? "LF"
                                   : eol == std::string_view("\r\n") ? "CRLF"
                                                                     : "CR";
      CAPTURE(sse);
      CAPTURE(eol_name);
      const outcome whole = parse_whole(text);
      REQUIRE(whole.events.size() == chunks + 1);
      CHECK(whole.events.back().data == "[DONE]");

      for (std::size_t at = 0; at <= text.size(); ++at) {
        CAPTURE(at);
        check_same(parse_pieces(cut(text, {at})), whole);
      }

      check_same(parse_pieces(bytes_of(text)), whole);

      std::minstd_rand rng(20250611u); // fixed: a failure must reproduce
      for (int round = 0; round < 25; ++round) {
        CAPTURE(round);
        std::vector<std::string_view> pieces;
        for (std::size_t from = 0; from < text.size();) {
          const std::size_t size = 1 + rng() % (round < 15 ? 16u : 700u);
          pieces.push_back(std::string_view(text).substr(from, size));
          from += size;
        }
        check_same(parse_pieces(pieces), whole);
      }
    }
  }
}

TEST_CASE("a stream using every field gives the same events however it is split") {
  // Multi-line data makes a line ending counted twice visible: the spurious
  // blank line would cut the event in two.
  const std::string text = "\xEF\xBB\xBF: hello\n"
                           "retry: 1000\n"
                           "event: delta\nid: 1\ndata: {\"a\":\ndata:  1}\n\n"
                           "data\ndata:x\n\n"
                           "event: ping\n\n"
                           "data: caf\xC3\xA9\n: mid\ndata: \xF0\x9F\x99\x82\n\n"
                           "error: {\"code\":500}\n\n"
                           "data: [DONE]\n\n";
  for (const char* eol : {"\n", "\r\n", "\r"}) {
    const std::string stream = with_line_ending(text, eol);
    const outcome whole = parse_whole(stream);
    REQUIRE(whole.events.size() == 5);
    CHECK(whole.events[0].data == "{\"a\":\n 1}");
    CHECK(whole.events[0].event == "delta");
    CHECK(whole.events[0].id == "1");
    CHECK(whole.events[1].data == "\nx");
    CHECK(whole.events[1].event == "");
    CHECK(whole.events[2].data == "caf\xC3\xA9\n\xF0\x9F\x99\x82");
    CHECK(whole.events[3].error == "{\"code\":500}");
    CHECK(whole.events[4].data == "[DONE]");
    CHECK(whole.events[4].id == "1");
    for (std::size_t at = 0; at <= stream.size(); ++at) {
      CAPTURE(at);
      check_same(parse_pieces(cut(stream, {at})), whole);
      for (std::size_t at2 = at + 1; at2 < std::min(stream.size(), at + 4); ++at2) {
        CAPTURE(at2);
        check_same(parse_pieces(cut(stream, {at, at2})), whole);
      }
    }
    check_same(parse_pieces(bytes_of(stream)), whole);
  }
}

TEST_CASE("a multi-byte UTF-8 character split across feeds arrives intact") {
  const std::string text = "data: caf\xC3\xA9 \xE5\x9F\x8E \xF0\x9F\x99\x82!\n\n";
  for (std::size_t at = 0; at <= text.size(); ++at) {
    CAPTURE(at);
    const outcome o = parse_pieces(cut(text, {at}));
    REQUIRE(o.events.size() == 1);
    CHECK(o.events[0].data == "caf\xC3\xA9 \xE5\x9F\x8E \xF0\x9F\x99\x82!");
  }
  const outcome o = parse_pieces(bytes_of(text));
  REQUIRE(o.events.size() == 1);
  CHECK(o.events[0].data == "caf\xC3\xA9 \xE5\x9F\x8E \xF0\x9F\x99\x82!");
}

TEST_CASE("2000 events in one feed come out as 2000 events, in order") {
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "data: {\"n\":" + std::to_string(i) + "}\n\n";
  sse_parser p;
  p.feed(text);
  sse_event e;
  int n = 0;
  while (p.next(e) == sse_status::event) {
    REQUIRE(e.data == "{\"n\":" + std::to_string(n) + "}");
    ++n;
  }
  CHECK(n == 2000);
  CHECK(p.next(e) == sse_status::need_more);
  CHECK(p.buffered() == 0);
}

TEST_CASE("an event with 2 MiB of data fits the default limit, in one piece or many") {
  const std::string payload(2u * 1024u * 1024u, 'x');
  const std::string text = "data: " + payload + "\n\n";
  const outcome whole = parse_whole(text);
  REQUIRE(whole.events.size() == 1);
  CHECK(whole.events[0].data.size() == payload.size());
  CHECK(whole.events[0].data == payload);

  std::vector<std::string_view> pieces;
  for (std::size_t from = 0; from < text.size(); from += 65536)
    pieces.push_back(std::string_view(text).substr(from, 65536));
  const outcome split = parse_pieces(pieces);
  REQUIRE(split.events.size() == 1);
  CHECK(split.events[0].data == payload);
}

TEST_CASE("an event larger than max_event_bytes is too_large, and stays so") {
  const std::size_t limit = 1024u * 1024u;
  sse_parser p(limit);
  CHECK(p.max_event_bytes() == limit);
  p.feed("data: " + std::string(2u * 1024u * 1024u, 'x') + "\n\n");
  sse_event e;
  CHECK(p.next(e) == sse_status::too_large);
  p.feed("data: small\n\n");
  CHECK(p.next(e) == sse_status::too_large);
  CHECK(p.finish(e) == sse_status::too_large);
  CHECK(p.buffered() == 0); // the oversized input is let go

  // Many data lines, each small, add up to the same refusal.
  std::string lines;
  for (int i = 0; i < 2048; ++i)
    lines += "data: " + std::string(1023, 'y') + "\n";
  const outcome o = parse_pieces({lines, "\n"}, limit);
  CHECK(o.too_large);
  CHECK(o.events.empty());
}

TEST_CASE("a line over the limit is too_large before its newline arrives") {
  sse_parser p(1024);
  sse_event e;
  p.feed("data: " + std::string(1000, 'x'));
  CHECK(p.next(e) == sse_status::need_more); // still within the limit
  p.feed(std::string(100, 'x'));
  CHECK(p.next(e) == sse_status::too_large);

  sse_parser comment(1024);
  comment.feed(": " + std::string(2000, 'z')); // even a comment must end somewhere
  CHECK(comment.next(e) == sse_status::too_large);
}

TEST_CASE("an event exactly at the limit is accepted") {
  const outcome o = parse_pieces({"data: " + std::string(100, 'x') + "\n\n"}, 100);
  CHECK_FALSE(o.too_large);
  REQUIRE(o.events.size() == 1);
  CHECK(o.events[0].data.size() == 100);
}

TEST_CASE("comments are ignored, wherever they appear") {
  const outcome o = parse_whole(": keep-alive\n\n"
                                "data: a\n"
                                ":comment between lines\n"
                                "data: b\n"
                                ":\n"
                                "\n");
  REQUIRE(o.events.size() == 1);
  CHECK(o.events[0].data == "a\nb");
}

TEST_CASE("event and id fields are reported; retry and unknown fields are ignored") {
  const outcome o = parse_whole("retry: 3000\n"
                                "event: delta\n"
                                "id: 42\n"
                                "foo: bar\n"
                                "data: x\n\n"
                                "data: y\n\n");
  REQUIRE(o.events.size() == 2);
  CHECK(o.events[0].data == "x");
  CHECK(o.events[0].event == "delta");
  CHECK(o.events[0].id == "42");
  CHECK(o.events[1].data == "y");
  CHECK(o.events[1].event == ""); // the event type is per event
  CHECK(o.events[1].id == "42");  // the id is the stream's last event id
}

TEST_CASE("an id containing NUL is ignored") {
  const char text[] = "id: 1\n\nid: a\0b\ndata: x\n\n";
  const outcome o = parse_whole(std::string_view(text, sizeof text - 1));
  REQUIRE(o.events.size() == 1);
  CHECK(o.events[0].id == "1");
}

TEST_CASE("exactly one space after the colon is stripped") {
  const outcome o = parse_whole("data:none\n\n"
                                "data: one\n\n"
                                "data:  two\n\n"
                                "data:\tthree\n\n"
                                "data: a: b\n\n");
  CHECK(data_of(o) == std::vector<std::string>{"none", "one", " two", "\tthree", "a: b"});
}

TEST_CASE("a line without a colon is a field with an empty value") {
  const outcome o = parse_whole("data\n\n"
                                "data\ndata\n\n"
                                "event\ndata: x\n\n");
  CHECK(data_of(o) == std::vector<std::string>{"", "\n", "x"});
  REQUIRE(o.events.size() == 3);
  CHECK(o.events[2].event == "");
}

TEST_CASE("data lines of one event are joined with a newline") {
  const outcome o = parse_whole("data: {\"a\":\ndata: 1}\ndata:\ndata: end\n\n");
  REQUIRE(o.events.size() == 1);
  CHECK(o.events[0].data == "{\"a\":\n1}\n\nend");
}

TEST_CASE("an event without data is not dispatched, and does not leak into the next") {
  const outcome o = parse_whole("event: ping\n\n"
                                "id: 7\nevent: other\n\n"
                                "data: x\n\n");
  REQUIRE(o.events.size() == 1);
  CHECK(o.events[0].data == "x");
  CHECK(o.events[0].event == ""); // reset by the blank line that dropped its event
  CHECK(o.events[0].id == "7");   // kept: the last event id outlives its event
}

TEST_CASE("a byte-order mark is skipped at the start of the stream only") {
  const std::string bom = "\xEF\xBB\xBF";
  const std::string text = bom + "data: x\n\n" + bom + "data: y\n\ndata: " + bom + "z\n\n";
  for (std::size_t at = 0; at <= 4; ++at) {
    CAPTURE(at);
    const outcome o = parse_pieces(cut(text, {at}));
    // The second BOM makes "\xEF\xBB\xBF" "data" an unknown field, so y is lost.
    CHECK(data_of(o) == std::vector<std::string>{"x", bom + "z"});
  }
  CHECK(data_of(parse_pieces(bytes_of(text))) == std::vector<std::string>{"x", bom + "z"});
}

TEST_CASE("a stream of only part of a byte-order mark ends without events") {
  CHECK(parse_whole("\xEF\xBB").events.empty());
  CHECK(parse_whole("").events.empty());
}

TEST_CASE("an unterminated final event is delivered by finish()") {
  sse_parser p;
  sse_event e;
  p.feed("data: x");
  CHECK(p.next(e) == sse_status::need_more);
  REQUIRE(p.finish(e) == sse_status::event);
  CHECK(e.data == "x");
  CHECK(p.finish(e) == sse_status::need_more);
  CHECK(p.finish(e) == sse_status::need_more);

  sse_parser q;
  q.feed("data: a\n\ndata: y\n");
  REQUIRE(q.next(e) == sse_status::event);
  CHECK(e.data == "a");
  CHECK(q.next(e) == sse_status::need_more); // no blank line yet
  REQUIRE(q.finish(e) == sse_status::event);
  CHECK(e.data == "y");
  CHECK(q.finish(e) == sse_status::need_more);
}

TEST_CASE("finish() also delivers complete events that next() has not taken") {
  sse_parser p;
  sse_event e;
  p.feed("data: a\n\ndata: b\r");
  REQUIRE(p.finish(e) == sse_status::event);
  CHECK(e.data == "a");
  REQUIRE(p.finish(e) == sse_status::event);
  CHECK(e.data == "b");
  CHECK(p.finish(e) == sse_status::need_more);
  p.feed("data: late\n\n"); // after the end of the body: ignored
  CHECK(p.finish(e) == sse_status::need_more);
}

TEST_CASE("an error event mid-stream is delivered as data between normal events") {
  const std::string error =
      R"({"error": {"message": "The server had an error while processing your request.", "type": "server_error"}})";
  const outcome o = parse_whole("data: {\"n\":1}\n\n"
                                "data: " +
                                error +
                                "\n\n"
                                "data: {\"n\":2}\n\n"
                                "data: [DONE]\n\n");
  CHECK(data_of(o) == std::vector<std::string>{"{\"n\":1}", error, "{\"n\":2}", "[DONE]"});
}

TEST_CASE("llama.cpp's error: field is delivered as the event's error") {
  const std::string error = R"({"code":500,"message":"context exceeded","type":"server_error"})";
  const outcome o = parse_whole("data: {\"n\":1}\n\nerror: " + error + "\n\n");
  REQUIRE(o.events.size() == 2);
  CHECK(o.events[0].error == "");
  CHECK(o.events[1].data == "");
  CHECK(o.events[1].error == error);
}

TEST_CASE("a CR ending one feed and an LF starting the next are one line ending") {
  sse_parser p;
  sse_event e;
  p.feed("data: first\r");
  CHECK(p.next(e) == sse_status::need_more);
  p.feed("\ndata: second\r");
  CHECK(p.next(e) == sse_status::need_more); // no spurious blank line
  p.feed("\n\r");
  CHECK(p.next(e) == sse_status::event); // "\r" alone is the blank line
  CHECK(e.data == "first\nsecond");
  p.feed("\n");
  CHECK(p.next(e) == sse_status::need_more); // ...and this LF belongs to it
  CHECK(p.finish(e) == sse_status::need_more);
}

TEST_CASE("CR, LF and CRLF may be mixed in one stream") {
  const outcome o = parse_whole("data: a\rdata: b\ndata: c\r\n\r"
                                "data: d\n\r\n"
                                "data: e\r\r");
  CHECK(data_of(o) == std::vector<std::string>{"a\nb\nc", "d", "e"});
}

TEST_CASE("a single-line event is handed out without a copy, valid until the next call") {
  sse_parser p;
  sse_event e;
  p.feed("data: one\n\ndata: two\n\n");
  REQUIRE(p.next(e) == sse_status::event);
  const std::string_view first = e.data;
  REQUIRE(p.next(e) == sse_status::event);
  // Both views point into the same input buffer, one after the other.
  CHECK(e.data.data() == first.data() + std::string_view("one\n\ndata: ").size());
}

TEST_CASE("the buffer is released as events are drained, even over a long stream") {
  sse_parser p;
  sse_event e;
  p.feed("data: {\"n\":0}\n\n");
  REQUIRE(p.next(e) == sse_status::event);
  CHECK(p.next(e) == sse_status::need_more);
  CHECK(p.buffered() == 0);
  p.feed("data: par");
  CHECK(p.next(e) == sse_status::need_more);
  CHECK(p.buffered() == 9);

  // 10 000 events in 100-byte pieces: the buffer stays a few KiB.
  std::string text = "tial\n\n";
  for (int i = 0; i < 10000; ++i)
    text +=
        "data: {\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(i % 50, 'p') + "\"}\n\n";
  sse_parser q;
  q.feed("data: par");
  std::size_t most = 0;
  int n = -1;
  for (std::size_t from = 0; from < text.size(); from += 100) {
    q.feed(std::string_view(text).substr(from, 100));
    while (q.next(e) == sse_status::event) {
      if (n < 0)
        REQUIRE(e.data == "partial");
      else
        REQUIRE(e.data.substr(0, 6 + std::to_string(n).size()) ==
                "{\"n\":" + std::to_string(n) + ",");
      ++n;
    }
    most = std::max(most, q.buffered());
  }
  CHECK(n == 10000);
  CHECK(most < 16384);
}

TEST_CASE("an event waiting for its blank line survives the buffer being compacted") {
  std::string before;
  while (before.size() < 6000)
    before += "data: {\"n\":1}\n\n";
  sse_parser p;
  sse_event e;
  p.feed(before + "data: pinned\n");
  int n = 0;
  while (p.next(e) == sse_status::event)
    ++n;
  CHECK(n == 400);
  CHECK(p.buffered() < 100); // the drained events were erased, the data line kept
  // A long comment then the blank line: the bytes now where the data line was
  // before compaction must not be what comes out.
  p.feed(": " + std::string(7000, 'x') + "\n\n");
  REQUIRE(p.next(e) == sse_status::event);
  CHECK(e.data == "pinned");

  // A data line followed by many comments is copied out rather than pinning them.
  sse_parser q;
  q.feed("data: held\n");
  CHECK(q.next(e) == sse_status::need_more);
  for (int i = 0; i < 1000; ++i) {
    q.feed(": keep-alive\n");
    CHECK(q.next(e) == sse_status::need_more);
  }
  CHECK(q.buffered() < 8192);
  q.feed("data: more\n\n");
  REQUIRE(q.next(e) == sse_status::event);
  CHECK(e.data == "held\nmore");
}
