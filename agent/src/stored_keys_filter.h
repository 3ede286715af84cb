// Which keys may have rows in the store: a Bloom filter (2^20 bits, 128 KiB,
// three probes) per model, filled from the store at load and on every write.
// A key the filter has never seen has no stored window, so its first row
// needs no read from the store; a false positive costs one read, never a
// wrong window. Not thread-safe: used under the model's mutex.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fraudscore_agent {

class StoredKeysFilter {
 public:
  StoredKeysFilter() : bits_(kBits / 64, 0) {}
  void add(const std::string& key);
  bool may_contain(const std::string& key) const;

 private:
  static constexpr uint64_t kBits = uint64_t{1} << 20;
  static uint64_t hash(const std::string& key, uint64_t seed);
  std::vector<uint64_t> bits_;
};

}  // namespace fraudscore_agent
