// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_EXAMPLES_COMMON_HPP
#define KNOBS_EXAMPLES_COMMON_HPP

// What every example shares, as the lesson's common.py does: `get_client()`
// and `MODEL`.
//
// - With OPENAI_BASE_URL set, a client for that server: OPENAI_API_KEY is the
//   key, and the model is KNOBS_MODEL (default "gpt-oss-120b"). It says on
//   stderr which server it talks to when it can tell (from the host, or from
//   the server's GET /models), and applies that server's profile, so that a
//   knob the server ignores is a warning and not a silent no-op.
// - Without it, the examples still run, on a fresh machine with no network:
//   `get_client()` starts knobs' offline model (knobs::local::model_server, a
//   small n-gram model trained on knobs' own corpus) in this process on a
//   free port of 127.0.0.1, says so in one line on stderr, and returns a
//   client that talks to it over real HTTP. MODEL is then that model's id,
//   "knobs-offline-ngram": it is not a real model, and says so. Its profile
//   is knobs' offline model's.
// - After `use_cassette(argc, argv)` has read `--record FILE` or `--replay
//   FILE`, the client talks through a cassette (knobs::local::cassette): with
//   --record, one that records to FILE every exchange with the server above;
//   with --replay, one that answers from FILE alone, with no model started
//   and no network. Replay with the settings you recorded with (the same
//   OPENAI_BASE_URL, or none), so that the requests are the same bytes.

#include <knobs/client.hpp>
#include <knobs/local/cassette.hpp>
#include <knobs/local/model_server.hpp>
#include <knobs/options.hpp>
#include <knobs/server_profile.hpp>

#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

namespace knobs_examples {

// An environment variable, or "" when it is unset.
inline std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// True when the examples talk to a real server (OPENAI_BASE_URL is set).
inline bool use_real_server() { return !env("OPENAI_BASE_URL").empty(); }

// The model the examples ask for.
inline std::string model_name() {
  if (!use_real_server())
    return std::string(knobs::local::offline_model_id);
  const std::string chosen = env("KNOBS_MODEL");
  return chosen.empty() ? "gpt-oss-120b" : chosen;
}

// Says on stderr, once, which server the examples talk to: the one the
// host names (api.openai.com, Azure), else the one its /v1/models answer
// names, so that knobs' warnings can tell a knob the server ignores. A
// server that cannot say is left unknown; the examples run all the same.
inline bool say_which_server(knobs::client& client) {
  std::string how = "from the host";
  if (client.server().kind == knobs::server_kind::unknown) {
    auto models = client.try_models();
    if (!models) {
      std::cerr << "knobs: cannot tell which server this is (GET /models: "
                << models.error().message << "); knobs' warnings know nothing of it\n";
      return true;
    }
    const knobs::server_kind found = knobs::server_from_models(*models);
    if (found == knobs::server_kind::unknown) {
      std::cerr << "knobs: its /models answer does not say which server this is; knobs' "
                   "warnings know nothing of it\n";
      return true;
    }
    client.async().set_server(knobs::server_profile::of(found));
    how = "from its /models answer";
  }
  std::cerr << "knobs: talking to " << client.server().name << " (" << how << ")\n";
  return true;
}

// The cassette the examples talk through, if any: its mode and its file.
struct cassette_choice {
  knobs::local::cassette_mode mode;
  std::string file;
};

inline std::optional<cassette_choice>& chosen_cassette() {
  static std::optional<cassette_choice> choice;
  return choice;
}

// The client's options: for OPENAI_BASE_URL, or for the offline model
// (started here, unless a cassette replays), then pointed at the cassette
// when there is one. The servers live until the program ends.
inline knobs::client_options client_options() {
  knobs::client_options options;
  if (use_real_server()) {
    options = knobs::client_options::from_env();
  } else {
    options.server = knobs::server_profile::of(knobs::server_kind::knobs_offline);
    if (!chosen_cassette() || chosen_cassette()->mode != knobs::local::cassette_mode::replay) {
      static knobs::local::model_server server;
      options.base_url = server.base_url();
    }
  }
  if (const auto& choice = chosen_cassette()) {
    knobs::local::cassette_options tape;
    tape.path = choice->file;
    tape.mode = choice->mode;
    tape.upstream = options.base_url;
    tape.upstream_api_key = options.api_key;
    static knobs::local::cassette cassette{tape};
    std::cerr << "knobs: "
              << (choice->mode == knobs::local::cassette_mode::replay ? "replaying "
                                                                      : "recording to ")
              << choice->file << '\n';
    options.base_url = cassette.base_url();
  }
  return options;
}

} // namespace knobs_examples

// Reads the arguments `--record FILE` or `--replay FILE` (or none): the
// client then talks through a cassette (see the top of this file). Returns
// false for any other argument; call it before the first `get_client()`.
inline bool use_cassette(int argc, char** argv) {
  if (argc == 1)
    return true;
  if (argc != 3)
    return false;
  const std::string_view flag = argv[1];
  if (flag == "--record")
    knobs_examples::chosen_cassette() = {knobs::local::cassette_mode::record, argv[2]};
  else if (flag == "--replay")
    knobs_examples::chosen_cassette() = {knobs::local::cassette_mode::replay, argv[2]};
  else
    return false;
  return true;
}

// The model every request names, e.g. `knobs::chat_request{MODEL}`.
inline const std::string MODEL = knobs_examples::model_name();

// The client every example uses: for OPENAI_BASE_URL when set, else for the
// offline model, started on first use; through a cassette after
// `use_cassette()`. They live until the program ends (the servers are made
// first, so they are destroyed after the client).
// Throws knobs::request_error when OPENAI_BASE_URL is unusable.
inline knobs::client& get_client() {
  static knobs::client client{knobs_examples::client_options()};
  static const bool said =
      knobs_examples::use_real_server() && knobs_examples::say_which_server(client);
  (void)said;
  return client;
}

// `text` without leading and trailing whitespace, as Python's str.strip().
inline std::string strip(std::string_view text) {
  const std::string_view space = " \t\n\r\f\v";
  const std::size_t first = text.find_first_not_of(space);
  if (first == std::string_view::npos)
    return {};
  const std::size_t last = text.find_last_not_of(space);
  return std::string(text.substr(first, last - first + 1));
}

#endif
