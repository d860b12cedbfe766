// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_IMPL_TOOL_RUNNER_IPP
#define KNOBS_IMPL_TOOL_RUNNER_IPP

// The compiled part of <knobs/tool_runner.hpp>: the loop, shared by the
// blocking and the async form, and the calls on threads.

#include <knobs/tool_runner.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>

#include <algorithm>
#include <thread>

namespace knobs {

void tool_set::add_tool(function_tool tool, function fn) {
  for (const function_tool& t : tools_)
    if (t.name == tool.name)
      throw request_error(make_error(errc::invalid_request,
                                     "the tool set has a tool named \"" + tool.name + "\" already",
                                     tool.name));
  tools_.push_back(std::move(tool));
  functions_.push_back(std::move(fn));
}

tool_outcome tool_set::run(const tool_call& call) const {
  tool_outcome out;
  out.call = call;
  const auto failed = [&](std::string why) {
    out.failed = true;
    out.output = "error: " + std::move(why);
    return out;
  };
  std::size_t i = 0;
  while (i < tools_.size() && tools_[i].name != call.name)
    ++i;
  if (i == tools_.size()) {
    std::string names;
    for (const function_tool& t : tools_)
      names += (names.empty() ? "" : ", ") + t.name;
    return failed("there is no tool named \"" + call.name + "\"; the tools are: " + names);
  }
  try {
    out.output = functions_[i](call);
  } catch (const std::exception& e) {
    // A parse_error says what did not fit; a function's own exception, why it
    // failed. Either way the model reads it and may try again.
    return failed(e.what());
  } catch (...) {
    return failed("the tool " + call.name + " failed (an exception that is not a std::exception)");
  }
  return out;
}

std::vector<tool_outcome> tool_set::run_all(const std::vector<tool_call>& calls,
                                            bool parallel) const {
  std::vector<tool_outcome> outcomes(calls.size());
  if (!parallel || calls.size() < 2) {
    for (std::size_t i = 0; i < calls.size(); ++i)
      outcomes[i] = run(calls[i]);
    return outcomes;
  }
  // Each call on a thread of its own, writing its own slot; run() does not
  // throw, so every thread is joined.
  std::vector<std::thread> threads;
  threads.reserve(calls.size() - 1);
  for (std::size_t i = 1; i < calls.size(); ++i)
    threads.emplace_back([&, i] { outcomes[i] = run(calls[i]); });
  outcomes[0] = run(calls[0]);
  for (std::thread& t : threads)
    t.join();
  return outcomes;
}

namespace detail {

// Checks the request and offers it the tools.
inline void begin_tool_run(chat_request& request, const tool_set& tools,
                           const tool_run_options& options) {
  if (options.max_steps == 0)
    throw request_error(make_error(errc::invalid_request,
                                   "tool_run_options::max_steps must be at least 1", "max_steps"));
  if (request.tools() && !request.tools()->empty())
    throw request_error(make_error(errc::invalid_request,
                                   "the request offers tools of its own; give them to the "
                                   "tool_set, which offers them with their functions",
                                   "tools"));
  if (tools.tools().empty())
    throw request_error(
        make_error(errc::invalid_request, "the tool set is empty: add a tool to run", "tools"));
  request.tools(tools.tools());
}

// The calls a completion asks for (none: it is the final answer).
inline const std::vector<tool_call>& calls_of(const chat_completion& c) {
  static const std::vector<tool_call> none;
  return c.choices.empty() ? none : c.choices.front().message.tool_calls;
}

// The error of a model that still calls tools at the last step.
inline error_info step_limit(const tool_run_options& options, const chat_completion& last) {
  const auto& calls = calls_of(last);
  std::string names;
  for (const tool_call& c : calls)
    names += (names.empty() ? "" : ", ") + c.name;
  error_info e = make_error(errc::tool_failed,
                            "the model still called tools (" + names + ") after " +
                                std::to_string(options.max_steps) +
                                (options.max_steps == 1 ? " request" : " requests") +
                                "; raise tool_run_options::max_steps to let it go on",
                            "max_steps");
  e.partial = std::make_shared<const chat_completion>(last);
  return e;
}

// After the calls of step `number` ran: tells on_step, stops on a failure if
// told to, and appends the answer and the results to the conversation.
inline void finish_step(chat_request& request, const tool_run_options& options, std::size_t number,
                        chat_completion answer, std::vector<tool_outcome> outcomes) {
  const assistant_message& said = answer.choices.front().message;
  request.assistant(said.content, said.tool_calls);
  for (const tool_outcome& o : outcomes)
    request.tool(o.call.id, o.output);
  tool_step step{number, std::move(answer), std::move(outcomes)};
  if (options.on_step)
    options.on_step(step);
  if (options.stop_on_tool_error)
    for (const tool_outcome& o : step.outcomes)
      if (o.failed)
        throw tool_error(make_error(errc::tool_failed,
                                    "the tool call " + o.call.name + " (" + o.call.id +
                                        ") failed and the run stops on failures: " + o.output,
                                    o.call.name));
}

inline void final_step(const tool_run_options& options, std::size_t number,
                       const chat_completion& answer) {
  if (options.on_step)
    options.on_step(tool_step{number, answer, {}});
}

} // namespace detail

chat_completion run_tools(client& client, chat_request request, const tool_set& tools,
                          tool_run_options options) {
  detail::begin_tool_run(request, tools, options);
  for (std::size_t number = 1;; ++number) {
    chat_completion answer = client.create(request);
    const std::vector<tool_call>& calls = detail::calls_of(answer);
    if (calls.empty()) {
      detail::final_step(options, number, answer);
      return answer;
    }
    if (number == options.max_steps)
      throw tool_error(detail::step_limit(options, answer));
    std::vector<tool_outcome> outcomes = tools.run_all(calls, options.parallel);
    detail::finish_step(request, options, number, std::move(answer), std::move(outcomes));
  }
}

namespace detail {

// One async run: a request on the client's executor, the calls on the system
// executor's threads, back to the client's executor, and again.
class tool_run_op : public std::enable_shared_from_this<tool_run_op> {
public:
  tool_run_op(async_client& client, chat_request request, std::shared_ptr<const tool_set> tools,
              tool_run_options options, tool_run_handler handler)
      : client_(client), request_(std::move(request)), tools_(std::move(tools)),
        options_(std::move(options)), handler_(std::move(handler)) {}

