#include "dynamic_thresholds.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <new>

namespace fraudscore {
namespace {

constexpr uint8_t kMagic[4] = {'F', 'S', 'T', 'H'};
constexpr uint32_t kFormat = 1;
constexpr size_t kHeader = 4 + 4 + 8 + 4;
constexpr size_t kPerSegment = 8 + 8 + 8;

double logit(double p) {
  if (p <= 0.0) return -std::numeric_limits<double>::infinity();
  if (p >= 1.0) return std::numeric_limits<double>::infinity();
  return std::log(p / (1.0 - p));
}

double sigmoid(double x) {
  if (x == -std::numeric_limits<double>::infinity()) return 0.0;
  return 1.0 / (1.0 + std::exp(-x));
}

double clamp(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

// Little-endian, independent of the host's byte order.
void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}
void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t get_u32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}
void put_f64(uint8_t* p, double d) {
  uint64_t v;
  std::memcpy(&v, &d, 8);
  put_u64(p, v);
}
double get_f64(const uint8_t* p) {
  const uint64_t v = get_u64(p);
  double d;
  std::memcpy(&d, &v, 8);
  return d;
}

}  // namespace

Status DynamicThresholds::init(const RiskSpec& risk) {
  const DynamicThresholdSpec& d = risk.dynamic;
  rate_ = d.target_alert_rate;
  lr_ = d.learning_rate;
  step_ = d.feedback_step;
  max_shift_ = d.max_feedback_shift;
  lo_ = logit(d.min_threshold);
  hi_ = logit(d.max_threshold);
  base_ = logit(risk.decision_threshold);
  gap_ = base_ - logit(risk.review_threshold);
  try {
    q_.assign(d.segment_count, base_);
    shift_.assign(d.segment_count, 0.0);
    count_.assign(d.segment_count, 0);
  } catch (const std::bad_alloc&) {
    return Status::error(FS_ERR_NO_MEMORY, "out of memory for %u threshold segments", d.segment_count);
  }
  return Status::ok();
}

void DynamicThresholds::reset() {
  for (size_t s = 0; s < q_.size(); ++s) {
    q_[s] = base_;
    shift_[s] = 0.0;
    count_[s] = 0;
  }
}

AppliedThresholds DynamicThresholds::thresholds(uint32_t s) const {
  const double t = clamp(q_[s] + shift_[s], lo_, hi_);
  return {sigmoid(t), sigmoid(t - gap_)};
}

AppliedThresholds DynamicThresholds::observe(uint32_t s, double p) {
  const AppliedThresholds applied = thresholds(s);
  // Stochastic approximation of the (1 - rate) quantile: at equilibrium the
  // share of rows at or above q is `rate`.
  const bool alert = p >= sigmoid(q_[s]);
  q_[s] = clamp(q_[s] + lr_ * (alert ? 1.0 - rate_ : -rate_), lo_, hi_);
  ++count_[s];
  return applied;
}

void DynamicThresholds::feedback(uint32_t s, double p, bool confirmed_fraud) {
  const AppliedThresholds applied = thresholds(s);
  if (confirmed_fraud && p < applied.block)
    shift_[s] -= step_;
  else if (!confirmed_fraud && p >= applied.review)
    shift_[s] += step_;
  shift_[s] = clamp(shift_[s], -max_shift_, max_shift_);
}

size_t DynamicThresholds::serialized_size() const { return kHeader + q_.size() * kPerSegment; }

void DynamicThresholds::serialize(uint64_t model_checksum, uint8_t* out) const {
  std::memcpy(out, kMagic, 4);
  put_u32(out + 4, kFormat);
  put_u64(out + 8, model_checksum);
  put_u32(out + 16, static_cast<uint32_t>(q_.size()));
  uint8_t* p = out + kHeader;
  for (size_t s = 0; s < q_.size(); ++s, p += kPerSegment) {
    put_f64(p, q_[s]);
    put_f64(p + 8, shift_[s]);
    put_u64(p + 16, count_[s]);
  }
}

Status DynamicThresholds::deserialize(uint64_t model_checksum, const uint8_t* data, size_t size) {
  if (size < kHeader || std::memcmp(data, kMagic, 4) != 0)
    return Status::error(FS_ERR_CORRUPT, "not a fraudscore threshold state (identifier 'FSTH' missing)");
  if (get_u32(data + 4) != kFormat)
    return Status::error(FS_ERR_VERSION, "threshold state format %u; this library reads %u", get_u32(data + 4),
                         kFormat);
  if (get_u64(data + 8) != model_checksum)
    return Status::error(FS_ERR_VALUE, "the threshold state was saved for a different model");
  const uint32_t segments = get_u32(data + 16);
  if (segments != q_.size() || size != kHeader + segments * kPerSegment)
    return Status::error(FS_ERR_CORRUPT, "threshold state holds %u segments in %zu bytes; the model has %zu",
                         segments, size, q_.size());
  // Validate everything before changing anything.
  const uint8_t* p = data + kHeader;
  for (uint32_t s = 0; s < segments; ++s, p += kPerSegment) {
    const double q = get_f64(p), shift = get_f64(p + 8);
    if (!(q >= lo_ && q <= hi_) || !(std::fabs(shift) <= max_shift_))
      return Status::error(FS_ERR_VALUE, "threshold state segment %u is out of the model's bounds", s);
  }
  p = data + kHeader;
  for (uint32_t s = 0; s < segments; ++s, p += kPerSegment) {
    q_[s] = get_f64(p);
    shift_[s] = get_f64(p + 8);
    count_[s] = get_u64(p + 16);
  }
  return Status::ok();
}

}  // namespace fraudscore
