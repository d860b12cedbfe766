// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.

// The spec read as data: every field of CreateChatCompletionRequest has a typed
// setter or is left to extra() on purpose, and every range and enumeration knobs
// enforces is the schema's. (The Prism tests prove the same on the wire.)
#include "contract.hpp"

#include <doctest/doctest.h>

#include <knobs/detail/number.hpp>
#include <knobs/server_profile.hpp>

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace json = boost::json;

namespace {

// The extensions: fields knobs writes that the spec does not define.
const std::set<std::string_view> extensions = {"top_k", "min_p", "repetition_penalty"};

const json::object& schemas() {
  return contract::spec().at("components").at("schemas").as_object();
}

// Follows `$ref` to the schema it names.
const json::object& resolve(const json::object& s) {
  if (const auto* ref = s.if_contains("$ref")) {
    std::string_view name = ref->as_string();
    name.remove_prefix(std::string_view("#/components/schemas/").size());
    return resolve(schemas().at(name).as_object());
  }
  return s;
}

// Each property of `schema` (through allOf and $ref), with every definition of
// it: top_logprobs, for one, is defined in three of the parts.
void collect(const json::object& schema,
             std::map<std::string, std::vector<const json::object*>>& out) {
  const json::object& s = resolve(schema);
  if (const auto* parts = s.if_contains("allOf"))
    for (const auto& part : parts->as_array())
      collect(part.as_object(), out);
  if (const auto* props = s.if_contains("properties"))
    for (const auto& p : props->as_object())
      out[std::string(p.key())].push_back(&p.value().as_object());
}

const std::map<std::string, std::vector<const json::object*>>& request_properties() {
  static const auto props = [] {
    std::map<std::string, std::vector<const json::object*>> out;
    collect(schemas().at("CreateChatCompletionRequest").as_object(), out);
    return out;
  }();
  return props;
}

// What a schema allows, gathered through $ref, anyOf and oneOf.
struct allowed {
  std::optional<double> minimum, maximum;
  std::set<std::string> types;
  std::vector<std::string> values; // enum
};

void gather(const json::object& schema, allowed& a) {
  const json::object& s = resolve(schema);
  for (const char* key : {"anyOf", "oneOf"})
    if (const auto* branches = s.if_contains(key))
      for (const auto& b : branches->as_array())
        gather(b.as_object(), a);
  if (const auto* v = s.if_contains("minimum"))
    a.minimum = v->to_number<double>();
  if (const auto* v = s.if_contains("maximum"))
    a.maximum = v->to_number<double>();
  if (const auto* v = s.if_contains("type"); v && v->is_string())
    a.types.emplace(v->as_string());
  if (const auto* v = s.if_contains("enum"))
    for (const auto& e : v->as_array())
      a.values.emplace_back(e.as_string());
}

allowed allowed_by(const json::object& schema) {
  allowed a;
  gather(schema, a);
  return a;
}

bool is_left_to_extra(std::string_view field) {
  for (const auto& f : contract::left_to_extra())
    if (f.field == field)
      return true;
  return false;
}

bool has_typed_setter(const std::string& field) {
  try {
    knobs::chat_request{}.extra(field, nullptr); // refuses exactly the typed fields
    return false;
  } catch (const knobs::request_error&) {
    return true;
  }
}

// Every enumerator of a knobs enum whose to_string() is "" past the last one.
template <class Enum> std::vector<std::string> spellings() {
  std::vector<std::string> out;
  for (int i = 0;; ++i) {
    std::string_view s = to_string(static_cast<Enum>(i));
    if (s.empty())
      return out;
    out.emplace_back(s);
  }
}

std::string str(const std::optional<double>& v) {
  return v ? knobs::detail::format_number(*v) : std::string("none");
}

// A knob's range as knobs enforces it, in the schema's terms: no bound where
// knobs has none (an int64 limit for an integer count, infinity for a real).
struct knob_range {
  std::string_view field;
  std::optional<double> minimum, maximum;
  std::string_view type;
};

template <class Knob> knob_range real() {
  const auto& r = Knob::range;
  return {r.name, r.lo,
          r.hi == std::numeric_limits<double>::infinity() ? std::nullopt : std::optional(r.hi),
          "number"};
}

template <class Knob> knob_range integer() {
  const auto& r = Knob::range;
  return {r.name, static_cast<double>(r.lo),
          r.hi == std::numeric_limits<std::int64_t>::max()
              ? std::nullopt
              : std::optional(static_cast<double>(r.hi)),
          "integer"};
}

} // namespace

