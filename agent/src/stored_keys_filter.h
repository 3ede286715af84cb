// Which keys may have rows in the store: a Bloom filter per model, filled
// from the store at load and on every write. A key the filter has never seen
// has no stored window, so its first row needs no read from the store; a
// false positive costs one read, never a wrong window.
//
// Sized from the number of keys expected (the store's count at load) for
// about 1% false positives, and growing with the keys: when a stage is full a
// new one twice as large is added (a scalable Bloom filter), with half the
// false-positive rate of the one before, so the rate over all stages stays
// under 1% however many keys come (0.4% + 0.2% + ... < 0.8%, leaving room
// for the hashes being less than ideal). Memory: about 11
// bits per key of capacity for the first stage, one and a half more for each
// later one; a reload or restart sizes the filter afresh from the store.
// Not thread-safe: used under the model's mutex.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fraudscore_agent {

class StoredKeysFilter {
 public:
  static constexpr uint64_t kMinCapacity = 1024;
  static constexpr double kFirstStageRate = 0.004;

  explicit StoredKeysFilter(uint64_t expected_keys = 0);
  void add(const std::string& key);
  bool may_contain(const std::string& key) const;

  uint64_t keys() const { return keys_; }  // distinct keys added (as far as the filter can tell)
  uint64_t capacity() const;               // keys the current stages hold at their rates
  size_t stage_count() const { return stages_.size(); }
  size_t memory_bytes() const;

 private:
  struct Stage {
    std::vector<uint64_t> bits;
    uint64_t bit_count = 0, capacity = 0, keys = 0;
    uint32_t probes = 0;
  };
  static Stage make_stage(uint64_t capacity, double false_positive_rate);
  static bool stage_test(const Stage& s, uint64_t h1, uint64_t h2);
  static void stage_set(Stage& s, uint64_t h1, uint64_t h2);

  std::vector<Stage> stages_;
  double next_rate_ = kFirstStageRate;
  uint64_t keys_ = 0;
};

}  // namespace fraudscore_agent
