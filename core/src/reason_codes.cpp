#include "reason_codes.h"

#include <cstring>

#include "risk.h"

namespace fraudscore {
namespace {

// The groups with a positive contribution, largest first (ties: the earlier
// group), at most max_reasons. Selection by repeated maximum: the groups are
// few, and this needs no memory. Consumes `contributions`.
void select_reasons(const Model& m, double* contributions, uint32_t max_reasons, fs_reason* out, uint32_t* count) {
  const size_t G = m.reason_groups.size();
  uint32_t n = 0;
  while (n < max_reasons) {
    size_t best = G;
    for (size_t g = 0; g < G; ++g)
      if (contributions[g] > 0 && (best == G || contributions[g] > contributions[best])) best = g;
    if (best == G) break;
    out[n++] = {m.reason_groups[best].code.c_str(), m.reason_groups[best].text.c_str(), contributions[best]};
    contributions[best] = 0.0;  // taken
  }
  *count = n;
}

}  // namespace

void occlude_window(const Model& m, const float* window, uint32_t valid_steps, float* copies, uint32_t* valid) {
  const size_t T = m.window.length, F = m.features.size(), G = m.reason_groups.size();
  const size_t window_floats = T * F;
  for (size_t g = 0; g < G; ++g) {
    float* copy = copies + g * window_floats;
    std::memcpy(copy, window, window_floats * sizeof(float));
    float* latest = copy + (T - 1) * F;
    for (uint32_t feature : m.reason_groups[g].features)
      latest[feature] = static_cast<float>(m.features[feature].baseline);
    valid[g] = valid_steps;
  }
}

void occlusion_reasons(const Model& m, double probability, const float* logits, double* contributions,
                       uint32_t max_reasons, fs_reason* out, uint32_t* count) {
  const size_t G = m.reason_groups.size();
  for (size_t g = 0; g < G; ++g) contributions[g] = probability - calibrated_probability(m.risk, logits[g]);
  select_reasons(m, contributions, max_reasons, out, count);
}

void attribution_reasons(const Model& m, const double* attribution, double* contributions, uint32_t max_reasons,
                         fs_reason* out, uint32_t* count) {
  const size_t T = m.window.length, F = m.features.size(), G = m.reason_groups.size();
  for (size_t g = 0; g < G; ++g) {
    double sum = 0.0;
    for (uint32_t feature : m.reason_groups[g].features)
      for (size_t t = 0; t < T; ++t) sum += attribution[t * F + feature];
    contributions[g] = sum;
  }
  select_reasons(m, contributions, max_reasons, out, count);
}

}  // namespace fraudscore
