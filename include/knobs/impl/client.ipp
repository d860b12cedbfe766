// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_CLIENT_IPP
#define KNOBS_IMPL_CLIENT_IPP

// The compiled part of <knobs/client.hpp>: the operations behind
// async_client's templates, and the blocking client.

#include <knobs/client.hpp>

#include <knobs/impl/stream.hpp>
#include <knobs/impl/transport.hpp>

#include <boost/asio/compose.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <mutex>
#include <optional>

namespace knobs {
namespace detail {

// Opens a stream, hands each chunk to `on_chunk`, and completes with the
// chunks folded: void(std::exception_ptr, chat_completion). Chunks that are
// already read are handed over in a loop, without a round through the
// executor each.
class stream_op : boost::asio::coroutine {
public:
  stream_op(std::shared_ptr<client_state> state, prepared_request request, chunk_function on_chunk)
      : state_(std::move(state)), request_(std::move(request)), on_chunk_(std::move(on_chunk)) {}

  template <class Self>
  void operator()(Self& self, std::exception_ptr e, std::shared_ptr<stream_state> opened) {
    if (e)
      return self.complete(std::move(e), chat_completion{});
    s_ = std::move(opened);
    (*this)(self, boost::system::error_code(), 0);
  }

  template <class Self> void operator()(Self& self) {
    (*this)(self, boost::system::error_code(), 0);
  }

