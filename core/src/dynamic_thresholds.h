// Dynamic threshold adjustment (schemas/README.md, "Dynamic thresholds"):
// per segment, a streaming quantile tracker in logit space holds the share of
// rows at or above the block threshold near the model's target alert rate,
// and labelled feedback shifts it, within the model's bounds. The state is a
// few numbers per segment, allocated by init(), deterministic and
// serialisable. The trainer's thresholds.py is the Python twin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model.h"
#include "status.h"

namespace fraudscore {

struct AppliedThresholds {
  double block, review;
};

class DynamicThresholds {
 public:
  Status init(const RiskSpec& risk);
  void reset();
  uint32_t segment_count() const { return static_cast<uint32_t>(q_.size()); }

  // The thresholds the next row of `segment` gets.
  AppliedThresholds thresholds(uint32_t segment) const;
  // The thresholds applied to a row scored `p`; then the tracker takes it in.
  AppliedThresholds observe(uint32_t segment, double p);
  // A labelled outcome of a row scored `p`: a fraud below the block threshold
  // lowers the threshold, a legitimate row that was alerted raises it.
  void feedback(uint32_t segment, double p, bool confirmed_fraud);

  // Serialised state: "FSTH", format version, the model's checksum, the
  // segment count, then per segment q, shift (float64) and count (uint64),
  // all little-endian.
  size_t serialized_size() const;
  void serialize(uint64_t model_checksum, uint8_t* out) const;
  Status deserialize(uint64_t model_checksum, const uint8_t* data, size_t size);

  uint64_t count(uint32_t segment) const { return count_[segment]; }
  double shift(uint32_t segment) const { return shift_[segment]; }

 private:
  double rate_ = 0, lr_ = 0, step_ = 0, max_shift_ = 0, lo_ = 0, hi_ = 0, base_ = 0, gap_ = 0;
  std::vector<double> q_, shift_;
  std::vector<uint64_t> count_;
};

}  // namespace fraudscore
