// Test support: build valid (or deliberately broken) crnn model files in C++,
// without the Python trainer, plus small helpers for rows and checksums.
//
// The model's feature spec is a cut-down PaySim record:
//
//   column  name           type         notes
//   0       step           Time         no lower bound
//   1       type           Categorical  CASH_IN, CASH_OUT, DEBIT, PAYMENT, TRANSFER
//                                       (label index 0..4); unknown -> refused;
//                                       missing -> refused
//   2       amount         Numeric      min 0; missing -> 0
//   3       nameOrig       Identifier   the per-key window key (key_column 3)
//   4       oldbalanceOrg  Numeric      min 0; missing -> 0
//   5       nameDest       Identifier
//
// FeatureSet::Full (8 features, every FeatureOp, the settings in kFull*):
//   0 amount_log       Value(amount)                     log1p, mean 7.5, std 2.5
//   1 type_index       CategoryIndex(type)               mean 2, std 1.25
//   2 type_transfer    OneHot(type, 4)
//   3 type_cash_out    OneHot(type, 1)                   mean 0.25, std 0.5
//   4 balance_gap      Difference(oldbalanceOrg, amount) log1p, clip [-12, 12], mean 0.5, std 4
//   5 amount_ratio     Ratio(amount, oldbalanceOrg, 1)   log1p, clip max 5, mean 0.4, std 0.8
//   6 hour_of_day      Modulo(step, 24)                  mean 11.5, std 6.9
//   7 dest_is_merchant PrefixFlag(nameDest, "M")         mean 0.3, std 0.45
// FeatureSet::AmountOnly: feature 0 only.
// FeatureSet::History (schema 1.3): the Full 8, then, each with the training
// range [0, 1000] (history operations need one), mean 0, std 1:
//   8 since_previous    SincePrevious(step, first event 48)
//   9 amount_vs_history RelativeToHistory(amount, floor 1) log1p
//  10 day_of_week       DayOfWeek(step, 24)
//
// Weights are uniform in [-weight_scale, weight_scale), generated from raw
// std::mt19937 outputs (not std::uniform_real_distribution), so the same seed
// gives the same bytes with libstdc++, libc++ and on every target.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fraudscore/fraudscore.h"

namespace fraudscore_test {

enum class FeatureSet { Full, AmountOnly, History };

// Column indices of the test model.
constexpr uint32_t kColStep = 0;
constexpr uint32_t kColType = 1;
constexpr uint32_t kColAmount = 2;
constexpr uint32_t kColNameOrig = 3;
constexpr uint32_t kColOldBalanceOrg = 4;
constexpr uint32_t kColNameDest = 5;
constexpr uint32_t kColumnCount = 6;

constexpr uint32_t kFullFeatureCount = 8;
constexpr uint32_t kHistoryFeatureCount = 11;
constexpr double kHistoryRangeMax = 1000.0;
inline uint32_t feature_count(FeatureSet set) {
  return set == FeatureSet::Full ? kFullFeatureCount : set == FeatureSet::History ? kHistoryFeatureCount : 1;
}
constexpr double kAmountBaseline = 0.25;

struct TestModelOptions {
  uint16_t window_length = 10;
  bool per_key = false;  // per-key windows keyed by nameOrig
  FeatureSet feature_set = FeatureSet::Full;

  // Architecture: small by default for speed; full_size() gives the shipped one.
  uint16_t conv_filters = 8;
  uint16_t conv_kernel = 2;
  uint16_t lstm_hidden = 8;
  uint16_t attention_dim = 8;
  uint16_t dense_units = 16;

  uint32_t seed = 1;
  float weight_scale = 0.5f;

  uint16_t schema_major = 1;
  uint16_t schema_minor = 0;

  // Risk settings.
  double decision_threshold = 0.7;
  double review_threshold = 0.4;
  std::array<double, 3> band_cuts{{0.2, 0.5, 0.8}};
  bool platt = true;
  double platt_a = 1.5;
  double platt_b = -0.25;

  // Reason codes (schema 1.1): the three type features share the code
  // TXN_TYPE, the others get their own codes; baselines are 0 except
  // amount_log's (kAmountBaseline). Off: the 1.0 rule (grouped by column).
  bool reason_codes = false;

