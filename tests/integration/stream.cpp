// Streaming (`stream: true`) through knobs::client and knobs::async_client
// against knobs::local::server over real sockets on 127.0.0.1: the bytes go
// through Beast's HTTP parser and knobs' SSE framing, nothing is mocked.
#include <knobs/client.hpp>

#include <knobs/local/certificate.hpp>
#include <knobs/local/server.hpp>

#include <doctest/doctest.h>

#include "../fixture.hpp"
#include "../loopback.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#if defined(__cpp_impl_coroutine)
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#endif

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using knobs::local::received_request;
using knobs::local::response_plan;
using knobs::local::sse_event;
using namespace std::chrono_literals;
using namespace loopback;

namespace {

knobs::stream_options usage_on() {
  knobs::stream_options o;
  o.include_usage = true;
  return o;
}

// The parts of a stream re-cut every `step` bytes, so that events, lines and
// "\r\n" pairs straddle the chunks of the HTTP body.
std::vector<std::string> recut(const std::vector<std::string>& parts, std::size_t step) {
  std::string all;
  for (const auto& p : parts)
    all += p;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < all.size(); i += step)
    out.push_back(all.substr(i, step));
  return out;
}

std::string with_crlf(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n')
      out += '\r';
    out += c;
  }
  return out;
}

knobs::error_info failure_of(const std::exception_ptr& e) {
  REQUIRE(e);
  try {
    std::rethrow_exception(e);
  } catch (const knobs::error& err) {
    return err.info();
  }
  return {};
}

// Streams `request` with the blocking client, collecting each chunk's text.
struct collected {
  std::vector<std::string> texts;
  std::size_t usage_chunks = 0;
  knobs::result<knobs::chat_completion> result = knobs::chat_completion{};
};

collected stream_all(knobs::client& client, const knobs::chat_request& request) {
  collected out;
  out.result = client.try_stream(request, [&](const knobs::chat_chunk& c) {
    out.texts.push_back(c.text());
    if (c.usage && c.choices.empty())
      ++out.usage_chunks;
  });
  return out;
}

} // namespace

TEST_CASE("a stream shaped like OpenAI's arrives chunk by chunk and folds into the completion") {
  const auto chunks = fixture_lines("openai/stream.jsonl");
  std::string seen_body;
  knobs::local::server server([&](const received_request& r) {
    seen_body = r.body;
    return response_plan::event_stream(events_of(chunks), 2ms)
        .with_header("x-request-id", "req_stream");
  });
  knobs::client client{options_for(server)};
  auto request = lesson_request().stream_options(usage_on());
  auto got = stream_all(client, request);
  REQUIRE(got.result.has_value());

  CHECK(got.texts.size() == chunks.size());
  CHECK(got.usage_chunks == 1); // include_usage: the `choices: []` chunk is delivered
  std::string joined;
  for (const auto& t : got.texts)
    joined += t;
  const knobs::chat_completion& whole = *got.result;
  CHECK(whole.text() == joined);
  CHECK(whole.text() == "The city glows softly.");
  CHECK(whole.choices.at(0).finish_reason == "stop");
  CHECK(whole.system_fingerprint == "fp_knobs0a1b2c");
  REQUIRE(whole.usage);
  CHECK(whole.usage->total_tokens == 21);
  CHECK(whole.request_id == "req_stream");
  CHECK(seen_body.find(R"("stream":true)") != std::string::npos);
  CHECK(seen_body.find(R"("include_usage":true)") != std::string::npos);
}

TEST_CASE("a stream shaped like llama.cpp's (no role chunk, usage on the finish chunk) works") {
  const auto chunks = fixture_lines("llamacpp/stream.jsonl");
  knobs::local::server server(
      [&](const received_request&) { return response_plan::event_stream(events_of(chunks)); });
  knobs::client client{options_for(server)};
  auto got = stream_all(client, lesson_request());
  REQUIRE(got.result.has_value());
  CHECK(got.texts.size() == chunks.size());
  CHECK(got.result->text() == "Night falls on the harbour.");
  CHECK(got.result->choices.at(0).message.role == "assistant");
  CHECK(got.result->choices.at(0).finish_reason == "stop");
  REQUIRE(got.result->usage);
  CHECK(got.result->usage->completion_tokens == 5);
}

