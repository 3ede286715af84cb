#include "risk.h"

#include "layers/activations.h"

namespace fraudscore {

fs_band band_for(const RiskSpec& risk, double p) {
  if (p < risk.band_cuts[0]) return FS_BAND_LOW;
  if (p < risk.band_cuts[1]) return FS_BAND_MEDIUM;
  if (p < risk.band_cuts[2]) return FS_BAND_HIGH;
  return FS_BAND_CRITICAL;
}

fs_decision decision_for(double p, double block_threshold, double review_threshold) {
  if (p >= block_threshold) return FS_DECISION_BLOCK;
  if (p >= review_threshold) return FS_DECISION_STEP_UP;
  return FS_DECISION_APPROVE;
}

double calibrated_probability(const RiskSpec& risk, float logit) {
  const double z = logit;
  return risk.platt ? sigmoid_f64(risk.platt_a * z + risk.platt_b) : sigmoid_f64(z);
}

double calibrated_entity_risk(const RiskSpec& risk, float logit) {
  const double z = logit;
  return risk.entity_platt ? sigmoid_f64(risk.entity_a * z + risk.entity_b) : sigmoid_f64(z);
}

void assess_risk(const RiskSpec& risk, float logit, double block_threshold, double review_threshold,
                 fs_result* out) {
  out->raw_probability = sigmoid_f64(static_cast<double>(logit));
  out->probability = calibrated_probability(risk, logit);
  out->band = band_for(risk, out->probability);
  out->decision = decision_for(out->probability, block_threshold, review_threshold);
  out->block_threshold = block_threshold;
  out->review_threshold = review_threshold;
}

}  // namespace fraudscore