  // Dynamic thresholds (schema 1.1), segmented by `type` if dynamic_by_type.
  bool dynamic = false;
  bool dynamic_by_type = true;
  double target_alert_rate = 0.05;
  double learning_rate = 0.05;
  double min_threshold = 0.3;
  double max_threshold = 0.95;
  double feedback_step = 0.25;
  double max_feedback_shift = 1.0;

  std::string name = "test-crnn";
  std::string trainer_version = "fraudscore-test-support 1";
  std::vector<std::pair<std::string, double>> metrics{{"test.roc_auc", 0.875}, {"test.pr_auc", 0.5}};

  // Corruption hooks (empty = off). Tensor names as in schemas/README.md.
  std::string wrong_shape_tensor;  // first dimension + 1, with data to match the wrong shape
  std::string omit_tensor;         // leave this tensor out
  std::string nan_tensor;          // store a NaN at nan_index
  size_t nan_index = 0;
  bool stamp_checksum = true;      // false: leave the checksum field as a placeholder
  std::string float64_tensor;      // store this tensor as Float64 ("*": every tensor)
  std::string huge_shape_tensor;   // give this tensor the shape 65536^4 (no data)
  // Narrow storage (schema 1.5): every tensor stored as Float16 or as Int8 (symmetric,
  // one scale per row or one for the tensor); with store_dequantized, stored instead as the
  // float32 values those decode to (the same model, exactly, in a float32 file).
  enum class Narrow { None, Float16, Int8PerRow, Int8PerTensor } narrow = Narrow::None;
  bool store_dequantized = false;
  int raw_bytes_delta = 0;         // Float16/Int8: this many bytes more (or fewer) of raw data
  float int8_scale_override = 0;   // Int8: nonzero sets every scale (e.g. NaN, -1)
  int int8_zero_point = 0;         // Int8: the zero point stored with each scale
  uint8_t model_kind = 1;          // the file's ModelKind (always with a CrnnConfig): 1 is crnn
  bool history_without_range = false;  // FeatureSet::History: no range on the history features

  // Training ranges (schema 1.2): when set, every feature's range is
  // [range_min, range_max] (in the transformed units), widened by range_margin.
  bool ranges = false;
  double range_min = -5.0, range_max = 20.0, range_margin = 0.25;

  // The shipped architecture: 64/64/64/128.
  static TestModelOptions full_size() {
    TestModelOptions o;
    o.conv_filters = 64;
    o.lstm_hidden = 64;
    o.attention_dim = 64;
    o.dense_units = 128;
    return o;
  }
};

// The bytes of a model file built from `options`, checksum stamped.
std::vector<uint8_t> build_test_model(const TestModelOptions& options = TestModelOptions());

// Names of the crnn tensors (in the order the builder writes them) and their shapes.
std::vector<std::pair<std::string, std::vector<uint32_t>>> crnn_tensors(const TestModelOptions& options);

// 64-bit FNV-1a of `bytes` with the 8 bytes at `hole` counted as zero
// (an independent implementation of the file format's rule).
uint64_t fnv1a64_with_hole(const uint8_t* bytes, size_t size, size_t hole);

// Byte offset of the Model.checksum field, or SIZE_MAX if the buffer does not
// verify as a Model (identifier not required) or has no checksum field.
size_t checksum_offset(const std::vector<uint8_t>& bytes);

// Recompute and store the checksum after editing bytes. Returns false if the
// buffer does not verify structurally or has no checksum field.
bool restamp_checksum(std::vector<uint8_t>& bytes);

// Where tensor `name`'s float32 data lies in the file: byte offset and number
// of floats. Returns false if the tensor (or its data) is absent.
bool tensor_data_range(const std::vector<uint8_t>& bytes, const std::string& name, size_t* offset, size_t* count);

// --- Rows --------------------------------------------------------------------

// fs_value makers. Text values point at the caller's characters (no copy).
fs_value number(double x);
fs_value text(const char* s);  // strlen(s) bytes; s must outlive the value
fs_value text(const std::string& s);
fs_value missing();

using Row = std::array<fs_value, kColumnCount>;

// One PaySim-like row in the test model's column order.
Row make_row(double step, const char* type, double amount, const char* name_orig, double old_balance,
             const char* name_dest);

}  // namespace fraudscore_test
