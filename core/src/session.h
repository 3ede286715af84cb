// A scoring session: windows, dynamic thresholds and every buffer the network
// needs for max_batch windows (and for reason codes), all allocated by init().
// score() never allocates.
#pragma once

#include <cstdint>
#include <vector>

#include "dynamic_thresholds.h"
#include "fraudscore/fraudscore.h"
#include "model.h"
#include "status.h"
#include "window_store.h"

namespace fraudscore {

struct SessionOptions {
  uint32_t max_keys = 4096;
  uint32_t max_batch = 256;
  uint32_t max_reasons = 3;
  bool dynamic_thresholds = true;  // used only if the model enables them
  bool reasons_flagged_only = false;  // reason codes only for step_up and block
};

class Session {
 public:
  Status init(const Model& model, const SessionOptions& options);
  void reset();
  uint32_t key_count() const { return windows_.key_count(); }
  uint32_t max_batch() const { return max_batch_; }
  bool dynamic() const { return dynamic_; }
  uint64_t model_checksum() const { return model_->checksum; }

  // Score rows in order (see fs_session_score_batch). On a refused row
  // nothing changes and *failed_row names it.
  Status score(const fs_value* rows, size_t row_count, size_t value_count, fs_result* results, float* attention_out,
               size_t* failed_row);
  // One row; the result's attention points into the session (valid until its next call).
  Status score_one(const fs_value* row, size_t value_count, fs_result* result) {
    return score(row, 1, value_count, result, last_attention_.data(), nullptr);
  }

  // Append a row to its window without scoring it or moving thresholds, e.g.
  // to rebuild windows from rows stored elsewhere. A refused row changes nothing.
  Status append(const fs_value* row, size_t value_count);
  // Whether the row's key (or the global window) holds a window now. Only
  // the key column is read.
  Status has_window(const fs_value* row, size_t value_count, bool* out) const;

  Status feedback(const fs_value* row, size_t value_count, double probability, fs_feedback label);
  const DynamicThresholds* thresholds() const { return dynamic_ ? &thresholds_ : nullptr; }
  DynamicThresholds* thresholds() { return dynamic_ ? &thresholds_ : nullptr; }

 private:
  Status allocate(const Model& model);
  uint32_t segment_of(const fs_value* row) const;
  // Append a row's features to its key's window, completing its history
  // features first; copies the window to `window` (if not null) and returns
  // its real row count.
  uint32_t push_row(uint64_t key, float* features, const double* history, uint32_t* out_of_range, float* window);
  // Fill row r's named outputs from the network's extras; false if one is not a valid value.
  bool fill_outputs(size_t r);
  bool wants_reasons(const fs_result& result) const;
  void explain(size_t row_count, fs_result* results);

  const Model* model_ = nullptr;
  uint32_t max_batch_ = 0, max_keys_ = 0, max_reasons_ = 0;
  bool reasons_flagged_only_ = false;
  bool dynamic_ = false;
  WindowStore windows_;
  DynamicThresholds thresholds_;
  std::vector<float> staged_;      // [max_batch, features]
  std::vector<double> staged_history_;  // [max_batch, history columns]: rows' own history values
  std::vector<uint64_t> keys_;     // [max_batch]
  std::vector<uint32_t> out_of_range_;  // [max_batch]: features clipped to the training range
  std::vector<float> input_;       // [max_batch, steps, features]
  std::vector<uint32_t> valid_;    // [max_batch]
  std::vector<float> logits_;      // [max_batch]
  std::vector<float> extras_;      // [max_batch, extra outputs]: the network's logits or label indices
  std::vector<fs_output> outputs_;  // [max_batch, extra outputs]: the results' named outputs
  std::vector<double> attribution_;  // [steps, features]: one window's attribution (attributing families)
  std::vector<float> attention_;   // [max_batch, steps]
  std::vector<float> last_attention_;  // [steps]
  std::vector<float> workspace_;   // for max(max_batch, reason groups) windows
  // Reason codes: occluded copies of a block of rows' windows, and the results' reasons.
  uint32_t reason_block_rows_ = 0;  // rows whose occluded copies one pass takes (0: no occlusion)
  std::vector<uint32_t> reason_rows_;  // [reason_block_rows_]: which rows of the call are in the block
  std::vector<float> reason_windows_;
  std::vector<uint32_t> reason_valid_;
  std::vector<float> reason_logits_;
  std::vector<double> reason_contributions_;
  std::vector<fs_reason> reasons_;  // [max_batch, max_reasons]
};

}  // namespace fraudscore
