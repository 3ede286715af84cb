#include "risk.h"

#include "layers/activations.h"

namespace fraudscore {

fs_band band_for(const RiskSpec& risk, double p) {
  if (p < risk.band_cuts[0]) return FS_BAND_LOW;
  if (p < risk.band_cuts[1]) return FS_BAND_MEDIUM;
  if (p < risk.band_cuts[2]) return FS_BAND_HIGH;
  return FS_BAND_CRITICAL;
}

fs_decision decision_for(const RiskSpec& risk, double p) {
  if (p >= risk.decision_threshold) return FS_DECISION_BLOCK;
  if (p >= risk.review_threshold) return FS_DECISION_STEP_UP;
  return FS_DECISION_APPROVE;
}

void assess_risk(const RiskSpec& risk, float logit, fs_result* out) {
  const double z = logit;
  out->raw_probability = sigmoid_f64(z);
  // Calibration works on the logit, not on p_raw, so that scores near 0 or 1
  // keep their precision.
  out->probability = risk.platt ? sigmoid_f64(risk.platt_a * z + risk.platt_b) : out->raw_probability;
  out->band = band_for(risk, out->probability);
  out->decision = decision_for(risk, out->probability);
}

}  // namespace fraudscore
