#include "risk.h"

#include <cmath>

#include "layers/activations.h"

namespace fraudscore {

// Every comparison is written so that NaN falls through to the most severe
// outcome: a score that is not a number never approves (fail closed). The
// session refuses such scores before they get here; this is the second line.
fs_band band_for(const RiskSpec& risk, double p) {
  if (std::isnan(p)) return FS_BAND_CRITICAL;
  if (p < risk.band_cuts[0]) return FS_BAND_LOW;
  if (p < risk.band_cuts[1]) return FS_BAND_MEDIUM;
  if (p < risk.band_cuts[2]) return FS_BAND_HIGH;
  return FS_BAND_CRITICAL;
}

fs_decision decision_for(double p, double block_threshold, double review_threshold) {
  if (std::isnan(p) || p >= block_threshold) return FS_DECISION_BLOCK;
  if (p >= review_threshold) return FS_DECISION_STEP_UP;
  return FS_DECISION_APPROVE;
}

namespace {

// Platt on the logit (when set), so that scores near 0 or 1 keep their precision.
double platt(bool on, double a, double b, float logit) {
  const double z = logit;
  return on ? sigmoid_f64(a * z + b) : sigmoid_f64(z);
}

}  // namespace

double calibrated_probability(const RiskSpec& risk, float logit) {
  return platt(risk.platt, risk.platt_a, risk.platt_b, logit);
}

double calibrated_output(const ExtraOutput& output, float logit) {
  return platt(output.platt, output.platt_a, output.platt_b, logit);
}

void score_probability(const RiskSpec& risk, float logit, fs_result* out) {
  out->raw_probability = sigmoid_f64(static_cast<double>(logit));
  out->probability = calibrated_probability(risk, logit);
  out->band = band_for(risk, out->probability);
}

void decide(double block_threshold, double review_threshold, fs_result* out) {
  out->decision = decision_for(out->probability, block_threshold, review_threshold);
  // An input beyond the training range was clipped: the score describes a
  // payment the model has not seen, so it is never approved without a look.
  if (out->out_of_range > 0 && out->decision == FS_DECISION_APPROVE) out->decision = FS_DECISION_STEP_UP;
  out->block_threshold = block_threshold;
  out->review_threshold = review_threshold;
}

void assess_risk(const RiskSpec& risk, float logit, double block_threshold, double review_threshold,
                 fs_result* out) {
  score_probability(risk, logit, out);
  decide(block_threshold, review_threshold, out);
}

}  // namespace fraudscore
