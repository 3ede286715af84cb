// Reason codes: groups come from the model's codes (or its columns), and each
// reported contribution equals an independent occlusion of the scored window.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "feature_pipeline.h"
#include "fraudscore/fraudscore.h"
#include "model.h"
#include "risk.h"
#include "test_models.h"

using namespace fraudscore_test;

namespace {

std::unique_ptr<fraudscore::Model> load(const TestModelOptions& o) {
  const std::vector<uint8_t> bytes = build_test_model(o);
  std::unique_ptr<fraudscore::Model> m;
  REQUIRE(fraudscore::load_model(bytes.data(), bytes.size(), &m).is_ok());
  return m;
}

// p - p(group at baseline) for a fresh global window holding one row.
std::vector<double> expected_contributions(const fraudscore::Model& m, const Row& row, double* p) {
  const size_t T = m.window.length, F = m.features.size(), G = m.reason_groups.size();
  std::vector<float> windows((G + 1) * T * F, 0.0f);
  uint64_t key = 0;
  REQUIRE(fraudscore::compute_features(m, row.data(), row.size(), &windows[(T - 1) * F], &key).is_ok());
  for (size_t g = 0; g < G; ++g) {
    float* w = &windows[(g + 1) * T * F];
    std::copy(windows.begin(), windows.begin() + static_cast<long>(T * F), w);
    for (uint32_t f : m.reason_groups[g].features) w[(T - 1) * F + f] = static_cast<float>(m.features[f].baseline);
  }
  std::vector<uint32_t> valid(G + 1, 1);
  std::vector<float> logits(G + 1), workspace(m.network->workspace_floats(G + 1));
  m.network->forward({windows.data(), valid.data(), G + 1}, workspace.data(), {logits.data(), nullptr});
  *p = fraudscore::calibrated_probability(m.risk, logits[0]);
  std::vector<double> out(G);
  for (size_t g = 0; g < G; ++g) out[g] = *p - fraudscore::calibrated_probability(m.risk, logits[g + 1]);
  return out;
}

}  // namespace

TEST_CASE("reason groups: shared codes group features; without codes, features group by source column") {
  TestModelOptions o;
  o.reason_codes = true;
  auto coded = load(o);
  REQUIRE(coded->reason_groups.size() == 6);
  CHECK(coded->reason_groups[0].code == "CODE_amount_log");
  CHECK(coded->reason_groups[1].code == "TXN_TYPE");
  CHECK(coded->reason_groups[1].text == "Unusual payment type");
  CHECK(coded->reason_groups[1].features == std::vector<uint32_t>{1, 2, 3});
  CHECK(coded->features[0].baseline == kAmountBaseline);

  auto plain = load(TestModelOptions());
  REQUIRE(plain->reason_groups.size() == 5);
  CHECK(plain->reason_groups[0].code == "amount");
  CHECK(plain->reason_groups[0].features == std::vector<uint32_t>{0, 5});  // amount_log and amount_ratio
  CHECK(plain->reason_groups[1].code == "type");
  CHECK(plain->reason_groups[1].text == "type is unusual");
}

