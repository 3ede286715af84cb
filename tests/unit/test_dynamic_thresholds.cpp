// Dynamic thresholds: the tracker holds the target alert rate while scores
// drift, stays within the model's bounds, moves the right way on feedback,
// keeps segments apart, and its state survives a save/restore exactly.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "dynamic_thresholds.h"
#include "fraudscore/fraudscore.h"
#include "test_models.h"

using fraudscore::AppliedThresholds;
using fraudscore::DynamicThresholds;
using fraudscore::RiskSpec;

namespace {

RiskSpec dynamic_spec(uint32_t segments, double rate = 0.05) {
  RiskSpec r;
  r.decision_threshold = 0.7;
  r.review_threshold = 0.4;
  r.dynamic.enabled = true;
  r.dynamic.segment_count = segments;
  r.dynamic.target_alert_rate = rate;
  r.dynamic.learning_rate = 0.05;
  r.dynamic.min_threshold = 0.2;
  r.dynamic.max_threshold = 0.995;
  r.dynamic.feedback_step = 0.25;
  r.dynamic.max_feedback_shift = 1.0;
  return r;
}

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Scores whose logits drift upward by `drift` over n rows (a fraud wave, or a
// model meeting a population it was not trained on).
std::vector<double> drifting_scores(size_t n, double drift, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = sigmoid(-1.0 + drift * static_cast<double>(i) / static_cast<double>(n) + noise(rng));
  return p;
}

}  // namespace

TEST_CASE("dynamic thresholds hold the target alert rate while scores drift; fixed ones do not") {
  const RiskSpec r = dynamic_spec(1, 0.05);
  DynamicThresholds t;
  REQUIRE(t.init(r).is_ok());
  const std::vector<double> p = drifting_scores(40000, 3.0, 7);
  size_t dynamic_alerts = 0, fixed_alerts = 0, counted = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const AppliedThresholds applied = t.observe(0, p[i]);
    if (i >= p.size() / 2) {  // the drifted half
      ++counted;
      dynamic_alerts += p[i] >= applied.block;
      fixed_alerts += p[i] >= r.decision_threshold;
    }
  }
  const double dynamic_rate = static_cast<double>(dynamic_alerts) / static_cast<double>(counted);
  const double fixed_rate = static_cast<double>(fixed_alerts) / static_cast<double>(counted);
  INFO("dynamic " << dynamic_rate << ", fixed " << fixed_rate);
  CHECK(dynamic_rate == doctest::Approx(0.05).epsilon(0.2));  // within 20% of the target
  CHECK(fixed_rate > 0.25);                                    // the drift the tracker absorbed
  CHECK(t.count(0) == p.size());
}

TEST_CASE("dynamic thresholds stay within the model's bounds, and review keeps its logit gap") {
  const RiskSpec r = dynamic_spec(1, 0.05);
  DynamicThresholds t;
  REQUIRE(t.init(r).is_ok());
  const double gap = std::log(0.7 / 0.3) - std::log(0.4 / 0.6);
  for (int i = 0; i < 20000; ++i) {
    const AppliedThresholds a = t.observe(0, 1.0);  // every row alerts: push up
    CHECK(a.block <= r.dynamic.max_threshold + 1e-12);
    CHECK(std::log(a.block / (1 - a.block)) - std::log(a.review / (1 - a.review)) == doctest::Approx(gap));
  }
  CHECK(t.thresholds(0).block == doctest::Approx(r.dynamic.max_threshold));
  for (int i = 0; i < 200000; ++i) t.observe(0, 0.0);  // none alerts: push down
  CHECK(t.thresholds(0).block == doctest::Approx(r.dynamic.min_threshold));
}

TEST_CASE("feedback: a missed fraud lowers the threshold, a false alarm raises it, others change nothing") {
  const RiskSpec r = dynamic_spec(1);
  DynamicThresholds t;
  REQUIRE(t.init(r).is_ok());
  const double start = t.thresholds(0).block;
  REQUIRE(start == doctest::Approx(0.7));
  t.feedback(0, 0.9, true);  // fraud that was blocked: no change
  CHECK(t.thresholds(0).block == start);
  t.feedback(0, 0.1, false);  // legitimate and approved: no change
  CHECK(t.thresholds(0).block == start);
  t.feedback(0, 0.5, true);  // a missed fraud
  const double lowered = t.thresholds(0).block;
  CHECK(lowered < start);
  CHECK(std::log(lowered / (1 - lowered)) == doctest::Approx(std::log(0.7 / 0.3) - 0.25));
  t.feedback(0, 0.6, false);  // a false alarm (0.6 >= review)
  CHECK(t.thresholds(0).block == doctest::Approx(start));
  for (int i = 0; i < 20; ++i) t.feedback(0, 0.01, true);  // bounded by max_feedback_shift
  CHECK(t.shift(0) == doctest::Approx(-1.0));
}

