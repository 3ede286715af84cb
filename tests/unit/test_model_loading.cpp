// Model loading through the C API: a valid model and its info, and every
// kind of damage rejected with its own status and a message naming the cause.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "test_models.h"
#include "test_util.h"

using namespace fraudscore_test;

namespace {

using ModelPtr = std::unique_ptr<fs_model, void (*)(fs_model*)>;

struct LoadResult {
  fs_status status;
  std::string message;
  ModelPtr model{nullptr, fs_model_free};
};

// Load `size` bytes (a copy, so that a truncated load reads exactly `size`
// bytes and a sanitizer would see any over-read).
LoadResult load(const std::vector<uint8_t>& bytes, size_t size) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[size ? size : 1]);
  if (size) std::memcpy(copy.get(), bytes.data(), size);
  fs_model* sentinel = reinterpret_cast<fs_model*>(static_cast<std::uintptr_t>(0x1));
  fs_model* m = sentinel;
  LoadResult r;
  r.status = fs_model_load(copy.get(), size, &m);
  if (r.status == FS_OK) {
    r.model.reset(m);
  } else {
    r.message = fs_last_error();
    CHECK_MESSAGE(m == sentinel, "the out-parameter was written on failure");
  }
  return r;
}

LoadResult load(const std::vector<uint8_t>& bytes) { return load(bytes, bytes.size()); }

#define CHECK_REJECTED(result, expected_status, phrase)                                              \
  do {                                                                                               \
    const LoadResult& r_ = (result);                                                                 \
    INFO("status " << fs_status_name(r_.status) << ": " << r_.message);                              \
    CHECK(r_.status == (expected_status));                                                           \
    CHECK_MESSAGE(r_.message.find(phrase) != std::string::npos, "message lacks '" << (phrase) << "'"); \
  } while (0)

}  // namespace

TEST_CASE("a valid model loads and fs_model_get_info reports its settings") {
  TestModelOptions o;
  o.window_length = 7;
  o.per_key = true;
  o.decision_threshold = 0.65;
  o.review_threshold = 0.35;
  o.band_cuts = {{0.1, 0.3, 0.9}};
  o.name = "unit-crnn";
  o.trainer_version = "trainer 9.9";
  const std::vector<uint8_t> bytes = build_test_model(o);
  LoadResult r = load(bytes);
  REQUIRE_MESSAGE(r.status == FS_OK, r.message);

  fs_model_info info;
  std::memset(&info, 0xab, sizeof(info));
  REQUIRE(fs_model_get_info(r.model.get(), &info) == FS_OK);
  CHECK(std::string(info.kind) == "crnn");
  CHECK(std::string(info.name) == "unit-crnn");
  CHECK(info.schema_major == 1);
  CHECK(info.schema_minor == 0);
  CHECK(info.column_count == kColumnCount);
  CHECK(info.feature_count == kFullFeatureCount);
  CHECK(info.window_length == 7);
  CHECK(info.per_key_window == 1);
  CHECK(info.key_column == static_cast<int32_t>(kColNameOrig));
  CHECK(info.decision_threshold == 0.65);
  CHECK(info.review_threshold == 0.35);
  CHECK(info.band_cuts[0] == 0.1);
  CHECK(info.band_cuts[1] == 0.3);
  CHECK(info.band_cuts[2] == 0.9);
  CHECK(std::string(info.trainer_version) == "trainer 9.9");

  // Columns, in order, with their types.
  const char* names[] = {"step", "type", "amount", "nameOrig", "oldbalanceOrg", "nameDest"};
  const fs_column_type types[] = {FS_COLUMN_TIME,       FS_COLUMN_CATEGORICAL, FS_COLUMN_NUMERIC,
                                  FS_COLUMN_IDENTIFIER, FS_COLUMN_NUMERIC,     FS_COLUMN_IDENTIFIER};
  for (uint32_t i = 0; i < kColumnCount; ++i) {
    const char* name = nullptr;
    fs_column_type type;
    REQUIRE(fs_model_column(r.model.get(), i, &name, &type) == FS_OK);
    CHECK(std::string(name) == names[i]);
    CHECK(type == types[i]);
    uint32_t index = 99;
    REQUIRE(fs_model_find_column(r.model.get(), names[i], &index) == FS_OK);
    CHECK(index == i);
  }
  const char* name = nullptr;
  fs_column_type type;
  CHECK(fs_model_column(r.model.get(), kColumnCount, &name, &type) == FS_ERR_INVALID_ARGUMENT);
  CHECK(contains(fs_last_error(), "out of range"));
  uint32_t index = 0;
  CHECK(fs_model_find_column(r.model.get(), "isFraud", &index) == FS_ERR_INPUT);
  CHECK(contains(fs_last_error(), "isFraud"));

  // Metrics recorded by the trainer.
  double value = 0;
  REQUIRE(fs_model_metric(r.model.get(), 0, &name, &value) == FS_OK);
  CHECK(std::string(name) == "test.roc_auc");
  CHECK(value == 0.875);
  REQUIRE(fs_model_metric(r.model.get(), 1, &name, &value) == FS_OK);
  CHECK(std::string(name) == "test.pr_auc");
  CHECK(fs_model_metric(r.model.get(), 2, &name, &value) == FS_ERR_INVALID_ARGUMENT);

  SUBCASE("a global-window model reports key_column -1") {
    o.per_key = false;
    LoadResult g = load(build_test_model(o));
    REQUIRE(g.status == FS_OK);
    REQUIRE(fs_model_get_info(g.model.get(), &info) == FS_OK);
    CHECK(info.per_key_window == 0);
    CHECK(info.key_column == -1);
  }
  SUBCASE("the full-size architecture and the one-feature set load too") {
    TestModelOptions full = TestModelOptions::full_size();
    full.feature_set = FeatureSet::AmountOnly;
    LoadResult f = load(build_test_model(full));
    REQUIRE_MESSAGE(f.status == FS_OK, f.message);
    REQUIRE(fs_model_get_info(f.model.get(), &info) == FS_OK);
    CHECK(info.feature_count == 1);
  }
  SUBCASE("the caller's buffer may be freed after loading") {
    std::vector<uint8_t> copy = bytes;
    fs_model* m = nullptr;
    REQUIRE(fs_model_load(copy.data(), copy.size(), &m) == FS_OK);
    std::fill(copy.begin(), copy.end(), uint8_t{0});
    copy.clear();
    copy.shrink_to_fit();
    fs_session* s = nullptr;
    REQUIRE(fs_session_create(m, nullptr, &s) == FS_OK);
    const Row row = make_row(1, "PAYMENT", 100, "C1", 500, "M1");
    fs_result res;
    CHECK(fs_session_score(s, row.data(), row.size(), &res) == FS_OK);
    CHECK(res.probability >= 0.0);
    CHECK(res.probability <= 1.0);
    fs_session_free(s);
    fs_model_free(m);
  }
}

