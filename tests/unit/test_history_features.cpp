// History operations (schema 1.3): features computed from the rows before
// this one in its window stream (SincePrevious, RelativeToHistory) and the day
// of the week, checked value by value against hand-computed numbers, then
// through sessions: per-key streams, the window's bound on the history, batches
// equal to their rows, refused rows and reset, and a model file that lacks the
// range every history feature needs.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "feature_pipeline.h"
#include "fraudscore/fraudscore.h"
#include "model.h"
#include "session_fixture.h"
#include "test_models.h"
#include "test_util.h"
#include "window_store.h"

using namespace fraudscore_test;

namespace {

constexpr uint32_t kSince = 8, kRelative = 9, kDay = 10;

TestModelOptions history_options(uint16_t window = 3) {
  TestModelOptions o;
  o.feature_set = FeatureSet::History;
  o.per_key = true;
  o.window_length = window;
  o.schema_minor = 3;
  return o;
}

// Scores rows one at a time as a session does, exposing the features.
struct Stream {
  explicit Stream(const TestModelOptions& o, uint32_t max_keys = 8) {
    const std::vector<uint8_t> bytes = build_test_model(o);
    const fraudscore::Status s = fraudscore::load_model(bytes.data(), bytes.size(), &model);
    REQUIRE_MESSAGE(s.is_ok(), s.message());
    REQUIRE(model->history_columns.size() == 2);  // step and amount
    REQUIRE(windows.init(o.window_length, kHistoryFeatureCount, 2, true, max_keys).is_ok());
  }
  std::vector<float> push(const Row& row, uint32_t* out_of_range = nullptr) {
    std::vector<float> out(kHistoryFeatureCount);
    double history[2];
    uint64_t key = 0;
    uint32_t flagged = 0;
    REQUIRE(fraudscore::compute_features(*model, row.data(), row.size(), out.data(), &key, &flagged, history).is_ok());
    const uint32_t slot = windows.acquire(key);
    fraudscore::finish_history_features(*model, windows.history(slot), history, out.data(), &flagged);
    windows.append(slot, out.data(), history);
    if (out_of_range) *out_of_range = flagged;
    return out;
  }
  std::unique_ptr<fraudscore::Model> model;
  fraudscore::WindowStore windows;
};

float log1p_f(double x) { return static_cast<float>(std::log1p(x)); }

fs_result must_score(fs_session* s, const Row& row) {
  fs_result r;
  REQUIRE_MESSAGE(fs_session_score(s, row.data(), row.size(), &r) == FS_OK, fs_last_error());
  return r;
}

}  // namespace

TEST_CASE("history features: time since the key's previous row, amount over its recent mean, day of week") {
  Stream s(history_options(3));
  // Key C1 (window 3: at most the 3 previous rows count), with key C2 interleaved.
  std::vector<float> f = s.push(make_row(10, "PAYMENT", 100, "C1", 0, "M1"));
  CHECK(f[kSince] == 48.0f);                  // a first event: the parameter
  CHECK(f[kRelative] == log1p_f(1.0));        // no history: 1
  CHECK(f[kDay] == 3.0f);                     // floor(10 / 24) + 3
  f = s.push(make_row(12, "PAYMENT", 0.5, "C2", 0, "M1"));
  CHECK(f[kSince] == 48.0f);                  // C2 has its own stream
  CHECK(f[kRelative] == log1p_f(1.0));
  f = s.push(make_row(13, "PAYMENT", 300, "C1", 0, "M1"));
  CHECK(f[kSince] == 3.0f);
  CHECK(f[kRelative] == log1p_f(3.0));        // 300 / 100
  f = s.push(make_row(20, "PAYMENT", 2, "C2", 0, "M1"));
  CHECK(f[kSince] == 8.0f);
  CHECK(f[kRelative] == log1p_f(2.0));        // 2 / max(0.5, floor 1)
  f = s.push(make_row(40, "PAYMENT", 50, "C1", 0, "M1"));
  CHECK(f[kSince] == 27.0f);
  CHECK(f[kRelative] == log1p_f(50.0 / 200.0));
  f = s.push(make_row(41, "PAYMENT", 70, "C1", 0, "M1"));
  CHECK(f[kRelative] == log1p_f(70.0 / 150.0));  // (100 + 300 + 50) / 3
  f = s.push(make_row(50, "PAYMENT", 1000, "C1", 0, "M1"));
  CHECK(f[kSince] == 9.0f);
  CHECK(f[kRelative] == log1p_f(1000.0 / 140.0));  // 100 has left the window: (300 + 50 + 70) / 3
  f = s.push(make_row(200, "PAYMENT", 1, "C3", 0, "M1"));
  CHECK(f[kDay] == 4.0f);                     // floor(200 / 24) = 8, + 3 = 11 -> 4
  f = s.push(make_row(-30, "PAYMENT", 1, "C4", 0, "M1"));
  CHECK(f[kDay] == 1.0f);                     // floor(-1.25) = -2, + 3 = 1
  // The other features are those of a model without history features.
  const Row row = make_row(60, "TRANSFER", 1000, "C1", 250, "M77");
  TestModelOptions plain;
  plain.per_key = true;
  Stream full_only(history_options(3));
  f = full_only.push(row);
  const std::vector<uint8_t> bytes = build_test_model(plain);
  std::unique_ptr<fraudscore::Model> m;
  REQUIRE(fraudscore::load_model(bytes.data(), bytes.size(), &m).is_ok());
  float out[kFullFeatureCount];
  uint64_t key = 0;
  REQUIRE(fraudscore::compute_features(*m, row.data(), row.size(), out, &key).is_ok());
  for (uint32_t i = 0; i < kFullFeatureCount; ++i) CHECK(f[i] == out[i]);
}