TEST_CASE("segments adjust independently") {
  const RiskSpec r = dynamic_spec(3);
  DynamicThresholds t;
  REQUIRE(t.init(r).is_ok());
  for (int i = 0; i < 2000; ++i) t.observe(1, 0.99);
  CHECK(t.thresholds(1).block > 0.9);
  CHECK(t.thresholds(0).block == doctest::Approx(0.7));
  CHECK(t.thresholds(2).block == doctest::Approx(0.7));
}

TEST_CASE("threshold state: a restored tracker continues exactly; bad state is refused and changes nothing") {
  const RiskSpec r = dynamic_spec(2);
  const std::vector<double> p = drifting_scores(3000, 2.0, 3);
  DynamicThresholds a, b;
  REQUIRE(a.init(r).is_ok());
  REQUIRE(b.init(r).is_ok());
  for (size_t i = 0; i < 1500; ++i) a.observe(static_cast<uint32_t>(i % 2), p[i]);
  a.feedback(0, 0.3, true);
  std::vector<uint8_t> state(a.serialized_size());
  a.serialize(42, state.data());
  REQUIRE(b.deserialize(42, state.data(), state.size()).is_ok());
  for (size_t i = 1500; i < p.size(); ++i) {
    const AppliedThresholds x = a.observe(static_cast<uint32_t>(i % 2), p[i]);
    const AppliedThresholds y = b.observe(static_cast<uint32_t>(i % 2), p[i]);
    REQUIRE(x.block == y.block);
    REQUIRE(x.review == y.review);
  }

  DynamicThresholds c;
  REQUIRE(c.init(r).is_ok());
  const double before = c.thresholds(0).block;
  CHECK(c.deserialize(43, state.data(), state.size()).code() == FS_ERR_VALUE);  // another model
  CHECK(c.deserialize(42, state.data(), state.size() - 1).code() == FS_ERR_CORRUPT);
  std::vector<uint8_t> bad = state;
  bad[0] = 'X';
  CHECK(c.deserialize(42, bad.data(), bad.size()).code() == FS_ERR_CORRUPT);
  bad = state;
  const double huge_shift = 50.0;  // beyond max_feedback_shift
  std::memcpy(&bad[20 + 8], &huge_shift, 8);
  CHECK(c.deserialize(42, bad.data(), bad.size()).code() == FS_ERR_VALUE);
  CHECK(c.thresholds(0).block == before);
}

