// A scoring session: windows plus every buffer the network needs for
// max_batch windows, all allocated by create(). score() never allocates.
#pragma once

#include <cstdint>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "model.h"
#include "status.h"
#include "window_store.h"

namespace fraudscore {

class Session {
 public:
  Status init(const Model& model, uint32_t max_keys, uint32_t max_batch);
  void reset() { windows_.clear(); }
  uint32_t key_count() const { return windows_.key_count(); }
  uint32_t max_batch() const { return max_batch_; }

  // Score rows in order (see fs_session_score_batch). On a refused row
  // nothing changes and *failed_row names it.
  Status score(const fs_value* rows, size_t row_count, size_t value_count, fs_result* results, float* attention_out,
               size_t* failed_row);
  // One row; the result's attention points into the session (valid until its next call).
  Status score_one(const fs_value* row, size_t value_count, fs_result* result) {
    return score(row, 1, value_count, result, last_attention_.data(), nullptr);
  }

 private:
  const Model* model_ = nullptr;
  uint32_t max_batch_ = 0;
  WindowStore windows_;
  std::vector<float> staged_;      // [max_batch, features]
  std::vector<uint64_t> keys_;     // [max_batch]
  std::vector<float> input_;       // [max_batch, steps, features]
  std::vector<uint32_t> valid_;    // [max_batch]
  std::vector<float> logits_;      // [max_batch]
  std::vector<float> attention_;   // [max_batch, steps]
  std::vector<float> last_attention_;  // [steps]
  std::vector<float> workspace_;
};

}  // namespace fraudscore
