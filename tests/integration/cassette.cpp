// knobs::local::cassette over real sockets on 127.0.0.1: a knobs::client's
// exchanges with the offline model recorded, then replayed with no model at
// all, byte for byte; a changed request, record_new, a changed fingerprint,
// and the upstream's API key written nowhere.
#include <knobs/local/cassette.hpp>

#include <knobs/chat_request.hpp>
#include <knobs/client.hpp>
#include <knobs/error.hpp>
#include <knobs/local/model_server.hpp>

#include "../tls_fixture.hpp"

#include <doctest/doctest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

using knobs::local::cassette;
using knobs::local::cassette_mode;
using knobs::local::cassette_options;
using knobs::local::received_request;
using knobs::local::response_plan;

namespace {

const std::string upstream_key = "sk-test-SENTINEL";
const std::string client_key = "sk-client-SENTINEL";

std::string temp_path(const std::string& name) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("knobs-cassette-" + name + ".jsonl")).string();
  std::filesystem::remove(path);
  return path;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

cassette_options options(cassette_mode mode, const std::string& path,
                         const std::string& upstream = {}) {
  cassette_options o;
  o.path = path;
  o.mode = mode;
  o.upstream = upstream;
  o.upstream_api_key = upstream_key;
  return o;
}

knobs::client_options client_for(const cassette& c) {
  knobs::client_options o;
  o.base_url = c.base_url();
  o.api_key = client_key;
  o.on_warning = nullptr;
  o.max_retries = 0;
  return o;
}

knobs::local::model_server_options quiet() {
  knobs::local::model_server_options o;
  o.quiet = true;
  return o;
}

knobs::chat_request greedy() {
  return knobs::chat_request{"any"}.user("What is the capital of Australia?").temperature(0.0);
}

knobs::chat_request seeded(std::int64_t seed) {
  return knobs::chat_request{"any"}
      .user("Invent a name for a coffee shop.")
      .temperature(1.0)
      .seed(seed)
      .max_tokens(20);
}

knobs::chat_request streamed() {
  return knobs::chat_request{"any"}
      .user("In one sentence, describe a city at night.")
      .temperature(0.7)
      .seed(7)
      .max_tokens(30);
}

// The offline model behind a server that keeps the exact bytes of every body
// it sends (a stream's parts joined): what the recording must hold.
struct tapped_model {
  knobs::local::model_server model{quiet()};
  std::mutex mutex;
  std::vector<std::string> bodies;
  knobs::local::server tap{[this](const received_request& r) {
    response_plan plan = knobs::local::model_server::respond(model.model(), r);
    std::string whole = plan.body;
    for (const std::string& part : plan.parts)
      whole += part;
    std::lock_guard<std::mutex> lock(mutex);
    bodies.push_back(whole);
    return plan;
  }};
};

struct raw_answer {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

// One request with exactly these bytes, as no knobs client would send it.
raw_answer send_raw(std::uint16_t port, const std::string& method, const std::string& target,
                    const std::string& body) {
  namespace http = boost::beast::http;
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.keep_alive(false);
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return {res.result_int(), std::string(res[http::field::content_type]), res.body()};
}

std::size_t port_of(const cassette& c) {
  const std::string url = c.base_url(); // http://127.0.0.1:PORT/v1
  const std::size_t colon = url.rfind(':');
  return static_cast<std::size_t>(std::stoul(url.substr(colon + 1)));
}

// Runs the program under test: four requests, one streamed, and the models.
std::vector<std::string> run_program(knobs::client& client) {
  std::vector<std::string> out;
  out.push_back(client.create(greedy()).text());
  out.push_back(client.create(seeded(42)).text());
  out.push_back(client.stream(streamed(), [](const knobs::chat_chunk&) {}).text());
  out.push_back(client.models().at(0).id);
  return out;
}

} // namespace

