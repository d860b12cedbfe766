// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_LOCAL_CASSETTE_HPP
#define KNOBS_LOCAL_CASSETTE_HPP

/// \file
/// A cassette: the exchanges of a program with a server, recorded to a file
/// once and replayed later, so that a unit test runs the real program
/// offline against answers a real model once gave.
///
/// A `knobs::local::cassette` is a `knobs::local::server` on 127.0.0.1 that
/// stands between a client and its server. Record once against the real
/// server (or the offline model), then replay with no model and no network:
/// ```cpp
/// knobs::local::cassette_options o;
/// o.path = "answers.jsonl";
/// o.mode = knobs::local::cassette_mode::record;      // once, with a server
/// o.upstream = "https://api.openai.com/v1";
/// if (const char* key = std::getenv("OPENAI_API_KEY"))
///   o.upstream_api_key = key;                       // never written anywhere
/// knobs::local::cassette cassette{o};
/// knobs::client_options c;
/// c.base_url = cassette.base_url();                  // "http://127.0.0.1:PORT/v1"
/// run_my_program(c);
///
/// o.mode = knobs::local::cassette_mode::replay;      // in the test: offline
/// knobs::local::cassette replay{o};
/// c.base_url = replay.base_url();
/// run_my_program(c);                                 // the same answers, byte for byte
/// ```
///
/// ## The file
/// JSON Lines (UTF-8), one exchange per line, in the order they happened, as
/// `to_cassette_line()` writes them:
/// `{"method":"POST","target":"/v1/chat/completions","request":"<body>",
/// "status":200,"content_type":"application/json","response":"<body>",
/// "system_fingerprint":"fp_..." or null,"recorded_at":"2026-12-04T02:40:00Z"}`.
/// `request` and `response` hold the bodies' exact bytes as JSON strings, so
/// a request matches only when its bytes are the same (knobs' `to_json` is
/// byte-stable, so the same request is the same bytes). A streamed answer is
/// kept as its raw `text/event-stream` body. No header is recorded: neither
/// `Authorization`, nor `api-key`, nor any other; the upstream's API key,
/// should a body contain it (a server echoing it in an error), is replaced
/// by `[redacted]`, in the file and in the answer the client gets (whose own
/// error messages redact only the client's key). `target` is the target the
/// client sent to the cassette, so a recording replays whatever upstream it
/// was made against.
///
/// ## Modes
/// - `record`: the file is started afresh (its old exchanges are kept in
///   memory only, to compare fingerprints); every request is forwarded to
///   `upstream` and the exchange appended to the file as soon as it is over;
///   the client gets the upstream's status, Content-Type and body as they
///   came, but for the key (see above); a stream arrives whole, once the
///   upstream has finished it.
/// - `replay`: answers from the file only, never connecting anywhere. A
///   request whose method, target and body bytes are those of a recorded
///   exchange gets its recorded status, Content-Type and body. When the same
///   request was recorded several times, successive identical requests get
///   the successive recordings in file order, and once they run out the last
///   one repeats. A request that is not in the file is answered **404** with
///   OpenAI's error shape (type `invalid_request_error`, code
///   `cassette_mismatch`), whose message is `cassette_mismatch()`'s: so the
///   client throws `knobs::not_found_error` saying what changed.
/// - `record_new`: replays what the file holds, as `replay` does, and
///   forwards and appends what it does not. Identical requests count: the
///   third of three identical requests, when the file holds that request
///   twice, is forwarded and recorded.
///
/// When an answer fresh from the upstream is to a request the file already
/// held (`record` against an existing file; `record_new` past the recorded
/// repeats) and its `system_fingerprint` differs from the recorded one, the
/// cassette says so through `cassette_options::on_notice`: "system_fingerprint
/// changed from fp_a to fp_b for request #3 ...: identical inputs may
/// diverge". Request number N is the N-th exchange of the file as it was when the
/// cassette started.
///
/// ## Errors
/// A malformed line throws `std::runtime_error` naming the file and the line
/// number; `replay` with no file throws naming the file. When the upstream
/// cannot be reached the client gets a 502 API error saying why (nothing is
/// recorded); a failure to append to the file is a 500. The upstream's API
/// key appears in no message.
///
/// Limits: the upstream is asked with `Connection: close`, one request at a
/// time (the server's thread waits for it: there is no time limit but the
/// client's own), with `Content-Type` and `Accept` copied from the client's
/// request; response headers other than Content-Type (x-request-id,
/// Retry-After, ...) are neither recorded nor passed on.

