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

class WindowStore {
 public:
  // per_key == false: a single global window; max_keys is ignored.
  Status init(uint32_t steps, uint32_t features, bool per_key, uint32_t max_keys);
  void clear();

  // Append a feature row to the window of `key_hash` (ignored for a global
  // window), creating it and evicting the least recently used key if needed.
  // Returns the slot that holds the window.
  uint32_t push(uint64_t key_hash, const float* features);

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

  uint32_t steps_ = 0, features_ = 0, slots_ = 0, used_ = 0;
  bool per_key_ = false;
  // [slots, steps, features], ring buffers. Left uninitialised: count_ bounds
  // every read, and zeroing megabytes was most of the time a new session took.
  std::unique_ptr<float[]> rows_;
  std::vector<uint32_t> count_;     // [slots] real rows held (<= steps)
  std::vector<uint32_t> next_row_;  // [slots] ring position of the next write
  std::vector<uint64_t> key_of_;    // [slots]
  std::vector<uint32_t> prev_, next_;  // LRU list over slots, most recent at head_
  uint32_t head_ = kNone, tail_ = kNone;
  std::vector<uint32_t> table_;     // open addressing: slot index or kNone
  uint32_t table_mask_ = 0;
};

}  // namespace fraudscore
