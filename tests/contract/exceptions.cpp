// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.

// Where knobs departs from the official spec (chat-completions.json, version
// 2.3.0) on purpose: the fields it leaves to extra(), and the ranges on which
// the two knowingly disagree.

#include "contract.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace contract {

// Fields of CreateChatCompletionRequest that knobs deliberately has no setter
// for. "every field of the spec's request has a typed setter or is left to extra
// on purpose" keeps this list complete and current; "every field left to extra
// is accepted when sent with extra" sends each example to Prism.
const std::vector<left_to_extra_field>& left_to_extra() {
  static const std::vector<left_to_extra_field> fields = {
      // Deprecated by OpenAI:
      {"functions", "deprecated: replaced by tools",
       R"([{"name":"get_weather","parameters":{"type":"object"}}])"},
      {"function_call", "deprecated: replaced by tool_choice", R"({"name":"get_weather"})"},
      {"prompt_cache_retention", "deprecated: replaced by prompt_cache_options", R"("24h")"},
      // OpenAI-only features that no OpenAI-compatible server implements, most
      // with nested shapes that would grow knobs for no sampling benefit:
      {"prompt_cache_options", "OpenAI's prompt-cache TTL and mode",
       R"({"ttl":"30m","mode":"implicit"})"},
      {"modalities", "audio output; knobs reads text replies only", R"(["text"])"},
      {"audio", "audio output; knobs reads text replies only",
       R"({"voice":"alloy","format":"mp3"})"},
      {"verbosity", "GPT-5's answer length; not a sampling knob, OpenAI only", R"("low")"},
      {"web_search_options", "OpenAI's search models only", R"({"search_context_size":"low"})"},
      {"prediction", "OpenAI's predicted outputs only",
       R"({"type":"content","content":"A city at night."})"},
      {"moderation", "OpenAI's moderation of inputs and outputs only",
       R"({"model":"omni-moderation-latest","policy":{"input":{"mode":"score"}}})"},
  };
  return fields;
}

// Everywhere else the contract tests prove that knobs' ranges are the spec's,
// both ways. The entries here are the exceptions, each proven to still hold by
// "every known disagreement between knobs and the spec still holds" (which also
// prints this table): when knobs or the spec changes so that an entry no longer
// disagrees, that test fails until the entry is removed.
//
// Most are rules the spec states only in its prose (the descriptions this copy
// leaves out), not in its schema: there knobs follows the prose, so Prism takes
// what knobs refuses. The rest are for the library's maintainers to settle.

namespace {

knobs::chat_request minimal() { return knobs::chat_request{"gpt-5.4"}.user("Hi"); }

std::map<std::string, std::string> metadata_pairs(int count, std::size_t value_size) {
  std::map<std::string, std::string> m;
  for (int i = 0; i < count; ++i)
    m["key" + std::to_string(i)] = std::string(value_size, 'v');
  return m;
}

} // namespace

const std::vector<known_disagreement>& known_disagreements() {
  static const std::string long_value = R"({"k0":")" + std::string(513, 'v') + R"("})";
  static const std::vector<known_disagreement> table = {
      // knobs refuses a budget that lets nothing be generated; neither the
      // schema nor the prose states a minimum. Unsettled.
      {"max_tokens", ">= 1", "integer, no minimum", "0",
       [] { return knobs::max_tokens::make(0).has_value(); }, 200},
      {"max_completion_tokens", ">= 1", "integer, no minimum", "0",
       [] { return knobs::max_completion_tokens::make(0).has_value(); }, 200},

      // The range [-100, 100] is in the spec's prose only; the schema says
      // "a map of integers".
      {"logit_bias", "bias in [-100, 100]", "integer values, no range", R"({"50256":101})",
       [] {
         return knobs::logit_bias::make({{50256, 101.0}}).has_value();
       },
       200},
      {"logit_bias", "token id >= 0", "any key", R"({"-1":1})",
       [] {
         return knobs::logit_bias::make({{-1, 1.0}}).has_value();
       },
       200},
      // Here knobs is the looser one, on purpose: vLLM and llama.cpp's server
      // take a fractional bias (chat_request.hpp documents it), OpenAI does not.
      {"logit_bias", "a fractional bias is sent as a real", "integer values", R"({"50256":0.5})",
       [] {
         return knobs::logit_bias::make({{50256, 0.5}}).has_value();
       },
       422},

      // knobs refuses an empty stop sequence, which means nothing to a server;
      // the schema sets no minLength. Unsettled.
      {"stop", "each sequence non-empty", "strings of any length", R"([""])",
       [] { return knobs::stop::make({""}).has_value(); }, 200},

      // The prose's limits on metadata: 16 pairs, keys <= 64 characters,
      // values <= 512. The schema has none of them.
      {"metadata", "at most 16 pairs", "any number of pairs",
       R"({"k0":"v","k1":"v","k2":"v","k3":"v","k4":"v","k5":"v","k6":"v","k7":"v","k8":"v",)"
       R"("k9":"v","k10":"v","k11":"v","k12":"v","k13":"v","k14":"v","k15":"v","k16":"v"})",
       [] { return minimal().metadata(metadata_pairs(17, 1)).validate().has_value(); }, 200},
      {"metadata", "values at most 512 characters", "strings of any length", long_value,
       [] { return minimal().metadata(metadata_pairs(1, 513)).validate().has_value(); }, 200},

      // The prose's rule for function and response-format names.
      {"tools", "function name 1 to 64 of a-z, A-Z, 0-9, _ and -", "any string",
       R"([{"type":"function","function":{"name":"get weather"}}])",
       [] {
         return minimal()
             .tools({knobs::function_tool{"get weather", {}, {}, {}}})
             .validate()
             .has_value();
       },
       200},
      {"response_format", "json_schema name 1 to 64 of a-z, A-Z, 0-9, _ and -", "any string",
       R"({"type":"json_schema","json_schema":{"name":"a reply","schema":{"type":"object"}}})",
       [] {
         knobs::json_schema_format f;
         f.name = "a reply";
         f.schema = {{"type", "object"}};
         return minimal()
             .response_format(knobs::response_format::json_schema(f))
             .validate()
             .has_value();
       },
       200},
  };
  return table;
}

const known_disagreement* disagreement_for(std::string_view field) {
  for (const auto& d : known_disagreements())
    if (d.field == field)
      return &d;
  return nullptr;
}

} // namespace contract
