#include "test_models.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "model_generated.h"

namespace fraudscore_test {
namespace {

namespace fb = ::fraudscore::schema;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Uniform in [-scale, scale) from one raw 32-bit mt19937 output.
float next_weight(std::mt19937& rng, float scale) {
  const double unit = static_cast<double>(rng()) / 4294967296.0;  // [0, 1)
  return static_cast<float>((2.0 * unit - 1.0) * static_cast<double>(scale));
}

struct FeatureSpecRow {
  const char* name;
  fb::FeatureOp op;
  uint16_t a, b;
  double parameter;
  const char* text;
  bool log1p;
  double clip_min, clip_max, mean, std;
};

const FeatureSpecRow kFullFeatures[kHistoryFeatureCount] = {
    {"amount_log", fb::FeatureOp::Value, kColAmount, 0, 0.0, nullptr, true, kNaN, kNaN, 7.5, 2.5},
    {"type_index", fb::FeatureOp::CategoryIndex, kColType, 0, 0.0, nullptr, false, kNaN, kNaN, 2.0, 1.25},
    {"type_transfer", fb::FeatureOp::OneHot, kColType, 0, 4.0, nullptr, false, kNaN, kNaN, 0.0, 1.0},
    {"type_cash_out", fb::FeatureOp::OneHot, kColType, 0, 1.0, nullptr, false, kNaN, kNaN, 0.25, 0.5},
    {"balance_gap", fb::FeatureOp::Difference, kColOldBalanceOrg, kColAmount, 0.0, nullptr, true, -12.0, 12.0, 0.5,
     4.0},
    {"amount_ratio", fb::FeatureOp::Ratio, kColAmount, kColOldBalanceOrg, 1.0, nullptr, true, kNaN, 5.0, 0.4, 0.8},
    {"hour_of_day", fb::FeatureOp::Modulo, kColStep, 0, 24.0, nullptr, false, kNaN, kNaN, 11.5, 6.9},
    {"dest_is_merchant", fb::FeatureOp::PrefixFlag, kColNameDest, 0, 0.0, "M", false, kNaN, kNaN, 0.3, 0.45},
    {"since_previous", fb::FeatureOp::SincePrevious, kColStep, 0, 48.0, nullptr, false, kNaN, kNaN, 0.0, 1.0},
    {"amount_vs_history", fb::FeatureOp::RelativeToHistory, kColAmount, 0, 1.0, nullptr, true, kNaN, kNaN, 0.0, 1.0},
    {"day_of_week", fb::FeatureOp::DayOfWeek, kColStep, 0, 24.0, nullptr, false, kNaN, kNaN, 0.0, 1.0},
};

const fb::Model* verified_model(const std::vector<uint8_t>& bytes) {
  if (bytes.size() < 8) return nullptr;
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!verifier.VerifyBuffer<fb::Model>(nullptr)) return nullptr;
  return fb::GetModel(bytes.data());
}

}  // namespace

std::vector<std::pair<std::string, std::vector<uint32_t>>> crnn_tensors(const TestModelOptions& o) {
  const uint32_t F = feature_count(o.feature_set);
  const uint32_t C = o.conv_filters, K = o.conv_kernel, H = o.lstm_hidden, A = o.attention_dim, U = o.dense_units;
  const uint32_t G = 4 * H, D = 2 * H;
  return {
      {"conv.weight", {C, F, K}},
      {"conv.bias", {C}},
      {"lstm.weight_ih_l0", {G, C}},
      {"lstm.weight_hh_l0", {G, H}},
      {"lstm.bias_ih_l0", {G}},
      {"lstm.bias_hh_l0", {G}},
      {"lstm.weight_ih_l0_reverse", {G, C}},
      {"lstm.weight_hh_l0_reverse", {G, H}},
      {"lstm.bias_ih_l0_reverse", {G}},
      {"lstm.bias_hh_l0_reverse", {G}},
      {"attention.proj.weight", {A, D}},
      {"attention.proj.bias", {A}},
      {"attention.score.weight", {1, A}},
      {"head.fc1.weight", {U, D}},
      {"head.fc1.bias", {U}},
      {"head.fc2.weight", {1, U}},
      {"head.fc2.bias", {1}},
  };
}

