// The windows a session keeps: one global window, or one per key (account,
// card, ...) up to a fixed number of keys with least-recently-used eviction.
// All memory is allocated by init(); push() and copy_window() never allocate.
//
// Keys are held only as 64-bit hashes of their text (never the raw id); two
// keys that collide would share a window, with probability ~n^2 / 2^65.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "status.h"

namespace fraudscore {

// The past values a window holds of the model's history columns, read-only:
// the rows before the one being scored, at most `steps` of them.
struct HistoryView {
  const double* ring = nullptr;  // [steps, width], a ring buffer
  uint32_t steps = 0, width = 0, count = 0;
  uint32_t newest = 0;           // ring position of the most recent row (when count > 0)
  // Column `column`'s value `age` rows back (0: the most recent), age < count.
  double value(uint32_t age, uint32_t column) const {
    return ring[size_t{(newest + steps - age) % steps} * width + column];
  }
};

class WindowStore {
 public:
  // per_key == false: a single global window; max_keys is ignored.
  // history_width: how many columns' past values each window keeps beside its
  // feature rows (the model's history columns; 0 for most models).
  Status init(uint32_t steps, uint32_t features, uint32_t history_width, bool per_key, uint32_t max_keys);
  void clear();

  // The slot holding the window of `key_hash` (0 for a global window),
  // creating it and evicting the least recently used key if needed.
  uint32_t acquire(uint64_t key_hash);
  // The slot's past rows' history values, before the next append.
  HistoryView history(uint32_t slot) const;
  // Append a feature row (and its history values, history_width of them) to the slot's window.
  void append(uint32_t slot, const float* features, const double* history);
  // acquire() then append(); returns the slot.
  uint32_t push(uint64_t key_hash, const float* features, const double* history = nullptr) {
    const uint32_t slot = acquire(key_hash);
    append(slot, features, history);
    return slot;
  }

  // Write the slot's window to dst[steps * features], oldest first,
  // left-padded with zeros; returns the number of real rows.
  uint32_t copy_window(uint32_t slot, float* dst) const;

  // Whether `key_hash` has a window held now (for a global window: whether it
  // holds any row). Does not change recency.
  bool contains(uint64_t key_hash) const;

  uint32_t key_count() const { return per_key_ ? used_ : 0; }
  uint32_t capacity() const { return slots_; }

 private:
  static constexpr uint32_t kNone = 0xffffffffu;
  uint32_t find_or_insert(uint64_t key_hash);
  uint32_t home(uint64_t key_hash) const;
  void table_remove(uint32_t position);
  void lru_unlink(uint32_t slot);
  void lru_push_front(uint32_t slot);

  uint32_t steps_ = 0, features_ = 0, history_width_ = 0, slots_ = 0, used_ = 0;
  bool per_key_ = false;
  // [slots, steps, features], ring buffers. Left uninitialised: count_ bounds
  // every read, and zeroing megabytes was most of the time a new session took.
  std::unique_ptr<float[]> rows_;
  std::unique_ptr<double[]> history_;  // [slots, steps, history_width], rings beside rows_
  std::vector<uint32_t> count_;     // [slots] real rows held (<= steps)
  std::vector<uint32_t> next_row_;  // [slots] ring position of the next write
  std::vector<uint64_t> key_of_;    // [slots]
  std::vector<uint32_t> prev_, next_;  // LRU list over slots, most recent at head_
  uint32_t head_ = kNone, tail_ = kNone;
  std::vector<uint32_t> table_;     // open addressing: slot index or kNone
  uint32_t table_mask_ = 0;
};

}  // namespace fraudscore