TEST_CASE("a recording replays byte for byte with no model running") {
  const std::string path = temp_path("bytes");
  std::vector<std::string> recorded_texts;
  std::vector<std::string> upstream_bodies;
  {
    tapped_model up;
    cassette recording{options(cassette_mode::record, path, up.tap.base_url())};
    knobs::client client{client_for(recording)};
    recorded_texts = run_program(client);
    CHECK(recording.recorded() == 4);
    CHECK(recording.replayed() == 0);
    upstream_bodies = up.bodies;
    // The upstream got the cassette's key, and only it.
    for (const received_request& r : up.tap.requests())
      CHECK(r.header("authorization") == "Bearer " + upstream_key);
  } // the model and its server are gone
  REQUIRE(upstream_bodies.size() == 4);

  const std::string text = file_text(path);
  CHECK(text.find("SENTINEL") == std::string::npos);
  CHECK(text.find("uthorization") == std::string::npos);
  const std::vector<knobs::local::cassette_exchange> tape = knobs::local::read_cassette(path);
  REQUIRE(tape.size() == 4);
  for (std::size_t i = 0; i < tape.size(); ++i)
    CHECK(tape[i].response == upstream_bodies[i]);
  CHECK(tape[1].request.find("\"seed\":42") != std::string::npos);
  CHECK(tape[1].system_fingerprint.has_value());
  CHECK(tape[2].content_type.find("text/event-stream") == 0);
  CHECK(tape[2].system_fingerprint == tape[1].system_fingerprint);
  CHECK(tape[3].method == "GET");
  CHECK(tape[3].target == "/v1/models");

  cassette replaying{options(cassette_mode::replay, path)};
  knobs::client client{client_for(replaying)};
  CHECK(run_program(client) == recorded_texts);
  CHECK(replaying.replayed() == 4);
  for (std::size_t i = 0; i < tape.size(); ++i) {
    const raw_answer a = send_raw(static_cast<std::uint16_t>(port_of(replaying)), tape[i].method,
                                  tape[i].target, tape[i].request);
    CHECK(a.status == 200);
    CHECK(a.content_type == tape[i].content_type);
    CHECK(a.body == upstream_bodies[i]);
  }
  CHECK(replaying.recorded() == 0);
  CHECK(file_text(path) == text);
}

TEST_CASE("a request not in the cassette is an api_error naming the nearest and the byte") {
  const std::string path = temp_path("mismatch");
  {
    knobs::local::model_server model{quiet()};
    cassette recording{options(cassette_mode::record, path, model.base_url())};
    knobs::client client{client_for(recording)};
    client.create(greedy());
    client.create(seeded(42));
  }
  const std::vector<knobs::local::cassette_exchange> tape = knobs::local::read_cassette(path);
  REQUIRE(tape.size() == 2);

  cassette replaying{options(cassette_mode::replay, path)};
  knobs::client client{client_for(replaying)};
  const std::string sent = knobs::to_json(seeded(43));
  const std::size_t at = static_cast<std::size_t>(
      std::mismatch(sent.begin(), sent.end(), tape[1].request.begin()).first - sent.begin());
  std::string what;
  try {
    client.create(seeded(43));
  } catch (const knobs::not_found_error& e) {
    what = e.what();
  }
  CHECK(what.find("the nearest is request #2") != std::string::npos);
  CHECK(what.find("differs at byte " + std::to_string(at) + ": recorded `") != std::string::npos);
  CHECK(what.find("\"seed\":42") != std::string::npos);
  CHECK(what.find("\"seed\":43") != std::string::npos);
  CHECK(replaying.replayed() == 0);
}