TEST_CASE("every field of the spec's request has a typed setter or is left to extra on purpose") {
  const auto& props = request_properties();
  REQUIRE(props.size() > 30); // the spec was read, through allOf and $ref
  for (const auto& property : props) {
    const std::string& field = property.first; // not a structured binding: INFO captures it
    INFO("field: ", field);
    const bool typed = has_typed_setter(field);
    const bool left = is_left_to_extra(field);
    CHECK_MESSAGE((typed || left), "the spec's CreateChatCompletionRequest has \"", field,
                  "\", which has no typed setter: add one to chat_request, or list it in "
                  "left_to_extra (tests/contract/exceptions.cpp) with the reason");
    CHECK_MESSAGE(!(typed && left), "\"", field,
                  "\" has a typed setter now: remove it from left_to_extra");
  }
  for (const auto& f : contract::left_to_extra()) {
    INFO("left to extra: ", f.field, " (", f.why, ")");
    CHECK_MESSAGE(props.count(std::string(f.field)) == 1,
                  "the spec no longer has this field: remove it from left_to_extra");
  }
}

TEST_CASE("every field the builder writes is in the spec, apart from the three extensions") {
  const auto& props = request_properties();
  for (const auto& f : knobs::detail::typed_fields) {
    INFO("field: ", f.key);
    if (extensions.count(f.key) == 1)
      CHECK_MESSAGE(props.count(std::string(f.key)) == 0,
                    "the spec defines this extension now: check its range against knobs'");
    else
      CHECK(props.count(std::string(f.key)) == 1);
  }
}

TEST_CASE("OpenAI's profile rejects what the spec lacks and deprecates what it deprecates") {
  // The facts of server_profile::of(openai) pinned against the spec: the
  // builder's fields the spec does not define are rejected (400), the rest
  // are not; a field the spec marks deprecated is deprecated in the profile.
  const auto openai = knobs::server_profile::of(knobs::server_kind::openai);
  const auto& props = request_properties();
  for (const auto& f : knobs::detail::typed_fields) {
    INFO("field: ", f.key);
    const knobs::field_rule* rule = openai.find(f.key);
    const auto it = props.find(std::string(f.key));
    const bool in_spec = it != props.end();
    CHECK((rule && rule->support == knobs::field_support::rejected) == !in_spec);
    bool deprecated = false;
    if (in_spec)
      for (const json::object* def : it->second)
        deprecated = deprecated || def->if_contains("deprecated") != nullptr;
    CHECK((rule && rule->deprecated) == deprecated);
  }
}

TEST_CASE("the spec lets a request carry fields it does not define, such as the extensions") {
  // No `additionalProperties: false` anywhere in the request schema: so top_k,
  // min_p and repetition_penalty pass validation at any value, and their ranges
  // are knobs' own (vLLM's and llama.cpp's), not the spec's.
  std::vector<const json::object*> parts = {
      &schemas().at("CreateChatCompletionRequest").as_object()};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const json::object& s = resolve(*parts[i]);
    if (const auto* extra = s.if_contains("additionalProperties"))
      CHECK(*extra != json::value(false));
    if (const auto* all = s.if_contains("allOf"))
      for (const auto& part : all->as_array())
        parts.push_back(&part.as_object());
  }
  CHECK(parts.size() >= 4); // the request, its two base schemas and its own part
}