namespace {

// float to IEEE binary16, rounding to nearest even (normal range and subnormals; no overflow here).
uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const int32_t exponent = static_cast<int32_t>((x >> 23) & 0xffu) - 127 + 15;
  uint32_t mantissa = x & 0x7fffffu;
  if (exponent <= 0) {  // subnormal half
    if (exponent < -10) return static_cast<uint16_t>(sign);
    mantissa |= 0x800000u;
    const uint32_t shift = static_cast<uint32_t>(14 - exponent);
    uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;
  return static_cast<uint16_t>(sign | half);
}

float half_value(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) ? 1 : 0, exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
  const float magnitude = exponent == 0 ? std::ldexp(static_cast<float>(mantissa), -24)
                                        : std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  return sign ? -magnitude : magnitude;
}

flatbuffers::Offset<fb::Tensor> narrow_tensor(flatbuffers::FlatBufferBuilder& fbb, const TestModelOptions& o,
                                              const std::string& tensor_name, const std::vector<uint32_t>& shape,
                                              const std::vector<float>& data) {
  using Narrow = TestModelOptions::Narrow;
  std::vector<uint8_t> raw;
  std::vector<float> scales, decoded(data.size());
  if (o.narrow == Narrow::Float16) {
    for (size_t i = 0; i < data.size(); ++i) {
      const uint16_t h = float_to_half(data[i]);
      raw.push_back(static_cast<uint8_t>(h & 0xffu));
      raw.push_back(static_cast<uint8_t>(h >> 8));
      decoded[i] = half_value(h);
    }
  } else {
    const size_t rows = o.narrow == Narrow::Int8PerRow && !shape.empty() ? shape[0] : 1;
    const size_t per_row = rows ? data.size() / rows : 0;
    for (size_t r = 0; r < rows; ++r) {
      float largest = 0;
      for (size_t i = r * per_row; i < (r + 1) * per_row; ++i) largest = std::max(largest, std::fabs(data[i]));
      const float scale = largest > 0 ? largest / 127.0f : 1.0f;
      scales.push_back(o.int8_scale_override != 0 ? o.int8_scale_override : scale);
      for (size_t i = r * per_row; i < (r + 1) * per_row; ++i) {
        const int q = static_cast<int>(std::lround(data[i] / scale));
        raw.push_back(static_cast<uint8_t>(static_cast<int8_t>(q + o.int8_zero_point)));
        decoded[i] = static_cast<float>(q) * scale;
      }
    }
  }
  auto shape_vec = fbb.CreateVector(shape);
  auto name = fbb.CreateString(tensor_name);
  if (o.store_dequantized) return fb::CreateTensor(fbb, name, shape_vec, fb::DataType::Float32, fbb.CreateVector(decoded));
  if (o.raw_bytes_delta < 0) raw.resize(raw.size() - std::min(raw.size(), static_cast<size_t>(-o.raw_bytes_delta)));
  if (o.raw_bytes_delta > 0) raw.resize(raw.size() + static_cast<size_t>(o.raw_bytes_delta), 0);
  auto raw_vec = fbb.CreateVector(raw);
  if (o.narrow == Narrow::Float16)
    return fb::CreateTensor(fbb, name, shape_vec, fb::DataType::Float16, 0, raw_vec);
  const std::vector<int32_t> zero_points(scales.size(), o.int8_zero_point);
  return fb::CreateTensor(fbb, name, shape_vec, fb::DataType::Int8, 0, raw_vec, fbb.CreateVector(scales),
                          fbb.CreateVector(zero_points));
}

}  // namespace