TEST_CASE("each server's fixture stream gives the same answer however the bytes are cut") {
  for (const char* name : {"openai/stream.jsonl", "llamacpp/stream.jsonl", "ollama/stream.jsonl",
                           "vllm/stream_reasoning.jsonl", "openai/stream_tool_calls.jsonl"}) {
    CAPTURE(name);
    const auto events = events_of(fixture_lines(name));
    knobs::local::server whole_server(
        [&](const received_request&) { return response_plan::event_stream(events); });
    knobs::client whole_client{options_for(whole_server)};
    auto expected = stream_all(whole_client, lesson_request());
    REQUIRE(expected.result.has_value());

    for (std::size_t step : {1u, 3u, 7u, 64u}) {
      for (bool crlf : {false, true}) {
        CAPTURE(step);
        CAPTURE(crlf);
        auto parts = events;
        if (crlf)
          for (auto& p : parts)
            p = with_crlf(p);
        parts = recut(parts, step);
        knobs::local::server server(
            [&](const received_request&) { return response_plan::event_stream(parts); });
        knobs::client client{options_for(server)};
        auto got = stream_all(client, lesson_request());
        REQUIRE(got.result.has_value());
        CHECK(got.texts == expected.texts);
        CHECK(got.result->text() == expected.result->text());
        CHECK(got.result->choices.at(0).message.reasoning ==
              expected.result->choices.at(0).message.reasoning);
        CHECK(got.result->choices.at(0).message.tool_calls.size() ==
              expected.result->choices.at(0).message.tool_calls.size());
      }
    }
  }
}

TEST_CASE("a multi-byte character cut between two reads arrives whole") {
  const std::string text = "Caf\xC3\xA9 \xE5\x9F\x8E \xF0\x9F\x8C\x83"; // Café 城 🌃
  const auto events = events_of({text_chunk(text, "stop")});
  std::string all;
  for (const auto& e : events)
    all += e;
  for (std::size_t cut = all.find("Caf"); cut < all.find("\"}", all.find("Caf")); ++cut) {
    CAPTURE(cut);
    knobs::local::server server([&](const received_request&) {
      return response_plan::event_stream({all.substr(0, cut), all.substr(cut)}, 5ms);
    });
    knobs::client client{options_for(server)};
    CHECK(client.stream(lesson_request(), [](const knobs::chat_chunk&) {}).text() == text);
  }
}

TEST_CASE("the streamed text, folded, equals the non-streamed text for the same request") {
  const std::vector<std::string> words = {"Neon", " hums", " over", " wet", " streets", "."};
  knobs::local::server server([&](const received_request& r) {
    if (r.body.find(R"("stream":true)") == std::string::npos) {
      std::string text;
      for (const auto& w : words)
        text += w;
      return response_plan::json(
          200, R"({"id":"c","object":"chat.completion","created":1,"model":"test-model",)"
               R"("choices":[{"index":0,"message":{"role":"assistant","content":")" +
                   text + R"("},"finish_reason":"stop"}]})");
    }
    std::vector<std::string> chunks;
    for (std::size_t i = 0; i < words.size(); ++i)
      chunks.push_back(text_chunk(words[i], i + 1 == words.size() ? "stop" : nullptr));
    return response_plan::event_stream(events_of(chunks));
  });
  knobs::client client{options_for(server)};
  const auto request = lesson_request().seed(42);
  const knobs::chat_completion plain = client.create(request);
  const knobs::chat_completion streamed = client.stream(request, [](const knobs::chat_chunk&) {});
  CHECK(streamed.text() == plain.text());
  CHECK(streamed.choices.at(0).finish_reason == plain.choices.at(0).finish_reason);
  CHECK(streamed.model == plain.model);
}

TEST_CASE("after a complete stream its connection goes back to the pool") {
  knobs::local::server server(
      [&](const received_request&) { return response_plan::event_stream(text_events(5)); });
  knobs::client client{options_for(server)};
  for (int i = 0; i < 5; ++i)
    CHECK(client.stream(lesson_request(), [](const knobs::chat_chunk&) {}).text() ==
          "w0 w1 w2 w3 w4 ");
  CHECK(server.connections_accepted() == 1);
  CHECK(client.async().idle_connections() == 1);
}