TEST_CASE("the builder is deterministic and the checksum helpers agree with the loader") {
  const std::vector<uint8_t> a = build_test_model();
  const std::vector<uint8_t> b = build_test_model();
  CHECK(a == b);
  TestModelOptions other;
  other.seed = 2;
  CHECK(build_test_model(other) != a);

  // Restamping a valid file changes nothing.
  std::vector<uint8_t> c = a;
  REQUIRE(restamp_checksum(c));
  CHECK(c == a);

  // An unstamped file fails the checksum; stamping it makes it load.
  TestModelOptions unstamped;
  unstamped.stamp_checksum = false;
  std::vector<uint8_t> u = build_test_model(unstamped);
  CHECK_REJECTED(load(u), FS_ERR_CHECKSUM, "checksum mismatch");
  REQUIRE(restamp_checksum(u));
  CHECK(load(u).status == FS_OK);

  // The stored digest is the file's FNV-1a with the field counted as zero.
  const size_t at = checksum_offset(a);
  REQUIRE(at != SIZE_MAX);
  uint64_t stored = 0;
  for (size_t i = 0; i < 8; ++i) stored |= static_cast<uint64_t>(a[at + i]) << (8 * i);
  CHECK(stored == fnv1a64_with_hole(a.data(), a.size(), at));
  // FNV-1a 64 of "a" (the published test vector), no hole.
  const uint8_t letter_a = 'a';
  CHECK(fnv1a64_with_hole(&letter_a, 1, SIZE_MAX) == 0xaf63dc4c8601ec8cULL);
}