#include <knobs/detail/config.hpp>
#include <knobs/local/response_plan.hpp>
#include <knobs/local/server.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace knobs {
namespace local {

/// What a cassette does with each request (see the top of this file).
enum class cassette_mode {
  /// Forward every request to the upstream and record it; the file starts afresh.
  record,
  /// Answer from the file only; never connect anywhere.
  replay,
  /// Answer from the file what it holds; forward and record the rest.
  record_new,
};

/// One exchange: a request and the answer it got, as a line of the file holds it.
struct cassette_exchange {
  /// The request's method, e.g. "POST".
  std::string method;
  /// The request's target as the client sent it, e.g. "/v1/chat/completions".
  std::string target;
  /// The request body's exact bytes.
  std::string request;
  /// The answer's HTTP status.
  int status = 200;
  /// The answer's Content-Type, as the server sent it ("" for none).
  std::string content_type;
  /// The answer body's exact bytes (a stream's whole text/event-stream body).
  std::string response;
  /// The answer's `system_fingerprint` (a stream's first one), when it has one.
  std::optional<std::string> system_fingerprint;
  /// When it was recorded, UTC, "YYYY-MM-DDThh:mm:ssZ" ("" when unknown).
  std::string recorded_at;
};

/// One line of a cassette file for `exchange`: a JSON object with the keys
/// in the order the top of this file shows, without the final newline.
KNOBS_DECL std::string to_cassette_line(const cassette_exchange& exchange);

/// The exchange a line of a cassette file holds. `system_fingerprint` and
/// `recorded_at` may be absent or null; every other key is required.
/// \throws std::invalid_argument saying what is wrong with the line.
KNOBS_DECL cassette_exchange parse_cassette_line(std::string_view line);

/// The exchanges of a whole cassette file's `text`, in order; blank lines are
/// skipped. \throws std::runtime_error "NAME:LINE: what is wrong" for a line
/// that is not an exchange.
KNOBS_DECL std::vector<cassette_exchange> parse_cassette(std::string_view text,
                                                         std::string_view name = "cassette");

/// The exchanges of the cassette file at `path`, as `parse_cassette()` reads
/// them. \throws std::runtime_error naming the file when it cannot be read,
/// or its line when one is malformed.
KNOBS_DECL std::vector<cassette_exchange> read_cassette(const std::string& path);

/// Why a request has no recording among `exchanges`, or `std::nullopt` when
/// one has its method, target and body bytes.
///
/// The message names the nearest recorded request: among the exchanges with
/// the same method and target (all of them when none has), the one whose
/// body shares the longest prefix with `body` (the first in the file on a
/// tie), as "request #N" (the N-th exchange of the file), and the first byte
/// offset where the two bodies differ, with up to 24 bytes of context on
/// each side, between backquotes, e.g. `...; the nearest is request #2,
/// whose body differs at byte 57: recorded `...,"temperature":0.7,"seed":42}`,
/// sent `...,"temperature":0.8,"seed":42}``. Bytes outside printable ASCII
/// are shown as a backslash, an x and two hex digits (a newline as \\x0A), the end of
/// a body as \<end\>. This is the message a
/// replaying cassette answers a request it does not hold with.
KNOBS_DECL std::optional<std::string>
cassette_mismatch(const std::vector<cassette_exchange>& exchanges, std::string_view method,
                  std::string_view target, std::string_view body);

/// How a `cassette` starts.
struct cassette_options {
  /// The cassette file (JSON Lines). `record` creates or truncates it,
  /// `record_new` creates it when missing, `replay` requires it.
  std::string path;
  /// What to do with each request.
  cassette_mode mode = cassette_mode::replay;
  /// For `record` and `record_new`: the base URL of the server to record,
  /// http or https, e.g. "https://api.openai.com/v1" or a
  /// `model_server::base_url()`. A request's target keeps what follows the
  /// cassette's own "/v1": "/v1/chat/completions" is forwarded to
  /// "<upstream>/chat/completions".
  std::string upstream;
  /// The upstream's API key, sent as `Authorization: Bearer`; none when
  /// empty. Never written to the file or to any message.
  std::string upstream_api_key;
  /// An extra CA file (PEM) to trust for an https upstream, beside the
  /// system's store. The upstream's certificate and host name are always
  /// verified.
  std::string upstream_ca_file;
  /// Told what a user should know: a changed `system_fingerprint`. Runs on
  /// the server's thread. When empty (the default), each notice is one line
  /// on stderr, "knobs: cassette: ...".
  std::function<void(const std::string&)> on_notice;
  /// How the cassette's server listens (default: a free port on 127.0.0.1).
  server_options server;
};

/// A cassette playing on a `knobs::local::server` on the loopback interface,
/// from construction until `stop()` or destruction (see the top of this
/// file). Every member function may be called from any thread.
class cassette {
public:
  /// Reads the file (`replay`, `record_new`, and `record` for fingerprints),
  /// starts the file afresh for `record`, and starts the server.
  /// \throws std::runtime_error for a missing file in `replay`, a malformed
  /// line, or a file that cannot be written; std::invalid_argument for a
  /// missing or unusable `upstream` in `record` or `record_new`;
  /// boost::system::system_error when the server cannot listen.
  KNOBS_DECL explicit cassette(cassette_options options);

  cassette(const cassette&) = delete;
  cassette& operator=(const cassette&) = delete;

  /// Stops the server.
  KNOBS_DECL ~cassette();

  /// The base URL to give a client: "http://127.0.0.1:PORT/v1".
  KNOBS_DECL std::string base_url() const;

  /// The answer to one request, as the server gives it: replayed, or
  /// forwarded and recorded, or a mismatch (404). Thread-safe.
  KNOBS_DECL response_plan respond(const received_request& request);

  /// The exchanges the cassette answers from: in `record`, those recorded
  /// so far; otherwise the file's, followed by those recorded since.
  KNOBS_DECL std::vector<cassette_exchange> exchanges() const;

  /// How many requests were answered from the file.
  KNOBS_DECL std::size_t replayed() const;

  /// How many exchanges were forwarded and appended to the file.
  KNOBS_DECL std::size_t recorded() const;

  /// Stops the server (see `server::stop()`). Idempotent.
  KNOBS_DECL void stop();

private:
  struct state; // the file, the exchanges, the counters, the upstream
  std::unique_ptr<state> state_;
  server server_; // declared last: it stops first, before the state it reads goes
};

} // namespace local
} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/local/impl/cassette.ipp>
#endif

#endif
