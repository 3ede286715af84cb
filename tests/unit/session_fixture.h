// A loaded test model (tests/support/test_models.h) and sessions on it, freed together.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "test_models.h"

namespace fraudscore_test {

struct Fixture {
  explicit Fixture(const TestModelOptions& o = TestModelOptions()) {
    const std::vector<uint8_t> bytes = build_test_model(o);
    REQUIRE(fs_model_load(bytes.data(), bytes.size(), &model) == FS_OK);
  }
  ~Fixture() {
    for (fs_session* s : sessions) fs_session_free(s);
    fs_model_free(model);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  fs_session* session(uint32_t max_keys = 0, uint32_t max_batch = 0) {
    fs_session_options options{max_keys, max_batch, 0, FS_THRESHOLDS_MODEL, FS_REASONS_ALL};
    fs_session* s = nullptr;
    REQUIRE(fs_session_create(model, &options, &s) == FS_OK);
    sessions.push_back(s);
    return s;
  }

  fs_model* model = nullptr;
  std::vector<fs_session*> sessions;
};

}  // namespace fraudscore_test