TEST_CASE("truncated files are rejected as not a model (under 8 bytes) or as corrupt") {
  const std::vector<uint8_t> bytes = build_test_model();
  REQUIRE(bytes.size() > 200);
  const size_t sizes[] = {1, 4, 7, 8, 9, 16, 100, bytes.size() / 2, bytes.size() - 8, bytes.size() - 4,
                          bytes.size() - 1};
  for (size_t size : sizes) {
    INFO("truncated to " << size << " of " << bytes.size() << " bytes");
    if (size < 8)
      CHECK_REJECTED(load(bytes, size), FS_ERR_IDENTIFIER, "not a fraudscore model file");
    else
      CHECK_REJECTED(load(bytes, size), FS_ERR_CORRUPT, "truncated or malformed");
  }
  // Zero bytes is "a bad size" for fs_model_load (fs_model_load_file reports
  // an empty file as corrupt).
  CHECK_REJECTED(load(bytes, 0), FS_ERR_INVALID_ARGUMENT, "empty model buffer");

  // Every truncation point of the first and last 64 bytes: never OK, never a crash.
  for (size_t size = 1; size < bytes.size(); size += (size < 64 || size > bytes.size() - 64) ? 1 : 61) {
    const LoadResult r = load(bytes, size);
    INFO("truncated to " << size << ": " << r.message);
    CHECK((r.status == FS_ERR_IDENTIFIER || r.status == FS_ERR_CORRUPT));
  }
}

TEST_CASE("single flipped bits are never accepted; in tensor data they fail the checksum") {
  const std::vector<uint8_t> bytes = build_test_model();
  size_t checked = 0;
  for (size_t pos = 0; pos < bytes.size(); pos += 97) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> damaged = bytes;
      damaged[pos] = static_cast<uint8_t>(damaged[pos] ^ (1u << bit));
      const LoadResult r = load(damaged);
      INFO("byte " << pos << " bit " << bit << ": " << fs_status_name(r.status) << " " << r.message);
      CHECK(r.status != FS_OK);
      CHECK((r.status == FS_ERR_CORRUPT || r.status == FS_ERR_IDENTIFIER || r.status == FS_ERR_VERSION ||
             r.status == FS_ERR_CHECKSUM));
      CHECK(!r.message.empty());
      ++checked;
    }
  }
  CHECK(checked > 100);

  // Inside the float data of every tensor: the structure still verifies, so
  // the checksum is what catches it.
  for (const auto& t : crnn_tensors(TestModelOptions())) {
    size_t offset = 0, count = 0;
    REQUIRE(tensor_data_range(bytes, t.first, &offset, &count));
    const size_t positions[] = {offset, offset + count * 4 / 2, offset + count * 4 - 1};
    for (size_t pos : positions) {
      std::vector<uint8_t> damaged = bytes;
      damaged[pos] = static_cast<uint8_t>(damaged[pos] ^ (1u << (pos % 8)));
      INFO("tensor " << t.first << " byte " << pos);
      CHECK_REJECTED(load(damaged), FS_ERR_CHECKSUM, "checksum mismatch");
    }
  }

  // The checksum field itself.
  const size_t at = checksum_offset(bytes);
  REQUIRE(at != SIZE_MAX);
  for (size_t i = 0; i < 8; ++i) {
    std::vector<uint8_t> damaged = bytes;
    damaged[at + i] ^= 0x10;
    CHECK_REJECTED(load(damaged), FS_ERR_CHECKSUM, "checksum mismatch");
  }
}

TEST_CASE("a wrong file identifier is rejected") {
  std::vector<uint8_t> bytes = build_test_model();
  REQUIRE(std::memcmp(bytes.data() + 4, "FSMD", 4) == 0);
  std::memcpy(bytes.data() + 4, "FSMX", 4);
  REQUIRE(restamp_checksum(bytes));  // the checksum is not what rejects it
  CHECK_REJECTED(load(bytes), FS_ERR_IDENTIFIER, "not a fraudscore model file");
  std::memcpy(bytes.data() + 4, "\0\0\0\0", 4);
  CHECK_REJECTED(load(bytes), FS_ERR_IDENTIFIER, "identifier 'FSMD' missing");
  // Eight bytes that are not a model at all.
  const std::vector<uint8_t> junk = {'P', 'K', 3, 4, 20, 0, 0, 0, 0, 0, 0, 0};
  CHECK_REJECTED(load(junk), FS_ERR_IDENTIFIER, "not a fraudscore model file");
}

