// Risk assessment: calibrated probability -> band and decision, in the
// vocabulary of DESIGN.md, from the model file's settings.
#pragma once

#include "fraudscore/fraudscore.h"
#include "model.h"

namespace fraudscore {

// Fill probability, raw_probability, band and decision from the network's logit.
void assess_risk(const RiskSpec& risk, float logit, fs_result* out);

fs_band band_for(const RiskSpec& risk, double probability);
fs_decision decision_for(const RiskSpec& risk, double probability);

}  // namespace fraudscore
