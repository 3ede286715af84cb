// Loading in steps: identifier -> FlatBuffers verification -> schema version
// -> checksum -> feature spec -> tensors (dtype, element count, finite) ->
// architecture shapes -> risk settings. Each step fails with its own status
// and a message that names what is wrong.
#include <cmath>
#include <cstring>
#include <new>
#include <string>

#include "checksum.h"
#include "model.h"
#include "model_generated.h"
#include "families/family.h"
#include "networks/chunked_forward.h"
#include "tensor_dequantize.h"

namespace fraudscore {
namespace {

namespace fb = ::fraudscore::schema;

constexpr uint32_t kMaxWindow = 512;
// No tensor can hold more values than a model file can (FlatBuffers: < 2 GiB).
constexpr uint64_t kMaxTensorElements = uint64_t{1} << 29;

bool finite(double x) { return std::isfinite(x); }
bool nan_or_finite(double x) { return std::isnan(x) || std::isfinite(x); }

Status read_columns(const fb::FeatureSpec& spec, Model& m) {
  uint32_t index = 0;
  for (const fb::Column* c : *spec.columns()) {
    ColumnSpec col;
    col.name = c->name()->str();
    if (col.name.empty()) return Status::error(FS_ERR_VALUE, "column %u has an empty name", index);
    for (const ColumnSpec& other : m.columns)
      if (other.name == col.name) return Status::error(FS_ERR_VALUE, "column '%s' is defined twice", col.name.c_str());
    if (c->type() > fb::ColumnType::MAX)
      return Status::error(FS_ERR_UNSUPPORTED, "column '%s' has unknown type %d", col.name.c_str(),
                           static_cast<int>(c->type()));
    col.type = static_cast<fs_column_type>(c->type());
    if (c->vocabulary())
      for (const flatbuffers::String* v : *c->vocabulary()) col.vocabulary.push_back(v->str());
    if (col.type == FS_COLUMN_CATEGORICAL && col.vocabulary.empty())
      return Status::error(FS_ERR_VALUE, "categorical column '%s' has no vocabulary", col.name.c_str());
    col.reject_unknown = c->unknown() != fb::UnknownCategory::MapToIndex;
    col.unknown_index = c->unknown_index();
    if (!col.reject_unknown &&
        (col.unknown_index < 0 || static_cast<size_t>(col.unknown_index) >= col.vocabulary.size()))
      return Status::error(FS_ERR_VALUE, "column '%s' maps unknown categories to index %d outside its vocabulary",
                           col.name.c_str(), col.unknown_index);
    col.missing_allowed = c->missing_allowed();
    col.missing_value = c->missing_value();
    col.min_value = c->min_value();
    if (!finite(col.missing_value) || !nan_or_finite(col.min_value))
      return Status::error(FS_ERR_VALUE, "column '%s' has a non-finite missing value or bound", col.name.c_str());
    if (col.type == FS_COLUMN_CATEGORICAL &&
        (col.missing_value < 0 || col.missing_value >= static_cast<double>(col.vocabulary.size()) ||
         col.missing_value != static_cast<double>(static_cast<int>(col.missing_value))))
      return Status::error(FS_ERR_VALUE, "categorical column '%s' maps missing values to %g, not a vocabulary index",
                           col.name.c_str(), col.missing_value);
    m.columns.push_back(std::move(col));
    ++index;
  }
  if (m.columns.empty()) return Status::error(FS_ERR_VALUE, "the feature spec has no columns");
  return Status::ok();
}

Status check_feature_columns(const FeatureDef& f, const std::vector<ColumnSpec>& cols) {
  auto need = [&](uint32_t idx, bool numeric_ok, bool categorical_ok, bool identifier_ok) -> Status {
    if (idx >= cols.size())
      return Status::error(FS_ERR_VALUE, "feature '%s' refers to column %u; the model has %zu", f.name.c_str(), idx,
                           cols.size());
    const fs_column_type t = cols[idx].type;
    const bool numeric = t == FS_COLUMN_NUMERIC || t == FS_COLUMN_TIME;
    if ((numeric && numeric_ok) || (t == FS_COLUMN_CATEGORICAL && categorical_ok) ||
        (t == FS_COLUMN_IDENTIFIER && identifier_ok))
      return Status::ok();
    return Status::error(FS_ERR_VALUE, "feature '%s' cannot use column '%s' of this type", f.name.c_str(),
                         cols[idx].name.c_str());
  };
  switch (f.op) {
    case FeatureOp::Value:
    case FeatureOp::Modulo:
    case FeatureOp::DayOfWeek:
    case FeatureOp::SincePrevious:
    case FeatureOp::RelativeToHistory:
      return need(f.a, true, false, false);
    case FeatureOp::CategoryIndex:
      return need(f.a, false, true, false);
    case FeatureOp::OneHot:
      FS_RETURN_IF_ERROR(need(f.a, false, true, false));
      if (f.parameter < 0 || f.parameter >= static_cast<double>(cols[f.a].vocabulary.size()))
        return Status::error(FS_ERR_VALUE, "feature '%s' one-hot index is outside the vocabulary", f.name.c_str());
      return Status::ok();
    case FeatureOp::PrefixFlag:
      return need(f.a, false, false, true);
    case FeatureOp::Difference:
    case FeatureOp::Ratio:
      FS_RETURN_IF_ERROR(need(f.a, true, false, false));
      return need(f.b, true, false, false);
  }
  return Status::error(FS_ERR_UNSUPPORTED, "feature '%s' has an unknown operation", f.name.c_str());
}

// The stored training range, widened by `margin` times its width on each side.
Status read_range(const fb::Feature& src, double margin, FeatureDef* f) {
  const double lo = src.range_min(), hi = src.range_max();
  f->range_lo = f->range_hi = std::nan("");
  if (std::isnan(lo) && std::isnan(hi)) return Status::ok();
  if (!finite(lo) || !finite(hi) || lo > hi || !finite(margin) || margin < 0 || !finite(hi - lo))
    return Status::error(FS_ERR_VALUE, "feature '%s' has an invalid training range [%g, %g] or margin %g",
                         f->name.c_str(), lo, hi, margin);
  const double widen = margin * (hi - lo);
  f->range_lo = lo - widen;
  f->range_hi = hi + widen;
  if (!finite(f->range_lo) || !finite(f->range_hi))
    return Status::error(FS_ERR_VALUE, "feature '%s': its widened training range is not finite", f->name.c_str());
  return Status::ok();
}

// A history feature's slot among the model's history columns. Its stored
// range bounds x whatever the stream holds, so the z-score is bounded too and
// computing it once the window is known cannot fail.
Status read_history(Model& m, FeatureDef* f) {
  if (std::isnan(f->range_lo))
    return Status::error(FS_ERR_VALUE, "feature '%s' reads the window's history and needs a training range",
                         f->name.c_str());
  const double z = std::fmax(std::fabs(f->range_lo - f->mean), std::fabs(f->range_hi - f->mean)) / f->std;
  if (!(z <= kMaxNormalisedFeature))
    return Status::error(FS_ERR_VALUE, "feature '%s': its training range lies %g standard deviations from its mean",
                         f->name.c_str(), z);
  uint32_t slot = 0;
  while (slot < m.history_columns.size() && m.history_columns[slot] != f->a) ++slot;
  if (slot == m.history_columns.size()) m.history_columns.push_back(f->a);
  f->history_slot = slot;
  return Status::ok();
}

Status read_features(const fb::FeatureSpec& spec, Model& m) {
  for (const fb::Feature* src : *spec.features()) {
    FeatureDef f;
    f.name = src->name()->str();
    if (src->op() > fb::FeatureOp::MAX)
      return Status::error(FS_ERR_UNSUPPORTED, "feature '%s' has unknown operation %d", f.name.c_str(),
                           static_cast<int>(src->op()));
    f.op = static_cast<FeatureOp>(src->op());
    f.a = src->a();
    f.b = src->b();
    f.parameter = src->parameter();
    f.text = src->text() ? src->text()->str() : std::string();
    f.log1p = src->log1p();
    f.clip_min = src->clip_min();
    f.clip_max = src->clip_max();
    f.mean = src->mean();
    f.std = src->std();
    if (src->reason_code()) f.reason_code = src->reason_code()->str();
    if (src->reason_text()) f.reason_text = src->reason_text()->str();
    f.baseline = src->baseline();
    if (!finite(f.baseline))
      return Status::error(FS_ERR_VALUE, "feature '%s' has a non-finite reason baseline", f.name.c_str());
    if (!finite(f.parameter) || !finite(f.mean) || !finite(f.std) || !(f.std > 0) || !nan_or_finite(f.clip_min) ||
        !nan_or_finite(f.clip_max))
      return Status::error(FS_ERR_VALUE, "feature '%s' has a non-finite or non-positive normalisation setting",
                           f.name.c_str());
    FS_RETURN_IF_ERROR(read_range(*src, spec.range_margin(), &f));
    if ((f.op == FeatureOp::Ratio || f.op == FeatureOp::Modulo || f.op == FeatureOp::DayOfWeek ||
         f.op == FeatureOp::RelativeToHistory) && !(f.parameter > 0))
      return Status::error(FS_ERR_VALUE, "feature '%s' needs a positive parameter", f.name.c_str());
    FS_RETURN_IF_ERROR(check_feature_columns(f, m.columns));
    if (reads_history(f.op)) FS_RETURN_IF_ERROR(read_history(m, &f));
    m.features.push_back(std::move(f));
  }
  if (m.features.empty()) return Status::error(FS_ERR_VALUE, "the feature spec has no features");
  return Status::ok();
}

// Reason groups in order of first appearance; a feature without a code is
// grouped by its source column.
void build_reason_groups(Model& m) {
  for (uint32_t i = 0; i < m.features.size(); ++i) {
    const FeatureDef& f = m.features[i];
    const std::string code = f.reason_code.empty() ? m.columns[f.a].name : f.reason_code;
    ReasonGroup* group = nullptr;
    for (ReasonGroup& g : m.reason_groups)
      if (g.code == code) group = &g;
    if (!group) {
      m.reason_groups.push_back({code, f.reason_text.empty() ? m.columns[f.a].name + " is unusual" : f.reason_text, {}});
      group = &m.reason_groups.back();
    }
    group->features.push_back(i);
  }
}

Status read_window(const fb::Window& w, Model& m) {
  m.window.length = w.length();
  if (m.window.length == 0 || m.window.length > kMaxWindow)
    return Status::error(FS_ERR_VALUE, "window length %u is outside 1..%u", m.window.length, kMaxWindow);
  if (w.mode() > fb::WindowMode::MAX) return Status::error(FS_ERR_UNSUPPORTED, "unknown window mode");
  m.window.per_key = w.mode() == fb::WindowMode::PerKey;
  m.window.key_column = w.key_column();
  if (m.window.per_key &&
      (m.window.key_column >= m.columns.size() || m.columns[m.window.key_column].type != FS_COLUMN_IDENTIFIER))
    return Status::error(FS_ERR_VALUE, "the per-key window's key column %u is not an identifier column",
                         m.window.key_column);
  return Status::ok();
}

Status read_tensors(const fb::ModelBody& body, Model& m, std::vector<TensorView>* out) {
  for (const fb::Tensor* t : *body.tensors()) {
    TensorView view;
    view.name = t->name()->str();
    if (find_tensor(*out, view.name.c_str()))
      return Status::error(FS_ERR_VALUE, "tensor '%s' is defined twice", view.name.c_str());
    const fb::DataType dtype = t->dtype();
    const bool quantized = dtype == fb::DataType::Float16 || dtype == fb::DataType::Int8;
    if (dtype != fb::DataType::Float32 && dtype != fb::DataType::Float64 && dtype != fb::DataType::Int32 && !quantized)
      return Status::error(FS_ERR_UNSUPPORTED, "tensor '%s' is stored as %s; this build reads Float32, Float16, Int8, "
                           "Float64 and Int32", view.name.c_str(),
                           dtype <= fb::DataType::MAX ? fb::EnumNameDataType(dtype) : "(unknown)");
    if (quantized && m.schema_minor < 5)
      return Status::error(FS_ERR_VALUE, "tensor '%s' is stored as %s, which schema 1.%u files do not have (1.5)",
                           view.name.c_str(), fb::EnumNameDataType(dtype), m.schema_minor);
    view.dtype = dtype == fb::DataType::Float64 ? TensorDtype::Float64
                 : dtype == fb::DataType::Int32 ? TensorDtype::Int32 : TensorDtype::Float32;
    // Checked, so that a shape such as 65536^4 cannot wrap to a small count.
    uint64_t count = 1;
    for (uint32_t dim : *t->shape()) {
      view.shape.push_back(dim);
      if (dim != 0 && count > kMaxTensorElements / dim)
        return Status::error(FS_ERR_SHAPE, "tensor '%s' has a shape with more than %llu elements", view.name.c_str(),
                             static_cast<unsigned long long>(kMaxTensorElements));
      count *= dim;
    }
    if (quantized) {
      // Dequantised here, once; the networks then read float32 as from any other file.
      m.dequantized.emplace_back();
      FS_RETURN_IF_ERROR(dequantize_tensor(*t, view.name.c_str(), count, view.shape.empty() ? 1 : view.shape[0],
                                           &m.dequantized.back()));
      view.data = count ? m.dequantized.back().data() : nullptr;
      view.count = static_cast<size_t>(count);
      if (dtype == fb::DataType::Int8) m.weight_precision = "int8";
      else if (std::strcmp(m.weight_precision, "int8") != 0) m.weight_precision = "float16";
      out->push_back(std::move(view));
      continue;
    }
    size_t stored = 0;
    switch (view.dtype) {
      case TensorDtype::Float64:
        stored = t->f64() ? t->f64()->size() : 0;
        view.f64 = stored ? t->f64()->data() : nullptr;
        break;
      case TensorDtype::Int32:
        stored = t->i32() ? t->i32()->size() : 0;
        view.i32 = stored ? t->i32()->data() : nullptr;
        break;
      case TensorDtype::Float32:
        stored = t->f32() ? t->f32()->size() : 0;
        view.data = stored ? t->f32()->data() : nullptr;
        break;
    }
    if (count != stored)
      return Status::error(FS_ERR_SHAPE, "tensor '%s' has %zu values; its shape needs %llu", view.name.c_str(), stored,
                           static_cast<unsigned long long>(count));
    view.count = static_cast<size_t>(count);
    const bool f64 = view.dtype == TensorDtype::Float64;
    // FlatBuffers' verifier aligns a vector to its 4-byte length only: a crafted file can place float64
    // values off an 8-byte boundary, where reading them is undefined (a bus error on some ARM cores).
    if (f64 && view.f64 && reinterpret_cast<uintptr_t>(view.f64) % alignof(double) != 0)
      return Status::error(FS_ERR_CORRUPT, "tensor '%s' is not 8-byte aligned", view.name.c_str());
    if (view.dtype != TensorDtype::Int32)
      for (size_t i = 0; i < view.count; ++i)
        if (!std::isfinite(f64 ? view.f64[i] : static_cast<double>(view.data[i])))
          return Status::error(FS_ERR_VALUE, "tensor '%s' holds a non-finite value at index %zu", view.name.c_str(), i);
    out->push_back(std::move(view));
  }
  return Status::ok();
}

// Clients find named outputs beside the result's own fields (the agent's JSON, the CLI's columns),
// so a name must be an identifier that none of those fields uses.
bool valid_output_name(const std::string& name) {
  static const char* const kResultFields[] = {"row", "id", "probability", "raw_probability", "band", "decision",
                                              "threshold", "review_threshold", "attention", "valid_steps", "reasons",
                                              "segment", "out_of_range", "model", "version", "thresholds", "kind",
                                              "label", "results"};
  if (name.empty() || name.size() > 64 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  for (const char* field : kResultFields)
    if (name == field) return false;
  return true;
}

// The family registered for the file's kind checks its architecture and tensors and builds the network.
Status read_architecture(const fb::ModelBody& body, const std::vector<TensorView>& tensors, Model& m) {
  m.family = find_family(body.kind());
  if (!m.family)
    return Status::error(FS_ERR_UNSUPPORTED, "model kind %s is not in this build (its families: %s)",
                         body.kind() <= fb::ModelKind::MAX ? fb::EnumNameModelKind(body.kind()) : "(unknown)",
                         fs_families());
  FS_RETURN_IF_ERROR(m.family->build(FamilyContext{body, tensors, m}, &m.network));
  const Network& net = *m.network;
  if (net.window_length() != m.window.length || net.feature_count() != m.features.size())
    return Status::error(FS_ERR_INTERNAL, "the %s network was built for %u steps of %u features; the model has %u of %zu",
                         m.family->name, net.window_length(), net.feature_count(), m.window.length, m.features.size());
  for (const ExtraOutput& o : net.extra_outputs()) {
    if ((o.kind == FS_OUTPUT_LABEL) == o.labels.empty() || !finite(o.platt_a) || !finite(o.platt_b))
      return Status::error(FS_ERR_VALUE, "output '%s' is inconsistent (a label output needs labels, a probability "
                           "finite calibration)", o.name.c_str());
    if (!valid_output_name(o.name))
      return Status::error(FS_ERR_VALUE, "output name '%s' is not a lower-case identifier or is taken by the result "
                           "itself", o.name.c_str());
  }
  return Status::ok();
}

// Bounds on what one scored row may cost, so that a valid but hostile file
// (65,535 conv filters, 2,000 LLE neighbours, thousands of reason groups) is
// refused at load instead of taking gigabytes or minutes per score. A row's
// reasons re-run the network once per reason group (occlusion), so the bound
// counts those runs too. The shipped models need under 1% of either bound.
constexpr double kMaxOperationsPerRow = 2e8;
constexpr double kMaxWorkspaceBytes = 256.0 * 1024 * 1024;

Status check_cost(Model& m) {
  const Network& net = *m.network;
  const double window = net.flops_per_window();
  // Occlusion runs the network once more per reason group; an attributing family explains in one pass.
  m.operations_per_row = net.has_attribution() ? window + net.attribution_flops()
                                               : window * (1.0 + static_cast<double>(m.reason_groups.size()));
  if (!(m.operations_per_row <= kMaxOperationsPerRow))
    return Status::error(FS_ERR_UNSUPPORTED, "the model needs %.3g operations per row (%.3g per window, run once more "
                         "for each of %zu reason groups); this library scores models of at most %.3g",
                         m.operations_per_row, window, m.reason_groups.size(), kMaxOperationsPerRow);
  const double workspace = static_cast<double>(chunked_workspace_floats(*m.network, kForwardChunk)) * sizeof(float);
  if (!(workspace <= kMaxWorkspaceBytes))
    return Status::error(FS_ERR_UNSUPPORTED, "the model needs %.3g bytes of scratch per batch; this library allows "
                         "at most %.3g", workspace, kMaxWorkspaceBytes);
  return Status::ok();
}

Status read_calibration(const fb::Calibration* c, const char* what, bool* platt, double* a, double* b) {
  if (!c) return Status::ok();
  if (c->method() > fb::CalibrationMethod::MAX) return Status::error(FS_ERR_UNSUPPORTED, "unknown %s method", what);
  *platt = c->method() == fb::CalibrationMethod::Platt;
  *a = c->a();
  *b = c->b();
  if (!finite(*a) || !finite(*b)) return Status::error(FS_ERR_VALUE, "the %s has non-finite parameters", what);
  return Status::ok();
}

Status read_dynamic(const fb::DynamicThreshold& d, Model& m) {
  DynamicThresholdSpec& dyn = m.risk.dynamic;
  dyn.enabled = d.enabled();
  dyn.segment_column = d.segment_column();
  dyn.target_alert_rate = d.target_alert_rate();
  dyn.learning_rate = d.learning_rate();
  dyn.min_threshold = d.min_threshold();
  dyn.max_threshold = d.max_threshold();
  dyn.feedback_step = d.feedback_step();
  dyn.max_feedback_shift = d.max_feedback_shift();
  if (!dyn.enabled) return Status::ok();
  if (dyn.segment_column >= 0) {
    if (static_cast<size_t>(dyn.segment_column) >= m.columns.size() ||
        m.columns[dyn.segment_column].type != FS_COLUMN_CATEGORICAL)
      return Status::error(FS_ERR_VALUE, "the dynamic thresholds' segment column %d is not a categorical column",
                           dyn.segment_column);
    dyn.segment_count = static_cast<uint32_t>(m.columns[dyn.segment_column].vocabulary.size()) + 1;
  } else if (dyn.segment_column != -1) {
    return Status::error(FS_ERR_VALUE, "the dynamic thresholds' segment column %d is invalid", dyn.segment_column);
  }
  const RiskSpec& r = m.risk;
  if (!(dyn.target_alert_rate > 0 && dyn.target_alert_rate < 1) || !(dyn.learning_rate > 0) ||
      !finite(dyn.learning_rate) || !(dyn.feedback_step >= 0) || !finite(dyn.feedback_step) ||
      !(dyn.max_feedback_shift >= 0) || !finite(dyn.max_feedback_shift))
    return Status::error(FS_ERR_VALUE, "dynamic thresholds need 0 < alert rate < 1, a positive learning rate and "
                                       "finite, non-negative feedback settings");
  if (!(dyn.min_threshold > 0 && dyn.min_threshold <= r.decision_threshold &&
        r.decision_threshold <= dyn.max_threshold && dyn.max_threshold < 1))
    return Status::error(FS_ERR_VALUE, "dynamic threshold bounds must satisfy 0 < min (%g) <= decision (%g) <= max "
                                       "(%g) < 1", dyn.min_threshold, r.decision_threshold, dyn.max_threshold);
  return Status::ok();
}

Status read_risk(const fb::RiskSettings& r, Model& m) {
  RiskSpec& risk = m.risk;
  risk.decision_threshold = r.decision_threshold();
  risk.review_threshold = r.review_threshold();
  auto unit = [](double x) { return x >= 0.0 && x <= 1.0; };
  if (!unit(risk.decision_threshold) || !unit(risk.review_threshold) ||
      risk.review_threshold > risk.decision_threshold)
    return Status::error(FS_ERR_VALUE, "thresholds must satisfy 0 <= review (%g) <= decision (%g) <= 1",
                         risk.review_threshold, risk.decision_threshold);
  if (r.band_cuts()->size() != 3) return Status::error(FS_ERR_VALUE, "band_cuts must hold 3 cut points");
  for (int i = 0; i < 3; ++i) {
    risk.band_cuts[i] = r.band_cuts()->Get(i);
    if (!unit(risk.band_cuts[i]) || (i > 0 && risk.band_cuts[i] < risk.band_cuts[i - 1]))
      return Status::error(FS_ERR_VALUE, "band_cuts must be ascending within [0, 1]");
  }
  FS_RETURN_IF_ERROR(read_calibration(r.calibration(), "calibration", &risk.platt, &risk.platt_a, &risk.platt_b));
  FS_RETURN_IF_ERROR(read_calibration(r.entity_calibration(), "entity calibration", &risk.entity_platt,
                                      &risk.entity_a, &risk.entity_b));
  if (const fb::DynamicThreshold* d = r.dynamic()) FS_RETURN_IF_ERROR(read_dynamic(*d, m));
  return Status::ok();
}

void read_provenance(const fb::ModelBody& body, Model& m) {
  m.name = body.name() ? body.name()->str() : std::string();
  const fb::Provenance* p = body.provenance();
  if (!p) return;
  if (p->trainer_version()) m.trainer_version = p->trainer_version()->str();
  if (p->metrics())
    for (const fb::Metric* metric : *p->metrics()) m.metrics.emplace_back(metric->name()->str(), metric->value());
}

Status verify_envelope(const uint8_t* data, size_t size) {
  if (size < 8 || !flatbuffers::BufferHasIdentifier(data, fb::ModelIdentifier()))
    return Status::error(FS_ERR_IDENTIFIER, "not a fraudscore model file (identifier '%s' missing)",
                         fb::ModelIdentifier());
  flatbuffers::Verifier verifier(data, size);
  if (!fb::VerifyModelBuffer(verifier))
    return Status::error(FS_ERR_CORRUPT, "the model file is truncated or malformed (FlatBuffers verification failed)");
  const fb::Model* model = fb::GetModel(data);
  if (model->schema_major() != kSchemaMajor || model->schema_minor() > kSchemaMinor)
    return Status::error(FS_ERR_VERSION, "model schema version %u.%u; this library reads %u.0 to %u.%u",
                         model->schema_major(), model->schema_minor(), kSchemaMajor, kSchemaMajor, kSchemaMinor);
  // Generated tables derive privately from flatbuffers::Table; this is the
  // cast FlatBuffers' own reflection code uses.
  const auto* table = reinterpret_cast<const flatbuffers::Table*>(model);
  const uint8_t* field = table->GetAddressOf(fb::Model::VT_CHECKSUM);
  if (!field) return Status::error(FS_ERR_CHECKSUM, "the model file has no checksum");
  const uint64_t digest = fnv1a64_with_hole(data, size, static_cast<size_t>(field - data));
  if (digest != model->checksum())
    return Status::error(FS_ERR_CHECKSUM,
                         "checksum mismatch: the file says %016llx, its content hashes to %016llx (corrupt or altered)",
                         static_cast<unsigned long long>(model->checksum()), static_cast<unsigned long long>(digest));
  return Status::ok();
}

}  // namespace

Status load_model(const uint8_t* bytes, size_t size, std::unique_ptr<Model>* out, const TrustedKeys& trust) {
  if (!bytes || size == 0) return Status::error(FS_ERR_INVALID_ARGUMENT, "empty model buffer");
  return load_model(std::vector<uint8_t>(bytes, bytes + size), out, trust);
}

Status load_model(std::vector<uint8_t>&& file, std::unique_ptr<Model>* out, const TrustedKeys& trust) {
  if (file.empty()) return Status::error(FS_ERR_INVALID_ARGUMENT, "empty model buffer");
  std::unique_ptr<Model> m(new (std::nothrow) Model());
  if (!m) return Status::error(FS_ERR_NO_MEMORY, "out of memory");
  // Step 0, signatures: a signed file's model bytes are checked against the
  // trusted keys before anything in them is read.
  if (is_signed_envelope(file.data(), file.size())) {
    const uint8_t* inner = nullptr;
    size_t inner_size = 0;
    FS_RETURN_IF_ERROR(open_signed_envelope(file.data(), file.size(), trust, &inner, &inner_size, &m->signature));
    m->file.assign(inner, inner + inner_size);  // the model keeps its own aligned copy
  } else if (trust.count > 0) {
    return Status::error(FS_ERR_SIGNATURE, "the model file is unsigned; this deployment loads only models signed by "
                                           "a trusted key");
  } else {
    m->file = std::move(file);
  }
  const uint8_t* data = m->file.data();
  const size_t size = m->file.size();
  FS_RETURN_IF_ERROR(verify_envelope(data, size));

  const fb::Model* model = fb::GetModel(data);
  m->schema_major = model->schema_major();
  m->schema_minor = model->schema_minor();
  m->checksum = model->checksum();
  const fb::ModelBody& body = *model->body();
  FS_RETURN_IF_ERROR(read_columns(*body.spec(), *m));
  FS_RETURN_IF_ERROR(read_features(*body.spec(), *m));
  FS_RETURN_IF_ERROR(read_window(*body.spec()->window(), *m));
  build_reason_groups(*m);
  std::vector<TensorView> tensors;
  FS_RETURN_IF_ERROR(read_tensors(body, *m, &tensors));
  // Risk settings first: a family's extra outputs may take their calibration from them.
  FS_RETURN_IF_ERROR(read_risk(*body.risk(), *m));
  FS_RETURN_IF_ERROR(read_architecture(body, tensors, *m));
  FS_RETURN_IF_ERROR(check_cost(*m));
  read_provenance(body, *m);
  *out = std::move(m);
  return Status::ok();
}

}  // namespace fraudscore
