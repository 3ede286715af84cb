// Risk assessment: band and decision boundaries (a probability exactly at a
// threshold takes the higher band or action) and Platt calibration applied to
// the logit.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "risk.h"
#include "test_models.h"

using fraudscore::RiskSpec;

namespace {

RiskSpec spec(double review, double decision, double c0, double c1, double c2) {
  RiskSpec r;
  r.review_threshold = review;
  r.decision_threshold = decision;
  r.band_cuts[0] = c0;
  r.band_cuts[1] = c1;
  r.band_cuts[2] = c2;
  return r;
}

double below(double x) { return std::nextafter(x, -1.0); }

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// The model's fixed thresholds (dynamic ones are tested in test_dynamic_thresholds.cpp).
fs_decision decision_for(const RiskSpec& r, double p) {
  return fraudscore::decision_for(p, r.decision_threshold, r.review_threshold);
}
void assess_fixed(const RiskSpec& r, float z, fs_result* out) {
  fraudscore::assess_risk(r, z, r.decision_threshold, r.review_threshold, out);
}

}  // namespace

TEST_CASE("bands: below a cut is the lower band, exactly at a cut the higher") {
  const RiskSpec r = spec(0.4, 0.7, 0.2, 0.5, 0.8);
  CHECK(band_for(r, 0.0) == FS_BAND_LOW);
  CHECK(band_for(r, below(0.2)) == FS_BAND_LOW);
  CHECK(band_for(r, 0.2) == FS_BAND_MEDIUM);
  CHECK(band_for(r, below(0.5)) == FS_BAND_MEDIUM);
  CHECK(band_for(r, 0.5) == FS_BAND_HIGH);
  CHECK(band_for(r, below(0.8)) == FS_BAND_HIGH);
  CHECK(band_for(r, 0.8) == FS_BAND_CRITICAL);
  CHECK(band_for(r, 1.0) == FS_BAND_CRITICAL);

  // Equal cuts skip the band between them.
  const RiskSpec squeezed = spec(0.5, 0.5, 0.3, 0.3, 0.9);
  CHECK(band_for(squeezed, below(0.3)) == FS_BAND_LOW);
  CHECK(band_for(squeezed, 0.3) == FS_BAND_HIGH);
  // Cuts at the ends of [0, 1].
  const RiskSpec ends = spec(0.0, 1.0, 0.0, 0.5, 1.0);
  CHECK(band_for(ends, 0.0) == FS_BAND_MEDIUM);
  CHECK(band_for(ends, below(1.0)) == FS_BAND_HIGH);
  CHECK(band_for(ends, 1.0) == FS_BAND_CRITICAL);
}

TEST_CASE("decisions: approve below review, step up from review, block from decision") {
  const RiskSpec r = spec(0.4, 0.7, 0.2, 0.5, 0.8);
  CHECK(decision_for(r, 0.0) == FS_DECISION_APPROVE);
  CHECK(decision_for(r, below(0.4)) == FS_DECISION_APPROVE);
  CHECK(decision_for(r, 0.4) == FS_DECISION_STEP_UP);
  CHECK(decision_for(r, below(0.7)) == FS_DECISION_STEP_UP);
  CHECK(decision_for(r, 0.7) == FS_DECISION_BLOCK);
  CHECK(decision_for(r, 1.0) == FS_DECISION_BLOCK);
  // review == decision: nothing is stepped up.
  const RiskSpec no_review = spec(0.6, 0.6, 0.2, 0.5, 0.8);
  CHECK(decision_for(no_review, below(0.6)) == FS_DECISION_APPROVE);
  CHECK(decision_for(no_review, 0.6) == FS_DECISION_BLOCK);
}

