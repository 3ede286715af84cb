#include "stored_keys_filter.h"

namespace fraudscore_agent {

// FNV-1a with a seed, finished with a 64-bit mix; keys are already keyed hashes.
uint64_t StoredKeysFilter::hash(const std::string& key, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char c : key) h = (h ^ c) * 0x100000001b3ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

void StoredKeysFilter::add(const std::string& key) {
  for (uint64_t probe = 0; probe < 3; ++probe) {
    const uint64_t bit = hash(key, probe) & (kBits - 1);
    bits_[static_cast<size_t>(bit >> 6)] |= uint64_t{1} << (bit & 63);
  }
}

bool StoredKeysFilter::may_contain(const std::string& key) const {
  for (uint64_t probe = 0; probe < 3; ++probe) {
    const uint64_t bit = hash(key, probe) & (kBits - 1);
    if (!(bits_[static_cast<size_t>(bit >> 6)] & (uint64_t{1} << (bit & 63)))) return false;
  }
  return true;
}

}  // namespace fraudscore_agent
