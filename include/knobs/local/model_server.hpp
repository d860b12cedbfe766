// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_MODEL_SERVER_HPP
#define KNOBS_LOCAL_MODEL_SERVER_HPP

/// \file
/// The offline model (`offline_model.hpp`) served as an OpenAI-compatible API
/// on the loopback interface, over real HTTP: what the examples talk to when
/// no `OPENAI_BASE_URL` is set.
///
/// ```cpp
/// knobs::local::model_server server;            // a free port on 127.0.0.1
/// knobs::client_options o;
/// o.base_url = server.base_url();               // "http://127.0.0.1:PORT/v1"
/// knobs::client client{o};
/// auto r = client.create(knobs::chat_request{"any"}
///                            .user("What is the capital of Australia?")
///                            .temperature(0.0));
/// r.text();                                     // "The capital of Australia is Canberra."
/// r.model;                                      // "knobs-offline-ngram"
/// ```
///
/// ## What it serves
/// - `POST /v1/chat/completions`: `messages` (the last user message is the
///   prompt; every message counts towards `usage.prompt_tokens`),
///   `temperature` (unset: 1), `top_p`, `top_k`, `min_p`, `frequency_penalty`,
///   `presence_penalty`, `repetition_penalty`, `logit_bias` (by token id: the
///   model's vocabulary index), `seed`, `n`, `stop`, `max_tokens` /
///   `max_completion_tokens` (unset: 256), `logprobs` and `top_logprobs`,
///   `stream` with `stream_options.include_usage`. Answers carry `usage`,
///   `finish_reason` ("stop" at the end of a sentence or before a stop
///   string, "length" at the limit) and a `system_fingerprint` that changes
///   when the model's corpus or parameters change
///   (`offline_model::fingerprint`).
/// - `GET /v1/models` and `GET /v1/models/knobs-offline-ngram`.
///
/// The request's `model` may name any model (offline, the examples send this
/// model's own id, `offline_model_id`; a program written for a real server
/// may send "gpt-oss-120b"); the answer always names the model that actually
/// answered, "knobs-offline-ngram", so nobody mistakes it for the model asked
/// for. Fields the n-gram model cannot honour (tools, response_format,
/// reasoning_effort, ...) and unknown fields are ignored, as most
/// OpenAI-compatible servers do. JSON `null` is the same as leaving a field
/// out.
///
/// Without a seed, each request draws a fresh seed from `std::random_device`,
/// so answers vary between calls as a real server's do; with one, choice i of
/// `n` samples with its own stream derived from it (choice 0 with the seed
/// itself), so the same seed and request give the same answers. Temperature 0
/// is greedy and needs no seed. A streamed answer is generated whole and then
/// sent as chunks: the first carries the role, then one chunk per token (with
/// its log probability when asked for), then one with the finish reason, then
/// with `include_usage` a `choices: []` chunk with the usage, then
/// `data: [DONE]`. So a streamed answer and an unstreamed one with the same
/// seed agree token for token.
///
/// ## Errors
/// A request the API would reject is answered 400 with OpenAI's error shape,
/// `{"error": {"message", "type": "invalid_request_error", "param", "code"}}`,
/// `param` naming the field: malformed JSON (param null), a missing `model` or
/// `messages`, a field of the wrong type (code "invalid_type"), a knob out of
/// its range (code "invalid_value"; the message is the one each knob's `make`
/// gives, so server and SDK agree), `top_logprobs` without `logprobs`,
/// `stream_options` without `stream`, both `max_tokens` and
/// `max_completion_tokens`. An unknown path is 404 (code "unknown_url"), a
/// known path with the wrong method 405.

#include <knobs/detail/config.hpp>
#include <knobs/local/offline_model.hpp>
#include <knobs/local/response_plan.hpp>
#include <knobs/local/server.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace knobs {
namespace local {

/// How a `model_server` starts.
struct model_server_options {
  /// The port on 127.0.0.1; 0 (the default) lets the system pick a free one.
  std::uint16_t port = 0;
  /// When false (the default), starting prints one line on stderr saying what
  /// is being served and how to use a real model instead. Tests set it.
  bool quiet = false;
  /// The model's parameters (they are part of its fingerprint).
  offline_model_parameters parameters;
};

/// The offline model served as an OpenAI-compatible API on 127.0.0.1, on a
/// thread of its own, from construction to destruction (see the top of this
/// file for what it serves). Every member function may be called from any
/// thread.
class model_server {
public:
  /// Trains the model, starts the server and (unless `options.quiet`) prints
  /// one line on stderr saying what it serves.
  /// \throws boost::system::system_error when the port cannot be bound, and
  /// std::invalid_argument for bad model parameters.
  KNOBS_DECL explicit model_server(model_server_options options = {});

  model_server(const model_server&) = delete;
  model_server& operator=(const model_server&) = delete;

  /// The base URL of the API, "http://127.0.0.1:PORT/v1".
  std::string base_url() const { return server_.base_url(); }

  /// The port it listens on (never 0).
  std::uint16_t port() const noexcept { return server_.port(); }

  /// The model it serves.
  const offline_model& model() const noexcept { return *model_; }

  /// The id it answers with: "knobs-offline-ngram".
  static constexpr std::string_view model_id() noexcept { return offline_model_id; }

  /// Every request it has received so far, in order (a copy).
  std::vector<received_request> requests() const { return server_.requests(); }

  /// The answer to one request, without the network: what the server sends
  /// (for tests, and for serving the model from a server of your own).
  /// Thread-safe. Never throws for a bad request (that is a 4xx plan).
  KNOBS_DECL static response_plan respond(const offline_model& model,
                                          const received_request& request);

private:
  // Declared before the server, so the server (whose thread reads the model)
  // stops first.
  std::shared_ptr<const offline_model> model_;
  server server_;
};

} // namespace local
} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/local/impl/model_server.ipp>
#endif

#endif