  void start() {
    try {
      if (!tools_)
        throw request_error(make_error(errc::invalid_request, "no tool set given", "tools"));
      begin_tool_run(request_, *tools_, options_);
    } catch (...) {
      // Not from inside the initiating function: the handler runs later.
      auto self = shared_from_this();
      boost::asio::post(client_.get_executor(),
                        [self, e = std::current_exception()] { self->complete(e, {}); });
      return;
    }
    ask();
  }

private:
  void ask() {
    ++number_;
    auto self = shared_from_this();
    client_.async_create(request_, boost::asio::bind_cancellation_slot(
                                       handler_.get_cancellation_slot(),
                                       [self](std::exception_ptr e, chat_completion answer) {
                                         self->answered(std::move(e), std::move(answer));
                                       }));
  }

  void answered(std::exception_ptr e, chat_completion answer) {
    if (e)
      return complete(std::move(e), {});
    try {
      if (calls_of(answer).empty()) {
        final_step(options_, number_, answer);
        return complete(nullptr, std::move(answer));
      }
      if (number_ == options_.max_steps)
        throw tool_error(step_limit(options_, answer));
    } catch (...) {
      return complete(std::current_exception(), {});
    }
    // The calls may block: off the client's executor, onto Asio's system
    // executor's threads (run_all gives several calls threads of their own).
    // The work guard keeps the client's io_context running (io.run() would
    // return for want of work) until the loop is back on it.
    auto self = shared_from_this();
    boost::asio::post(boost::asio::system_executor(),
                      [self, answer = std::move(answer),
                       work = boost::asio::make_work_guard(client_.get_executor())]() mutable {
                        std::vector<tool_outcome> outcomes =
                            self->tools_->run_all(calls_of(answer), self->options_.parallel);
                        boost::asio::post(self->client_.get_executor(),
                                          [self, answer = std::move(answer),
                                           outcomes = std::move(outcomes)]() mutable {
                                            self->ran(std::move(answer), std::move(outcomes));
                                          });
                      });
  }

  void ran(chat_completion answer, std::vector<tool_outcome> outcomes) {
    try {
      finish_step(request_, options_, number_, std::move(answer), std::move(outcomes));
    } catch (...) {
      return complete(std::current_exception(), {});
    }
    ask();
  }

  void complete(std::exception_ptr e, chat_completion answer) {
    auto ex = handler_.get_executor();
    boost::asio::dispatch(ex, [h = std::move(handler_), e = std::move(e),
                               answer = std::move(answer)]() mutable { h(e, std::move(answer)); });
  }

  async_client& client_;
  chat_request request_;
  std::shared_ptr<const tool_set> tools_;
  tool_run_options options_;
  tool_run_handler handler_;
  std::size_t number_ = 0;
};

void start_tool_run(async_client& client, chat_request request,
                    std::shared_ptr<const tool_set> tools, tool_run_options options,
                    tool_run_handler handler) {
  std::make_shared<tool_run_op>(client, std::move(request), std::move(tools), std::move(options),
                                std::move(handler))
      ->start();
}

} // namespace detail

} // namespace knobs

#endif
