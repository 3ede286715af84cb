// Windows: the global ring with left padding, independent per-key windows,
// LRU eviction at max_keys, and a randomised comparison against a plain
// std::map + std::list model of the same semantics.
#include <doctest/doctest.h>

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "test_models.h"
#include "window_store.h"

using fraudscore::WindowStore;

namespace {

// Window of `slot` as a vector (steps * features).
std::vector<float> window_of(const WindowStore& ws, uint32_t slot, uint32_t steps, uint32_t features,
                             uint32_t* valid) {
  std::vector<float> out(size_t{steps} * features, -1.0f);
  *valid = ws.copy_window(slot, out.data());
  return out;
}

// The reference: most recently used key at the front of `lru`.
class ModelLru {
 public:
  ModelLru(uint32_t steps, uint32_t features, uint32_t max_keys)
      : steps_(steps), features_(features), max_keys_(max_keys) {}

  void push(uint64_t key, const std::vector<float>& row) {
    auto it = rows_.find(key);
    if (it != rows_.end()) {
      lru_.remove(key);
    } else {
      if (rows_.size() == max_keys_) {
        rows_.erase(lru_.back());
        lru_.pop_back();
      }
      it = rows_.emplace(key, std::deque<std::vector<float>>()).first;
    }
    lru_.push_front(key);
    it->second.push_back(row);
    if (it->second.size() > steps_) it->second.pop_front();
  }

  std::vector<float> window(uint64_t key, uint32_t* valid) const {
    const auto& q = rows_.at(key);
    std::vector<float> out(size_t{steps_ - q.size()} * features_, 0.0f);
    for (const auto& r : q) out.insert(out.end(), r.begin(), r.end());
    *valid = static_cast<uint32_t>(q.size());
    return out;
  }

  size_t size() const { return rows_.size(); }

 private:
  uint32_t steps_, features_, max_keys_;
  std::map<uint64_t, std::deque<std::vector<float>>> rows_;
  std::list<uint64_t> lru_;
};

// The store's current home-position mix (see window_store.cpp), only used to
// find colliding keys that stress linear probing and backward-shift deletion.
// If the hash changes, the test still runs, just with less clustering.
uint32_t home_guess(uint64_t h, uint32_t mask) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<uint32_t>(h) & mask;
}

}  // namespace

TEST_CASE("global window: left padding with zeros, ring order oldest first") {
  WindowStore ws;
  REQUIRE(ws.init(4, 2, 0, false, 123).is_ok());
  CHECK(ws.capacity() == 1);
  CHECK(ws.key_count() == 0);
  uint32_t valid = 99;
  CHECK(window_of(ws, 0, 4, 2, &valid) == std::vector<float>(8, 0.0f));
  CHECK(valid == 0);

  std::vector<std::vector<float>> expected = {
      {0, 0, 0, 0, 0, 0, 1, 10},  {0, 0, 0, 0, 1, 10, 2, 20},  {0, 0, 1, 10, 2, 20, 3, 30},
      {1, 10, 2, 20, 3, 30, 4, 40}, {2, 20, 3, 30, 4, 40, 5, 50}, {3, 30, 4, 40, 5, 50, 6, 60},
      {4, 40, 5, 50, 6, 60, 7, 70}, {5, 50, 6, 60, 7, 70, 8, 80}, {6, 60, 7, 70, 8, 80, 9, 90},
  };
  for (uint32_t i = 1; i <= 9; ++i) {
    const float row[2] = {static_cast<float>(i), static_cast<float>(10 * i)};
    // The key is ignored for a global window.
    const uint32_t slot = ws.push(0x1234u * i, row);
    CHECK(slot == 0);
    INFO("after row " << i);
    CHECK(window_of(ws, slot, 4, 2, &valid) == expected[i - 1]);
    CHECK(valid == (i < 4 ? i : 4u));
    CHECK(ws.key_count() == 0);
  }
  ws.clear();
  CHECK(window_of(ws, 0, 4, 2, &valid) == std::vector<float>(8, 0.0f));
  CHECK(valid == 0);
  const float row[2] = {7, 8};
  ws.push(0, row);
  CHECK(window_of(ws, 0, 4, 2, &valid) == std::vector<float>{0, 0, 0, 0, 0, 0, 7, 8});
  CHECK(valid == 1);
}

TEST_CASE("a window of length 1 holds the latest row only") {
  WindowStore ws;
  REQUIRE(ws.init(1, 3, 0, true, 2).is_ok());
  const float a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
  uint32_t valid = 0;
  const uint32_t slot = ws.push(77, a);
  CHECK(ws.push(77, b) == slot);
  CHECK(window_of(ws, slot, 1, 3, &valid) == std::vector<float>{4, 5, 6});
  CHECK(valid == 1);
}