TEST_CASE("a body that ends without [DONE] is complete only if every choice finished") {
  SUBCASE("finished: success") {
    knobs::local::server server([&](const received_request&) {
      return response_plan::event_stream(
          events_of({text_chunk("a"), text_chunk("b", "stop")}, false));
    });
    knobs::client client{options_for(server)};
    CHECK(client.stream(lesson_request(), [](const knobs::chat_chunk&) {}).text() == "ab");
  }
  SUBCASE("unfinished: an error that says so") {
    knobs::local::server server([&](const received_request&) {
      return response_plan::event_stream(events_of({text_chunk("a"), text_chunk("b")}, false));
    });
    knobs::client client{options_for(server)};
    auto got = stream_all(client, lesson_request());
    REQUIRE_FALSE(got.result.has_value());
    CHECK(got.result.error().code == knobs::errc::connection_error);
    CHECK(got.result.error().message.find("without [DONE] or a finish_reason") !=
          std::string::npos);
  }
}

TEST_CASE("a stalled stream ends with a timeout error after stream_idle_timeout") {
  knobs::local::server server([&](const received_request&) {
    auto plan = response_plan::event_stream(text_events(10));
    plan.stall_after_parts = 2;
    return plan;
  });
  auto o = options_for(server);
  o.stream_idle_timeout = 300ms;
  knobs::client client{o};
  const auto start = std::chrono::steady_clock::now();
  auto got = stream_all(client, lesson_request());
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(got.result.has_value());
  CHECK(got.result.error().code == knobs::errc::timeout);
  CHECK(got.result.error().message.find("stalled after 2 chunks") != std::string::npos);
  CHECK(got.texts.size() == 2);
  // What arrived before the stall is in the error, folded.
  CHECK(got.result.error().chunks == 2);
  REQUIRE(got.result.error().partial);
  CHECK(got.result.error().partial->text() == "w0 w1 ");
  CHECK(took >= 300ms);
  CHECK(took < 3s);
  CHECK(client.async().open_connections() == 0);
}

TEST_CASE("a caller slower than stream_idle_timeout between reads is not a stall") {
  // The idle timeout bounds waits for the server; the caller may take its time.
  knobs::local::server server(
      [&](const received_request&) { return response_plan::event_stream(text_events(3)); });
  auto o = options_for(server);
  o.stream_idle_timeout = 100ms;
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), o};
  auto stream = client.async_open_stream(lesson_request(), boost::asio::use_future);
  ioc.run();
  knobs::chat_stream s = stream.get();
  std::string text;
  for (;;) {
    std::this_thread::sleep_for(250ms); // longer than the idle timeout, with no read waiting
    ioc.restart();
    auto next = s.async_next(boost::asio::use_future);
    ioc.run();
    std::optional<knobs::chat_chunk> chunk = next.get();
    if (!chunk)
      break;
    text += chunk->text();
  }
  CHECK(text == "w0 w1 w2 ");
  CHECK(s.done());
}

TEST_CASE("a stream request asks for text/event-stream, a completion for JSON") {
  std::vector<std::string> accepts;
  knobs::local::server server([&](const received_request& r) {
    accepts.push_back(r.header("accept").value_or("(none)"));
    if (r.body.find("\"stream\":true") != std::string::npos)
      return response_plan::event_stream(text_events(1));
    return response_plan::json(200, fixture("openai/completion.json"));
  });
  knobs::client client{options_for(server)};
  client.stream(lesson_request(), [](const knobs::chat_chunk&) {});
  client.create(lesson_request());
  CHECK(accepts == std::vector<std::string>{"text/event-stream", "application/json"});
}

TEST_CASE("cancelling a stream after 3 chunks closes its connection; the pool does not reuse it") {
  knobs::local::server server([&](const received_request&) {
    auto plan = response_plan::event_stream(text_events(10));
    plan.stall_after_parts = 3;
    return plan;
  });
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), options_for(server)};
  boost::asio::cancellation_signal signal;
  boost::asio::steady_timer timer(ioc);
  int seen = 0;
  std::exception_ptr failure;
  client.async_stream(
      lesson_request(),
      [&](const knobs::chat_chunk&) {
        if (++seen == 3) { // cancel while the next read waits on the stalled server
          timer.expires_after(50ms);
          timer.async_wait([&](boost::system::error_code) {
            signal.emit(boost::asio::cancellation_type::terminal);
          });
        }
      },
      boost::asio::bind_cancellation_slot(
          signal.slot(), [&](std::exception_ptr e, knobs::chat_completion) { failure = e; }));
  ioc.run();
  CHECK(seen == 3);
  CHECK(failure_of(failure).code == knobs::errc::cancelled);
  REQUIRE(failure_of(failure).partial);
  CHECK(failure_of(failure).partial->text() == "w0 w1 w2 ");
  CHECK(client.open_connections() == 0);
  CHECK(client.idle_connections() == 0);

  server.set_handler(
      [](const received_request&) { return response_plan::event_stream(text_events(2)); });
  ioc.restart();
  std::exception_ptr again;
  client.async_stream(
      lesson_request(), [](const knobs::chat_chunk&) {},
      [&](std::exception_ptr e, knobs::chat_completion) { again = e; });
  ioc.run();
  CHECK_FALSE(again);
  CHECK(server.connections_accepted() == 2);
}

