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

// Write the G = model.reason_groups.size() occluded copies of one window
// [steps, features] to `copies` [G, steps, features] (group g's features in
// the latest step set to their baselines), and their valid steps to `valid`.
void occlude_window(const Model& m, const float* window, uint32_t valid_steps, float* copies, uint32_t* valid);

// Fill out[0..*count) from the network's logits of one window's occluded
// copies (`logits`, G of them) and the window's calibrated `probability`:
// at most `max_reasons` groups whose contribution is positive, largest first
// (ties: the earlier group). `contributions` holds G doubles of scratch.
void occlusion_reasons(const Model& m, double probability, const float* logits, double* contributions,
                       uint32_t max_reasons, fs_reason* out, uint32_t* count);

// The same from a network's attribution of the logit, `attribution`
// [steps, features]; `contributions` holds group_count doubles of scratch.
void attribution_reasons(const Model& m, const double* attribution, double* contributions, uint32_t max_reasons,
                         fs_reason* out, uint32_t* count);

}  // namespace fraudscore
