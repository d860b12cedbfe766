// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.

// Runs an example (argv[1]) as a user with a real server would, with
// OPENAI_BASE_URL set, against a knobs::local::server on 127.0.0.1 that
// answers like llama.cpp's server (GET /v1/models with owned_by "llamacpp").
// The example must say on stderr which server it talks to, warn once about
// the server's defaults for the knobs it leaves unset, and exit with 0.
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

const std::string completion =
    R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"qwen2.5-7b-instruct",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"A city hums."},)"
    R"("finish_reason":"stop"}]})";

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1))
    ++n;
  return n;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: real_server PROGRAM\n";
    return 2;
  }
  knobs::local::server server([](const knobs::local::received_request& r) {
    if (r.method == "GET")
      return knobs::local::response_plan::json(200, models);
    return knobs::local::response_plan::json(200, completion);
  });
  char err_path[] = "/tmp/knobs-example-XXXXXX";
  const int err = ::mkstemp(err_path);
  if (err < 0) {
    std::cerr << "mkstemp failed\n";
    return 2;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("OPENAI_BASE_URL", server.base_url().c_str(), 1);
    ::setenv("OPENAI_API_KEY", "sk-example-check", 1);
    ::setenv("KNOBS_MODEL", "qwen2.5-7b-instruct", 1);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execl(argv[1], argv[1], static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(err);
  std::ifstream in(err_path);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::remove(err_path);

  int failed = 0;
  const auto expect = [&](bool ok, const char* what) {
    if (!ok) {
      std::cerr << "real_server: " << argv[1] << ": " << what << '\n';
      ++failed;
    }
  };
  expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exits with 0");
  expect(count(text, "knobs: talking to llama.cpp's server (from its /models answer)") == 1,
         "says once which server it talks to");
  expect(count(text, "knobs: warning [server_default_differs]: llama.cpp's server") == 1,
         "warns once that the server fills unset knobs with its own defaults");
  const auto got = server.requests();
  expect(!got.empty() && got.front().method == "GET" && got.front().target == "/v1/models",
         "asks GET /v1/models first");
  expect(got.size() > 1, "then sends its requests");
  if (failed)
    std::cerr << "--- its stderr\n" << text;
  else
    std::cout << "real_server: " << argv[1] << ": ok\n";
  return failed ? 1 : 0;
}
