// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_CHAT_STREAM_IPP
#define KNOBS_IMPL_CHAT_STREAM_IPP

// The compiled part of <knobs/chat_stream.hpp>.

#include <knobs/chat_stream.hpp>

#include <knobs/impl/stream.hpp>

#include <boost/asio/compose.hpp>

namespace knobs {
namespace detail {

void start_next(std::shared_ptr<stream_state> state, next_handler handler) {
  using signature = void(std::exception_ptr, std::optional<chat_chunk>);
  auto ex = state->client->executor();
  boost::asio::async_compose<next_handler, signature>(next_op(std::move(state)), handler,
                                                      std::move(ex));
}

const boost::asio::any_io_executor& executor_of(const stream_state& state) noexcept {
  return state.client->executor();
}

} // namespace detail

chat_completion chat_stream::completion() const {
  if (!s_)
    return {};
  chat_completion out = s_->folded.completion();
  out.request_id = s_->request_id;
  out.retries = s_->retries;
  return out;
}

chat_completion chat_stream::take_completion() {
  if (!s_)
    return {};
  chat_completion out = s_->folded.take();
  out.request_id = s_->request_id;
  out.retries = s_->retries;
  return out;
}

std::size_t chat_stream::chunks() const noexcept { return s_ ? s_->chunks : 0; }

bool chat_stream::done() const noexcept { return !s_ || s_->finished; }

std::string chat_stream::request_id() const { return s_ ? s_->request_id : std::string(); }

void chat_stream::close() noexcept {
  if (s_)
    s_->close();
}

} // namespace knobs

#endif
