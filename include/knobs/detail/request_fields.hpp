// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.
#ifndef KNOBS_DETAIL_REQUEST_FIELDS_HPP
#define KNOBS_DETAIL_REQUEST_FIELDS_HPP

// The table of the fields chat_request writes itself. chat_request::extra()
// reads it (to refuse these keys and name the setter to use instead), and the
// contract tests check it against OpenAI's specification, which is why
// chat_request.hpp includes it in both ways of building knobs.

#include <string_view>

namespace knobs {
namespace detail {

// The top-level keys chat_request writes itself, in to_json's order, with the
// setter to use for each: extra() refuses these names.
struct typed_field {
  std::string_view key;
  std::string_view setter;
};

inline constexpr typed_field typed_fields[] = {
    {"model", ".model(...) or the constructor"},
    {"messages", ".system(), .developer(), .user(), .assistant(), .tool() or .message()"},
    {"temperature", ".temperature(...)"},
    {"top_p", ".top_p(...)"},
    {"n", ".n(...)"},
    {"stop", ".stop(...)"},
    {"max_tokens", ".max_tokens(...)"},
    {"max_completion_tokens", ".max_completion_tokens(...)"},
    {"frequency_penalty", ".frequency_penalty(...)"},
    {"presence_penalty", ".presence_penalty(...)"},
    {"logit_bias", ".logit_bias(...)"},
    {"logprobs", ".logprobs(...)"},
    {"top_logprobs", ".top_logprobs(...)"},
    {"seed", ".seed(...)"},
    {"stream", ".stream(...)"},
    {"stream_options", ".stream_options(...)"},
    {"response_format", ".response_format(...)"},
    {"tools", ".tools(...)"},
    {"tool_choice", ".tool_choice(...)"},
    {"parallel_tool_calls", ".parallel_tool_calls(...)"},
    {"reasoning_effort", ".reasoning_effort(...)"},
    {"service_tier", ".service_tier(...)"},
    {"user", ".end_user(...) (.user(text) appends a user message)"},
    {"safety_identifier", ".safety_identifier(...)"},
    {"prompt_cache_key", ".prompt_cache_key(...)"},
    {"metadata", ".metadata(...)"},
    {"store", ".store(...)"},
    {"top_k", ".top_k(...)"},
    {"min_p", ".min_p(...)"},
    {"repetition_penalty", ".repetition_penalty(...)"},
};

} // namespace detail
} // namespace knobs

#endif