TEST_CASE("each knob's range is the spec's, or a listed disagreement") {
  const auto& props = request_properties();
  const std::vector<knob_range> knobs_ranges = {
      real<knobs::temperature>(),
      real<knobs::top_p>(),
      real<knobs::frequency_penalty>(),
      real<knobs::presence_penalty>(),
      integer<knobs::n>(),
      integer<knobs::top_logprobs>(),
      integer<knobs::max_tokens>(),
      integer<knobs::max_completion_tokens>(),
      // A seed is any int64; the spec writes int64's limits as JSON numbers,
      // which read back as the nearest doubles, -2^63 and 2^63.
      {"seed", static_cast<double>(std::numeric_limits<std::int64_t>::min()),
       static_cast<double>(std::numeric_limits<std::int64_t>::max()), "integer"},
  };
  for (const auto& k : knobs_ranges) {
    const auto found = props.find(std::string(k.field));
    REQUIRE_MESSAGE(found != props.end(), "the spec has no field ", k.field);
    for (const json::object* definition : found->second) {
      const allowed a = allowed_by(*definition);
      INFO(k.field, ": knobs [", str(k.minimum), ", ", str(k.maximum), "] ", k.type, ", spec [",
           str(a.minimum), ", ", str(a.maximum), "] (", json::serialize(*definition), ")");
      CHECK(a.types.count(std::string(k.type)) == 1);
      if (contract::disagreement_for(k.field)) {
        CHECK_MESSAGE((a.minimum != k.minimum || a.maximum != k.maximum),
                      "knobs and the spec agree on ", k.field,
                      " now: remove its entry from known_disagreements.cpp");
      } else {
        CHECK(a.minimum == k.minimum);
        CHECK(a.maximum == k.maximum);
      }
    }
  }
}

TEST_CASE("stop takes 1 to 4 sequences in knobs and in the spec") {
  const allowed a = allowed_by(*request_properties().at("stop").front());
  CHECK(a.types == std::set<std::string>{"string", "array", "null"});
  const json::object* array = nullptr;
  for (const auto& b : resolve(*request_properties().at("stop").front())
                           .at("anyOf")
                           .as_array()[0]
                           .as_object()
                           .at("oneOf")
                           .as_array())
    if (b.as_object().at("type") == "array")
      array = &b.as_object();
  REQUIRE(array);
  CHECK(array->at("minItems") == 1);
  CHECK(array->at("maxItems") == 4);
  CHECK_FALSE(knobs::stop::make({}).has_value());
  CHECK(knobs::stop::make({"a", "b", "c", "d"}).has_value());
  CHECK_FALSE(knobs::stop::make({"a", "b", "c", "d", "e"}).has_value());
}

TEST_CASE("reasoning_effort and service_tier take exactly the spec's values") {
  const auto& props = request_properties();
  CHECK(spellings<knobs::reasoning_effort>() ==
        allowed_by(*props.at("reasoning_effort").front()).values);
  CHECK(spellings<knobs::service_tier>() == allowed_by(*props.at("service_tier").front()).values);
  for (const std::string& v : allowed_by(*props.at("reasoning_effort").front()).values)
    CHECK(knobs::parse_reasoning_effort(v).has_value());
}

TEST_CASE("message roles, image detail, tool_choice and response_format types are the spec's") {
  std::vector<std::string> roles;
  for (const auto& m : schemas().at("ChatCompletionRequestMessage").at("oneOf").as_array()) {
    auto values = allowed_by(resolve(m.as_object()).at("properties").at("role").as_object()).values;
    roles.insert(roles.end(), values.begin(), values.end());
  }
  // The spec's sixth role, "function", answers the deprecated `functions`
  // (left to extra); knobs has the other five.
  CHECK(std::set<std::string>(roles.begin(), roles.end()) ==
        std::set<std::string>{"developer", "system", "user", "assistant", "tool", "function"});
  const auto knobs_roles = spellings<knobs::role>();
  CHECK(std::set<std::string>(knobs_roles.begin(), knobs_roles.end()) ==
        std::set<std::string>{"developer", "system", "user", "assistant", "tool"});

  const auto& image = schemas().at("ChatCompletionRequestMessageContentPartImage").as_object();
  CHECK(spellings<knobs::image_detail>() ==
        allowed_by(image.at("properties").at("image_url").at("properties").at("detail").as_object())
            .values);

  const auto modes =
      allowed_by(
          schemas().at("ChatCompletionToolChoiceOption").at("oneOf").as_array()[0].as_object())
          .values;
  CHECK(modes == std::vector<std::string>{std::string(knobs::tool_choice::none().mode()),
                                          std::string(knobs::tool_choice::auto_().mode()),
                                          std::string(knobs::tool_choice::required().mode())});

  std::set<std::string> formats;
  for (const auto& f : request_properties().at("response_format").front()->at("oneOf").as_array())
    for (const auto& v :
         allowed_by(resolve(f.as_object()).at("properties").at("type").as_object()).values)
      formats.insert(v);
  CHECK(formats == std::set<std::string>{
                       std::string(knobs::response_format::text().type()),
                       std::string(knobs::response_format::json_object().type()),
                       std::string(knobs::response_format::json_schema({"n", {}, {}, {}}).type())});
}