TEST_CASE("per-key windows are independent") {
  WindowStore ws;
  REQUIRE(ws.init(3, 1, 0, true, 8).is_ok());
  const uint64_t alice = 0xa11ce, bob = 0xb0b;
  float x = 1;
  const uint32_t sa = ws.push(alice, &x);
  x = 2;
  const uint32_t sb = ws.push(bob, &x);
  CHECK(sa != sb);
  x = 3;
  CHECK(ws.push(alice, &x) == sa);
  x = 4;
  CHECK(ws.push(alice, &x) == sa);
  x = 5;
  CHECK(ws.push(alice, &x) == sa);
  uint32_t valid = 0;
  CHECK(window_of(ws, sa, 3, 1, &valid) == std::vector<float>{3, 4, 5});
  CHECK(valid == 3);
  CHECK(window_of(ws, sb, 3, 1, &valid) == std::vector<float>{0, 0, 2});
  CHECK(valid == 1);
  CHECK(ws.key_count() == 2);
  ws.clear();
  CHECK(ws.key_count() == 0);
  x = 6;
  const uint32_t again = ws.push(bob, &x);
  CHECK(window_of(ws, again, 3, 1, &valid) == std::vector<float>{0, 0, 6});
  CHECK(valid == 1);
}

TEST_CASE("LRU eviction at max_keys: the evicted key starts fresh, a recently used key survives") {
  WindowStore ws;
  REQUIRE(ws.init(4, 1, 0, true, 3).is_ok());
  CHECK(ws.capacity() == 3);
  const uint64_t A = 1, B = 2, C = 3, D = 4;
  uint32_t valid = 0;
  auto push = [&](uint64_t key, float value) {
    const uint32_t slot = ws.push(key, &value);
    std::vector<float> w = window_of(ws, slot, 4, 1, &valid);
    return w;
  };
  push(A, 10);
  push(B, 20);
  push(C, 30);
  push(A, 11);  // A is now the most recent; B the least
  CHECK(ws.key_count() == 3);
  push(D, 40);  // evicts B
  CHECK(ws.key_count() == 3);
  CHECK(push(A, 12) == std::vector<float>{0, 10, 11, 12});  // A survived with its rows
  CHECK(valid == 3);
  CHECK(push(B, 21) == std::vector<float>{0, 0, 0, 21});  // B starts fresh; evicts C
  CHECK(valid == 1);
  CHECK(push(D, 41) == std::vector<float>{0, 0, 40, 41});  // D survived
  CHECK(push(C, 31) == std::vector<float>{0, 0, 0, 31});   // C was evicted by B
  CHECK(ws.key_count() == 3);
}

TEST_CASE("eviction through a session: max_keys bounds the keys held") {
  fraudscore_test::TestModelOptions o;
  o.per_key = true;
  o.window_length = 5;
  const std::vector<uint8_t> bytes = fraudscore_test::build_test_model(o);
  fs_model* model = nullptr;
  REQUIRE(fs_model_load(bytes.data(), bytes.size(), &model) == FS_OK);
  fs_session_options options{2, 4, 0, FS_THRESHOLDS_MODEL, FS_REASONS_ALL};
  fs_session* s = nullptr;
  REQUIRE(fs_session_create(model, &options, &s) == FS_OK);
  fs_result r;
  auto score = [&](const char* key) {
    const fraudscore_test::Row row = fraudscore_test::make_row(1, "PAYMENT", 10, key, 100, "M1");
    REQUIRE(fs_session_score(s, row.data(), row.size(), &r) == FS_OK);
    return r.valid_steps;
  };
  uint32_t keys = 0;
  CHECK(score("A") == 1);
  CHECK(score("B") == 1);
  CHECK(score("A") == 2);
  CHECK(score("C") == 1);  // evicts B
  REQUIRE(fs_session_key_count(s, &keys) == FS_OK);
  CHECK(keys == 2);
  CHECK(score("A") == 3);
  CHECK(score("B") == 1);  // fresh again; evicts C
  CHECK(score("C") == 1);  // evicts A
  CHECK(score("A") == 1);
  // Attention on padded steps is exactly zero.
  for (uint32_t t = 0; t + r.valid_steps < r.window_length; ++t) CHECK(r.attention[t] == 0.0f);
  fs_session_free(s);
  fs_model_free(model);
}