TEST_CASE("a stream dropped before its end closes its connection") {
  knobs::local::server server(
      [&](const received_request&) { return response_plan::event_stream(text_events(50)); });
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), options_for(server)};
  std::optional<knobs::chat_chunk> first;
  {
    knobs::chat_stream stream;
    client.async_open_stream(lesson_request(), [&](std::exception_ptr e, knobs::chat_stream s) {
      REQUIRE_FALSE(e);
      stream = std::move(s);
      stream.async_next([&](std::exception_ptr e2, std::optional<knobs::chat_chunk> c) {
        REQUIRE_FALSE(e2);
        first = std::move(c);
      });
    });
    ioc.run();
    CHECK(client.open_connections() == 1);
  }
  REQUIRE(first);
  CHECK(first->text() == "w0 ");
  CHECK(client.open_connections() == 0);
  CHECK(client.idle_connections() == 0);
}

TEST_CASE("an error event mid-stream becomes a typed API error") {
  knobs::local::server server([&](const received_request&) {
    auto events = text_events(2, false);
    events.push_back(sse_event(knobs::local::api_error_body(
        "The server had an error while processing your request.", "server_error")));
    events.push_back(sse_event("[DONE]"));
    return response_plan::event_stream(events).with_header("x-request-id", "req_err");
  });
  knobs::client client{options_for(server)};
  auto got = stream_all(client, lesson_request());
  REQUIRE_FALSE(got.result.has_value());
  const auto& e = got.result.error();
  CHECK(e.code == knobs::errc::api_error);
  REQUIRE(e.api);
  CHECK(e.api->type == "server_error");
  CHECK(e.api->message == "The server had an error while processing your request.");
  CHECK(e.api->request_id == "req_err");
  CHECK(got.texts.size() == 2);
  CHECK(e.chunks == 2);
  REQUIRE(e.partial);
  CHECK(e.partial->text() == "w0 w1 ");
  CHECK(e.partial->request_id == "req_err");
  CHECK_THROWS_AS(client.stream(lesson_request(), [](const knobs::chat_chunk&) {}),
                  knobs::api_error);
  // The exception carries it too.
  try {
    client.stream(lesson_request(), [](const knobs::chat_chunk&) {});
  } catch (const knobs::api_error& thrown) {
    REQUIRE(thrown.info().partial);
    CHECK(thrown.info().partial->text() == "w0 w1 ");
  }
}

TEST_CASE("a stream that breaks keeps what arrived: reasoning and tool-call fragments too") {
  auto chunk = [](const std::string& delta) {
    return R"({"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,)"
           R"("model":"test-model","choices":[{"index":0,"delta":)" +
           delta + R"(,"finish_reason":null}]})";
  };
  knobs::local::server server([&](const received_request&) {
    auto plan = response_plan::event_stream(
        events_of({chunk(R"({"role":"assistant","reasoning_content":"The user wants "})"),
                   chunk(R"({"reasoning_content":"the weather."})"),
                   chunk(R"({"tool_calls":[{"index":0,"id":"call_1","type":"function",)"
                         R"("function":{"name":"get_weather","arguments":"{\"ci"}}]})"),
                   chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Par"}}]})"),
                   chunk(R"({"tool_calls":[{"index":0,"function":{"arguments":"is\"}"}}]})")},
                  false));
    plan.close_after_parts = 4; // the last fragment never arrives
    plan.reset = true;
    return plan;
  });
  knobs::client client{options_for(server)};
  auto got = stream_all(client, lesson_request());
  REQUIRE_FALSE(got.result.has_value());
  const knobs::error_info& e = got.result.error();
  INFO("message: ", e.message);
  CHECK(e.code == knobs::errc::connection_error);
  CHECK(e.chunks == 4);
  REQUIRE(e.partial);
  REQUIRE(e.partial->choices.size() == 1);
  const knobs::assistant_message& m = e.partial->choices[0].message;
  CHECK(m.reasoning == "The user wants the weather.");
  REQUIRE(m.tool_calls.size() == 1);
  CHECK(m.tool_calls[0].id == "call_1");
  CHECK(m.tool_calls[0].name == "get_weather");
  CHECK(m.tool_calls[0].arguments == R"({"city":"Par)");
  CHECK_FALSE(e.partial->choices[0].finish_reason);
}

