#include "session.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>

#include "feature_pipeline.h"
#include "networks/chunked_forward.h"
#include "reason_codes.h"
#include "risk.h"

namespace fraudscore {

Status Session::init(const Model& model, const SessionOptions& options) {
  constexpr uint32_t kMaxBatch = 1u << 16;
  constexpr uint32_t kMaxReasons = 64;
  if (options.max_batch == 0 || options.max_keys == 0 || options.max_batch > kMaxBatch ||
      options.max_reasons > kMaxReasons)
    return Status::error(FS_ERR_INVALID_ARGUMENT,
                         "max_batch must be in 1..%u, max_keys positive and max_reasons at most %u", kMaxBatch,
                         kMaxReasons);
  model_ = &model;
  max_batch_ = options.max_batch;
  max_keys_ = options.max_keys;
  max_reasons_ = options.max_reasons;
  reasons_flagged_only_ = options.reasons_flagged_only;
  dynamic_ = options.dynamic_thresholds && model.risk.dynamic.enabled;
  return allocate(model);
}

constexpr double kMaxSessionBytes = 256.0 * 1024 * 1024;
// Occluded windows one batched reason pass takes (rows x reason groups).
constexpr size_t kReasonBlockWindows = 256;

Status Session::allocate(const Model& model) {
  const size_t T = model.window.length, F = model.features.size(), G = model.reason_groups.size();
  const size_t H = model.history_columns.size();
  const size_t B = max_batch_;
  const Network& net = *model.network;
  // Occlusion runs the network on one copy of each window per reason group, for a block of rows at a
  // time (about kReasonBlockWindows windows: one batched pass fills the kernels' chunks); attribution
  // explains a window in one pass of its own.
  const bool attributes = max_reasons_ && net.has_attribution();
  reason_block_rows_ = max_reasons_ && !attributes && G
                           ? static_cast<uint32_t>(std::min<size_t>(B, std::max<size_t>(1, kReasonBlockWindows / G)))
                           : 0;
  const size_t reason_windows = size_t{reason_block_rows_} * G;
  // Buffer sizes must fit in size_t on 32-bit targets (wasm32, armhf) too.
  if (uint64_t{max_batch_ + reason_windows} * T * (F + 8) > SIZE_MAX / (16 * sizeof(float)))
    return Status::error(FS_ERR_NO_MEMORY, "a session of batch %u does not fit in memory", max_batch_);
  // A budget, so that a small hostile file (window 512, 64 features, many
  // keys) cannot make a session take gigabytes: windows, batch buffers and
  // reason-code copies together. The shipped models' default sessions need < 10 MiB.
  const double keys = model.window.per_key ? static_cast<double>(max_keys_) : 1.0;
  const double step_bytes =
      static_cast<double>(T) * (static_cast<double>(F) * sizeof(float) + static_cast<double>(H) * sizeof(double));
  const double window_bytes = keys * step_bytes;
  const double batch_bytes =
      (static_cast<double>(max_batch_) + static_cast<double>(reason_windows)) * static_cast<double>(T) * (static_cast<double>(F) + 2) *
      sizeof(float);
  if (window_bytes + batch_bytes > kMaxSessionBytes)
    return Status::error(FS_ERR_NO_MEMORY, "a session of this model with max_keys %u and max_batch %u needs %.0f "
                         "MiB; sessions are limited to %.0f MiB (lower max_keys or max_batch)", max_keys_, max_batch_,
                         (window_bytes + batch_bytes) / (1 << 20), kMaxSessionBytes / (1 << 20));
  FS_RETURN_IF_ERROR(windows_.init(static_cast<uint32_t>(T), static_cast<uint32_t>(F), static_cast<uint32_t>(H),
                                   model.window.per_key, max_keys_));
  if (dynamic_) FS_RETURN_IF_ERROR(thresholds_.init(model.risk));
  const size_t X = net.extra_outputs().size();
  const size_t network_floats = chunked_workspace_floats(net, B > reason_windows ? B : reason_windows);
  const size_t attribution_floats = attributes ? net.attribution_workspace_floats() : 0;
  try {
    staged_.assign(B * F, 0.0f);
    staged_history_.assign(B * H, 0.0);
    keys_.assign(B, 0);
    out_of_range_.assign(B, 0);
    input_.assign(B * T * F, 0.0f);
    valid_.assign(B, 0);
    logits_.assign(B, 0.0f);
    extras_.assign(B * X, 0.0f);
    outputs_.assign(B * X, fs_output{});
    attribution_.assign(attributes ? T * F : 0, 0.0);
    attention_.assign(B * T, 0.0f);
    last_attention_.assign(T, 0.0f);
    workspace_.assign(network_floats > attribution_floats ? network_floats : attribution_floats, 0.0f);
    reason_windows_.assign(reason_windows * T * F, 0.0f);
    reason_valid_.assign(reason_windows, 0);
    reason_logits_.assign(reason_windows, 0.0f);
    reason_contributions_.assign(max_reasons_ ? G : 0, 0.0);
    reason_rows_.assign(reason_block_rows_, 0);
    reasons_.assign(B * max_reasons_, fs_reason{});
  } catch (const std::bad_alloc&) {
    return Status::error(FS_ERR_NO_MEMORY, "out of memory for a session of batch %u", max_batch_);
  }
  return Status::ok();
}

void Session::reset() {
  windows_.clear();
  if (dynamic_) thresholds_.reset();
}

namespace {

bool finite_floats(const float* x, size_t n) {
  if (!x) return true;
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return false;
  return true;
}

}  // namespace

uint32_t Session::segment_of(const fs_value* row) const {
  const int32_t column = model_->risk.dynamic.segment_column;
  if (!dynamic_ || column < 0) return 0;
  return segment_index(model_->columns[static_cast<size_t>(column)], row[column]);
}

Status Session::score(const fs_value* rows, size_t row_count, size_t value_count, fs_result* results,
                      float* attention_out, size_t* failed_row) {
  if (row_count > max_batch_)
    return Status::error(FS_ERR_INVALID_ARGUMENT, "%zu rows exceed the session's max_batch of %u", row_count,
                         max_batch_);
  const Model& m = *model_;
  const Network& net = *m.network;
  const size_t T = m.window.length, F = m.features.size(), H = m.history_columns.size();
  // Validate every row before any window changes.
  for (size_t r = 0; r < row_count; ++r) {
    const Status s = compute_features(m, rows + r * value_count, value_count, &staged_[r * F], &keys_[r],
                                      &out_of_range_[r], staged_history_.data() + r * H);
    if (!s.is_ok()) {
      if (failed_row) *failed_row = r;
      // A single row's caller knows which row it passed; a batch says which one.
      return row_count == 1 ? s : Status::error(s.code(), "row %zu: %s", r, s.message());
    }
  }
  for (size_t r = 0; r < row_count; ++r) valid_[r] = push_row(keys_[r], &staged_[r * F], staged_history_.data() + r * H,
                                                              &out_of_range_[r], &input_[r * T * F]);
  NetworkOutput outputs{logits_.data(), net.has_attention() ? attention_.data() : nullptr};
  outputs.extras = extras_.empty() ? nullptr : extras_.data();
  forward_chunked(net, {input_.data(), valid_.data(), row_count}, workspace_.data(), outputs);
  // Fail closed: a score that could not be computed is an error, never a decision.
  for (size_t r = 0; r < row_count; ++r)
    if (!std::isfinite(logits_[r]) || !fill_outputs(r) ||
        !finite_floats(outputs.attention ? &attention_[r * T] : nullptr, T)) {
      if (failed_row) *failed_row = r;
      return Status::error(FS_ERR_INTERNAL, "row %zu: the network's score is not a finite number; the row is refused",
                           r);
    }

  for (size_t r = 0; r < row_count; ++r) {
    fs_result& out = results[r];
    const fs_value* row = rows + r * value_count;
    out.segment = segment_of(row);
    out.out_of_range = out_of_range_[r];
    score_probability(m.risk, logits_[r], &out);
    // Rows are decided in order: each row's thresholds include every earlier row.
    const AppliedThresholds applied = dynamic_ ? thresholds_.observe(out.segment, out.probability)
                                               : AppliedThresholds{m.risk.decision_threshold, m.risk.review_threshold};
    decide(applied.block, applied.review, &out);
    out.window_length = static_cast<uint32_t>(T);
    out.valid_steps = valid_[r];
    out.attention = nullptr;
    if (net.has_attention()) {
      float* dst = attention_out ? attention_out + r * T : nullptr;
      if (dst) std::memcpy(dst, &attention_[r * T], T * sizeof(float));
      out.attention = dst;
    }
    const size_t X = net.extra_outputs().size();
    out.outputs = X ? &outputs_[r * X] : nullptr;
    out.output_count = static_cast<uint32_t>(X);
    out.reasons = max_reasons_ ? &reasons_[r * max_reasons_] : nullptr;
    out.reason_count = 0;
  }
  explain(row_count, results);
  return Status::ok();
}

bool Session::fill_outputs(size_t r) {
  const std::vector<ExtraOutput>& specs = model_->network->extra_outputs();
  const size_t X = specs.size();
  for (size_t i = 0; i < X; ++i) {
    const ExtraOutput& spec = specs[i];
    const float raw = extras_[r * X + i];
    fs_output& o = outputs_[r * X + i];
    o.name = spec.name.c_str();
    o.kind = spec.kind;
    if (!std::isfinite(raw)) return false;
    if (spec.kind == FS_OUTPUT_PROBABILITY) {
      o.value = calibrated_output(spec, raw);
      o.label = nullptr;
    } else {
      if (!(raw >= 0.0f && raw < static_cast<float>(spec.labels.size()))) return false;
      const size_t index = static_cast<size_t>(raw);
      o.value = static_cast<double>(index);
      o.label = spec.labels[index].c_str();
    }
  }
  return true;
}

bool Session::wants_reasons(const fs_result& result) const {
  return max_reasons_ && !(reasons_flagged_only_ && result.decision == FS_DECISION_APPROVE);
}

// The reason codes of a call's rows: by the network's own attribution, one
// window at a time, or by occlusion, the occluded copies of a block of rows'
// windows in one batched network pass.
void Session::explain(size_t row_count, fs_result* results) {
  const Model& m = *model_;
  const size_t T = m.window.length, F = m.features.size(), G = m.reason_groups.size();
  if (m.network->has_attribution()) {
    for (size_t r = 0; r < row_count; ++r)
      if (wants_reasons(results[r])) {
        m.network->attribute(&input_[r * T * F], valid_[r], workspace_.data(), attribution_.data());
        attribution_reasons(m, attribution_.data(), reason_contributions_.data(), max_reasons_, &reasons_[r * max_reasons_],
                            &results[r].reason_count);
      }
    return;
  }
  if (!reason_block_rows_) return;
  for (size_t next = 0; next < row_count;) {
    uint32_t block = 0;
    for (; next < row_count && block < reason_block_rows_; ++next)
      if (wants_reasons(results[next])) {
        occlude_window(m, &input_[next * T * F], valid_[next], &reason_windows_[block * G * T * F],
                       &reason_valid_[block * G]);
        reason_rows_[block++] = static_cast<uint32_t>(next);
      }
    if (!block) break;
    forward_chunked(*m.network, {reason_windows_.data(), reason_valid_.data(), block * G}, workspace_.data(),
                    {reason_logits_.data(), nullptr});
    for (uint32_t i = 0; i < block; ++i) {
      const size_t r = reason_rows_[i];
      occlusion_reasons(m, results[r].probability, &reason_logits_[i * G], reason_contributions_.data(),
                        max_reasons_, &reasons_[r * max_reasons_], &results[r].reason_count);
    }
  }
}

uint32_t Session::push_row(uint64_t key, float* features, const double* history, uint32_t* out_of_range,
                           float* window) {
  const uint32_t slot = windows_.acquire(key);
  // History features read the rows before this one, so they are known only now.
  if (!model_->history_columns.empty())
    finish_history_features(*model_, windows_.history(slot), history, features, out_of_range);
  windows_.append(slot, features, history);
  return window ? windows_.copy_window(slot, window) : 0;
}

Status Session::append(const fs_value* row, size_t value_count) {
  uint64_t key = 0;
  FS_RETURN_IF_ERROR(compute_features(*model_, row, value_count, staged_.data(), &key, nullptr, staged_history_.data()));
  push_row(key, staged_.data(), staged_history_.data(), nullptr, nullptr);
  return Status::ok();
}

Status Session::has_window(const fs_value* row, size_t value_count, bool* out) const {
  uint64_t key = 0;
  FS_RETURN_IF_ERROR(window_key(*model_, row, value_count, &key));
  *out = windows_.contains(key);
  return Status::ok();
}

Status Session::feedback(const fs_value* row, size_t value_count, double probability, fs_feedback label) {
  if (!dynamic_) return Status::error(FS_ERR_UNSUPPORTED, "this session does not use dynamic thresholds");
  FS_RETURN_IF_ERROR(check_row(*model_, row, value_count));
  if (!(probability >= 0.0 && probability <= 1.0))
    return Status::error(FS_ERR_INVALID_ARGUMENT, "feedback probability %g is not in [0, 1]", probability);
  if (label != FS_FEEDBACK_CONFIRMED_FRAUD && label != FS_FEEDBACK_FALSE_ALARM)
    return Status::error(FS_ERR_INVALID_ARGUMENT, "unknown feedback label %d", static_cast<int>(label));
  thresholds_.feedback(segment_of(row), probability, label == FS_FEEDBACK_CONFIRMED_FRAUD);
  return Status::ok();
}

}  // namespace fraudscore