TEST_CASE("sessions apply dynamic thresholds per segment through the C API, with feedback and saved state") {
  using namespace fraudscore_test;
  TestModelOptions o;
  o.dynamic = true;
  const std::vector<uint8_t> bytes = build_test_model(o);
  fs_model* model = nullptr;
  REQUIRE(fs_model_load(bytes.data(), bytes.size(), &model) == FS_OK);
  fs_model_info info;
  REQUIRE(fs_model_get_info(model, &info) == FS_OK);
  CHECK(info.dynamic_thresholds == 1);
  CHECK(info.segment_column == static_cast<int32_t>(kColType));
  CHECK(info.segment_count == 6);  // five types + unknown

  fs_session* s = nullptr;
  REQUIRE(fs_session_create(model, nullptr, &s) == FS_OK);
  fs_session_options fixed_options{0, 0, -1, FS_THRESHOLDS_FIXED, FS_REASONS_ALL};
  fs_session* fixed = nullptr;
  REQUIRE(fs_session_create(model, &fixed_options, &fixed) == FS_OK);
  size_t size = 0;
  CHECK(fs_session_threshold_state_size(fixed, &size) == FS_ERR_UNSUPPORTED);

  const char* types[] = {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"};
  fs_result first{}, res{};
  for (int i = 0; i < 300; ++i) {
    const Row row = make_row(i, types[i % 5], 100.0 + 37.0 * i, "C1", 5000.0, "M1");
    REQUIRE(fs_session_score(s, row.data(), row.size(), &res) == FS_OK);
    if (i == 0) first = res;
    CHECK(res.segment == static_cast<uint32_t>(i % 5));
    fs_result f;
    REQUIRE(fs_session_score(fixed, row.data(), row.size(), &f) == FS_OK);
    CHECK(f.block_threshold == 0.7);
    CHECK(f.probability == doctest::Approx(res.probability).epsilon(1e-12));
  }
  CHECK(first.block_threshold == doctest::Approx(0.7));  // a fresh state starts at the model's threshold
  CHECK(res.block_threshold != doctest::Approx(0.7));    // and moved with the scores

  // Feedback: a missed fraud in segment TRANSFER lowers that segment only.
  const Row transfer = make_row(1, "TRANSFER", 10.0, "C1", 5000.0, "M1");
  const Row debit = make_row(1, "DEBIT", 10.0, "C1", 5000.0, "M1");
  std::vector<uint8_t> state;
  REQUIRE(fs_session_threshold_state_size(s, &size) == FS_OK);
  state.resize(size);
  size_t written = 0;
  REQUIRE(fs_session_save_thresholds(s, state.data(), state.size(), &written) == FS_OK);
  REQUIRE(fs_session_feedback(s, transfer.data(), transfer.size(), 0.0, FS_FEEDBACK_CONFIRMED_FRAUD) == FS_OK);
  std::vector<uint8_t> after(size);
  REQUIRE(fs_session_save_thresholds(s, after.data(), after.size(), &written) == FS_OK);
  CHECK(after != state);
  CHECK(fs_session_feedback(s, debit.data(), debit.size(), 2.0, FS_FEEDBACK_FALSE_ALARM) ==
        FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_session_feedback(fixed, debit.data(), debit.size(), 0.5, FS_FEEDBACK_FALSE_ALARM) == FS_ERR_UNSUPPORTED);

  // Restore the earlier state into a new session: the same thresholds follow.
  fs_session* restored = nullptr;
  REQUIRE(fs_session_create(model, nullptr, &restored) == FS_OK);
  REQUIRE(fs_session_load_thresholds(restored, after.data(), after.size()) == FS_OK);
  fs_result x, y;
  REQUIRE(fs_session_score(s, transfer.data(), transfer.size(), &x) == FS_OK);
  REQUIRE(fs_session_score(restored, transfer.data(), transfer.size(), &y) == FS_OK);
  CHECK(x.block_threshold == y.block_threshold);
  CHECK(fs_session_load_thresholds(restored, after.data(), 7) == FS_ERR_CORRUPT);

  // reset() returns to the model's thresholds.
  REQUIRE(fs_session_reset(s) == FS_OK);
  REQUIRE(fs_session_score(s, debit.data(), debit.size(), &x) == FS_OK);
  CHECK(x.block_threshold == doctest::Approx(0.7));

  fs_session_free(restored);
  fs_session_free(fixed);
  fs_session_free(s);
  fs_model_free(model);
}

TEST_CASE("the loader refuses dynamic-threshold settings outside their rules") {
  using namespace fraudscore_test;
  auto status_of = [](const TestModelOptions& o) {
    const std::vector<uint8_t> bytes = build_test_model(o);
    fs_model* m = nullptr;
    const fs_status st = fs_model_load(bytes.data(), bytes.size(), &m);
    fs_model_free(m);
    return st;
  };
  TestModelOptions o;
  o.dynamic = true;
  CHECK(status_of(o) == FS_OK);
  TestModelOptions bad = o;
  bad.target_alert_rate = 0.0;
  CHECK(status_of(bad) == FS_ERR_VALUE);
  bad = o;
  bad.min_threshold = 0.8;  // above the decision threshold 0.7
  CHECK(status_of(bad) == FS_ERR_VALUE);
  CHECK(std::string(fs_last_error()).find("min") != std::string::npos);
  bad = o;
  bad.max_threshold = 1.0;
  CHECK(status_of(bad) == FS_ERR_VALUE);
  bad = o;
  bad.learning_rate = -1.0;
  CHECK(status_of(bad) == FS_ERR_VALUE);
}
