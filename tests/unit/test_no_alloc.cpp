// Scoring performs no heap allocation (fraudscore.h: "No heap allocation").
//
// This executable replaces every global operator new / new[] (plain, nothrow,
// aligned) with a counting version, builds sessions on a full-size model, and
// checks that the count does not move across scoring, batch scoring, refused
// rows and per-key eviction churn. Any std::vector, std::string (beyond the
// small-string buffer) or other operator new on those paths makes it fail.
// It is its own executable because the replacement is program-wide.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

// The replacement operators below pair malloc with free on purpose; GCC 12's
// -Wmismatched-new-delete misreads that once library code is inlined into them.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "gbdt_test_model.h"
#include "lle_svm_test_model.h"
#include "test_models.h"

namespace {

// Calls of any operator new since the program started. No threads are
// involved; a plain counter is enough.
std::size_t g_new_calls = 0;

void* counted_malloc(std::size_t size) {
  ++g_new_calls;
  return std::malloc(size ? size : 1);
}

// Aligned blocks: over-allocate with malloc and keep the original pointer just
// before the aligned block (portable; no aligned_alloc needed).
void* counted_aligned(std::size_t size, std::size_t alignment) {
  ++g_new_calls;
  if (alignment < alignof(void*)) alignment = alignof(void*);
  if (size > std::numeric_limits<std::size_t>::max() - alignment - sizeof(void*)) return nullptr;
  void* raw = std::malloc(size + alignment + sizeof(void*));
  if (!raw) return nullptr;
  const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(raw) + sizeof(void*);
  const std::uintptr_t aligned = (start + alignment - 1) & ~(static_cast<std::uintptr_t>(alignment) - 1);
  reinterpret_cast<void**>(aligned)[-1] = raw;
  return reinterpret_cast<void*>(aligned);
}

void aligned_free(void* p) {
  if (p) std::free(static_cast<void**>(p)[-1]);
}

[[noreturn]] void out_of_memory() {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  throw std::bad_alloc();
#else
  std::abort();
#endif
}

void* must(void* p) {
  if (!p) out_of_memory();
  return p;
}

}  // namespace

