// The fail-closed rule every scoring fuzzer asserts (DESIGN.md, the result's
// vocabulary): when the core answers FS_OK, the probability is a finite number
// in [0, 1] and every other field is in its range. A broken rule aborts, so
// that libFuzzer reports the input as a crash.
//
// Survey mode (FRAUDSCORE_FUZZ_SURVEY=DIR): a broken rule is printed and the
// input saved as DIR/<rule>, once per distinct rule, and the fuzzer goes on.
// One run then lists every kind of violation with an example, at full speed,
// instead of stopping at the most frequent one. (Sanitizer reports still abort.)
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "fraudscore/fraudscore.h"

namespace fraudscore_fuzz {

// The input being run (harnesses set it first, for survey mode).
void set_current_input(const uint8_t* data, size_t size);

// Report a broken rule: abort, or (survey mode) record it and return.
void violation(const char* where, const char* what, double value);
inline void fail_closed_violation(const char* where, const char* what, double value) { violation(where, what, value); }

inline bool unit_interval(double x) { return std::isfinite(x) && x >= 0.0 && x <= 1.0; }

// `max_reasons`: the session's bound on reason codes (0 if unknown).
inline bool check_result(const fs_model_info& info, const fs_result& r, const char* where, uint32_t max_reasons = 0) {
  auto bad = [where](const char* what, double value) {
    violation(where, what, value);
    return false;
  };
  if (!unit_interval(r.probability))
    return bad("FS_OK with a probability that is not a finite number in [0, 1]", r.probability);
  if (!(r.raw_probability >= 0.0 && r.raw_probability <= 1.0))
    return bad("FS_OK with a raw probability outside [0, 1] or NaN", r.raw_probability);
  if (static_cast<unsigned>(r.band) > FS_BAND_CRITICAL) return bad("band out of range", r.band);
  if (static_cast<unsigned>(r.decision) > FS_DECISION_BLOCK) return bad("decision out of range", r.decision);
  if (!unit_interval(r.block_threshold) || !unit_interval(r.review_threshold))
    return bad("thresholds outside [0, 1]", r.block_threshold);
  // The decision must follow from the probability and the thresholds it reports.
  const fs_decision expected = r.probability >= r.block_threshold    ? FS_DECISION_BLOCK
                               : r.probability >= r.review_threshold ? FS_DECISION_STEP_UP
                                                                     : FS_DECISION_APPROVE;
  if (r.decision < expected) return bad("decision weaker than its probability and thresholds", r.decision);
  if (r.window_length != info.window_length) return bad("window_length differs from the model's", r.window_length);
  if (r.valid_steps < 1 || r.valid_steps > r.window_length) return bad("valid_steps outside 1..window_length", r.valid_steps);
  if (r.attention)
    for (uint32_t i = 0; i < r.window_length; ++i)
      if (!(r.attention[i] >= 0.0f && r.attention[i] <= 1.0f))
        return bad("an attention weight that is not in [0, 1]", static_cast<double>(r.attention[i]));
  if (max_reasons && r.reason_count > max_reasons) return bad("more reasons than asked", r.reason_count);
  for (uint32_t i = 0; i < r.reason_count; ++i)
    if (!r.reasons[i].code || !r.reasons[i].text || !std::isfinite(r.reasons[i].contribution))
      return bad("a reason without code/text or with a non-finite contribution", r.reasons[i].contribution);
  if (r.output_count != info.output_count || (r.output_count && !r.outputs))
    return bad("a result whose outputs are not the model's", r.output_count);
  for (uint32_t i = 0; i < r.output_count; ++i) {
    const fs_output& o = r.outputs[i];
    if (o.kind == FS_OUTPUT_PROBABILITY && !unit_interval(o.value))
      return bad("FS_OK with a probability output that is not a finite number in [0, 1]", o.value);
    if (o.kind == FS_OUTPUT_LABEL && (!o.label || !(o.value >= 0)))
      return bad("a label output without its label", o.value);
  }
  return true;
}

}  // namespace fraudscore_fuzz
