// The loaded, verified, immutable model. Everything here is read-only after
// load_model() returns; weights point into the model's own copy of the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "networks/network.h"
#include "signed_envelope.h"
#include "status.h"

namespace fraudscore {

enum class FeatureOp : uint8_t {
  Value, CategoryIndex, Difference, Ratio, Modulo, PrefixFlag, OneHot,
  SincePrevious, RelativeToHistory, DayOfWeek,  // 1.3
};

// Whether the feature reads the rows before this one (schemas/README.md, "History operations").
inline bool reads_history(FeatureOp op) { return op == FeatureOp::SincePrevious || op == FeatureOp::RelativeToHistory; }

struct ColumnSpec {
  std::string name;
  fs_column_type type = FS_COLUMN_NUMERIC;
  std::vector<std::string> vocabulary;  // categorical: value -> index
  bool reject_unknown = true;
  int unknown_index = -1;
  bool missing_allowed = true;
  double missing_value = 0.0;
  double min_value = 0.0;  // NaN: no lower bound
};

struct FeatureDef {
  std::string name;
  FeatureOp op = FeatureOp::Value;
  uint32_t a = 0, b = 0;
  double parameter = 0.0;
  std::string text;
  bool log1p = false;
  double clip_min = 0.0, clip_max = 0.0;  // NaN: no bound
  double mean = 0.0, std = 1.0;
  std::string reason_code, reason_text;  // empty: grouped by column a
  double baseline = 0.0;                 // the "typical" transformed value (reason codes)
  // The training range widened by the spec's margin (after log1p, before
  // clip); inputs beyond it are clipped and flagged. NaN: no stored range.
  double range_lo = 0.0, range_hi = 0.0;
  // History operations: which of the model's history columns
  // (Model::history_columns) holds column a's past values.
  uint32_t history_slot = 0;
};

// Features that move a score together, for reason codes (schemas/README.md).
struct ReasonGroup {
  std::string code, text;
  std::vector<uint32_t> features;
};

struct WindowSpec {
  uint32_t length = 10;
  bool per_key = false;
  uint32_t key_column = 0;
};

struct DynamicThresholdSpec {
  bool enabled = false;
  int32_t segment_column = -1;  // a categorical column, or -1 for one segment
  uint32_t segment_count = 1;   // vocabulary size + 1 (unknown values), or 1
  double target_alert_rate = 0.0, learning_rate = 0.02;
  double min_threshold = 0.0, max_threshold = 1.0;
  double feedback_step = 0.1, max_feedback_shift = 2.0;
};

struct RiskSpec {
  double decision_threshold = 0.5;
  double review_threshold = 0.5;
  double band_cuts[3] = {0.25, 0.5, 0.75};
  bool platt = false;
  double platt_a = 1.0, platt_b = 0.0;
  bool entity_platt = false;  // calibration of a family's entity-level output (its builder reads it)
  double entity_a = 1.0, entity_b = 0.0;
  DynamicThresholdSpec dynamic;
};

struct Family;

struct Model {
  std::vector<uint8_t> file;  // the verified bytes; tensors are read in place
  // Float16 and Int8 tensors (1.5), dequantised to float32 at load: the networks read these.
  std::vector<std::vector<float>> dequantized;
  const char* weight_precision = "float32";  // the narrowest stored: "float32", "float16" or "int8"
  const Family* family = nullptr;  // the registered family of the file's kind
  uint32_t schema_major = 0, schema_minor = 0;
  uint64_t checksum = 0;  // ties saved session state to this model
  double operations_per_row = 0;  // one scored row with its reasons (checked at load)
  SignatureCheck signature;  // how the file was signed and whether a trusted key verified it
  std::string name;
  std::string trainer_version;
  std::vector<ColumnSpec> columns;
  std::vector<FeatureDef> features;
  // The columns whose past values a session keeps per window (history operations), distinct.
  std::vector<uint32_t> history_columns;
  std::vector<ReasonGroup> reason_groups;
  WindowSpec window;
  RiskSpec risk;
  std::vector<std::pair<std::string, double>> metrics;
  std::unique_ptr<Network> network;
};

// A normalised feature beyond this many standard deviations would let the
// network's sums overflow to infinity and NaN; no trained model sees one.
constexpr double kMaxNormalisedFeature = 1e6;

// The schema version this library reads (major must match, minor may be <=).
constexpr uint32_t kSchemaMajor = 1;
constexpr uint32_t kSchemaMinor = 5;

// Verify and load a model file (copied), signed or not: with trusted keys,
// only a file signed by one of them. Never throws.
Status load_model(const uint8_t* bytes, size_t size, std::unique_ptr<Model>* out,
                  const TrustedKeys& trust = TrustedKeys());
// The same for a file already read into memory, which the model takes over.
Status load_model(std::vector<uint8_t>&& file, std::unique_ptr<Model>* out, const TrustedKeys& trust = TrustedKeys());

}  // namespace fraudscore