TEST_CASE("a history feature beyond its training range is clipped and flagged") {
  Stream s(history_options(3));
  uint32_t flagged = 9;
  s.push(make_row(50, "PAYMENT", 10, "C1", 0, "M1"), &flagged);
  CHECK(flagged == 0);
  // 1e6 steps since the previous row: beyond [0, 1000] widened by 25% on each side.
  const std::vector<float> f = s.push(make_row(1e6 + 50, "PAYMENT", 10, "C1", 0, "M1"), &flagged);
  CHECK(f[kSince] == 1250.0f);
  CHECK(flagged >= 1);
}

TEST_CASE("sessions: history per key, batches equal their rows, refused rows and reset change nothing") {
  Fixture m(history_options(4));
  std::vector<Row> rows;
  const char* keys[] = {"C1", "C2", "C1", "C1", "C3", "C2", "C1", "C1", "C2", "C1"};
  for (int i = 0; i < 10; ++i)
    rows.push_back(make_row(3.0 * i + (i % 3), i % 2 ? "TRANSFER" : "PAYMENT", 10.0 + 97.0 * ((i * 7) % 5), keys[i],
                            500, "M1"));
  fs_session* one = m.session();
  std::vector<fs_result> singles;
  for (const Row& r : rows) singles.push_back(must_score(one, r));

  SUBCASE("a batch scores as its rows one by one") {
    fs_session* batch = m.session();
    std::vector<fs_value> flat;
    for (const Row& r : rows) flat.insert(flat.end(), r.begin(), r.end());
    std::vector<fs_result> results(rows.size());
    REQUIRE(fs_session_score_batch(batch, flat.data(), rows.size(), kColumnCount, results.data(), nullptr, nullptr) ==
            FS_OK);
    for (size_t i = 0; i < rows.size(); ++i) CHECK(results[i].probability == singles[i].probability);
  }
  SUBCASE("the history changes the score: the same row scores differently after another history") {
    fs_session* other = m.session();
    must_score(other, make_row(0, "PAYMENT", 5000, "C1", 500, "M1"));
    const fs_result a = must_score(other, rows[9]);
    CHECK(a.probability != singles[9].probability);
  }
  SUBCASE("a refused row inside a batch leaves every history as it was") {
    fs_session* s = m.session();
    for (size_t i = 0; i < 5; ++i) must_score(s, rows[i]);
    std::vector<fs_value> flat;
    Row bad = rows[6];
    bad[kColType] = text("NOT_A_TYPE");
    for (const Row& r : {rows[5], bad}) flat.insert(flat.end(), r.begin(), r.end());
    std::vector<fs_result> results(2);
    size_t failed = 99;
    CHECK(fs_session_score_batch(s, flat.data(), 2, kColumnCount, results.data(), nullptr, &failed) == FS_ERR_INPUT);
    CHECK(failed == 1);
    for (size_t i = 5; i < rows.size(); ++i) CHECK(must_score(s, rows[i]).probability == singles[i].probability);
  }
  SUBCASE("reset forgets the history; append builds it without scoring") {
    fs_session* s = m.session();
    for (const Row& r : rows) must_score(s, r);
    fs_session_reset(s);
    for (size_t i = 0; i < 6; ++i) REQUIRE(fs_session_append(s, rows[i].data(), rows[i].size()) == FS_OK);
    for (size_t i = 6; i < rows.size(); ++i) CHECK(must_score(s, rows[i]).probability == singles[i].probability);
  }
  SUBCASE("an evicted key starts again with no history") {
    fs_session* small = m.session(1);
    fs_session* fresh = m.session();
    must_score(small, rows[0]);                    // C1
    must_score(small, rows[1]);                    // C2 evicts C1
    const fs_result again = must_score(small, rows[2]);  // C1, as if first seen
    CHECK(again.probability == must_score(fresh, rows[2]).probability);
  }
}

TEST_CASE("a history feature without a training range is refused at load") {
  TestModelOptions o = history_options(3);
  o.history_without_range = true;
  const std::vector<uint8_t> bytes = build_test_model(o);
  fs_model* model = nullptr;
  CHECK(fs_model_load(bytes.data(), bytes.size(), &model) == FS_ERR_VALUE);
  CHECK(contains(fs_last_error(), "since_previous"));
  CHECK(contains(fs_last_error(), "needs a training range"));
  CHECK(model == nullptr);
}