TEST_CASE("identical requests replay their recordings in turn, then the last repeats") {
  const std::string path = temp_path("repeats");
  std::vector<std::string> unseeded;
  {
    knobs::local::model_server model{quiet()};
    cassette recording{options(cassette_mode::record, path, model.base_url())};
    knobs::client client{client_for(recording)};
    const auto request = knobs::chat_request{"any"}.user("Invent a name for a coffee shop.");
    for (int i = 0; i < 2; ++i)
      unseeded.push_back(client.create(request).raw.at("id").as_string().c_str());
  }
  cassette replaying{options(cassette_mode::replay, path)};
  knobs::client client{client_for(replaying)};
  const auto request = knobs::chat_request{"any"}.user("Invent a name for a coffee shop.");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(client.create(request).raw.at("id").as_string().c_str());
  REQUIRE(unseeded.size() == 2);
  CHECK(unseeded[0] != unseeded[1]);
  CHECK(ids == std::vector<std::string>{unseeded[0], unseeded[1], unseeded[1]});
}

TEST_CASE("record_new replays what is recorded and records only what is new") {
  const std::string path = temp_path("record_new");
  {
    knobs::local::model_server model{quiet()};
    cassette recording{options(cassette_mode::record, path, model.base_url())};
    knobs::client client{client_for(recording)};
    client.create(greedy());
    client.create(seeded(42));
  }
  const std::string before = file_text(path);
  knobs::local::model_server model{quiet()};
  cassette adding{options(cassette_mode::record_new, path, model.base_url())};
  knobs::client client{client_for(adding)};
  client.create(greedy());
  client.create(seeded(42));
  client.create(seeded(99));
  CHECK(adding.replayed() == 2);
  CHECK(adding.recorded() == 1);
  CHECK(model.requests().size() == 1);
  const std::string after = file_text(path);
  CHECK(after.substr(0, before.size()) == before);
  const auto tape = knobs::local::read_cassette(path);
  REQUIRE(tape.size() == 3);
  CHECK(tape[2].request == knobs::to_json(seeded(99)));
}

TEST_CASE("re-recording reports a changed system_fingerprint") {
  const std::string path = temp_path("fingerprint");
  knobs::local::model_server model{quiet()};
  {
    cassette recording{options(cassette_mode::record, path, model.base_url())};
    knobs::client client{client_for(recording)};
    client.create(greedy());
    client.create(seeded(42));
  }
  const auto tape = knobs::local::read_cassette(path);
  REQUIRE(tape.size() == 2);
  REQUIRE(tape[1].system_fingerprint.has_value());
  const std::string real = *tape[1].system_fingerprint;

  // The same recording again says nothing: the fingerprint has not changed.
  std::vector<std::string> notices;
  auto record_again = [&] {
    cassette_options o = options(cassette_mode::record, path, model.base_url());
    o.on_notice = [&](const std::string& n) { notices.push_back(n); };
    cassette recording{o};
    knobs::client client{client_for(recording)};
    client.create(greedy());
    client.create(seeded(42));
  };
  record_again();
  CHECK(notices.empty());

  // Now as if the backend had changed since: edit the second line's fingerprint.
  std::string text = file_text(path);
  const std::string key = ",\"system_fingerprint\":\"" + real + "\"";
  const std::size_t second_line = text.find('\n') + 1;
  const std::size_t at = text.find(key, second_line);
  REQUIRE(at != std::string::npos);
  text.replace(at, key.size(), ",\"system_fingerprint\":\"fp_edited\"");
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;

  record_again();
  REQUIRE(notices.size() == 1);
  CHECK(notices[0] == "system_fingerprint changed from fp_edited to " + real +
                          " for request #2 of " + path +
                          " (POST /v1/chat/completions): identical inputs may diverge");
  // The file holds the fresh answer.
  CHECK(knobs::local::read_cassette(path).at(1).system_fingerprint == real);
}

