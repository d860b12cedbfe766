// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_TOOL_RUNNER_HPP
#define KNOBS_TOOL_RUNNER_HPP

/// \file
/// A small loop that lets a model call C++ functions: send the request with
/// the tools, run the calls the model asks for, send their results back, and
/// again, until the model answers without calling a tool.
///
/// ```cpp
/// struct weather_args { std::string city; };
/// BOOST_DESCRIBE_STRUCT(weather_args, (), (city))
///
/// knobs::tool_set tools;
/// tools.add<weather_args>("get_weather", "The weather in a city now",
///                         [](const weather_args& a) { return lookup(a.city); });
/// knobs::chat_completion answer = knobs::run_tools(client, request, tools);
/// ```
///
/// One step is one request: the model's answer, and when it asks for tools,
/// each call run and its result appended to the conversation as a tool
/// message. Several calls in one answer run at the same time, each on a
/// thread of its own (`tool_run_options::parallel`), and their results are
/// sent in the model's order. Nothing is hidden: `on_step` sees each step's
/// completion and each call's outcome.
///
/// A call that cannot run (no such tool, arguments that do not fit the
/// tool's struct) or whose function throws is answered with "error: " and
/// the reason, so that the model can try again; `stop_on_tool_error` makes it
/// end the run instead. A model that still calls tools after `max_steps`
/// requests ends the run with `tool_error` (`where()` "max_steps"), whose
/// `info().partial` is the last completion.

#include <knobs/chat_completion.hpp>
#include <knobs/chat_request.hpp>
#include <knobs/client.hpp>
#include <knobs/detail/config.hpp>
#include <knobs/error.hpp>
#include <knobs/schema.hpp>
#include <knobs/tool.hpp>
#include <knobs/tool_call.hpp>

#include <boost/asio/async_result.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace knobs {

/// What became of one call the model asked for.
struct tool_outcome {
  /// The call as the model made it.
  tool_call call;
  /// What was sent back to the model: the function's result, or "error: "
  /// and the reason.
  std::string output;
  /// Whether the call failed: no such tool, arguments that do not fit, or
  /// the function threw. `output` then says why.
  bool failed = false;
};

/// One step of a run: a completion and, when it asked for tools, their outcomes.
struct tool_step {
  /// 1 for the first request of the run.
  std::size_t number = 0;
  /// The model's answer at this step.
  chat_completion completion;
  /// The calls it asked for, run, in its order; empty for the final answer.
  std::vector<tool_outcome> outcomes;
};

/// How a run goes.
struct tool_run_options {
  /// The most requests a run makes; a model that still calls tools in the
  /// last one ends the run with `tool_error`. At least 1.
  std::size_t max_steps = 8;
  /// Run the calls of one answer at the same time, each on a thread of its
  /// own; false runs them one after another, in the model's order.
  bool parallel = true;
  /// End the run with `tool_error` when a call fails, instead of sending the
  /// failure to the model.
  bool stop_on_tool_error = false;
  /// Called after each step (on the thread that runs the loop: the caller's
  /// for `run_tools`, the client's executor for `async_run_tools`). May be
  /// empty. An exception from it ends the run with that exception.
  std::function<void(const tool_step&)> on_step;
};

/// The functions a model may call, each with the tool that describes it.
class tool_set {
public:
  /// Adds a function tool `name` whose parameters are `Args`' schema
  /// (`function_tool_for<Args>`), run by `fn(const Args&)`. `fn` returns what
  /// the model reads: a string as it is, any type <knobs/schema.hpp> can
  /// write as its JSON text. It may throw: see the header's comment.
  /// `fn` may run on another thread (`tool_run_options::parallel`), and with
  /// other calls of the same answer at once.
  /// \throws request_error for a bad name, or a name already added.
  template <class Args, class F>
  tool_set& add(std::string name, std::optional<std::string> description, F fn) {
    using result_type = std::invoke_result_t<F&, const Args&>;
    static_assert(!std::is_void_v<result_type>,
                  "knobs: a tool's function must return what the model should read: a string, "
                  "or a value <knobs/schema.hpp> can write as JSON");
    function_tool tool = function_tool_for<Args>(name, std::move(description));
    add_tool(std::move(tool), [fn = std::move(fn)](const tool_call& call) -> std::string {
      const Args args = call.parse_arguments<Args>();
      if constexpr (std::is_convertible_v<result_type, std::string>)
        return std::string(fn(args));
      else
        return to_json_text(fn(args));
    });
    return *this;
  }

  /// The tools, in the order added: what the request offers the model.
  const std::vector<function_tool>& tools() const noexcept { return tools_; }

  /// Runs one call: its outcome, never an exception (a failure is an outcome
  /// with `failed` set).
  KNOBS_DECL tool_outcome run(const tool_call& call) const;

  /// Runs `calls`, at the same time when `parallel` and there are several;
  /// the outcomes in the calls' order.
  KNOBS_DECL std::vector<tool_outcome> run_all(const std::vector<tool_call>& calls,
                                               bool parallel) const;

private:
  using function = std::function<std::string(const tool_call&)>;
  KNOBS_DECL void add_tool(function_tool tool, function fn);

  std::vector<function_tool> tools_;
  std::vector<function> functions_;
};

/// Runs the loop with `client`: `request` with `tools` offered (the request
/// must not offer tools of its own), until the model answers without calling
/// one. Returns that answer.
/// \throws what `client.create` throws; `tool_error` at the step limit or,
/// with `stop_on_tool_error`, for the first failed call (`where()` its tool's
/// name); `request_error` when the request has tools already or `max_steps`
/// is 0; what `on_step` throws.
KNOBS_DECL chat_completion run_tools(client& client, chat_request request, const tool_set& tools,
                                     tool_run_options options = {});

namespace detail {
using tool_run_handler = erased_handler<void(std::exception_ptr, chat_completion)>;
KNOBS_DECL void start_tool_run(async_client& client, chat_request request,
                               std::shared_ptr<const tool_set> tools, tool_run_options options,
                               tool_run_handler handler);

struct initiate_tool_run {
  template <class Handler>
  void operator()(Handler&& handler, async_client* client, chat_request request,
                  std::shared_ptr<const tool_set> tools, tool_run_options options) const {
    start_tool_run(*client, std::move(request), std::move(tools), std::move(options),
                   tool_run_handler(std::forward<Handler>(handler), client->get_executor()));
  }
};
} // namespace detail

/// The loop of `run_tools` with an `async_client`, completing with
/// `void(std::exception_ptr, chat_completion)` (the errors are
/// `run_tools`'). The requests run as `async_create` does, on the client's
/// executor; the calls of each answer run on threads of their own (Asio's
/// system executor), and the loop comes back to the client's executor to go
/// on, where `on_step` runs. `tools` is shared with the operation until it
/// completes. The handler's cancellation slot cancels the request in flight
/// (the run completes with `errc::cancelled`); a running tool call is
/// left to finish.
template <
    class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(async_client::executor_type)>
auto async_run_tools(async_client& client, chat_request request,
                     std::shared_ptr<const tool_set> tools, tool_run_options options,
                     CompletionToken&& token
                         BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(async_client::executor_type)) {
  return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr, chat_completion)>(
      detail::initiate_tool_run{}, token, &client, std::move(request), std::move(tools),
      std::move(options));
}

} // namespace knobs

#ifdef KNOBS_HEADER_ONLY
#include <knobs/impl/tool_runner.ipp>
#endif

#endif
