#include "session.h"

#include <cstdint>
#include <cstring>
#include <new>

#include "feature_pipeline.h"
#include "risk.h"

namespace fraudscore {

Status Session::init(const Model& model, uint32_t max_keys, uint32_t max_batch) {
  constexpr uint32_t kMaxBatch = 1u << 16;
  if (max_batch == 0 || max_keys == 0 || max_batch > kMaxBatch)
    return Status::error(FS_ERR_INVALID_ARGUMENT, "max_batch must be in 1..%u and max_keys positive", kMaxBatch);
  model_ = &model;
  max_batch_ = max_batch;
  const size_t T = model.window.length, F = model.features.size();
  // Buffer sizes must fit in size_t on 32-bit targets (wasm32, armhf) too.
  if (uint64_t{max_batch} * T * (F + 8) > SIZE_MAX / (16 * sizeof(float)))
    return Status::error(FS_ERR_NO_MEMORY, "a session of batch %u does not fit in memory", max_batch);
  FS_RETURN_IF_ERROR(windows_.init(static_cast<uint32_t>(T), static_cast<uint32_t>(F), model.window.per_key, max_keys));
  try {
    staged_.assign(max_batch * F, 0.0f);
    keys_.assign(max_batch, 0);
    input_.assign(max_batch * T * F, 0.0f);
    valid_.assign(max_batch, 0);
    logits_.assign(max_batch, 0.0f);
    attention_.assign(max_batch * T, 0.0f);
    last_attention_.assign(T, 0.0f);
    workspace_.assign(model.network->workspace_floats(max_batch), 0.0f);
  } catch (const std::bad_alloc&) {
    return Status::error(FS_ERR_NO_MEMORY, "out of memory for a session of batch %u", max_batch);
  }
  return Status::ok();
}

Status Session::score(const fs_value* rows, size_t row_count, size_t value_count, fs_result* results,
                      float* attention_out, size_t* failed_row) {
  if (row_count > max_batch_)
    return Status::error(FS_ERR_INVALID_ARGUMENT, "%zu rows exceed the session's max_batch of %u", row_count,
                         max_batch_);
  const Model& m = *model_;
  const size_t T = m.window.length, F = m.features.size();
  // Validate every row before any window changes.
  for (size_t r = 0; r < row_count; ++r) {
    const Status s = compute_features(m, rows + r * value_count, value_count, &staged_[r * F], &keys_[r]);
    if (!s.is_ok()) {
      if (failed_row) *failed_row = r;
      // A single row's caller knows which row it passed; a batch says which one.
      return row_count == 1 ? s : Status::error(s.code(), "row %zu: %s", r, s.message());
    }
  }
  for (size_t r = 0; r < row_count; ++r) {
    const uint32_t slot = windows_.push(keys_[r], &staged_[r * F]);
    valid_[r] = windows_.copy_window(slot, &input_[r * T * F]);
  }
  m.network->forward({input_.data(), valid_.data(), row_count}, workspace_.data(),
                     {logits_.data(), m.network->has_attention() ? attention_.data() : nullptr});
  for (size_t r = 0; r < row_count; ++r) {
    fs_result& out = results[r];
    assess_risk(m.risk, logits_[r], &out);
    out.window_length = static_cast<uint32_t>(T);
    out.valid_steps = valid_[r];
    out.attention = nullptr;
    if (m.network->has_attention()) {
      float* dst = attention_out ? attention_out + r * T : nullptr;
      if (dst) std::memcpy(dst, &attention_[r * T], T * sizeof(float));
      out.attention = dst;
    }
  }
  return Status::ok();
}

}  // namespace fraudscore