TEST_CASE("the upstream's key is written nowhere, even when the upstream echoes it") {
  const std::string path = temp_path("echo");
  knobs::local::server echoing{[](const received_request& r) {
    return response_plan::api_error(
        401, "Incorrect API key provided: " + r.header("authorization").value_or("none"),
        "invalid_request_error", std::nullopt, "invalid_api_key");
  }};
  cassette recording{options(cassette_mode::record, path, echoing.base_url())};
  knobs::client client{client_for(recording)};
  std::string what;
  try {
    client.create(greedy());
  } catch (const knobs::authentication_error& e) {
    what = e.what();
  }
  CHECK(what.find("Incorrect API key provided: Bearer [redacted]") != std::string::npos);
  CHECK(what.find("SENTINEL") == std::string::npos);
  CHECK(recording.recorded() == 1);
  const std::string text = file_text(path);
  CHECK(text.find("[redacted]") != std::string::npos);
  CHECK(text.find("SENTINEL") == std::string::npos);
}

TEST_CASE("an unreachable upstream is a 502 that names it, and nothing is recorded") {
  const std::string path = temp_path("unreachable");
  std::string gone_url;
  {
    knobs::local::server gone;
    gone_url = gone.base_url();
  }
  cassette recording{options(cassette_mode::record, path, gone_url)};
  knobs::client client{client_for(recording)};
  std::string what;
  try {
    client.create(greedy());
  } catch (const knobs::api_error& e) {
    what = e.what();
  }
  CHECK(what.find("the cassette cannot reach its upstream http://127.0.0.1:") != std::string::npos);
  CHECK(what.find("SENTINEL") == std::string::npos);
  CHECK(recording.recorded() == 0);
  CHECK(file_text(path).empty());
}

TEST_CASE("an https upstream is recorded when its certificate verifies, and only then") {
  const auto certs = knobs::local::make_test_certificates();
  const tls_fixture trust{certs};
  knobs::local::server upstream{[](const received_request&) {
                                  return response_plan::json(
                                      200, R"({"id":"chatcmpl-tls","choices":[]})");
                                },
                                serving(certs)};
  const std::string by_name = "https://localhost:" + std::to_string(upstream.port()) + "/v1";
  for (const std::string& url : {upstream.base_url(), by_name}) {
    CAPTURE(url);
    const std::string path = temp_path("https");
    cassette_options o = options(cassette_mode::record, path, url);
    o.upstream_ca_file = trust.ca_path;
    cassette trusted{o};
    const raw_answer a = send_raw(static_cast<std::uint16_t>(port_of(trusted)), "POST",
                                  "/v1/chat/completions", "{}");
    CHECK(a.status == 200);
    CHECK(a.body == R"({"id":"chatcmpl-tls","choices":[]})");
    CHECK(trusted.recorded() == 1);
  }
  // Without the test CA, the upstream's certificate does not verify.
  const std::string path = temp_path("https-untrusted");
  cassette untrusted{options(cassette_mode::record, path, upstream.base_url())};
  const raw_answer a = send_raw(static_cast<std::uint16_t>(port_of(untrusted)), "POST",
                                "/v1/chat/completions", "{}");
  CHECK(a.status == 502);
  CHECK(a.body.find("cannot reach its upstream https://127.0.0.1:") != std::string::npos);
  CHECK(a.body.find("certificate verify failed") != std::string::npos);
  CHECK(untrusted.recorded() == 0);
}

TEST_CASE("an https upstream whose certificate names another host is not recorded") {
  knobs::local::certificate_options elsewhere;
  elsewhere.dns_names = {"elsewhere.invalid"};
  elsewhere.ip_addresses = {};
  const auto certs = knobs::local::make_test_certificates(elsewhere);
  const tls_fixture trust{certs};
  knobs::local::server upstream{
      [](const received_request&) { return response_plan::json(200, "{}"); }, serving(certs)};
  cassette_options o =
      options(cassette_mode::record, temp_path("https-elsewhere"), upstream.base_url());
  o.upstream_ca_file = trust.ca_path;
  cassette recording{o};
  const raw_answer a = send_raw(static_cast<std::uint16_t>(port_of(recording)), "POST",
                                "/v1/chat/completions", "{}");
  CHECK(a.status == 502);
  CHECK(a.body.find("certificate verify failed") != std::string::npos);
  CHECK(recording.recorded() == 0);
}