TEST_CASE("a stream that fails before any chunk has no partial completion") {
  knobs::local::server server([&](const received_request&) {
    auto plan = response_plan::event_stream(text_events(3));
    plan.close_after_parts = 0;
    return plan;
  });
  knobs::client client{options_for(server)};
  auto got = stream_all(client, lesson_request());
  REQUIRE_FALSE(got.result.has_value());
  CHECK(got.result.error().chunks == 0);
  CHECK_FALSE(got.result.error().partial);
}

TEST_CASE("llama.cpp's `error:` field mid-stream becomes a typed API error too") {
  knobs::local::server server([&](const received_request&) {
    auto events = text_events(1, false);
    events.push_back(
        "error: {\"code\":500,\"message\":\"slot unavailable\",\"type\":\"server_error\"}\n\n");
    return response_plan::event_stream(events);
  });
  knobs::client client{options_for(server)};
  auto got = stream_all(client, lesson_request());
  REQUIRE_FALSE(got.result.has_value());
  CHECK(got.result.error().code == knobs::errc::api_error);
  REQUIRE(got.result.error().api);
  CHECK(got.result.error().api->message == "slot unavailable");
  CHECK(got.texts.size() == 1);
}

TEST_CASE("an error status is retried before the stream opens, and reaches the caller typed") {
  SUBCASE("500 then a stream: success after one retry") {
    int calls = 0;
    knobs::local::server server([&](const received_request&) {
      if (++calls == 1)
        return response_plan::api_error(500, "overloaded", "server_error");
      return response_plan::event_stream(text_events(2));
    });
    knobs::client client{options_for(server)};
    auto whole = client.stream(lesson_request(), [](const knobs::chat_chunk&) {});
    CHECK(whole.text() == "w0 w1 ");
    CHECK(whole.retries == 1);
  }
  SUBCASE("400 is not retried and keeps every field") {
    knobs::local::server server([&](const received_request&) {
      return response_plan::api_error(400, "temperature is too high", "invalid_request_error",
                                      "temperature", "invalid_value")
          .with_header("x-request-id", "req_400");
    });
    knobs::client client{options_for(server)};
    try {
      client.stream(lesson_request(), [](const knobs::chat_chunk&) {});
      FAIL("expected bad_request_error");
    } catch (const knobs::bad_request_error& e) {
      REQUIRE(e.info().api);
      CHECK(e.info().api->param == "temperature");
      CHECK(e.info().api->code == "invalid_value");
      CHECK(e.info().api->request_id == "req_400");
    }
    CHECK(server.requests().size() == 1);
  }
}

TEST_CASE("a JSON answer to a streamed request is an error that names the content type") {
  knobs::local::server server([&](const received_request&) {
    return response_plan::json(200, R"({"id":"c","object":"chat.completion","choices":[]})");
  });
  knobs::client client{options_for(server)};
  auto got = stream_all(client, lesson_request());
  REQUIRE_FALSE(got.result.has_value());
  CHECK(got.result.error().code == knobs::errc::invalid_response);
  CHECK(got.result.error().message.find("application/json instead of text/event-stream") !=
        std::string::npos);
}

TEST_CASE("an event larger than max_event_bytes ends the stream with a clear error") {
  knobs::local::server server([&](const received_request&) {
    return response_plan::event_stream(
        events_of({text_chunk("small"), text_chunk(std::string(8000, 'x'), "stop")}));
  });
  auto o = options_for(server);
  o.max_event_bytes = 4096;
  knobs::client client{o};
  auto got = stream_all(client, lesson_request());
  REQUIRE_FALSE(got.result.has_value());
  CHECK(got.result.error().code == knobs::errc::invalid_response);
  CHECK(got.result.error().message.find("larger than max_event_bytes (4096)") != std::string::npos);
  CHECK(got.texts.size() == 1);
}