void* operator new(std::size_t size) { return must(counted_malloc(size)); }
void* operator new[](std::size_t size) { return must(counted_malloc(size)); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_malloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return counted_malloc(size); }
void* operator new(std::size_t size, std::align_val_t a) {
  return must(counted_aligned(size, static_cast<std::size_t>(a)));
}
void* operator new[](std::size_t size, std::align_val_t a) {
  return must(counted_aligned(size, static_cast<std::size_t>(a)));
}
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_aligned(size, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_aligned(size, static_cast<std::size_t>(a));
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { aligned_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { aligned_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { aligned_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { aligned_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { aligned_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { aligned_free(p); }

using namespace fraudscore_test;

namespace {

constexpr uint32_t kMaxBatch = 256;
constexpr uint32_t kMaxKeys = 64;
constexpr size_t kKeys = 3 * kMaxKeys;  // more distinct keys than max_keys: constant eviction
#if defined(FRAUDSCORE_TEST_EMULATED)
constexpr size_t kSingleScores = 100;  // under qemu
constexpr size_t kBatchRows = kMaxBatch;
#else
constexpr size_t kSingleScores = 1000;
constexpr size_t kBatchRows = 1024;
#endif

// Everything the measured loops need, allocated up front.
struct Fixture {
  Fixture() {
    TestModelOptions o = TestModelOptions::full_size();
    o.window_length = 10;
    const std::vector<uint8_t> global_bytes = build_test_model(o);
    o.per_key = true;
    o.feature_set = FeatureSet::History;  // the per-key model also keeps its keys' past values
    const std::vector<uint8_t> per_key_bytes = build_test_model(o);

    const size_t before_load = g_new_calls;
    REQUIRE(fs_model_load(global_bytes.data(), global_bytes.size(), &global_model) == FS_OK);
    // The counter sees the library's allocations (loading copies the file).
    REQUIRE(g_new_calls > before_load);
    REQUIRE(fs_model_load(per_key_bytes.data(), per_key_bytes.size(), &per_key_model) == FS_OK);

    fs_session_options options{kMaxKeys, kMaxBatch, 0, FS_THRESHOLDS_MODEL, FS_REASONS_ALL};
    REQUIRE(fs_session_create(global_model, &options, &global) == FS_OK);
    REQUIRE(fs_session_create(per_key_model, &options, &per_key) == FS_OK);

    static const char* types[] = {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"};
    for (size_t k = 0; k < kKeys; ++k) keys.push_back("C" + std::to_string(1000000000 + k * 7919));
    const size_t n = 1024;
    for (size_t i = 0; i < n; ++i) {
      rows.push_back(make_row(static_cast<double>(i / 4), types[i % 5], 1.0 + static_cast<double>(i % 97) * 311.5,
                              keys[(i * 37) % kKeys].c_str(), static_cast<double>((i * 131) % 5000),
                              i % 3 ? "M1979787155" : "C553264065"));
    }
    for (const Row& row : rows) flat.insert(flat.end(), row.begin(), row.end());
    results.resize(kMaxBatch);
    attention.resize(size_t{kMaxBatch} * o.window_length);

    // Rows that are refused, each for a different reason.
    Row unknown_category = rows[1];
    unknown_category[kColType] = text(unknown_type);
    Row nan_amount = rows[2];
    nan_amount[kColAmount] = number(std::numeric_limits<double>::quiet_NaN());
    Row negative = rows[3];
    negative[kColOldBalanceOrg] = number(-1);
    Row bad_text = rows[4];
    bad_text[kColAmount] = text(bad_number);
    Row no_key = rows[5];
    no_key[kColNameOrig] = missing();
    Row no_dest = rows[6];
    no_dest[kColNameDest] = missing();
    bad_rows = {unknown_category, nan_amount, negative, bad_text, no_key, no_dest};
    bad_batch = flat;
    bad_batch.resize(size_t{kMaxBatch} * kColumnCount);
    bad_batch[200 * kColumnCount + kColAmount] = number(-5);

    // Warm up every path once (first-call effects are not the scoring path).
    fs_result r;
    for (fs_session* s : {global, per_key}) {
      for (size_t i = 0; i < 16; ++i) fs_session_score(s, rows[i].data(), kColumnCount, &r);
      for (const Row& bad : bad_rows) fs_session_score(s, bad.data(), kColumnCount, &r);
      size_t failed = 0;
      fs_session_score_batch(s, flat.data(), kMaxBatch, kColumnCount, results.data(), attention.data(), &failed);
      fs_session_score_batch(s, bad_batch.data(), kMaxBatch, kColumnCount, results.data(), attention.data(), &failed);
      fs_session_reset(s);
    }
  }
  ~Fixture() {
    fs_session_free(global);
    fs_session_free(per_key);
    fs_model_free(global_model);
    fs_model_free(per_key_model);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  fs_model* global_model = nullptr;
  fs_model* per_key_model = nullptr;
  fs_session* global = nullptr;
  fs_session* per_key = nullptr;
  std::vector<std::string> keys;
  std::vector<Row> rows;
  std::vector<fs_value> flat;  // rows, consecutive
  std::vector<fs_result> results;
  std::vector<float> attention;
  const std::string unknown_type = "A_CATEGORY_NAME_LONGER_THAN_ANY_SMALL_STRING_BUFFER";
  const std::string bad_number = "12.5.7-this-is-not-a-number-and-is-long";
  std::vector<Row> bad_rows;
  std::vector<fs_value> bad_batch;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

}  // namespace

TEST_CASE("single-row scores allocate nothing") {
  Fixture& f = fixture();
  for (fs_session* s : {f.global, f.per_key}) {
    size_t failures = 0;
    double total = 0;
    fs_result r;
    const size_t before = g_new_calls;
    for (size_t i = 0; i < kSingleScores; ++i) {
      if (fs_session_score(s, f.rows[i].data(), kColumnCount, &r) != FS_OK) ++failures;
      total += r.probability + r.attention[r.window_length - 1];
    }
    const size_t allocations = g_new_calls - before;
    CHECK(failures == 0);
    CHECK(total > 0.0);
    CHECK(allocations == 0);
  }
}

TEST_CASE("a batch of 256 rows allocates nothing") {
  Fixture& f = fixture();
  for (fs_session* s : {f.global, f.per_key}) {
    size_t failures = 0;
    size_t failed_row = 0;
    const size_t before = g_new_calls;
    for (size_t start = 0; start + kMaxBatch <= kBatchRows; start += kMaxBatch) {
      if (fs_session_score_batch(s, &f.flat[start * kColumnCount], kMaxBatch, kColumnCount, f.results.data(),
                                 f.attention.data(), &failed_row) != FS_OK)
        ++failures;
      if (fs_session_score_batch(s, &f.flat[start * kColumnCount], kMaxBatch, kColumnCount, f.results.data(),
                                 nullptr, nullptr) != FS_OK)
        ++failures;
    }
    const size_t allocations = g_new_calls - before;
    CHECK(failures == 0);
    CHECK(allocations == 0);
    CHECK(f.results[kMaxBatch - 1].window_length == 10);
  }
}

TEST_CASE("refused rows and calls allocate nothing") {
  Fixture& f = fixture();
  for (fs_session* s : {f.global, f.per_key}) {
    size_t refused = 0, expected_refusals = 0;
    size_t failed_row = 0;
    fs_result r;
    const size_t before = g_new_calls;
    for (int round = 0; round < 50; ++round) {
      for (const Row& bad : f.bad_rows) {
        ++expected_refusals;
        // no_key is only refused by the per-key model.
        if (fs_session_score(s, bad.data(), kColumnCount, &r) != FS_OK) ++refused;
      }
      expected_refusals += 4;
      if (fs_session_score(s, f.rows[0].data(), kColumnCount - 1, &r) != FS_OK) ++refused;
      if (fs_session_score(s, nullptr, kColumnCount, &r) != FS_OK) ++refused;
      if (fs_session_score_batch(s, f.bad_batch.data(), kMaxBatch, kColumnCount, f.results.data(),
                                 f.attention.data(), &failed_row) != FS_OK)
        ++refused;
      if (fs_session_score_batch(s, f.flat.data(), kMaxBatch + 1, kColumnCount, f.results.data(), nullptr, nullptr) !=
          FS_OK)
        ++refused;
    }
    const size_t allocations = g_new_calls - before;
    CHECK(allocations == 0);
    CHECK(failed_row == 200);
    CHECK(refused == expected_refusals - (s == f.global ? 50u : 0u));
  }
}

TEST_CASE("per-key eviction churn allocates nothing") {
  Fixture& f = fixture();
  fs_session* s = f.per_key;
  REQUIRE(fs_session_reset(s) == FS_OK);
  size_t failures = 0;
  uint32_t keys_held = 0;
  fs_result r;
  const size_t before = g_new_calls;
  // 600 rows over 192 distinct keys with room for 64: nearly every row evicts.
  for (size_t i = 0; i < 600; ++i)
    if (fs_session_score(s, f.rows[i].data(), kColumnCount, &r) != FS_OK) ++failures;
  fs_session_key_count(s, &keys_held);
  // A batch touching many keys evicts within the batch too.
  if (fs_session_score_batch(s, &f.flat[600 * kColumnCount], kMaxBatch, kColumnCount, f.results.data(),
                             f.attention.data(), nullptr) != FS_OK)
    ++failures;
  fs_session_reset(s);
  const size_t allocations = g_new_calls - before;
  CHECK(failures == 0);
  CHECK(keys_held == kMaxKeys);
  CHECK(allocations == 0);
}

// The lle_svm network alone: forward() carves its double scratch from the
// workspace and runs its Cholesky solve in place, for a small and a large k.

TEST_CASE("lle_svm forward allocates nothing") {
  for (uint32_t k : {10u, 40u}) {
    std::mt19937 rng(7);
    const fraudscore_test::LleSvmTestModel m = fraudscore_test::random_lle_svm_model(rng, 26, 300, k, 5, 80, 5);
    std::unique_ptr<fraudscore::Network> net;
    REQUIRE(fraudscore::build_lle_svm(m.dims, m.views(), &net).is_ok());
    const size_t batch = 64;
    std::vector<float> ws(net->workspace_floats(batch));
    const std::vector<float> windows = random_floats(rng, batch * 2 * 26, -2.0f, 2.0f);
    std::vector<uint32_t> valid(batch, 2);
    valid[0] = 1;
    std::vector<float> logits(batch);
    std::vector<float> clusters(batch);
    const size_t before = g_new_calls;
    for (size_t i = 0; i < 100; ++i)
      net->forward({&windows[(i % batch) * 2 * 26], &valid[i % batch], 1}, ws.data(),
                   {&logits[0], nullptr, &clusters[0]});
    net->forward({windows.data(), valid.data(), batch}, ws.data(), {logits.data(), nullptr, clusters.data()});
    CHECK(g_new_calls - before == 0);
    CHECK(std::isfinite(logits[batch - 1]));
  }
}

// The gbdt network alone: a batch of margins and TreeSHAP attributions, whose
// path buffers live in the caller's workspace.
TEST_CASE("gbdt forward and attribute allocate nothing") {
  std::mt19937 rng(11);
  const fraudscore_test::RandomEnsemble r = fraudscore_test::random_ensemble(rng, 10, 11, 40);
  std::unique_ptr<fraudscore::Network> net;
  REQUIRE(fraudscore::build_gbdt_network(r.dims, r.model.tensors(), &net).is_ok());
  const size_t batch = 64, inputs = size_t{10} * 11;
  std::vector<float> windows;
  std::vector<uint32_t> valid(batch);
  for (size_t b = 0; b < batch; ++b) {
    valid[b] = 1 + static_cast<uint32_t>(b % 10);
    const std::vector<float> w = fraudscore_test::random_window(rng, 10, 11, valid[b]);
    windows.insert(windows.end(), w.begin(), w.end());
  }
  std::vector<float> ws(std::max(net->workspace_floats(batch), net->attribution_workspace_floats()));
  std::vector<float> logits(batch);
  std::vector<double> phi(inputs);
  const size_t before = g_new_calls;
  net->forward({windows.data(), valid.data(), batch}, ws.data(), {logits.data(), nullptr});
  for (size_t b = 0; b < batch; ++b) net->attribute(&windows[b * inputs], valid[b], ws.data(), phi.data());
  CHECK(g_new_calls - before == 0);
  CHECK(std::isfinite(logits[batch - 1]));
}
