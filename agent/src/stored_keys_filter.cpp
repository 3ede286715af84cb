#include "stored_keys_filter.h"

#include <algorithm>
#include <cmath>

namespace fraudscore_agent {
namespace {

// FNV-1a with a seed, finished with a 64-bit mix; keys are already keyed hashes.
uint64_t hash(const std::string& key, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char c : key) h = (h ^ c) * 0x100000001b3ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

StoredKeysFilter::StoredKeysFilter(uint64_t expected_keys) {
  // Room for twice the keys expected, so a store that keeps growing does not add a stage at once.
  stages_.push_back(make_stage(std::max(kMinCapacity, 2 * expected_keys), next_rate_));
  next_rate_ /= 2;
}

StoredKeysFilter::Stage StoredKeysFilter::make_stage(uint64_t capacity, double rate) {
  // The optimal Bloom filter for n keys at rate p: m = -n ln p / (ln 2)^2 bits, k = -log2 p probes.
  const double ln2 = std::log(2.0);
  Stage s;
  s.capacity = capacity;
  s.bit_count = std::max<uint64_t>(64, static_cast<uint64_t>(std::ceil(-double(capacity) * std::log(rate) / (ln2 * ln2))));
  s.bit_count = (s.bit_count + 63) / 64 * 64;
  s.probes = static_cast<uint32_t>(std::ceil(-std::log2(rate)));
  s.bits.assign(static_cast<size_t>(s.bit_count / 64), 0);
  return s;
}

// Probe i tests bit (h1 + i * h2) mod m (Kirsch and Mitzenmacher: two hashes make k).
bool StoredKeysFilter::stage_test(const Stage& s, uint64_t h1, uint64_t h2) {
  for (uint32_t i = 0; i < s.probes; ++i) {
    const uint64_t bit = (h1 + i * h2) % s.bit_count;
    if (!(s.bits[static_cast<size_t>(bit >> 6)] & (uint64_t{1} << (bit & 63)))) return false;
  }
  return true;
}

void StoredKeysFilter::stage_set(Stage& s, uint64_t h1, uint64_t h2) {
  for (uint32_t i = 0; i < s.probes; ++i) {
    const uint64_t bit = (h1 + i * h2) % s.bit_count;
    s.bits[static_cast<size_t>(bit >> 6)] |= uint64_t{1} << (bit & 63);
  }
}

void StoredKeysFilter::add(const std::string& key) {
  const uint64_t h1 = hash(key, 0), h2 = hash(key, 1) | 1;
  for (const Stage& s : stages_)
    if (stage_test(s, h1, h2)) return;  // present (or a false positive): counting it again would overfill
  if (stages_.back().keys >= stages_.back().capacity) {
    stages_.push_back(make_stage(2 * stages_.back().capacity, next_rate_));
    next_rate_ /= 2;
  }
  stage_set(stages_.back(), h1, h2);
  ++stages_.back().keys;
  ++keys_;
}

bool StoredKeysFilter::may_contain(const std::string& key) const {
  const uint64_t h1 = hash(key, 0), h2 = hash(key, 1) | 1;
  for (const Stage& s : stages_)
    if (stage_test(s, h1, h2)) return true;
  return false;
}

uint64_t StoredKeysFilter::capacity() const {
  uint64_t total = 0;
  for (const Stage& s : stages_) total += s.capacity;
  return total;
}

size_t StoredKeysFilter::memory_bytes() const {
  size_t total = 0;
  for (const Stage& s : stages_) total += s.bits.size() * sizeof(uint64_t);
  return total;
}

}  // namespace fraudscore_agent
