// Reason codes (schemas/README.md, "Reason codes"). By occlusion: a reason
// group's contribution to a score is how much the calibrated probability
// falls when the group's features in the latest window step are set to their
// baselines (the trainer's reasons.py is the Python twin). By attribution, for
// networks that attribute their own logit exactly (TreeSHAP): the sum of the
// group's features' shares over every window step.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fraudscore/fraudscore.h"
#include "model.h"

namespace fraudscore {

// Buffers for one window's occluded copies, all sized by the caller at
// session creation (group_count = model.reason_groups.size()).
struct ReasonScratch {
  float* windows;        // [group_count, steps, features]
  uint32_t* valid;       // [group_count]
  float* logits;         // [group_count]
  double* contributions; // [group_count]
  float* workspace;      // network workspace for group_count windows
};

// Fill out[0..*count) with at most `max_reasons` groups whose contribution is
// positive, largest first (ties: the earlier group). `window` is the scored
// window [steps, features] and `probability` its calibrated score.
void occlusion_reasons(const Model& m, const float* window, uint32_t valid_steps, double probability,
                       const ReasonScratch& scratch, uint32_t max_reasons, fs_reason* out, uint32_t* count);

// The same from a network's attribution of the logit, `attribution`
// [steps, features]; `contributions` holds group_count doubles of scratch.
void attribution_reasons(const Model& m, const double* attribution, double* contributions, uint32_t max_reasons,
                         fs_reason* out, uint32_t* count);

}  // namespace fraudscore