  template <class Self> void operator()(Self& self, boost::system::error_code ec, std::size_t) {
    BOOST_ASIO_CORO_REENTER(this) {
      // Through the same compiled operation as async_open_stream's, so that
      // it is instantiated once. What it needs is taken out of *this first:
      // `self` (and *this with it) moves into the handler.
      BOOST_ASIO_CORO_YIELD {
        std::shared_ptr<client_state> state = state_;
        prepared_request request = std::move(request_);
        const boost::asio::any_io_executor ex = state->executor();
        start_open(std::move(state), std::move(request), open_handler(std::move(self), ex));
      }
      for (;;) {
        for (;;) {
          std::optional<chat_chunk> chunk;
          const poll_result r = poll(*s_, chunk);
          if (r == poll_result::need_read)
            break;
          if (r == poll_result::failed)
            return self.complete(to_exception_ptr(*s_->failure), chat_completion{});
          if (r == poll_result::end) {
            chat_completion out = s_->folded.take();
            out.request_id = s_->request_id;
            out.retries = s_->retries;
            return self.complete(std::exception_ptr(), std::move(out));
          }
          try {
            on_chunk_(static_cast<const chat_chunk&>(*chunk));
          } catch (...) {
            // The caller's function stops the stream by throwing; it gets its
            // own exception back, and the half-read connection is closed.
            s_->close();
            return self.complete(std::current_exception(), chat_completion{});
          }
        }
        BOOST_ASIO_CORO_YIELD read_more(*s_, std::move(self));
        if (!read_done(*s_, ec, self.cancelled() != boost::asio::cancellation_type::none))
          return self.complete(to_exception_ptr(*s_->failure), chat_completion{});
      }
    }
  }

private:
  std::shared_ptr<client_state> state_;
  prepared_request request_;
  chunk_function on_chunk_;
  std::shared_ptr<stream_state> s_;
};

// The result passes by reference, from the operation's frame to the part the
// caller's handler takes: a completion is moved once on its way, into the
// blocking call's outcome or the async caller's handler.
using request_handler = erased_handler<void(std::exception_ptr, request_result&&)>;

// Starts the one request_op, completing `handler` with the part of the result
// that `pick` takes.
template <class Handler, class Pick>
void start_request(std::shared_ptr<client_state> state, prepared_request request, request_kind kind,
                   Handler handler, Pick pick, request_op::list_reader read_list = nullptr,
                   request_op::stream_opener open_stream = nullptr) {
  auto ex = state->executor();
  auto handler_ex = handler.get_executor();
  auto slot = handler.get_cancellation_slot();
  request_handler h(
      [handler = std::move(handler), pick](std::exception_ptr e, request_result&& r) mutable {
        std::move(handler)(std::move(e), pick(r));
      },
      std::move(handler_ex), slot);
  boost::asio::async_compose<request_handler, void(std::exception_ptr, request_result &&)>(
      request_op(std::move(state), std::move(request.body), std::move(request.rejected), kind,
                 request.options, request.blocking, read_list, open_stream),
      h, std::move(ex));
}

void start_create(std::shared_ptr<client_state> state, prepared_request request,
                  create_handler handler) {
  start_request(std::move(state), std::move(request), request_kind::create, std::move(handler),
                [](request_result& r) -> chat_completion&& { return std::move(r.completion); });
}

void start_models(std::shared_ptr<client_state> state,
                  std::shared_ptr<const request_overrides> options, models_handler handler) {
  prepared_request request;
  request.options = std::move(options);
  start_request(
      std::move(state), std::move(request), request_kind::list_models, std::move(handler),
      [](request_result& r) -> std::vector<model_info>&& { return std::move(r.models); },
      &request_op::list_result);
}

void start_open(std::shared_ptr<client_state> state, prepared_request request,
                open_handler handler) {
  start_request(
      std::move(state), std::move(request), request_kind::stream, std::move(handler),
      [](request_result& r) -> std::shared_ptr<stream_state>&& { return std::move(r.stream); },
      nullptr, &request_op::stream_result);
}

void start_stream(std::shared_ptr<client_state> state, prepared_request request,
                  chunk_function on_chunk, create_handler handler) {
  auto ex = state->executor();
  boost::asio::async_compose<create_handler, void(std::exception_ptr, chat_completion)>(
      stream_op(std::move(state), std::move(request), std::move(on_chunk)), handler, std::move(ex));
}

} // namespace detail

async_client::async_client(executor_type ex, client_options options) {
  options.check().value();
  auto ep = detail::parse_base_url(options.base_url).value();
  const log_level from_env = log_level_from_env().value();
  const log_level level = std::max(options.log, from_env);
  state_ = std::make_shared<detail::client_state>(std::move(ex), std::move(options), std::move(ep));
  state_->set_log_level(level);
}

const async_client::executor_type& async_client::get_executor() const noexcept {
  return state_->executor();
}

const client_options& async_client::options() const noexcept { return state_->options(); }

async_client async_client::with_options(request_options o) const {
  o.check().value();
  async_client out = *this;
  out.overrides_ =
      state_->make_overrides(overrides_ ? overrides_->options.merged(o) : std::move(o));
  return out;
}

request_options async_client::request_overrides() const {
  return overrides_ ? overrides_->options : request_options{};
}

server_profile async_client::server() const { return *state_->profile(); }

void async_client::set_server(server_profile profile) { state_->set_profile(std::move(profile)); }

std::size_t async_client::open_connections() const noexcept { return state_->open_connections(); }

std::size_t async_client::idle_connections() const noexcept { return state_->idle_connections(); }

namespace detail {

// Hands a warning to on_warning: every time to the user's function; once per
// client (each distinct code and message) to the default, print_warning,
// which says so the first time, as Python's default warnings filter shows a
// warning once per place.
inline void report_warning(client_state& s, const warning& w) {
  const auto& on_warning = s.options().on_warning;
  const auto* f = on_warning.target<void (*)(const warning&)>();
  if (f == nullptr || *f != &print_warning) {
    on_warning(w);
    return;
  }
  bool very_first = false;
  if (!s.first_time(w, very_first))
    return;
  print_warning(w);
  if (very_first)
    print_log(log_level::info, "(each distinct warning is printed once per client; set "
                               "client_options::on_warning to see every one, or to nullptr "
                               "for none)");
}

} // namespace detail

detail::prepared_request async_client::prepare(const chat_request& request, bool streaming) const {
  detail::prepared_request out;
  if (streaming && request.stream() != true) {
    chat_request copy = request;
    copy.stream(true);
    return prepare(copy, true);
  }
  if (!streaming && request.stream() == true) {
    out.rejected = make_error(errc::invalid_request,
                              "the request has stream(true), so its answer is a stream of events: "
                              "read it with stream(), async_stream() or async_open_stream(), or "
                              "drop stream(true) to use create()",
                              "stream");
    return out;
  }
  if (auto v = request.validate(); !v) {
    out.rejected = v.error();
    return out;
  }
  const client_options& o = state_->options();
  const std::shared_ptr<const server_profile> server = state_->profile();
  // The body is written once; a profile with something to say lints the
  // fields it wrote (validate() covered to_json's checks; the profile may
  // still refuse a renamed field that extra() sets too).
  const bool lints = detail::lints(*server);
  std::vector<std::string> keys;
  auto body = detail::write_request(request, *server, lints ? &keys : nullptr);
  for (const warning& w :
       lints ? detail::profile_warnings(request, *server, keys) : request.warnings()) {
    if (o.strict) {
      out.rejected =
          make_error(errc::strict_warning,
                     "strict mode: " + std::string(to_string(w.code)) + ": " + w.message);
      return out;
    }
    if (o.on_warning)
      detail::report_warning(*state_, w);
  }
  if (!body) {
    out.rejected = body.error();
    return out;
  }
  out.body = std::move(*body);
  out.options = overrides_;
  return out;
}

// The blocking client: an io_context of its own, run by each call until the
// call's operation completes; with_options clients share it. It never runs
// out of work (`work`), so a call runs it one handler at a time until its
// outcome is in, and never restarts it: an io_context that runs out of work
// stops, and stopping interrupts its reactor (a system call, and an extra
// epoll_wait when it runs again). The client's deadline timer stays armed
// between calls for the same reason (deadline_watch::keep_armed).
struct client::state {
  std::mutex mutex;
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
};

namespace detail {

// How a blocking call ended. The value is constructed from the handler's,
// never assigned to: a completion's `raw` keeps the arena it was parsed
// into only when moved into a new object (Boost.JSON's move assignment keeps
// the target's storage and copies the tree).
template <class T> struct outcome {
  std::exception_ptr failure;
  std::optional<T> value;
};

// The completion handler of every blocking call, erased like any other.
template <class T> struct outcome_handler {
  outcome<T>* out;
  void operator()(std::exception_ptr e, T&& r) const {
    out->failure = std::move(e);
    out->value.emplace(std::move(r));
  }
};

template <class T> T value_or_throw(outcome<T> o) {
  if (o.failure)
    std::rethrow_exception(o.failure);
  return std::move(*o.value);
}

inline bool is_knobs_error(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const error&) {
    return true;
  } catch (...) {
    return false;
  }
}

template <class T> result<T> to_result(outcome<T> o) {
  if (!o.failure)
    return std::move(*o.value);
  try {
    std::rethrow_exception(o.failure);
  } catch (const error& e) {
    return e.info();
  } catch (const std::exception& e) {
    return make_error(errc::connection_error, e.what());
  }
}

// Runs one operation to its end on the calling thread.
template <class T, class Initiate>
outcome<T> run_blocking(std::mutex& mutex, boost::asio::io_context& ioc, Initiate initiate) {
  std::lock_guard<std::mutex> lock(mutex);
  outcome<T> out;
  initiate(outcome_handler<T>{&out});
  // Handlers left over after the outcome (none on the usual paths) run at
  // the next call, or are destroyed with the io_context.
  while (!out.value)
    if (ioc.run_one() == 0)
      ioc.restart(); // stopped: not by us, but never spin
  return out;
}

// A request of the blocking client's (see prepared_request::blocking).
inline prepared_request blocking(prepared_request r) {
  r.blocking = true;
  return r;
}

using completion_outcome = outcome_handler<chat_completion>;
using models_outcome = outcome_handler<std::vector<model_info>>;

} // namespace detail