std::vector<uint8_t> build_test_model(const TestModelOptions& o) {
  flatbuffers::FlatBufferBuilder fbb(1 << 16);
  std::mt19937 rng(o.seed);

  // Tensors first: the first object written ends the buffer, so its last bytes
  // are float data that the verifier checks (a truncated file never verifies).
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (auto& spec : crnn_tensors(o)) {
    std::vector<uint32_t> shape = spec.second;
    if (spec.first == o.wrong_shape_tensor) shape[0] += 1;
    size_t count = 1;
    for (uint32_t d : shape) count *= d;
    std::vector<float> data(count);
    for (float& x : data) x = next_weight(rng, o.weight_scale);
    if (spec.first == o.nan_tensor && o.nan_index < data.size())
      data[o.nan_index] = std::numeric_limits<float>::quiet_NaN();
    if (spec.first == o.omit_tensor) continue;  // random values still drawn: the others are unchanged
    if (spec.first == o.huge_shape_tensor) {
      const std::vector<uint32_t> huge(4, 65536u);  // 2^64 elements: wraps to 0 in a 64-bit count
      auto shape_vec = fbb.CreateVector(huge);
      tensors.push_back(fb::CreateTensor(fbb, fbb.CreateString(spec.first), shape_vec, fb::DataType::Float32));
      continue;
    }
    if (spec.first == o.float64_tensor || o.float64_tensor == "*") {
      const std::vector<double> wide(data.begin(), data.end());
      auto f64 = fbb.CreateVector(wide);
      auto shape_vec = fbb.CreateVector(shape);
      auto name = fbb.CreateString(spec.first);
      tensors.push_back(fb::CreateTensor(fbb, name, shape_vec, fb::DataType::Float64, 0, 0, 0, 0, f64));
      continue;
    }
    if (o.narrow != TestModelOptions::Narrow::None) {
      tensors.push_back(narrow_tensor(fbb, o, spec.first, shape, data));
      continue;
    }
    auto f32 = fbb.CreateVector(data);
    auto shape_vec = fbb.CreateVector(shape);
    auto name = fbb.CreateString(spec.first);
    tensors.push_back(fb::CreateTensor(fbb, name, shape_vec, fb::DataType::Float32, f32));
  }
  auto tensors_vec = fbb.CreateVector(tensors);

  // Columns.
  std::vector<flatbuffers::Offset<fb::Column>> columns;
  columns.push_back(fb::CreateColumnDirect(fbb, "step", fb::ColumnType::Time));
  {
    const char* words[] = {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"};
    std::vector<flatbuffers::Offset<flatbuffers::String>> vocab;
    for (const char* w : words) vocab.push_back(fbb.CreateString(w));
    columns.push_back(fb::CreateColumnDirect(fbb, "type", fb::ColumnType::Categorical, &vocab,
                                             fb::UnknownCategory::Reject, -1, /*missing_allowed=*/false));
  }
  columns.push_back(fb::CreateColumnDirect(fbb, "amount", fb::ColumnType::Numeric, nullptr,
                                           fb::UnknownCategory::Reject, -1, true, 0.0, 0.0));
  columns.push_back(fb::CreateColumnDirect(fbb, "nameOrig", fb::ColumnType::Identifier));
  columns.push_back(fb::CreateColumnDirect(fbb, "oldbalanceOrg", fb::ColumnType::Numeric, nullptr,
                                           fb::UnknownCategory::Reject, -1, true, 0.0, 0.0));
  columns.push_back(fb::CreateColumnDirect(fbb, "nameDest", fb::ColumnType::Identifier));

  // Features.
  std::vector<flatbuffers::Offset<fb::Feature>> features;
  const size_t count = feature_count(o.feature_set);
  for (size_t i = 0; i < count; ++i) {
    const FeatureSpecRow& f = kFullFeatures[i];
    const bool type_feature = f.a == kColType;
    const bool history_range = i >= kFullFeatureCount && !o.history_without_range;
    const std::string code = type_feature ? "TXN_TYPE" : "CODE_" + std::string(f.name);
    const std::string text = type_feature ? "Unusual payment type" : "Unusual " + std::string(f.name);
    features.push_back(fb::CreateFeatureDirect(fbb, f.name, f.op, f.a, f.b, f.parameter, f.text, f.log1p, f.clip_min,
                                               f.clip_max, f.mean, f.std, o.reason_codes ? code.c_str() : nullptr,
                                               o.reason_codes ? text.c_str() : nullptr,
                                               o.reason_codes && i == 0 ? kAmountBaseline : 0.0,
                                               history_range ? 0.0 : o.ranges ? o.range_min : std::nan(""),
                                               history_range ? kHistoryRangeMax
                                                             : o.ranges ? o.range_max : std::nan("")));
  }
  auto window = fb::CreateWindow(fbb, o.window_length, o.per_key ? fb::WindowMode::PerKey : fb::WindowMode::Global,
                                 o.per_key ? static_cast<uint16_t>(kColNameOrig) : uint16_t{0});
  auto spec = fb::CreateFeatureSpecDirect(fbb, &columns, &features, window, static_cast<int32_t>(kColStep),
                                          o.range_margin);

  auto arch = fb::CreateCrnnConfig(fbb, o.conv_filters, o.conv_kernel, o.lstm_hidden, o.attention_dim, o.dense_units);

  const std::vector<double> cuts(o.band_cuts.begin(), o.band_cuts.end());
  auto calibration = fb::CreateCalibration(fbb, o.platt ? fb::CalibrationMethod::Platt : fb::CalibrationMethod::None,
                                           o.platt_a, o.platt_b, 0.01);
  flatbuffers::Offset<fb::DynamicThreshold> dynamic = 0;
  if (o.dynamic)
    dynamic = fb::CreateDynamicThreshold(fbb, true, o.dynamic_by_type ? static_cast<int32_t>(kColType) : -1,
                                         o.target_alert_rate, o.learning_rate, o.min_threshold, o.max_threshold,
                                         o.feedback_step, o.max_feedback_shift);
  auto risk = fb::CreateRiskSettingsDirect(fbb, o.decision_threshold, o.review_threshold, &cuts, calibration, dynamic);

  std::vector<flatbuffers::Offset<fb::Metric>> metrics;
  for (const auto& m : o.metrics) metrics.push_back(fb::CreateMetricDirect(fbb, m.first.c_str(), m.second));
  std::vector<flatbuffers::Offset<fb::KeyValue>> config;
  config.push_back(fb::CreateKeyValueDirect(fbb, "seed", std::to_string(o.seed).c_str()));
  auto provenance = fb::CreateProvenanceDirect(fbb, o.trainer_version.c_str(), "2024-01-01T00:00:00Z",
                                               "0000000000000000000000000000000000000000000000000000000000000000",
                                               "synthetic test model", o.seed, &config, &metrics);

  auto name = fbb.CreateString(o.name);
  auto description = fbb.CreateString("built by tests/support");
  auto body = fb::CreateModelBody(fbb, static_cast<fb::ModelKind>(o.model_kind), name, description, spec, fb::Architecture::CrnnConfig,
                                  arch.Union(), tensors_vec, risk, provenance);
  // A non-zero placeholder so that the field is always stored; stamped below.
  auto model = fb::CreateModel(fbb, o.schema_major, o.schema_minor, fb::ChecksumAlgorithm::Fnv1a64,
                               0x5a5a5a5a5a5a5a5aULL, body);
  fb::FinishModelBuffer(fbb, model);
  std::vector<uint8_t> bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  if (o.stamp_checksum) restamp_checksum(bytes);
  return bytes;
}

uint64_t fnv1a64_with_hole(const uint8_t* bytes, size_t size, size_t hole) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < size; ++i) {
    const uint8_t byte = (i >= hole && i - hole < 8) ? uint8_t{0} : bytes[i];
    h ^= byte;
    h *= 0x100000001b3ULL;
  }
  return h;
}