TEST_CASE("reported reasons equal an independent occlusion: positive, largest first, at most max_reasons") {
  TestModelOptions o;
  o.reason_codes = true;
  o.weight_scale = 1.5f;  // livelier scores
  const std::vector<uint8_t> bytes = build_test_model(o);
  auto m = load(o);
  fs_model* model = nullptr;
  REQUIRE(fs_model_load(bytes.data(), bytes.size(), &model) == FS_OK);
  const char* types[] = {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"};
  size_t rows_with_reasons = 0;
  for (int i = 0; i < 60; ++i) {
    fs_session* s = nullptr;  // a fresh session: the window holds just this row
    REQUIRE(fs_session_create(model, nullptr, &s) == FS_OK);
    const Row row = make_row(3 * i, types[i % 5], 7.0 * i * i + 1.0, "C1", 100.0 * (i % 9), i % 3 ? "M1" : "C9");
    fs_result res;
    REQUIRE(fs_session_score(s, row.data(), row.size(), &res) == FS_OK);
    double p = 0;
    std::vector<double> expected = expected_contributions(*m, row, &p);
    CHECK(res.probability == doctest::Approx(p).epsilon(1e-12));
    std::vector<std::pair<double, std::string>> positive;
    for (size_t g = 0; g < expected.size(); ++g)
      if (expected[g] > 0) positive.emplace_back(expected[g], m->reason_groups[g].code);
    std::stable_sort(positive.begin(), positive.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    REQUIRE(res.reason_count == std::min<size_t>(3, positive.size()));
    for (uint32_t k = 0; k < res.reason_count; ++k) {
      INFO("row " << i << " reason " << k);
      CHECK(res.reasons[k].code == positive[k].second);
      CHECK(res.reasons[k].contribution == doctest::Approx(positive[k].first).epsilon(1e-9));
      CHECK(res.reasons[k].contribution > 0);
      if (k) CHECK(res.reasons[k].contribution <= res.reasons[k - 1].contribution);
    }
    rows_with_reasons += res.reason_count > 0;
    fs_session_free(s);
  }
  CHECK(rows_with_reasons > 10);

  // max_reasons: one, or none.
  fs_session_options one{0, 0, 1, FS_THRESHOLDS_MODEL, FS_REASONS_ALL}, none{0, 0, -1, FS_THRESHOLDS_MODEL, FS_REASONS_ALL};
  fs_session *s1 = nullptr, *s0 = nullptr;
  REQUIRE(fs_session_create(model, &one, &s1) == FS_OK);
  REQUIRE(fs_session_create(model, &none, &s0) == FS_OK);
  const Row row = make_row(5, "TRANSFER", 9000.0, "C1", 9000.0, "C2");
  fs_result r1, r0;
  REQUIRE(fs_session_score(s1, row.data(), row.size(), &r1) == FS_OK);
  REQUIRE(fs_session_score(s0, row.data(), row.size(), &r0) == FS_OK);
  CHECK(r1.reason_count <= 1);
  CHECK(r0.reason_count == 0);
  CHECK(r0.reasons == nullptr);
  fs_session_options too_many{0, 0, 65, FS_THRESHOLDS_MODEL, FS_REASONS_ALL};
  fs_session* bad = nullptr;
  CHECK(fs_session_create(model, &too_many, &bad) == FS_ERR_INVALID_ARGUMENT);
  fs_session_free(s1);
  fs_session_free(s0);
  fs_model_free(model);
}

TEST_CASE("batch scoring gives each row its own reasons, in blocks of rows, for all or only flagged rows") {
  // 256 rows: the occluded copies of several blocks of rows run in batched passes (reason_codes.h).
  TestModelOptions o;
  o.reason_codes = true;
  o.weight_scale = 1.5f;
  const std::vector<uint8_t> bytes = build_test_model(o);
  fs_model* model = nullptr;
  REQUIRE(fs_model_load(bytes.data(), bytes.size(), &model) == FS_OK);
  const char* types[] = {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"};
  const size_t n = 256;
  std::vector<fs_value> rows;
  for (size_t i = 0; i < n; ++i) {
    const Row row = make_row(static_cast<double>(i), types[i % 5], 37.0 * static_cast<double>(i % 41) + 3.0, "C1",
                             700.0, i % 2 ? "M1" : "C3");
    rows.insert(rows.end(), row.begin(), row.end());
  }
  for (int32_t reasons_for : {FS_REASONS_ALL, FS_REASONS_FLAGGED}) {
    CAPTURE(reasons_for);
    fs_session_options options{};
    options.reasons_for = reasons_for;
    fs_session *batch = nullptr, *single = nullptr;
    REQUIRE(fs_session_create(model, &options, &batch) == FS_OK);
    REQUIRE(fs_session_create(model, &options, &single) == FS_OK);
    std::vector<fs_result> results(n);
    REQUIRE(fs_session_score_batch(batch, rows.data(), n, kColumnCount, results.data(), nullptr, nullptr) == FS_OK);
    size_t explained = 0, approved = 0;
    for (size_t i = 0; i < n; ++i) {
      CAPTURE(i);
      fs_result r;
      REQUIRE(fs_session_score(single, &rows[i * kColumnCount], kColumnCount, &r) == FS_OK);
      REQUIRE(results[i].reason_count == r.reason_count);
      for (uint32_t k = 0; k < r.reason_count; ++k) {
        CHECK(std::string(results[i].reasons[k].code) == r.reasons[k].code);
        CHECK(results[i].reasons[k].contribution == doctest::Approx(r.reasons[k].contribution).epsilon(1e-6));
      }
      explained += r.reason_count > 0;
      if (r.decision == FS_DECISION_APPROVE) {
        ++approved;
        if (reasons_for == FS_REASONS_FLAGGED) CHECK(results[i].reason_count == 0);
      }
    }
    // All: more rows than one block; flagged: the few step_up and block rows, among approvals skipped.
    CHECK(explained > (reasons_for == FS_REASONS_ALL ? 20u : 0u));
    if (reasons_for == FS_REASONS_FLAGGED) CHECK(approved > 0);
    fs_session_free(batch);
    fs_session_free(single);
  }
  fs_model_free(model);
}