TEST_CASE("assess_risk: Platt calibration is applied on the logit") {
  RiskSpec r = spec(0.4, 0.7, 0.2, 0.5, 0.8);
  const float logits[] = {-30.0f, -4.0f, -0.5f, 0.0f, 0.25f, 3.0f, 30.0f};
  SUBCASE("no calibration: probability is the raw sigmoid") {
    r.platt = false;
    for (float z : logits) {
      fs_result out{};
      assess_fixed(r, z, &out);
      CHECK(out.raw_probability == doctest::Approx(sigmoid(z)).epsilon(1e-12));
      CHECK(out.probability == out.raw_probability);
    }
  }
  SUBCASE("Platt: p = sigmoid(a z + b), band and decision from the calibrated p") {
    r.platt = true;
    r.platt_a = 0.5;
    r.platt_b = 1.0;
    for (float z : logits) {
      fs_result out{};
      assess_fixed(r, z, &out);
      INFO("logit " << z);
      CHECK(out.raw_probability == doctest::Approx(sigmoid(z)).epsilon(1e-12));
      CHECK(out.probability == doctest::Approx(sigmoid(0.5 * z + 1.0)).epsilon(1e-12));
      CHECK(out.band == band_for(r, out.probability));
      CHECK(out.decision == decision_for(r, out.probability));
    }
    // On the logit, not on the probability: sigmoid(a * p + b) would stay
    // within sigmoid(1) .. sigmoid(1.5) = 0.73 .. 0.82 for every input.
    fs_result low{};
    assess_fixed(r, -30.0f, &low);
    CHECK(low.probability < 1e-5);
    CHECK(low.band == FS_BAND_LOW);
    CHECK(low.decision == FS_DECISION_APPROVE);
    // A raw score that would approve, calibrated to block.
    fs_result mid{};
    assess_fixed(r, 0.0f, &mid);
    CHECK(mid.raw_probability == 0.5);
    CHECK(decision_for(r, mid.raw_probability) == FS_DECISION_STEP_UP);
    CHECK(mid.probability == doctest::Approx(sigmoid(1.0)));
    CHECK(mid.decision == FS_DECISION_BLOCK);
    CHECK(mid.band == FS_BAND_HIGH);
  }
  SUBCASE("precision near 1 is kept: calibration of a large logit is not computed from p_raw") {
    r.platt = true;
    r.platt_a = 0.5;
    r.platt_b = 0.0;
    fs_result out{};
    assess_fixed(r, 30.0f, &out);
    // p_raw = 1 - 9.4e-14; logit(p_raw) recomputed from it would lose digits.
    CHECK(1.0 - out.probability == doctest::Approx(1.0 - sigmoid(15.0)).epsilon(1e-9));
  }
}

TEST_CASE("through a session: results follow the model file's risk settings") {
  fraudscore_test::TestModelOptions o;
  o.platt = true;
  o.platt_a = 2.0;
  o.platt_b = -0.5;
  o.weight_scale = 1.5f;  // a wider spread of scores
  const std::vector<uint8_t> bytes = fraudscore_test::build_test_model(o);
  fs_model* model = nullptr;
  REQUIRE(fs_model_load(bytes.data(), bytes.size(), &model) == FS_OK);
  fs_session* s = nullptr;
  REQUIRE(fs_session_create(model, nullptr, &s) == FS_OK);
  const RiskSpec r = spec(o.review_threshold, o.decision_threshold, o.band_cuts[0], o.band_cuts[1], o.band_cuts[2]);
  const char* types[] = {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"};
  for (int i = 0; i < 40; ++i) {
    const fraudscore_test::Row row =
        fraudscore_test::make_row(i, types[i % 5], 13.0 * i * i, "C1", 1000.0 * (i % 7), i % 2 ? "M1" : "C2");
    fs_result res;
    REQUIRE(fs_session_score(s, row.data(), row.size(), &res) == FS_OK);
    const double z = std::log(res.raw_probability / (1.0 - res.raw_probability));
    INFO("row " << i << " p_raw " << res.raw_probability);
    CHECK(res.probability == doctest::Approx(sigmoid(2.0 * z - 0.5)).epsilon(1e-6));
    CHECK(res.probability >= 0.0);
    CHECK(res.probability <= 1.0);
    CHECK(res.band == band_for(r, res.probability));
    CHECK(res.decision == decision_for(r, res.probability));
  }
  fs_session_free(s);
  fs_model_free(model);
}