client::client(client_options options)
    : state_(std::make_shared<state>()), async_(state_->ioc.get_executor(), std::move(options)) {
  async_.state_->deadlines()->keep_armed();
}

client::client(std::shared_ptr<state> s, async_client async)
    : state_(std::move(s)), async_(std::move(async)) {}

client::~client() = default;

client client::with_options(request_options o) const {
  return client(state_, async_.with_options(std::move(o)));
}

chat_completion client::create(const chat_request& request) {
  return detail::value_or_throw(detail::run_blocking<chat_completion>(
      state_->mutex, state_->ioc, [&](detail::completion_outcome h) {
        detail::start_create(async_.state_, blocking(async_.prepare(request, false)),
                             detail::create_handler(h, async_.get_executor()));
      }));
}

result<chat_completion> client::try_create(const chat_request& request) {
  return detail::to_result(detail::run_blocking<chat_completion>(
      state_->mutex, state_->ioc, [&](detail::completion_outcome h) {
        detail::start_create(async_.state_, blocking(async_.prepare(request, false)),
                             detail::create_handler(h, async_.get_executor()));
      }));
}

chat_completion client::stream_erased(const chat_request& request,
                                      detail::chunk_function on_chunk) {
  return detail::value_or_throw(detail::run_blocking<chat_completion>(
      state_->mutex, state_->ioc, [&](detail::completion_outcome h) {
        detail::start_stream(async_.state_, blocking(async_.prepare(request, true)),
                             std::move(on_chunk), detail::create_handler(h, async_.get_executor()));
      }));
}

result<chat_completion> client::try_stream_erased(const chat_request& request,
                                                  detail::chunk_function on_chunk) {
  detail::outcome<chat_completion> o = detail::run_blocking<chat_completion>(
      state_->mutex, state_->ioc, [&](detail::completion_outcome h) {
        detail::start_stream(async_.state_, blocking(async_.prepare(request, true)),
                             std::move(on_chunk), detail::create_handler(h, async_.get_executor()));
      });
  if (o.failure && !detail::is_knobs_error(o.failure))
    std::rethrow_exception(o.failure);
  return detail::to_result(std::move(o));
}

std::vector<model_info> client::models() {
  return detail::value_or_throw(detail::run_blocking<std::vector<model_info>>(
      state_->mutex, state_->ioc, [&](detail::models_outcome h) {
        detail::start_models(async_.state_, async_.overrides_,
                             detail::models_handler(h, async_.get_executor()));
      }));
}

result<std::vector<model_info>> client::try_models() {
  return detail::to_result(detail::run_blocking<std::vector<model_info>>(
      state_->mutex, state_->ioc, [&](detail::models_outcome h) {
        detail::start_models(async_.state_, async_.overrides_,
                             detail::models_handler(h, async_.get_executor()));
      }));
}

server_kind client::detect_server() {
  server_kind found = server_from_models(models());
  if (found == server_kind::unknown)
    found = async_.state_->heard(); // the list's header fields
  if (found != server_kind::unknown)
    async_.set_server(server_profile::of(found));
  return found;
}

server_profile client::server() const { return async_.server(); }

const client_options& client::options() const noexcept { return async_.options(); }

async_client& client::async() noexcept { return async_; }

} // namespace knobs

#endif
