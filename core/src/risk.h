// Risk assessment: calibrated probability -> band and decision, in the
// vocabulary of DESIGN.md, from the model file's settings.
#pragma once

#include "fraudscore/fraudscore.h"
#include "model.h"

namespace fraudscore {

// The calibrated probability of a network logit (Platt on the logit, so that
// scores near 0 or 1 keep their precision).
double calibrated_probability(const RiskSpec& risk, float logit);
// The same for a probability output beside the main score, with its own calibration.
double calibrated_output(const ExtraOutput& output, float logit);

// Fill probability, raw_probability and band from the network's logit.
void score_probability(const RiskSpec& risk, float logit, fs_result* out);
// Fill the decision and the thresholds it was made with (fixed or dynamic).
// A row with out_of_range features is at least step_up.
void decide(double block_threshold, double review_threshold, fs_result* out);
// Both.
void assess_risk(const RiskSpec& risk, float logit, double block_threshold, double review_threshold,
                 fs_result* out);

// NaN gives the most severe band and decision (fail closed).
fs_band band_for(const RiskSpec& risk, double probability);
fs_decision decision_for(double probability, double block_threshold, double review_threshold);

}  // namespace fraudscore