TEST_CASE("an exception thrown by on_chunk stops the stream and reaches the caller") {
  knobs::local::server server(
      [&](const received_request&) { return response_plan::event_stream(text_events(20)); });
  knobs::client client{options_for(server)};
  int seen = 0;
  CHECK_THROWS_WITH_AS(client.stream(lesson_request(),
                                     [&](const knobs::chat_chunk&) {
                                       if (++seen == 2)
                                         throw std::runtime_error("enough");
                                     }),
                       "enough", std::runtime_error);
  CHECK(seen == 2);
  CHECK(client.async().open_connections() == 0);
}

TEST_CASE("create() refuses a request with stream(true); stream() sets it when missing") {
  knobs::local::server server(
      [&](const received_request&) { return response_plan::event_stream(text_events(1)); });
  knobs::client client{options_for(server)};
  auto refused = client.try_create(lesson_request().stream(true));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == knobs::errc::invalid_request);
  CHECK(refused.error().message.find("stream()") != std::string::npos);
  CHECK(server.requests().empty());

  client.stream(lesson_request(), [](const knobs::chat_chunk&) {});
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].body.find(R"("stream":true)") != std::string::npos);
}

TEST_CASE("an invalid request is refused before anything is sent") {
  knobs::local::server server(
      [&](const received_request&) { return response_plan::event_stream(text_events(1)); });
  knobs::client client{options_for(server)};
  auto bad = lesson_request().stream_options(usage_on()).max_completion_tokens(5);
  auto got = stream_all(client, bad);
  REQUIRE_FALSE(got.result.has_value());
  CHECK(got.result.error().code == knobs::errc::invalid_request);
  CHECK(server.requests().empty());
}

TEST_CASE("a stream over HTTPS works like one over HTTP") {
  auto certs = knobs::local::make_test_certificates();
  knobs::local::server_options so;
  so.tls = knobs::local::tls_credentials{certs.cert_pem, certs.key_pem};
  knobs::local::server server(
      [&](const received_request&) {
        return response_plan::event_stream(recut(text_events(30), 5));
      },
      so);
  auto o = options_for(server);
  o.insecure_skip_tls_verify = true; // verification itself is tested in client.cpp
  knobs::client client{o};
  auto got = stream_all(client, lesson_request());
  REQUIRE(got.result.has_value());
  CHECK(got.texts.size() == 30);
  CHECK(got.result->text().rfind("w0 w1 w2 ", 0) == 0);
  auto again = stream_all(client, lesson_request());
  CHECK(again.result.has_value());
  CHECK(server.connections_accepted() == 1);
}

TEST_CASE("async_stream delivers through use_future") {
  knobs::local::server server(
      [&](const received_request&) { return response_plan::event_stream(text_events(3)); });
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), options_for(server)};
  int seen = 0;
  auto f = client.async_stream(
      lesson_request(), [&](const knobs::chat_chunk&) { ++seen; }, boost::asio::use_future);
  ioc.run();
  CHECK(f.get().text() == "w0 w1 w2 ");
  CHECK(seen == 3);
}

TEST_CASE("a default-constructed stream has ended") {
  boost::asio::io_context ioc;
  knobs::chat_stream stream;
  CHECK(stream.done());
  bool called = false;
  stream.async_next(boost::asio::bind_executor(
      ioc, [&](std::exception_ptr e, std::optional<knobs::chat_chunk> c) {
        called = true;
        CHECK_FALSE(e);
        CHECK_FALSE(c);
      }));
  CHECK_FALSE(called); // never inside the initiating call
  ioc.run();
  CHECK(called);
}

#if defined(__cpp_impl_coroutine)
TEST_CASE("a stream can be read with co_await in a C++20 coroutine") {
  knobs::local::server server(
      [&](const received_request&) { return response_plan::event_stream(text_events(4)); });
  boost::asio::io_context ioc;
  knobs::async_client client{ioc.get_executor(), options_for(server)};
  std::string text;
  std::string folded;
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        knobs::chat_stream stream =
            co_await client.async_open_stream(lesson_request(), boost::asio::use_awaitable);
        while (auto chunk = co_await stream.async_next(boost::asio::use_awaitable))
          text += chunk->text();
        // After the end, next keeps saying so.
        auto after = co_await stream.async_next(boost::asio::use_awaitable);
        CHECK_FALSE(after);
        folded = stream.completion().text();
      },
      boost::asio::detached);
  ioc.run();
  CHECK(text == "w0 w1 w2 w3 ");
  CHECK(folded == text);
  CHECK(client.idle_connections() == 1);
}
#endif