TEST_CASE("unsupported schema versions are rejected (with a valid checksum)") {
  struct Version {
    uint16_t major, minor;
    const char* shown;
  };
  const Version versions[] = {{2, 0, "2.0"}, {1, 6, "1.6"}, {0, 0, "0.0"}, {2, 6, "2.6"}, {65535, 0, "65535.0"}};
  for (const Version& v : versions) {
    TestModelOptions o;
    o.schema_major = v.major;
    o.schema_minor = v.minor;
    const std::vector<uint8_t> bytes = build_test_model(o);
    std::vector<uint8_t> restamped = bytes;
    REQUIRE(restamp_checksum(restamped));
    REQUIRE(restamped == bytes);  // the builder stamped a valid checksum
    INFO("schema " << v.shown);
    CHECK_REJECTED(load(bytes), FS_ERR_VERSION, (std::string("schema version ") + v.shown).c_str());
  }
  // 1.0 files (the first crnn models) and 1.1 files are both read.
  for (const uint16_t minor : {uint16_t{0}, uint16_t{1}}) {
    TestModelOptions ok;
    ok.schema_major = 1;
    ok.schema_minor = minor;
    CHECK(load(build_test_model(ok)).status == FS_OK);
  }
}

TEST_CASE("a tensor with a wrong shape is rejected, naming the tensor") {
  for (const auto& t : crnn_tensors(TestModelOptions())) {
    TestModelOptions o;
    o.wrong_shape_tensor = t.first;
    INFO("tensor " << t.first);
    CHECK_REJECTED(load(build_test_model(o)), FS_ERR_SHAPE, ("tensor '" + t.first + "' has shape").c_str());
  }
  TestModelOptions o;
  o.wrong_shape_tensor = "lstm.weight_hh_l0";
  CHECK_REJECTED(load(build_test_model(o)), FS_ERR_SHAPE, "[33x8]; the architecture needs [32x8]");
}

TEST_CASE("a missing tensor is rejected, naming the tensor") {
  for (const auto& t : crnn_tensors(TestModelOptions())) {
    TestModelOptions o;
    o.omit_tensor = t.first;
    INFO("tensor " << t.first);
    CHECK_REJECTED(load(build_test_model(o)), FS_ERR_SHAPE, ("crnn tensor '" + t.first + "' is missing").c_str());
  }
}

TEST_CASE("a non-finite weight is rejected, naming the tensor") {
  for (const auto& t : crnn_tensors(TestModelOptions())) {
    TestModelOptions o;
    o.nan_tensor = t.first;
    size_t count = 1;
    for (uint32_t d : t.second) count *= d;
    o.nan_index = count - 1;
    INFO("tensor " << t.first);
    CHECK_REJECTED(load(build_test_model(o)), FS_ERR_VALUE,
                   ("tensor '" + t.first + "' holds a non-finite value at index " + std::to_string(count - 1))
                       .c_str());
  }
  SUBCASE("an infinity written into the bytes, checksum restamped") {
    std::vector<uint8_t> bytes = build_test_model();
    size_t offset = 0, count = 0;
    REQUIRE(tensor_data_range(bytes, "head.fc1.bias", &offset, &count));
    REQUIRE(count > 3);
    const float inf = std::numeric_limits<float>::infinity();
    std::memcpy(&bytes[offset + 3 * sizeof(float)], &inf, sizeof(float));
    CHECK_REJECTED(load(bytes), FS_ERR_CHECKSUM, "checksum mismatch");
    REQUIRE(restamp_checksum(bytes));
    CHECK_REJECTED(load(bytes), FS_ERR_VALUE, "tensor 'head.fc1.bias' holds a non-finite value at index 3");
  }
}

TEST_CASE("invalid settings are rejected as FS_ERR_VALUE or FS_ERR_SHAPE") {
  SUBCASE("review threshold above the decision threshold") {
    TestModelOptions o;
    o.review_threshold = 0.8;
    o.decision_threshold = 0.6;
    CHECK_REJECTED(load(build_test_model(o)), FS_ERR_VALUE, "thresholds must satisfy");
  }
  SUBCASE("band cuts out of order") {
    TestModelOptions o;
    o.band_cuts = {{0.5, 0.2, 0.8}};
    CHECK_REJECTED(load(build_test_model(o)), FS_ERR_VALUE, "band_cuts must be ascending");
  }
  SUBCASE("window length 0") {
    TestModelOptions o;
    o.window_length = 0;
    CHECK_REJECTED(load(build_test_model(o)), FS_ERR_VALUE, "window length 0");
  }
  SUBCASE("conv kernel longer than the window") {
    TestModelOptions o;
    o.window_length = 2;
    o.conv_kernel = 3;
    CHECK_REJECTED(load(build_test_model(o)), FS_ERR_SHAPE, "conv_kernel 3 exceeds the window length 2");
  }
  SUBCASE("a zero-sized layer") {
    TestModelOptions o;
    o.dense_units = 0;
    CHECK_REJECTED(load(build_test_model(o)), FS_ERR_SHAPE, "zero-sized layer");
  }
  SUBCASE("non-finite calibration") {
    TestModelOptions o;
    o.platt_a = std::numeric_limits<double>::infinity();
    CHECK_REJECTED(load(build_test_model(o)), FS_ERR_VALUE, "calibration has non-finite parameters");
  }
}