TEST_CASE("invalid window store settings") {
  WindowStore ws;
  CHECK(ws.init(4, 2, 0, true, 0).code() == FS_ERR_INVALID_ARGUMENT);
  // An absurd max_keys is refused (not an endless loop sizing the table, not
  // an overflowing allocation).
  const fraudscore::Status huge = ws.init(4, 2, 0, true, 0xffffffffu);
  CHECK(huge.code() == FS_ERR_INVALID_ARGUMENT);
  CHECK(std::string(huge.message()).find("max_keys") != std::string::npos);
  CHECK(ws.init(4, 2, 0, true, (1u << 30) + 1).code() == FS_ERR_INVALID_ARGUMENT);
  // A global window ignores max_keys.
  REQUIRE(ws.init(4, 2, 0, false, 0xffffffffu).is_ok());
  CHECK(ws.capacity() == 1);

  // The same through the C API.
  fraudscore_test::TestModelOptions o;
  const std::vector<uint8_t> global_bytes = fraudscore_test::build_test_model(o);
  o.per_key = true;
  const std::vector<uint8_t> per_key_bytes = fraudscore_test::build_test_model(o);
  fs_model *global = nullptr, *per_key = nullptr;
  REQUIRE(fs_model_load(global_bytes.data(), global_bytes.size(), &global) == FS_OK);
  REQUIRE(fs_model_load(per_key_bytes.data(), per_key_bytes.size(), &per_key) == FS_OK);
  fs_session_options options{0xffffffffu, 0, 0, FS_THRESHOLDS_MODEL, FS_REASONS_ALL};
  fs_session* s = nullptr;
  // 2^32 keys' windows exceed the session memory budget: refused before any allocation.
  CHECK(fs_session_create(per_key, &options, &s) == FS_ERR_NO_MEMORY);
  CHECK(std::string(fs_last_error()).find("sessions are limited to") != std::string::npos);
  CHECK(s == nullptr);
  REQUIRE(fs_session_create(global, &options, &s) == FS_OK);
  fs_session_free(s);
  fs_model_free(global);
  fs_model_free(per_key);
}

TEST_CASE("randomised inserts and evictions match a std::map + std::list LRU model") {
  struct Config {
    uint32_t max_keys, steps, features, key_pool, pushes;
    int colliding;  // 0: random keys; 1: homes 0..2; 2: the last two homes (clusters wrap)
  };
  const Config configs[] = {
      {1, 3, 2, 4, 300, 0},  {2, 1, 1, 5, 500, 0},   {3, 4, 2, 7, 1500, 0}, {7, 5, 3, 20, 3000, 0},
      {16, 3, 1, 40, 4000, 0}, {64, 2, 2, 100, 6000, 0}, {8, 3, 1, 10, 3000, 1}, {32, 2, 1, 36, 4000, 1},
      {8, 3, 1, 10, 3000, 2},  {32, 2, 1, 36, 4000, 2}, {8, 2, 1, 24, 3000, 2},
  };
  std::mt19937 rng(12345);
  for (const Config& c : configs) {
    INFO("max_keys " << c.max_keys << " steps " << c.steps << " pool " << c.key_pool
                     << " colliding " << c.colliding);
    // Keys: random 64-bit values, or values that share a handful of home
    // positions in the open-addressing table.
    uint32_t table_size = 1;
    while (table_size < 2 * c.max_keys) table_size <<= 1;
    std::vector<uint64_t> pool;
    std::set<uint64_t> seen;
    uint64_t candidate = 0;
    while (pool.size() < c.key_pool) {
      const uint64_t key = c.colliding ? ++candidate : (uint64_t{rng()} << 32 | rng());
      const uint32_t mask = table_size - 1, home = home_guess(key, mask);
      if (c.colliding == 1 && home > 2) continue;
      if (c.colliding == 2 && home + 1 < mask) continue;
      if (seen.insert(key).second) pool.push_back(key);
    }

    WindowStore ws;
    REQUIRE(ws.init(c.steps, c.features, 0, true, c.max_keys).is_ok());
    ModelLru model(c.steps, c.features, c.max_keys);
    std::map<uint64_t, uint32_t> slot_of;  // resident keys -> slot
    size_t mismatches = 0;
    float counter = 0;
    for (uint32_t i = 0; i < c.pushes; ++i) {
      // Mostly uniform over the pool (keys come back while still held), with
      // a few hot keys that are always recent.
      const uint32_t r = static_cast<uint32_t>(rng());
      const uint64_t key = pool[(r & 3) != 0 ? (r >> 2) % c.key_pool : (r >> 2) % (c.max_keys / 2 + 1)];
      std::vector<float> row(c.features);
      for (float& x : row) x = ++counter;
      const uint32_t slot = ws.push(key, row.data());
      model.push(key, row);
      uint32_t valid_store = 0, valid_model = 0;
      const std::vector<float> got = window_of(ws, slot, c.steps, c.features, &valid_store);
      const std::vector<float> want = model.window(key, &valid_model);
      if (got != want || valid_store != valid_model || ws.key_count() != model.size()) ++mismatches;
      if (slot >= c.max_keys) ++mismatches;
      // A resident key keeps its slot; two resident keys never share one.
      auto it = slot_of.find(key);
      if (it != slot_of.end() && valid_model > 1 && it->second != slot) ++mismatches;
      for (auto other = slot_of.begin(); other != slot_of.end();) {
        if (other->first != key && other->second == slot)
          other = slot_of.erase(other);  // that key was evicted to make room
        else
          ++other;
      }
      slot_of[key] = slot;
    }
    CHECK(mismatches == 0);
    CHECK(ws.key_count() == model.size());
  }
}
