#include "window_store.h"

#include <cstdint>
#include <cstring>
#include <new>

namespace fraudscore {

Status WindowStore::init(uint32_t steps, uint32_t features, uint32_t history_width, bool per_key,
                         uint32_t max_keys) {
  steps_ = steps;
  features_ = features;
  history_width_ = history_width;
  per_key_ = per_key;
  slots_ = per_key ? max_keys : 1;
  if (slots_ == 0) return Status::error(FS_ERR_INVALID_ARGUMENT, "max_keys must be positive");
  // The table size (a power of two >= 2 * max_keys) must fit in 32 bits, and
  // the ring buffers in size_t (32 bits on wasm32 and armhf).
  if (slots_ > (1u << 30)) return Status::error(FS_ERR_INVALID_ARGUMENT, "max_keys %u exceeds 2^30", slots_);
  if (uint64_t{slots_} * steps_ * (features_ + 2 * uint64_t{history_width_}) > SIZE_MAX / sizeof(float))
    return Status::error(FS_ERR_NO_MEMORY, "%u windows of %u x %u do not fit in memory", slots_, steps_, features_);
  uint32_t table_size = 1;
  while (per_key && table_size < 2 * slots_) table_size <<= 1;
  try {
    rows_.reset(new float[size_t{slots_} * steps_ * features_]);
    history_.reset(history_width_ ? new double[size_t{slots_} * steps_ * history_width_] : nullptr);
    count_.assign(slots_, 0);
    next_row_.assign(slots_, 0);
    key_of_.assign(slots_, 0);
    prev_.assign(slots_, kNone);
    next_.assign(slots_, kNone);
    table_.assign(per_key ? table_size : 0, kNone);
  } catch (const std::bad_alloc&) {
    return Status::error(FS_ERR_NO_MEMORY, "out of memory for %u windows of %u x %u", slots_, steps_, features_);
  }
  table_mask_ = per_key ? table_size - 1 : 0;
  clear();
  return Status::ok();
}

void WindowStore::clear() {
  std::fill(count_.begin(), count_.end(), 0u);
  std::fill(next_row_.begin(), next_row_.end(), 0u);
  std::fill(table_.begin(), table_.end(), kNone);
  head_ = tail_ = kNone;
  used_ = 0;
}

uint32_t WindowStore::home(uint64_t key_hash) const {
  key_hash ^= key_hash >> 33;
  key_hash *= 0xff51afd7ed558ccdULL;
  key_hash ^= key_hash >> 33;
  return static_cast<uint32_t>(key_hash) & table_mask_;
}

void WindowStore::lru_unlink(uint32_t slot) {
  if (prev_[slot] != kNone) next_[prev_[slot]] = next_[slot]; else head_ = next_[slot];
  if (next_[slot] != kNone) prev_[next_[slot]] = prev_[slot]; else tail_ = prev_[slot];
  prev_[slot] = next_[slot] = kNone;
}

void WindowStore::lru_push_front(uint32_t slot) {
  prev_[slot] = kNone;
  next_[slot] = head_;
  if (head_ != kNone) prev_[head_] = slot;
  head_ = slot;
  if (tail_ == kNone) tail_ = slot;
}

// Linear-probing deletion by backward shift, so lookups need no tombstones.
void WindowStore::table_remove(uint32_t position) {
  uint32_t hole = position;
  uint32_t j = (hole + 1) & table_mask_;
  while (table_[j] != kNone) {
    const uint32_t h = home(key_of_[table_[j]]);
    const bool movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
    if (movable) {
      table_[hole] = table_[j];
      hole = j;
    }
    j = (j + 1) & table_mask_;
  }
  table_[hole] = kNone;
}

uint32_t WindowStore::find_or_insert(uint64_t key_hash) {
  uint32_t pos = home(key_hash);
  while (table_[pos] != kNone) {
    if (key_of_[table_[pos]] == key_hash) {
      const uint32_t slot = table_[pos];
      if (head_ != slot) {
        lru_unlink(slot);
        lru_push_front(slot);
      }
      return slot;
    }
    pos = (pos + 1) & table_mask_;
  }
  uint32_t slot;
  if (used_ < slots_) {
    slot = used_++;
  } else {
    // Evict the least recently used key; its window starts afresh if it returns.
    slot = tail_;
    uint32_t old = home(key_of_[slot]);
    while (table_[old] != slot) old = (old + 1) & table_mask_;
    table_remove(old);
    lru_unlink(slot);
    pos = home(key_hash);
    while (table_[pos] != kNone) pos = (pos + 1) & table_mask_;
  }
  key_of_[slot] = key_hash;
  count_[slot] = 0;
  next_row_[slot] = 0;
  table_[pos] = slot;
  lru_push_front(slot);
  return slot;
}

bool WindowStore::contains(uint64_t key_hash) const {
  if (!per_key_) return count_[0] > 0;
  for (uint32_t pos = home(key_hash); table_[pos] != kNone; pos = (pos + 1) & table_mask_)
    if (key_of_[table_[pos]] == key_hash) return true;
  return false;
}

uint32_t WindowStore::acquire(uint64_t key_hash) { return per_key_ ? find_or_insert(key_hash) : 0; }

HistoryView WindowStore::history(uint32_t slot) const {
  HistoryView view;
  view.ring = history_.get() + size_t{slot} * steps_ * history_width_;
  view.steps = steps_;
  view.width = history_width_;
  view.count = count_[slot];
  view.newest = (next_row_[slot] + steps_ - 1) % steps_;
  return view;
}

void WindowStore::append(uint32_t slot, const float* features, const double* history) {
  const size_t position = size_t{slot} * steps_ + next_row_[slot];
  std::memcpy(rows_.get() + position * features_, features, features_ * sizeof(float));
  if (history_width_) std::memcpy(history_.get() + position * history_width_, history, history_width_ * sizeof(double));
  next_row_[slot] = (next_row_[slot] + 1) % steps_;
  if (count_[slot] < steps_) ++count_[slot];
}

uint32_t WindowStore::copy_window(uint32_t slot, float* dst) const {
  const uint32_t n = count_[slot];
  const size_t row_bytes = features_ * sizeof(float);
  std::memset(dst, 0, (steps_ - n) * row_bytes);
  // The oldest real row sits n rows before the next write position.
  const uint32_t oldest = (next_row_[slot] + steps_ - n) % steps_;
  const float* ring = rows_.get() + size_t{slot} * steps_ * features_;
  for (uint32_t i = 0; i < n; ++i)
    std::memcpy(dst + (steps_ - n + i) * features_, ring + ((oldest + i) % steps_) * features_, row_bytes);
  return n;
}

}  // namespace fraudscore