TEST_CASE("fs_model_load_file on a missing path is an I/O error") {
  fs_model* m = nullptr;
  CHECK(fs_model_load_file("/nonexistent-fraudscore-dir/no-such-model.fsmodel", &m) == FS_ERR_IO);
  CHECK(contains(fs_last_error(), "cannot open model file"));
  CHECK(contains(fs_last_error(), "no-such-model.fsmodel"));
  CHECK(m == nullptr);
}

TEST_CASE("NULL arguments are FS_ERR_INVALID_ARGUMENT, never a crash") {
  const std::vector<uint8_t> bytes = build_test_model();
  fs_model* m = nullptr;
  CHECK(fs_model_load(nullptr, bytes.size(), &m) == FS_ERR_INVALID_ARGUMENT);
  CHECK(contains(fs_last_error(), "NULL argument"));
  CHECK(fs_model_load(bytes.data(), bytes.size(), nullptr) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_load_file(nullptr, &m) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_load_file("x.fsmodel", nullptr) == FS_ERR_INVALID_ARGUMENT);
  CHECK(m == nullptr);

  REQUIRE(fs_model_load(bytes.data(), bytes.size(), &m) == FS_OK);
  ModelPtr model(m, fs_model_free);
  fs_model_info info;
  const char* name = nullptr;
  fs_column_type type;
  uint32_t index = 0;
  double value = 0;
  CHECK(fs_model_get_info(nullptr, &info) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_get_info(m, nullptr) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_column(nullptr, 0, &name, &type) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_column(m, 0, nullptr, &type) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_column(m, 0, &name, nullptr) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_find_column(nullptr, "amount", &index) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_find_column(m, nullptr, &index) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_find_column(m, "amount", nullptr) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_metric(nullptr, 0, &name, &value) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_metric(m, 0, nullptr, &value) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_model_metric(m, 0, &name, nullptr) == FS_ERR_INVALID_ARGUMENT);

  fs_session* s = nullptr;
  CHECK(fs_session_create(nullptr, nullptr, &s) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_session_create(m, nullptr, nullptr) == FS_ERR_INVALID_ARGUMENT);
  CHECK(s == nullptr);
  REQUIRE(fs_session_create(m, nullptr, &s) == FS_OK);
  const Row row = make_row(1, "PAYMENT", 100, "C1", 500, "M1");
  fs_result result;
  size_t failed = 123;
  uint32_t count = 0;
  CHECK(fs_session_score(nullptr, row.data(), row.size(), &result) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_session_score(s, nullptr, row.size(), &result) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_session_score(s, row.data(), row.size(), nullptr) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_session_score_batch(nullptr, row.data(), 1, row.size(), &result, nullptr, &failed) ==
        FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_session_score_batch(s, nullptr, 1, row.size(), &result, nullptr, &failed) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_session_score_batch(s, row.data(), 1, row.size(), nullptr, nullptr, &failed) == FS_ERR_INVALID_ARGUMENT);
  CHECK(failed == 123);
  // Zero rows with NULL pointers is a valid, empty batch.
  CHECK(fs_session_score_batch(s, nullptr, 0, row.size(), nullptr, nullptr, nullptr) == FS_OK);
  CHECK(fs_session_reset(nullptr) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_session_key_count(nullptr, &count) == FS_ERR_INVALID_ARGUMENT);
  CHECK(fs_session_key_count(s, nullptr) == FS_ERR_INVALID_ARGUMENT);
  fs_session_free(s);
  fs_session_free(nullptr);
  fs_model_free(nullptr);
}

TEST_CASE("status, band and decision names") {
  CHECK(std::string(fs_status_name(FS_OK)) == "ok");
  CHECK(std::string(fs_status_name(FS_ERR_CHECKSUM)) == "checksum");
  CHECK(std::string(fs_status_name(FS_ERR_INTERNAL)) == "internal");
  CHECK(std::string(fs_band_name(FS_BAND_CRITICAL)) == "critical");
  CHECK(std::string(fs_decision_name(FS_DECISION_STEP_UP)) == "step_up");
  CHECK(std::string(fs_version()).size() >= 5);
}
