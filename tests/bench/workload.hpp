// Shared by the request benchmarks: the lesson's request and the completion
// the server answers it with.
#ifndef KNOBS_BENCH_WORKLOAD_HPP
#define KNOBS_BENCH_WORKLOAD_HPP

#include <knobs/chat_request.hpp>

#include <string>

namespace bench {

inline const std::string completion_body =
    R"({"id":"chatcmpl-bench","object":"chat.completion","created":1,"model":"bench",)"
    R"("system_fingerprint":"fp_bench","choices":[{"index":0,"message":{"role":"assistant",)"
    R"("content":"A city at night hums with light and quiet footsteps."},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":12,"completion_tokens":11,"total_tokens":23}})";

inline knobs::chat_request lesson_request() {
  return knobs::chat_request{"bench"}
      .user("In one sentence, describe a city at night.")
      .temperature(0.7)
      .max_tokens(60);
}

} // namespace bench

#endif
