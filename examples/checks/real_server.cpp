// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.

// Runs an example as a user with a real server would, with OPENAI_BASE_URL
// set, against a knobs::local::server on 127.0.0.1 that answers like
// llama.cpp's server (GET /v1/models with owned_by "llamacpp").
//
//   real_server PROGRAM: the example must say on stderr which server it
//   talks to, warn once about the server's defaults for the knobs it leaves
//   unset, and exit with 0.
//   real_server --structured PROGRAM: examples/structured, which must send
//   its schema in llama.cpp's spelling and print the answer as a typed value.
//
// Exit status 0 when all holds; otherwise 1, with what failed on stderr.
#include <knobs/local/server.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

namespace {

const std::string models =
    R"({"object":"list","data":[{"id":"qwen2.5-7b-instruct","object":"model",)"
    R"("created":1740100000,"owned_by":"llamacpp","meta":{"n_vocab":152064}}]})";

std::string completion(const std::string& content) {
  return R"({"id":"chatcmpl-1","object":"chat.completion","created":1,)"
         R"("model":"qwen2.5-7b-instruct","choices":[{"index":0,"message":{"role":"assistant",)"
         R"("content":)" +
         content + R"(},"finish_reason":"stop"}]})";
}

// A structured answer, as a model keeping to examples/structured's schema writes it.
const std::string city = R"("{\"name\":\"Oslo\",\"country\":\"Norway\",\"population\":709037,)"
                         R"(\"nickname\":null,\"landmarks\":[\"Opera House\",\"Vigeland Park\"]}")";

// The whole of a file, removed after reading.
std::string take(const char* path) {
  std::ifstream in(path);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::remove(path);
  return text;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1))
    ++n;
  return n;
}

} // namespace

int main(int argc, char** argv) {
  const bool structured = argc == 3 && std::string(argv[1]) == "--structured";
  if (argc != 2 && !structured) {
    std::cerr << "usage: real_server [--structured] PROGRAM\n";
    return 2;
  }
  const char* program = argv[argc - 1];
  knobs::local::server server([](const knobs::local::received_request& r) {
    if (r.method == "GET")
      return knobs::local::response_plan::json(200, models);
    const bool wants_json = r.body.find("\"response_format\"") != std::string::npos;
    return knobs::local::response_plan::json(200,
                                             completion(wants_json ? city : "\"A city hums.\""));
  });
  char out_path[] = "/tmp/knobs-example-XXXXXX";
  char err_path[] = "/tmp/knobs-example-XXXXXX";
  const int out = ::mkstemp(out_path);
  const int err = ::mkstemp(err_path);
  if (out < 0 || err < 0) {
    std::cerr << "mkstemp failed\n";
    return 2;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("OPENAI_BASE_URL", server.base_url().c_str(), 1);
    ::setenv("OPENAI_API_KEY", "sk-example-check", 1);
    ::setenv("KNOBS_MODEL", "qwen2.5-7b-instruct", 1);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execl(program, program, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(out);
  ::close(err);
  const std::string stdout_text = take(out_path);
  const std::string text = take(err_path);

  int failed = 0;
  const auto expect = [&](bool ok, const char* what) {
    if (!ok) {
      std::cerr << "real_server: " << program << ": " << what << '\n';
      ++failed;
    }
  };
  expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exits with 0");
  expect(count(text, "knobs: talking to llama.cpp's server (from its /models answer)") == 1,
         "says once which server it talks to");
  const auto got = server.requests();
  expect(!got.empty() && got.front().method == "GET" && got.front().target == "/v1/models",
         "asks GET /v1/models first");
  expect(got.size() > 1, "then sends its requests");
  if (structured) {
    // llama.cpp's server reads the schema as a json_object format's
    // (server_profile::json_schema_as), and the answer is printed as values.
    expect(got.size() == 2 &&
               got.back().body.find(R"("response_format":{"type":"json_object",)"
                                    R"("schema":{"type":"object")") != std::string::npos,
           "sends the schema in llama.cpp's spelling");
    expect(stdout_text.find("=== the answer, as a city_facts ===\nname: Oslo\ncountry: Norway\n"
                            "population: 709037\nnickname: (none)\nlandmark: Opera House\n") !=
               std::string::npos,
           "prints the answer read into city_facts");
  } else {
    expect(count(text, "knobs: warning [server_default_differs]: llama.cpp's server") == 1,
           "warns once that the server fills unset knobs with its own defaults");
  }
  if (failed)
    std::cerr << "--- its stdout\n" << stdout_text << "--- its stderr\n" << text;
  else
    std::cout << "real_server: " << program << ": ok\n";
  return failed ? 1 : 0;
}
