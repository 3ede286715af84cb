// The stored-keys Bloom filter: no false negatives, about 1% false positives
// at any number of keys (it grows with them), and memory in proportion.
#include <gtest/gtest.h>

#include <cstdio>

#include "stored_keys_filter.h"

namespace {

using fraudscore_agent::StoredKeysFilter;

// Keys shaped like the agent's: 32 hex digits of a keyed hash.
std::string key(uint64_t i, uint64_t salt) {
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(i * 0x9e3779b97f4a7c15ULL ^ salt),
                static_cast<unsigned long long>(i + salt));
  return text;
}

double false_positive_rate(const StoredKeysFilter& f, uint64_t probes) {
  uint64_t hits = 0;
  for (uint64_t i = 0; i < probes; ++i) hits += f.may_contain(key(i, 0xabcdef)) ? 1 : 0;
  return double(hits) / double(probes);
}

TEST(StoredKeysFilter, SizedFromTheExpectedCountItStaysNearOnePercent) {
  constexpr uint64_t kKeys = 200000;
  StoredKeysFilter f(kKeys);
  for (uint64_t i = 0; i < kKeys; ++i) f.add(key(i, 1));
  for (uint64_t i = 0; i < kKeys; ++i) ASSERT_TRUE(f.may_contain(key(i, 1))) << i;
  const double rate = false_positive_rate(f, 200000);
  EXPECT_LT(rate, 0.01);
  EXPECT_EQ(f.stage_count(), 1u);
  // About 11 bits per key of capacity (twice the keys expected), not a fixed 128 KiB.
  EXPECT_LT(f.memory_bytes(), 2 * kKeys * 12 / 8 + 1024);
  std::printf("200k keys sized up front: false positives %.3f%%, %zu KiB\n", 100 * rate, f.memory_bytes() / 1024);
}

TEST(StoredKeysFilter, GrowingPastItsCapacityKeepsTheRateBelowOnePercent) {
  constexpr uint64_t kKeys = 1000000;
  StoredKeysFilter f;  // sized for a small store: grows stage by stage
  const size_t empty_bytes = f.memory_bytes();
  EXPECT_LT(empty_bytes, 4096u);
  for (uint64_t i = 0; i < kKeys; ++i) f.add(key(i, 2));
  EXPECT_GT(f.stage_count(), 5u);
  EXPECT_GE(f.capacity(), kKeys);
  for (uint64_t i = 0; i < kKeys; i += 7) ASSERT_TRUE(f.may_contain(key(i, 2))) << i;
  const double rate = false_positive_rate(f, 300000);
  EXPECT_LT(rate, 0.01);
  // Each stage costs more bits a key than the one before (its rate is halved): a filter
  // grown from empty is larger than one sized up front, until a reload or restart resizes it.
  EXPECT_LT(f.memory_bytes(), kKeys * 32 / 8);
  std::printf("1M keys grown from empty: %zu stages, false positives %.3f%%, %zu KiB\n", f.stage_count(), 100 * rate,
              f.memory_bytes() / 1024);
  // The fixed 2^20-bit filter this replaced: ~90% false positives at a million keys.
}

TEST(StoredKeysFilter, AddingAKeyAgainDoesNotCountIt) {
  StoredKeysFilter f;
  for (int r = 0; r < 5; ++r)
    for (uint64_t i = 0; i < 1000; ++i) f.add(key(i, 3));
  EXPECT_LE(f.keys(), 1000u);
  EXPECT_GE(f.keys(), 990u);
  EXPECT_EQ(f.stage_count(), 1u);
}

}  // namespace
