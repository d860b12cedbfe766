// knobs — a C++ client for OpenAI-compatible chat-completion servers.
// Distributed under the Boost Software License, Version 1.0.

// GET /models against the official spec's listModels: Prism checks the request
// (the path, the bearer key; a GET without a body) and answers its example
// ListModelsResponse, which knobs must read.
#include "contract.hpp"

#include <doctest/doctest.h>

TEST_CASE("models(): Prism takes the GET of /models and knobs reads its example list") {
  knobs::client client{contract::prism_options()};
  auto r = client.try_models();
  REQUIRE_MESSAGE(r.has_value(), r.error().message);
  REQUIRE_FALSE(r->empty());
  const knobs::model_info& m = r->front();
  CHECK(m.id == "string"); // Prism's example, from the schema
  CHECK(m.owned_by == "string");
  CHECK(m.created.has_value());
  CHECK(m.raw.at("object") == "model");
}

TEST_CASE("models() without the key: Prism's 401, as the spec's security says") {
  auto o = contract::prism_options();
  o.api_key.clear();
  knobs::client client{o};
  CHECK_THROWS_AS(client.models(), knobs::authentication_error);
}