size_t checksum_offset(const std::vector<uint8_t>& bytes) {
  const fb::Model* model = verified_model(bytes);
  if (!model) return SIZE_MAX;
  // The loader's approach: the field's address through the table's vtable.
  const auto* table = reinterpret_cast<const flatbuffers::Table*>(model);
  const uint8_t* field = table->GetAddressOf(fb::Model::VT_CHECKSUM);
  if (!field) return SIZE_MAX;
  return static_cast<size_t>(field - bytes.data());
}

bool restamp_checksum(std::vector<uint8_t>& bytes) {
  const size_t at = checksum_offset(bytes);
  if (at == SIZE_MAX || at + 8 > bytes.size()) return false;
  const uint64_t digest = fnv1a64_with_hole(bytes.data(), bytes.size(), at);
  for (size_t i = 0; i < 8; ++i) bytes[at + i] = static_cast<uint8_t>(digest >> (8 * i));  // little-endian
  return true;
}

bool tensor_data_range(const std::vector<uint8_t>& bytes, const std::string& name, size_t* offset, size_t* count) {
  const fb::Model* model = verified_model(bytes);
  if (!model || !model->body() || !model->body()->tensors()) return false;
  for (const fb::Tensor* t : *model->body()->tensors()) {
    if (t->name()->str() != name || !t->f32()) continue;
    *offset = static_cast<size_t>(reinterpret_cast<const uint8_t*>(t->f32()->data()) - bytes.data());
    *count = t->f32()->size();
    return true;
  }
  return false;
}

fs_value number(double x) {
  fs_value v{};
  v.kind = FS_VALUE_NUMBER;
  v.number = x;
  return v;
}

fs_value text(const char* s) {
  fs_value v{};
  v.kind = FS_VALUE_TEXT;
  v.text = s;
  v.text_length = std::strlen(s);
  return v;
}

fs_value text(const std::string& s) {
  fs_value v{};
  v.kind = FS_VALUE_TEXT;
  v.text = s.data();
  v.text_length = s.size();
  return v;
}

fs_value missing() {
  fs_value v{};
  v.kind = FS_VALUE_MISSING;
  return v;
}

Row make_row(double step, const char* type, double amount, const char* name_orig, double old_balance,
             const char* name_dest) {
  Row row;
  row[kColStep] = number(step);
  row[kColType] = text(type);
  row[kColAmount] = number(amount);
  row[kColNameOrig] = text(name_orig);
  row[kColOldBalanceOrg] = number(old_balance);
  row[kColNameDest] = text(name_dest);
  return row;
}

}  // namespace fraudscore_test
