// The cassette's file format and its mismatch message, without the network
// (tests/integration/cassette.cpp records and replays over real sockets).
#include <knobs/local/cassette.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

using knobs::local::cassette_exchange;

namespace {

cassette_exchange chat_exchange(std::string request) {
  cassette_exchange e;
  e.method = "POST";
  e.target = "/v1/chat/completions";
  e.request = std::move(request);
  e.status = 200;
  e.content_type = "application/json";
  e.response = R"({"id":"chatcmpl-1","system_fingerprint":"fp_a"})";
  e.system_fingerprint = "fp_a";
  e.recorded_at = "2026-12-04T02:40:00Z";
  return e;
}

// What an exception thrown by `f` says ("" when it throws nothing).
template <class F> std::string what_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("a cassette line has the documented keys in order") {
  cassette_exchange e = chat_exchange(R"({"model":"m"})");
  e.system_fingerprint.reset();
  CHECK(knobs::local::to_cassette_line(e) ==
        R"({"method":"POST","target":"/v1/chat/completions","request":"{\"model\":\"m\"}",)"
        R"("status":200,"content_type":"application/json",)"
        R"("response":"{\"id\":\"chatcmpl-1\",\"system_fingerprint\":\"fp_a\"}",)"
        R"("system_fingerprint":null,"recorded_at":"2026-12-04T02:40:00Z"})");
}

TEST_CASE("a cassette line keeps every byte of the bodies") {
  const std::string odd =
      std::string("{\"q\":\"quote \\\" newline\n tab\t nul") + '\0' + " \x01 caf\xc3\xa9 \xff\"}";
  cassette_exchange e = chat_exchange(odd);
  e.response = "data: {\"a\":1}\r\n\r\ndata: [DONE]\n\n";
  e.content_type = "text/event-stream";
  const std::string line = knobs::local::to_cassette_line(e);
  CHECK(line.find('\n') == std::string::npos);
  const cassette_exchange back = knobs::local::parse_cassette_line(line);
  CHECK(back.method == e.method);
  CHECK(back.target == e.target);
  CHECK(back.request == e.request);
  CHECK(back.status == e.status);
  CHECK(back.content_type == e.content_type);
  CHECK(back.response == e.response);
  CHECK(back.system_fingerprint == e.system_fingerprint);
  CHECK(back.recorded_at == e.recorded_at);
}

TEST_CASE("a whole cassette reads back in order, skipping blank lines") {
  const std::string text = knobs::local::to_cassette_line(chat_exchange("a")) + "\n\n" +
                           knobs::local::to_cassette_line(chat_exchange("b")) + "\r\n";
  const std::vector<cassette_exchange> all = knobs::local::parse_cassette(text, "t.jsonl");
  REQUIRE(all.size() == 2);
  CHECK(all[0].request == "a");
  CHECK(all[1].request == "b");
}

TEST_CASE("a malformed cassette line is an error naming the file and the line") {
  const std::string good = knobs::local::to_cassette_line(chat_exchange("a"));
  CHECK(what_of([&] {
          knobs::local::parse_cassette(good + "\n\n" + good + "\n{\"method\":\"POST\"", "t.jsonl");
        }).find("t.jsonl:4: not JSON") != std::string::npos);
  std::string no_status = good;
  no_status.replace(no_status.find("\"status\":200,"), 13, "");
  CHECK(what_of([&] { knobs::local::parse_cassette(good + "\n" + no_status, "t.jsonl"); }) ==
        "knobs::local::cassette: t.jsonl:2: \"status\" is missing");
  CHECK(what_of([&] { knobs::local::parse_cassette("[1,2]", "x"); }) ==
        "knobs::local::cassette: x:1: not a JSON object");
  CHECK(what_of([&] {
          knobs::local::parse_cassette(
              R"({"method":"GET","target":"/v1/models","request":"","status":"200",)"
              R"("content_type":"","response":""})",
              "x");
        }).find("x:1: \"status\" is not an HTTP status") != std::string::npos);
}

TEST_CASE("a missing cassette file is an error naming it") {
  const std::string path =
      (std::filesystem::temp_directory_path() / "knobs-no-such-cassette.jsonl").string();
  std::filesystem::remove(path);
  const std::string what = what_of([&] { knobs::local::read_cassette(path); });
  CHECK(what.find("cannot read \"" + path + "\"") != std::string::npos);
  knobs::local::cassette_options o;
  o.path = path;
  o.mode = knobs::local::cassette_mode::replay;
  CHECK(what_of([&] { knobs::local::cassette c{o}; }).find(path) != std::string::npos);
}

TEST_CASE("a recorded request matches only with the same method, target and bytes") {
  const std::vector<cassette_exchange> all{chat_exchange(R"({"seed":42})")};
  CHECK_FALSE(
      knobs::local::cassette_mismatch(all, "POST", "/v1/chat/completions", R"({"seed":42})"));
  CHECK(knobs::local::cassette_mismatch(all, "POST", "/v1/chat/completions", R"({"seed":42} )"));
  CHECK(knobs::local::cassette_mismatch(all, "POST", "/v1/completions", R"({"seed":42})"));
  CHECK(knobs::local::cassette_mismatch(all, "GET", "/v1/chat/completions", R"({"seed":42})"));
}

TEST_CASE("a mismatch names the nearest request and the first differing byte") {
  const std::string base = R"({"model":"m","messages":[{"role":"user","content":"Hi"}],)";
  const std::vector<cassette_exchange> all{chat_exchange(base + R"("temperature":1.2,"seed":1})"),
                                           chat_exchange(base + R"("temperature":0.7,"seed":42})"),
                                           chat_exchange(R"({"other":true})")};
  const std::string sent = base + R"("temperature":0.8,"seed":42})";
  const auto why = knobs::local::cassette_mismatch(all, "POST", "/v1/chat/completions", sent);
  REQUIRE(why);
  const std::size_t at = base.size() + std::string(R"("temperature":0.)").size();
  CHECK(*why == "the cassette has no recording of POST /v1/chat/completions with this " +
                    std::to_string(sent.size()) +
                    "-byte body; the nearest is request #2, whose body differs at byte " +
                    std::to_string(at) +
                    ": recorded `...:\"Hi\"}],\"temperature\":0.7,\"seed\":42}`, " +
                    "sent `...:\"Hi\"}],\"temperature\":0.8,\"seed\":42}`");
}

TEST_CASE("a mismatch shows the end of a shorter body and bytes that are not printable") {
  const std::vector<cassette_exchange> all{chat_exchange("abc\ndef")};
  const auto longer =
      knobs::local::cassette_mismatch(all, "POST", "/v1/chat/completions", "abc\ndefg");
  REQUIRE(longer);
  CHECK(longer->find("differs at byte 7: recorded `abc\\x0Adef<end>`, sent `abc\\x0Adefg`") !=
        std::string::npos);
}

TEST_CASE("a mismatch says when no recording has the method and target") {
  const auto why = knobs::local::cassette_mismatch({chat_exchange("{}")}, "GET", "/v1/models", "");
  REQUIRE(why);
  CHECK(why->find("request #1 (POST /v1/chat/completions: none has this method and target)") !=
        std::string::npos);
  const auto empty = knobs::local::cassette_mismatch({}, "GET", "/v1/models", "");
  REQUIRE(empty);
  CHECK(empty->find("it holds no exchanges") != std::string::npos);
}

TEST_CASE("a cassette refuses an upstream URL with credentials without quoting them") {
  knobs::local::cassette_options o;
  o.path = (std::filesystem::temp_directory_path() / "knobs-cassette-creds.jsonl").string();
  o.mode = knobs::local::cassette_mode::record;
  o.upstream = "http://user:sk-test-SENTINEL@127.0.0.1:9/v1";
  o.upstream_api_key = "sk-test-SENTINEL";
  const std::string what = what_of([&] { knobs::local::cassette c{o}; });
  CHECK(what.find("credentials") != std::string::npos);
  CHECK(what.find("SENTINEL") == std::string::npos);
  o.upstream.clear();
  CHECK(what_of([&] { knobs::local::cassette c{o}; }).find("needs an upstream") !=
        std::string::npos);
}
