#include "model_builder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "gbdt_trees.h"

namespace fraudscore_fuzz {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T>
T pick(std::mt19937& rng, std::initializer_list<T> values) {
  return *(values.begin() + rng() % values.size());
}

size_t below(std::mt19937& rng, size_t n) { return n ? rng() % n : 0; }

double uniform(std::mt19937& rng, double lo, double hi) {
  return lo + (hi - lo) * (static_cast<double>(rng()) / 4294967296.0);
}

// --- Builders ---------------------------------------------------------------

struct ColumnArgs {
  const char* name;
  fb::ColumnType type;
  std::vector<std::string> vocabulary = {};
  fb::UnknownCategory unknown = fb::UnknownCategory::Reject;
  int32_t unknown_index = -1;
  bool missing_allowed = true;
  double missing_value = 0.0;
  double min_value = kNaN;
};

std::unique_ptr<fb::ColumnT> column(const ColumnArgs& a) {
  auto c = std::make_unique<fb::ColumnT>();
  c->name = a.name;
  c->type = a.type;
  c->vocabulary = a.vocabulary;
  c->unknown = a.unknown;
  c->unknown_index = a.unknown_index;
  c->missing_allowed = a.missing_allowed;
  c->missing_value = a.missing_value;
  c->min_value = a.min_value;
  return c;
}

struct FeatureArgs {
  const char* name;
  fb::FeatureOp op;
  uint16_t a, b = 0;
  double parameter = 0.0;
  const char* text = nullptr;
  bool log1p = false;
  double clip_min = kNaN, clip_max = kNaN, mean = 0.0, std = 1.0;
  const char* reason_code = nullptr;
  const char* reason_text = nullptr;
  double baseline = 0.0;
};

std::unique_ptr<fb::FeatureT> feature(const FeatureArgs& a) {
  auto f = std::make_unique<fb::FeatureT>();
  f->name = a.name;
  f->op = a.op;
  f->a = a.a;
  f->b = a.b;
  f->parameter = a.parameter;
  if (a.text) f->text = a.text;
  f->log1p = a.log1p;
  f->clip_min = a.clip_min;
  f->clip_max = a.clip_max;
  f->mean = a.mean;
  f->std = a.std;
  if (a.reason_code) f->reason_code = a.reason_code;
  if (a.reason_text) f->reason_text = a.reason_text;
  f->baseline = a.baseline;
  return f;
}

std::unique_ptr<fb::CalibrationT> platt(double a, double b) {
  auto c = std::make_unique<fb::CalibrationT>();
  c->method = fb::CalibrationMethod::Platt;
  c->a = a;
  c->b = b;
  c->target_prevalence = 0.01;
  return c;
}

std::unique_ptr<fb::DynamicThresholdT> dynamic(int32_t segment_column) {
  auto d = std::make_unique<fb::DynamicThresholdT>();
  d->enabled = true;
  d->segment_column = segment_column;
  d->target_alert_rate = 0.05;
  d->learning_rate = 0.05;
  d->min_threshold = 0.3;
  d->max_threshold = 0.95;
  d->feedback_step = 0.25;
  d->max_feedback_shift = 1.0;
  return d;
}

std::unique_ptr<fb::RiskSettingsT> risk(double decision, double review) {
  auto r = std::make_unique<fb::RiskSettingsT>();
  r->decision_threshold = decision;
  r->review_threshold = review;
  r->band_cuts = {0.2, 0.5, 0.8};
  r->calibration = platt(1.5, -0.25);
  return r;
}

std::unique_ptr<fb::ProvenanceT> provenance(uint32_t seed) {
  auto p = std::make_unique<fb::ProvenanceT>();
  p->trainer_version = "fraudscore-fuzz 1";
  p->created_utc = "2024-01-01T00:00:00Z";
  p->data_description = "tiny fuzzing seed";
  p->seed = seed;
  auto m = std::make_unique<fb::MetricT>();
  m->name = "test.roc_auc";
  m->value = 0.875;
  p->metrics.push_back(std::move(m));
  return p;
}

// PaySim-like columns (tests/support/test_models.h's spec): step, type, amount,
// nameOrig, oldbalanceOrg, nameDest.
void paysim_spec(fb::FeatureSpecT& spec) {
  spec.columns.push_back(column({"step", fb::ColumnType::Time}));
  spec.columns.push_back(column({"type", fb::ColumnType::Categorical,
                                 {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"},
                                 fb::UnknownCategory::Reject, -1, /*missing_allowed=*/false}));
  spec.columns.push_back(column({"amount", fb::ColumnType::Numeric, {}, fb::UnknownCategory::Reject, -1, true, 0.0, 0.0}));
  spec.columns.push_back(column({"nameOrig", fb::ColumnType::Identifier}));
  spec.columns.push_back(
      column({"oldbalanceOrg", fb::ColumnType::Numeric, {}, fb::UnknownCategory::Reject, -1, true, 0.0, 0.0}));
  spec.columns.push_back(column({"nameDest", fb::ColumnType::Identifier}));
  spec.time_column = 0;
  using Op = fb::FeatureOp;
  spec.features.push_back(feature({"amount_log", Op::Value, 2, 0, 0.0, nullptr, true, kNaN, kNaN, 7.5, 2.5,
                                   "AMOUNT", "Unusual amount", 0.25}));
  spec.features.push_back(feature({"type_index", Op::CategoryIndex, 1, 0, 0.0, nullptr, false, kNaN, kNaN, 2.0, 1.25,
                                   "TXN_TYPE", "Unusual payment type"}));
  spec.features.push_back(feature({"type_transfer", Op::OneHot, 1, 0, 4.0, nullptr, false, kNaN, kNaN, 0.0, 1.0,
                                   "TXN_TYPE", "Unusual payment type"}));
  spec.features.push_back(feature({"type_cash_out", Op::OneHot, 1, 0, 1.0, nullptr, false, kNaN, kNaN, 0.25, 0.5,
                                   "TXN_TYPE", "Unusual payment type"}));
  spec.features.push_back(
      feature({"balance_gap", Op::Difference, 4, 2, 0.0, nullptr, true, -12.0, 12.0, 0.5, 4.0}));
  spec.features.push_back(feature({"amount_ratio", Op::Ratio, 2, 4, 1.0, nullptr, true, kNaN, 5.0, 0.4, 0.8}));
  spec.features.push_back(feature({"hour_of_day", Op::Modulo, 0, 0, 24.0, nullptr, false, kNaN, kNaN, 11.5, 6.9}));
  spec.features.push_back(
      feature({"dest_is_merchant", Op::PrefixFlag, 5, 0, 0.0, "M", false, kNaN, kNaN, 0.3, 0.45}));
}

std::unique_ptr<fb::ModelT> envelope(fb::ModelKind kind, const char* name, uint32_t seed) {
  auto m = std::make_unique<fb::ModelT>();
  m->schema_major = 1;
  m->schema_minor = 1;
  m->checksum_algorithm = fb::ChecksumAlgorithm::Fnv1a64;
  m->body = std::make_unique<fb::ModelBodyT>();
  m->body->kind = kind;
  m->body->name = name;
  m->body->description = "tiny model for fuzzing (tests/fuzz)";
  m->body->spec = std::make_unique<fb::FeatureSpecT>();
  m->body->spec->window = std::make_unique<fb::WindowT>();
  m->body->provenance = provenance(seed);
  return m;
}

std::unique_ptr<fb::ModelT> crnn(bool per_key_dynamic, uint32_t seed) {
  auto m = envelope(fb::ModelKind::Crnn, per_key_dynamic ? "fuzz-crnn-perkey" : "fuzz-crnn", seed);
  paysim_spec(*m->body->spec);
  if (per_key_dynamic) {  // history operations (1.3), which need their training range
    using Op = fb::FeatureOp;
    auto& features = m->body->spec->features;
    features.push_back(feature({"since_previous", Op::SincePrevious, 0, 0, 48.0}));
    features.push_back(feature({"amount_vs_history", Op::RelativeToHistory, 2, 0, 1.0, nullptr, true}));
    features.push_back(feature({"day_of_week", Op::DayOfWeek, 0, 0, 24.0}));
    for (size_t i = features.size() - 3; i < features.size(); ++i) {
      features[i]->range_min = 0.0;
      features[i]->range_max = 100.0;
    }
  }
  fb::WindowT& w = *m->body->spec->window;
  w.length = per_key_dynamic ? 3 : 4;
  w.mode = per_key_dynamic ? fb::WindowMode::PerKey : fb::WindowMode::Global;
  w.key_column = per_key_dynamic ? 3 : 0;
  fb::CrnnConfigT cfg;
  cfg.conv_filters = 4;
  cfg.conv_kernel = 2;
  cfg.lstm_hidden = 4;
  cfg.attention_dim = 4;
  cfg.dense_units = 8;
  m->body->architecture.Set(cfg);
  m->body->risk = risk(0.7, 0.4);
  if (per_key_dynamic) m->body->risk->dynamic = dynamic(1);
  return m;
}

// SME payments: enterprise_id, amount, delay_days, counterparty, sector, day.
std::unique_ptr<fb::ModelT> lstm_attn(uint32_t seed) {
  auto m = envelope(fb::ModelKind::LstmAttn, "fuzz-lstm_attn", seed);
  fb::FeatureSpecT& spec = *m->body->spec;
  spec.columns.push_back(column({"enterprise_id", fb::ColumnType::Identifier}));
  spec.columns.push_back(column({"amount", fb::ColumnType::Numeric, {}, fb::UnknownCategory::Reject, -1, true, 0.0, 0.0}));
  spec.columns.push_back(column({"delay_days", fb::ColumnType::Numeric}));
  spec.columns.push_back(column({"counterparty", fb::ColumnType::Categorical, {"bank", "supplier", "tax"},
                                 fb::UnknownCategory::MapToIndex, 1}));
  spec.columns.push_back(column({"sector", fb::ColumnType::Categorical, {"retail", "manufacturing", "services"}}));
  spec.columns.push_back(column({"day", fb::ColumnType::Time}));
  spec.time_column = 5;
  using Op = fb::FeatureOp;
  spec.features.push_back(feature({"amount_log", Op::Value, 1, 0, 0.0, nullptr, true, kNaN, kNaN, 8.0, 2.0,
                                   "AMOUNT", "Unusual amount"}));
  spec.features.push_back(feature({"delay", Op::Value, 2, 0, 0.0, nullptr, false, kNaN, kNaN, 2.0, 5.0,
                                   "PAYMENT_DELAY", "Payment later than usual"}));
  spec.features.push_back(feature({"counterparty", Op::CategoryIndex, 3, 0, 0.0, nullptr, false, kNaN, kNaN, 1.0, 0.8}));
  spec.features.push_back(feature({"sector_mfg", Op::OneHot, 4, 0, 1.0, nullptr, false, kNaN, kNaN, 0.3, 0.45}));
  spec.features.push_back(feature({"amount_per_delay", Op::Ratio, 1, 2, 1.0, nullptr, true, kNaN, kNaN, 3.0, 2.0}));
  spec.features.push_back(feature({"weekday", Op::Modulo, 5, 0, 7.0, nullptr, false, kNaN, kNaN, 3.0, 2.0}));
  fb::WindowT& w = *spec.window;
  w.length = 4;
  w.mode = fb::WindowMode::PerKey;
  w.key_column = 0;
  fb::LstmAttnConfigT cfg;
  cfg.lstm_hidden = 4;
  cfg.heads = 2;
  cfg.dense_units = 8;
  m->body->architecture.Set(cfg);
  m->body->risk = risk(0.6, 0.3);
  m->body->risk->entity_calibration = platt(1.2, 0.1);
  m->body->risk->dynamic = dynamic(4);
  return m;
}

// Listed companies: company, year, x1..x3 (company-year indicators).
std::unique_ptr<fb::ModelT> lle_svm(uint32_t seed) {
  auto m = envelope(fb::ModelKind::LleSvm, "fuzz-lle_svm", seed);
  fb::FeatureSpecT& spec = *m->body->spec;
  spec.columns.push_back(column({"company", fb::ColumnType::Identifier}));
  spec.columns.push_back(column({"year", fb::ColumnType::Time}));
  for (const char* name : {"x1", "x2", "x3"}) spec.columns.push_back(column({name, fb::ColumnType::Numeric}));
  spec.time_column = 1;
  using Op = fb::FeatureOp;
  spec.features.push_back(feature({"x1", Op::Value, 2}));
  spec.features.push_back(feature({"x2", Op::Value, 3}));
  spec.features.push_back(feature({"x3", Op::Value, 4}));
  fb::WindowT& w = *spec.window;
  w.length = 2;
  w.mode = fb::WindowMode::PerKey;
  w.key_column = 0;
  fb::LleSvmConfigT cfg;
  cfg.indicators = 3;
  cfg.derived_clip = 50;
  cfg.neighbours = 3;
  cfg.embedding_dim = 2;
  cfg.lle_reg = 1e-3;
  cfg.gamma = 0.7;
  cfg.intercept = -0.25;
  cfg.grades = {"AAA", "BB", "C"};
  m->body->architecture.Set(cfg);
  m->body->risk = risk(0.5, 0.3);
  return m;
}

// crnn's PaySim-like spec, a per-key window of 3 (24 inputs), and the four
// trees of tiny_gbdt_forest() (gbdt_trees.cpp): splits on the latest and the
// older (missing while a key's window fills) steps, default directions both
// ways, an input split twice on one path, a single-leaf tree, a zero-cover leaf.
std::unique_ptr<fb::ModelT> gbdt(uint32_t seed) {
  auto m = envelope(fb::ModelKind::Gbdt, "fuzz-gbdt", seed);
  m->schema_minor = 4;  // Int32 tensors and GbdtConfig
  paysim_spec(*m->body->spec);
  fb::WindowT& w = *m->body->spec->window;
  w.length = 3;
  w.mode = fb::WindowMode::PerKey;
  w.key_column = 3;
  fb::GbdtConfigT cfg;
  cfg.trees = 4;
  cfg.max_depth = 3;
  cfg.base_margin = -1.25;
  m->body->architecture.Set(cfg);
  m->body->risk = risk(0.65, 0.35);
  return m;
}

void append_bilstm(uint32_t in, uint32_t hidden, std::vector<std::pair<std::string, std::vector<uint32_t>>>* out) {
  const uint32_t G = 4 * hidden;
  for (const char* suffix : {"", "_reverse"}) {
    const std::string s(suffix);
    out->push_back({"lstm.weight_ih_l0" + s, {G, in}});
    out->push_back({"lstm.weight_hh_l0" + s, {G, hidden}});
    out->push_back({"lstm.bias_ih_l0" + s, {G}});
    out->push_back({"lstm.bias_hh_l0" + s, {G}});
  }
}

uint64_t product(const std::vector<uint32_t>& shape) {
  uint64_t n = 1;
  for (uint32_t d : shape) {
    if (d && n > UINT64_MAX / d) return UINT64_MAX;
    n *= d;
  }
  return n;
}

}  // namespace

const char* tiny_kind_name(TinyKind kind) {
  switch (kind) {
    case TinyKind::Crnn: return "crnn";
    case TinyKind::CrnnPerKeyDynamic: return "crnn_perkey_dynamic";
    case TinyKind::LstmAttn: return "lstm_attn";
    case TinyKind::LleSvm: return "lle_svm";
    case TinyKind::Gbdt: return "gbdt";
  }
  return "unknown";
}

std::unique_ptr<fb::ModelT> tiny_model(TinyKind kind, uint32_t seed) {
  std::unique_ptr<fb::ModelT> m;
  switch (kind) {
    case TinyKind::Crnn: m = crnn(false, seed); break;
    case TinyKind::CrnnPerKeyDynamic: m = crnn(true, seed); break;
    case TinyKind::LstmAttn: m = lstm_attn(seed); break;
    case TinyKind::LleSvm: m = lle_svm(seed); break;
    case TinyKind::Gbdt:  // hand-written trees, whatever the seed
      m = gbdt(seed);
      set_gbdt_tensors(*m, tiny_gbdt_forest());
      return m;
  }
  std::mt19937 rng(seed);
  regenerate_tensors(*m, rng, SIZE_MAX);
  return m;
}

std::vector<uint8_t> tiny_model_bytes(TinyKind kind, uint32_t seed) { return pack_model(*tiny_model(kind, seed)); }

std::vector<uint8_t> pack_model(const fb::ModelT& model) {
  flatbuffers::FlatBufferBuilder fbb(4096);
  fbb.ForceDefaults(true);
  fb::FinishModelBuffer(fbb, fb::Model::Pack(fbb, &model));
  std::vector<uint8_t> bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  stamp_checksum(bytes.data(), bytes.size());
  return bytes;
}

std::unique_ptr<fb::ModelT> unpack_model(const uint8_t* data, size_t size) {
  if (!data || size < 8) return nullptr;
  flatbuffers::Verifier verifier(data, size);
  if (!verifier.VerifyBuffer<fb::Model>(nullptr)) return nullptr;
  return std::unique_ptr<fb::ModelT>(fb::GetModel(data)->UnPack());
}

uint64_t checksum_with_hole(const uint8_t* data, size_t size, size_t hole) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < size; ++i) {
    h ^= (i >= hole && i - hole < 8) ? uint8_t{0} : data[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

bool stamp_checksum(uint8_t* data, size_t size) {
  if (!data || size < 8) return false;
  flatbuffers::Verifier verifier(data, size);
  if (!verifier.VerifyBuffer<fb::Model>(nullptr)) return false;
  const auto* table = reinterpret_cast<const flatbuffers::Table*>(fb::GetModel(data));
  const uint8_t* field = table->GetAddressOf(fb::Model::VT_CHECKSUM);
  if (!field) return false;
  const size_t at = static_cast<size_t>(field - data);
  if (at + 8 > size) return false;
  const uint64_t digest = checksum_with_hole(data, size, at);
  for (size_t i = 0; i < 8; ++i) data[at + i] = static_cast<uint8_t>(digest >> (8 * i));  // little-endian
  return true;
}

std::vector<std::pair<std::string, std::vector<uint32_t>>> expected_tensors(const fb::ModelT& model,
                                                                            const LleCounts& lle) {
  std::vector<std::pair<std::string, std::vector<uint32_t>>> out;
  if (!model.body || !model.body->spec) return out;
  const fb::ModelBodyT& body = *model.body;
  const uint32_t F = static_cast<uint32_t>(body.spec->features.size());
  switch (body.kind) {
    case fb::ModelKind::Crnn: {
      fb::CrnnConfigT dflt;
      const fb::CrnnConfigT& c = body.architecture.AsCrnnConfig() ? *body.architecture.AsCrnnConfig() : dflt;
      const uint32_t C = c.conv_filters, K = c.conv_kernel, H = c.lstm_hidden, A = c.attention_dim,
                     U = c.dense_units, D = 2 * H;
      out.push_back({"conv.weight", {C, F, K}});
      out.push_back({"conv.bias", {C}});
      append_bilstm(C, H, &out);
      out.push_back({"attention.proj.weight", {A, D}});
      out.push_back({"attention.proj.bias", {A}});
      out.push_back({"attention.score.weight", {1, A}});
      out.push_back({"head.fc1.weight", {U, D}});
      out.push_back({"head.fc1.bias", {U}});
      out.push_back({"head.fc2.weight", {1, U}});
      out.push_back({"head.fc2.bias", {1}});
      break;
    }
    case fb::ModelKind::LstmAttn: {
      fb::LstmAttnConfigT dflt;
      const fb::LstmAttnConfigT& c =
          body.architecture.AsLstmAttnConfig() ? *body.architecture.AsLstmAttnConfig() : dflt;
      const uint32_t E = 2 * uint32_t{c.lstm_hidden}, U = c.dense_units;
      append_bilstm(F, c.lstm_hidden, &out);
      out.push_back({"attention.in_proj_weight", {3 * E, E}});
      out.push_back({"attention.in_proj_bias", {3 * E}});
      out.push_back({"attention.out_proj.weight", {E, E}});
      out.push_back({"attention.out_proj.bias", {E}});
      for (const char* head : {"anomaly_head", "risk_head"}) {
        const std::string h(head);
        out.push_back({h + ".fc1.weight", {U, 2 * E}});
        out.push_back({h + ".fc1.bias", {U}});
        out.push_back({h + ".fc2.weight", {1, U}});
        out.push_back({h + ".fc2.bias", {1}});
      }
      break;
    }
    case fb::ModelKind::LleSvm: {
      fb::LleSvmConfigT dflt;
      const fb::LleSvmConfigT& c = body.architecture.AsLleSvmConfig() ? *body.architecture.AsLleSvmConfig() : dflt;
      const uint32_t D = 5 * uint32_t{c.indicators}, d = c.embedding_dim;
      out.push_back({"zscore.mean", {D}});
      out.push_back({"zscore.std", {D}});
      out.push_back({"lle.train_points", {lle.points, D}});
      out.push_back({"lle.train_embedding", {lle.points, d}});
      out.push_back({"svm.support_vectors", {lle.support, d}});
      out.push_back({"svm.dual_coef", {lle.support}});
      out.push_back({"kmeans.centroids", {lle.clusters, d}});
      break;
    }
    case fb::ModelKind::Gbdt: {  // N: trees.left's values (schemas/README.md, "### gbdt")
      fb::GbdtConfigT dflt;
      const fb::GbdtConfigT& c = body.architecture.AsGbdtConfig() ? *body.architecture.AsGbdtConfig() : dflt;
      uint32_t n = 0;
      for (const auto& t : body.tensors)
        if (t->name == "trees.left") n = static_cast<uint32_t>(t->i32.size());
      out.push_back({"trees.first_node", {c.trees + 1}});
      for (const char* name : {"trees.left", "trees.right", "trees.feature", "trees.default_left", "trees.threshold",
                               "trees.value", "trees.cover"})
        out.push_back({name, {n}});
      break;
    }
    default:
      break;
  }
  return out;
}

bool regenerate_tensors(fb::ModelT& model, std::mt19937& rng, size_t max_values, const LleCounts& lle) {
  if (model.body && model.body->kind == fb::ModelKind::Gbdt) {
    const fb::GbdtConfigT* c = model.body->architecture.AsGbdtConfig();
    if (!c || !model.body->spec || !model.body->spec->window) return false;
    const uint64_t inputs = uint64_t{model.body->spec->window->length} * model.body->spec->features.size();
    std::vector<GbdtTree> forest;
    if (!random_gbdt_forest(rng, c->trees, c->max_depth, static_cast<uint32_t>(std::min<uint64_t>(inputs, 0x7fffffffu)),
                            max_values, &forest))
      return false;
    model.body->tensors.clear();
    set_gbdt_tensors(model, forest);
    return true;
  }
  const auto shapes = expected_tensors(model, lle);
  if (shapes.empty()) return false;
  uint64_t total = 0;
  for (const auto& s : shapes) {
    const uint64_t n = product(s.second);
    if (n == UINT64_MAX || total + n < total) return false;
    total += n;
  }
  if (total > max_values) return false;
  const bool f64 = model.body->kind == fb::ModelKind::LleSvm;
  std::vector<std::unique_ptr<fb::TensorT>> tensors;
  for (const auto& s : shapes) {
    auto t = std::make_unique<fb::TensorT>();
    t->name = s.first;
    t->shape = s.second;
    const size_t n = static_cast<size_t>(product(s.second));
    const bool positive = s.first == "zscore.std";
    if (f64) {
      t->dtype = fb::DataType::Float64;
      t->f64.resize(n);
      for (double& x : t->f64) x = positive ? uniform(rng, 0.5, 3.0) : uniform(rng, -1.5, 1.5);
    } else {
      t->dtype = fb::DataType::Float32;
      t->f32.resize(n);
      for (float& x : t->f32) x = static_cast<float>(uniform(rng, -0.5, 0.5));
    }
    tensors.push_back(std::move(t));
  }
  if (f64) {
    if (fb::LleSvmConfigT* c = model.body->architecture.AsLleSvmConfig()) {
      c->grades.clear();
      for (uint32_t k = 0; k < lle.clusters; ++k) c->grades.push_back("G" + std::to_string(k));
    }
  }
  model.body->tensors = std::move(tensors);
  return true;
}

double interesting_double(std::mt19937& rng) {
  switch (rng() % 4) {
    case 0: {  // any bit pattern
      const uint64_t bits = (uint64_t{rng()} << 32) | rng();
      double x;
      std::memcpy(&x, &bits, sizeof x);
      return x;
    }
    case 1:
      return uniform(rng, -10.0, 10.0);
    default:
      return pick<double>(rng, {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-9, -1e-9, 1e-300, 4.9e-324, 2.2250738585072014e-308,
                                1.7976931348623157e308, -1.7976931348623157e308, 1e308, -1e308, 1e38, 3.5e38, -3.5e38,
                                65536.0, 2147483648.0, 4294967296.0, 9007199254740993.0, 9.3e18, 1.9e19,
                                std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                                kNaN, 0.999999, 1.000001});
  }
}

uint32_t interesting_dim(std::mt19937& rng, uint32_t current) {
  switch (rng() % 4) {
    case 0: return current + 1;
    case 1: return current ? current - 1 : 0;
    case 2: return current * 2;
    default:
      return pick<uint32_t>(rng, {0u, 1u, 2u, 3u, 4u, 7u, 8u, 9u, 15u, 16u, 31u, 32u, 63u, 64u, 127u, 128u, 255u, 256u,
                                  511u, 512u, 513u, 1024u, 4096u, 32767u, 32768u, 65535u, 65536u, 0x7fffffffu,
                                  0x80000000u, 0xffffffffu});
  }
}

// --- Structure-aware mutation -----------------------------------------------

namespace {

uint16_t interesting_u16(std::mt19937& rng, uint16_t current) {
  return static_cast<uint16_t>(std::min<uint32_t>(interesting_dim(rng, current), 65535u));
}

template <typename Enum>
Enum any_enum(std::mt19937& rng, int max) {
  // Mostly valid values, sometimes one beyond the schema's.
  return static_cast<Enum>(rng() % 8 ? below(rng, static_cast<size_t>(max) + 1) : below(rng, 256));
}

// x as int32 without an undefined conversion (NaN: 0; saturated).
int32_t saturate_i32(double x) {
  if (!(x == x)) return 0;
  if (x <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  if (x >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  return static_cast<int32_t>(x);
}

// Values a tensor of `shape` must hold, or SIZE_MAX when too many.
size_t shape_count(const std::vector<uint32_t>& shape, size_t limit) {
  const uint64_t n = product(shape);
  return n > limit ? SIZE_MAX : static_cast<size_t>(n);
}

// Float16 bits: mostly finite normals near 1, sometimes anything (subnormals, Inf, NaN).
uint16_t any_half(std::mt19937& rng) {
  const auto bits = static_cast<uint16_t>(rng());
  if (rng() % 4 == 0) return bits;
  return static_cast<uint16_t>((bits & 0x83ffu) | ((12u + rng() % 6) << 10));
}

// The tensor as schema 1.5 stores narrowed weights (raw bytes, scales per tensor or per row, zero
// points), so that the loader's dequantisation is reached; now and then with a count, scale or zero
// point off by a little.
void narrow_tensor(fb::ModelT& m, fb::TensorT& t, std::mt19937& rng) {
  const size_t n = t.f32.empty() ? static_cast<size_t>(std::min<uint64_t>(product(t.shape), 1u << 16)) : t.f32.size();
  const size_t rows = t.shape.empty() ? 1 : t.shape[0];
  const bool half = rng() % 2;
  const bool off = rng() % 8 == 0;
  t.dtype = half ? fb::DataType::Float16 : fb::DataType::Int8;
  t.raw.clear();
  if (half) {
    for (size_t i = 0; i < n; ++i) {
      const uint16_t h = any_half(rng);
      t.raw.push_back(static_cast<uint8_t>(h & 0xffu));
      t.raw.push_back(static_cast<uint8_t>(h >> 8));
    }
    t.scale.clear();
    t.zero_point.clear();
  } else {
    for (size_t i = 0; i < n; ++i) t.raw.push_back(static_cast<uint8_t>(rng()));
    const size_t groups = rng() % 2 ? 1 : std::min<size_t>(rows, size_t{1} << 16);  // a shape may say 2^32 - 1
    t.scale.assign(groups + (off && rng() % 2), rng() % 8 ? 0.01f : static_cast<float>(interesting_double(rng)));
    if (rng() % 2) t.zero_point.assign(t.scale.size(), off ? static_cast<int32_t>(rng()) : static_cast<int32_t>(rng() % 256) - 128);
    else t.zero_point.clear();
  }
  if (off && !t.raw.empty() && rng() % 2) t.raw.pop_back();
  t.f32.clear();
  t.f64.clear();
  t.i32.clear();
  if (rng() % 8) m.schema_minor = std::max<uint16_t>(m.schema_minor, 5);
}

void mutate_tensor(fb::ModelT& m, std::mt19937& rng, size_t max_values) {
  auto& tensors = m.body->tensors;
  if (tensors.empty()) {
    regenerate_tensors(m, rng, max_values);
    return;
  }
  fb::TensorT& t = *tensors[below(rng, tensors.size())];
  switch (rng() % 10) {
    case 0:
    case 1: {  // dtype (Int32 for the float families, Float32/Float64 for gbdt's Int32 tensors, reserved
               // ones), with or without moving the data to the matching vector
      t.dtype = rng() % 4 == 0 ? (t.dtype == fb::DataType::Int32
                                      ? (rng() % 2 ? fb::DataType::Float32 : fb::DataType::Float64)
                                      : fb::DataType::Int32)
                               : any_enum<fb::DataType>(rng, static_cast<int>(fb::DataType::MAX));
      if (rng() % 2) {
        std::vector<double> values;  // whichever vector holds them
        if (!t.f32.empty()) values.assign(t.f32.begin(), t.f32.end());
        else if (!t.f64.empty()) values = t.f64;
        else values.assign(t.i32.begin(), t.i32.end());
        if (t.dtype == fb::DataType::Float64 && !values.empty()) {
          t.f64 = values;
          t.f32.clear();
          t.i32.clear();
        } else if (t.dtype == fb::DataType::Float32 && !values.empty()) {
          t.f32.resize(values.size());
          for (size_t i = 0; i < values.size(); ++i) t.f32[i] = static_cast<float>(values[i]);
          t.f64.clear();
          t.i32.clear();
        } else if (t.dtype == fb::DataType::Int32 && !values.empty()) {
          t.i32.resize(values.size());
          for (size_t i = 0; i < values.size(); ++i) t.i32[i] = saturate_i32(values[i]);
          t.f32.clear();
          t.f64.clear();
        } else if ((t.dtype == fb::DataType::Float16 || t.dtype == fb::DataType::Int8) && rng() % 2) {
          t.raw.assign(values.size(), 1);
        }
      }
      break;
    }
    case 2:
    case 3: {  // one dimension, then (mostly) data to match the new element count
      if (t.shape.empty() || rng() % 6 == 0) t.shape.insert(t.shape.begin() + below(rng, t.shape.size() + 1), 1);
      const size_t i = below(rng, t.shape.size());
      t.shape[i] = interesting_dim(rng, t.shape[i]);
      if (rng() % 4) {
        const size_t n = shape_count(t.shape, max_values);
        if (n != SIZE_MAX) {
          if (!t.f64.empty() || t.dtype == fb::DataType::Float64) t.f64.resize(n, 0.25);
          else if (!t.i32.empty() || t.dtype == fb::DataType::Int32) t.i32.resize(n, 1);
          else t.f32.resize(n, 0.25f);
        }
      }
      break;
    }
    case 4: {  // a shape whose element count wraps around 2^64 to the stored count (0 or 1)
      static const std::vector<std::vector<uint32_t>> wraps = {
          {65536u, 65536u, 65536u, 65536u},       // 2^64 -> 0
          {0x80000000u, 0x80000000u, 4u},          // 2^64 -> 0
          {65536u, 65536u, 65536u, 65536u, 1u},
          {1u, 65536u, 65536u, 65536u, 65536u},
          {4294967295u, 4294967295u, 4294967295u},  // (2^32-1)^3 mod 2^64: large, odd
      };
      t.shape = wraps[below(rng, wraps.size())];
      if (rng() % 2) {
        t.f32.clear();
        t.f64.clear();
        t.i32.clear();
      }
      break;
    }
    case 5: {  // remove, duplicate, rename, or add a tensor the architecture does not use
      const size_t i = below(rng, tensors.size());
      const int what = static_cast<int>(rng() % 4);
      if (what == 0) {
        tensors.erase(tensors.begin() + i);
      } else if (what == 1) {
        tensors.push_back(std::make_unique<fb::TensorT>(*tensors[i]));
      } else if (what == 2) {
        tensors[i]->name = tensors[below(rng, tensors.size())]->name + (rng() % 2 ? "" : "_x");
      } else {
        auto extra = std::make_unique<fb::TensorT>(*tensors[i]);
        extra->name = "extra" + std::to_string(rng() % 100);
        tensors.push_back(std::move(extra));
      }
      break;
    }
    case 6: {  // one value
      if (!t.f32.empty()) t.f32[below(rng, t.f32.size())] = static_cast<float>(interesting_double(rng));
      else if (!t.f64.empty()) t.f64[below(rng, t.f64.size())] = interesting_double(rng);
      else if (!t.i32.empty())
        t.i32[below(rng, t.i32.size())] =
            rng() % 2 ? static_cast<int32_t>(rng())
                      : static_cast<int32_t>(interesting_dim(rng, static_cast<uint32_t>(t.i32.size())));
      break;
    }
    case 7: {  // two data vectors, or none
      switch (rng() % 3) {
        case 0:
          t.f32.clear();
          t.f64.clear();
          t.i32.clear();
          break;
        case 1:
          if (t.f32.empty()) t.f32.assign(t.i32.begin(), t.i32.end());
          t.f64.assign(t.f32.begin(), t.f32.end());
          break;
        default:  // Int32 values beside the float ones (or float ones beside Int32)
          if (!t.i32.empty()) t.f32.assign(t.i32.begin(), t.i32.end());
          else
            for (float x : t.f32) t.i32.push_back(saturate_i32(x));
          break;
      }
      break;
    }
    case 8:  // a Float32 tensor narrowed to Float16 or Int8 (schema 1.5), well formed or nearly
      narrow_tensor(m, t, rng);
      break;
    default:  // scale / zero_point of the narrow formats
      t.scale.assign(1 + below(rng, 4), static_cast<float>(interesting_double(rng)));
      t.zero_point.assign(1 + below(rng, 4), static_cast<int32_t>(rng()));
      break;
  }
}

void mutate_architecture(fb::ModelT& m, std::mt19937& rng) {
  fb::ArchitectureUnion& arch = m.body->architecture;
  if (fb::CrnnConfigT* cr = arch.AsCrnnConfig()) {
    uint16_t* fields[] = {&cr->conv_filters, &cr->conv_kernel, &cr->lstm_hidden, &cr->attention_dim, &cr->dense_units};
    uint16_t* f = fields[below(rng, 5)];
    *f = interesting_u16(rng, *f);
  } else if (fb::LstmAttnConfigT* la = arch.AsLstmAttnConfig()) {
    uint16_t* fields[] = {&la->lstm_hidden, &la->heads, &la->dense_units};
    uint16_t* f = fields[below(rng, 3)];
    *f = interesting_u16(rng, *f);
  } else if (fb::LleSvmConfigT* c = arch.AsLleSvmConfig()) {
    switch (rng() % 9) {
      case 0: c->indicators = interesting_u16(rng, c->indicators); break;
      case 1: c->neighbours = interesting_u16(rng, c->neighbours); break;
      case 2: c->embedding_dim = interesting_u16(rng, c->embedding_dim); break;
      case 3: c->derived_clip = interesting_double(rng); break;
      case 4: c->lle_reg = interesting_double(rng); break;
      case 5: c->gamma = interesting_double(rng); break;
      case 6: c->intercept = interesting_double(rng); break;
      case 7: c->grades.resize(below(rng, 6)); break;
      default: if (!c->grades.empty()) c->grades[below(rng, c->grades.size())] = std::string(below(rng, 300), 'G'); break;
    }
  } else if (fb::GbdtConfigT* g = arch.AsGbdtConfig()) {
    switch (rng() % 4) {
      case 0: g->trees = rng() % 2 ? interesting_dim(rng, g->trees) : pick<uint32_t>(rng, {65536u, 65537u, 0u}); break;
      case 1: g->max_depth = interesting_u16(rng, g->max_depth); break;
      case 2: g->max_depth = pick<uint16_t>(rng, {0, 1, 63, 64, 65}); break;
      default: g->base_margin = interesting_double(rng); break;
    }
  }
}

// A tree's kind and architecture type, set to those of another kind.
void change_kind(fb::ModelT& m, std::mt19937& rng) {
  fb::ModelBodyT& body = *m.body;
  switch (rng() % 6) {
    case 0: body.kind = any_enum<fb::ModelKind>(rng, static_cast<int>(fb::ModelKind::MAX)); break;
    case 1: {
      fb::CrnnConfigT c;
      c.conv_filters = c.lstm_hidden = c.attention_dim = 4;
      c.dense_units = 8;
      body.architecture.Set(c);
      if (rng() % 2) body.kind = fb::ModelKind::Crnn;
      break;
    }
    case 2: {
      fb::LstmAttnConfigT c;
      c.lstm_hidden = 4;
      c.heads = 2;
      c.dense_units = 8;
      body.architecture.Set(c);
      if (rng() % 2) body.kind = fb::ModelKind::LstmAttn;
      break;
    }
    case 3: {
      fb::LleSvmConfigT c;
      c.indicators = static_cast<uint16_t>(body.spec->features.size());
      c.neighbours = 3;
      c.embedding_dim = 2;
      c.gamma = 0.5;
      c.grades = {"A", "B", "C"};
      body.architecture.Set(c);
      if (rng() % 2) {
        body.kind = fb::ModelKind::LleSvm;
        body.spec->window->length = 2;
      }
      break;
    }
    case 4: {
      fb::GbdtConfigT c;
      c.trees = 1 + static_cast<uint32_t>(below(rng, 4));
      c.max_depth = 3;
      c.base_margin = -1.0;
      body.architecture.Set(c);
      if (rng() % 2) body.kind = fb::ModelKind::Gbdt;
      break;
    }
    default:
      body.kind = static_cast<fb::ModelKind>(rng() % 256);
      break;
  }
}

void mutate_window(fb::ModelT& m, std::mt19937& rng) {
  fb::FeatureSpecT& spec = *m.body->spec;
  fb::WindowT& w = *spec.window;
  switch (rng() % 4) {
    case 0: w.length = interesting_u16(rng, w.length); break;
    case 1: w.mode = any_enum<fb::WindowMode>(rng, static_cast<int>(fb::WindowMode::MAX)); break;
    case 2: w.key_column = static_cast<uint16_t>(rng() % 2 ? below(rng, spec.columns.size() + 2) : rng()); break;
    default: spec.time_column = static_cast<int32_t>(rng() % 2 ? below(rng, spec.columns.size() + 2) : rng()); break;
  }
}

void mutate_feature(fb::ModelT& m, std::mt19937& rng) {
  auto& features = m.body->spec->features;
  const size_t columns = m.body->spec->columns.size();
  if (features.empty() || rng() % 6 == 0) {  // add one (a copy of another, with a new name)
    auto f = features.empty() ? std::make_unique<fb::FeatureT>() : std::make_unique<fb::FeatureT>(*features[below(rng, features.size())]);
    f->name = "f" + std::to_string(rng() % 1000);
    features.insert(features.begin() + below(rng, features.size() + 1), std::move(f));
    return;
  }
  if (rng() % 8 == 0) {
    features.erase(features.begin() + below(rng, features.size()));
    return;
  }
  fb::FeatureT& f = *features[below(rng, features.size())];
  switch (rng() % 13) {
    case 0: f.op = any_enum<fb::FeatureOp>(rng, static_cast<int>(fb::FeatureOp::MAX)); break;
    case 1: f.a = static_cast<uint16_t>(rng() % 4 ? below(rng, columns + 1) : rng()); break;
    case 2: f.b = static_cast<uint16_t>(rng() % 4 ? below(rng, columns + 1) : rng()); break;
    case 3: f.parameter = interesting_double(rng); break;
    case 4: f.log1p = !f.log1p; break;
    case 5: f.clip_min = interesting_double(rng); break;
    case 6: f.clip_max = interesting_double(rng); break;
    case 7: f.mean = interesting_double(rng); break;
    case 8: f.std = interesting_double(rng); break;
    case 9: f.baseline = interesting_double(rng); break;
    case 10: f.text = std::string(below(rng, 3), 'M'); break;
    case 11: f.reason_code = rng() % 2 ? std::string() : features[below(rng, features.size())]->reason_code; break;
    default: f.name = features[below(rng, features.size())]->name; break;
  }
}

void mutate_column(fb::ModelT& m, std::mt19937& rng) {
  auto& columns = m.body->spec->columns;
  if (columns.empty() || rng() % 10 == 0) {
    auto c = std::make_unique<fb::ColumnT>();
    c->name = "c" + std::to_string(rng() % 1000);
    c->type = any_enum<fb::ColumnType>(rng, static_cast<int>(fb::ColumnType::MAX));
    columns.push_back(std::move(c));
    return;
  }
  if (rng() % 12 == 0) {
    columns.erase(columns.begin() + below(rng, columns.size()));
    return;
  }
  fb::ColumnT& c = *columns[below(rng, columns.size())];
  switch (rng() % 9) {
    case 0: c.type = any_enum<fb::ColumnType>(rng, static_cast<int>(fb::ColumnType::MAX)); break;
    case 1:
      if (rng() % 3 == 0) c.vocabulary.clear();
      else c.vocabulary.push_back(rng() % 2 || c.vocabulary.empty() ? "v" + std::to_string(rng() % 10)
                                                                   : c.vocabulary[0]);
      break;
    case 2: c.unknown = any_enum<fb::UnknownCategory>(rng, static_cast<int>(fb::UnknownCategory::MAX)); break;
    case 3: c.unknown_index = static_cast<int32_t>(rng() % 2 ? static_cast<int32_t>(below(rng, 8)) - 2 : static_cast<int32_t>(rng())); break;
    case 4: c.missing_allowed = !c.missing_allowed; break;
    case 5: c.missing_value = rng() % 2 ? static_cast<double>(below(rng, 8)) - 1 : interesting_double(rng); break;
    case 6: c.min_value = interesting_double(rng); break;
    case 7: c.name = columns[below(rng, columns.size())]->name; break;
    default: c.name = rng() % 2 ? std::string() : std::string(below(rng, 600), 'n'); break;
  }
}

void mutate_calibration(std::unique_ptr<fb::CalibrationT>& c, std::mt19937& rng) {
  if (!c || rng() % 8 == 0) {
    c = std::make_unique<fb::CalibrationT>();
    return;
  }
  switch (rng() % 3) {
    case 0: c->method = any_enum<fb::CalibrationMethod>(rng, static_cast<int>(fb::CalibrationMethod::MAX)); break;
    case 1: c->a = interesting_double(rng); break;
    default: c->b = interesting_double(rng); break;
  }
}

void mutate_risk(fb::ModelT& m, std::mt19937& rng) {
  fb::RiskSettingsT& r = *m.body->risk;
  const size_t columns = m.body->spec->columns.size();
  switch (rng() % 8) {
    case 0: r.decision_threshold = rng() % 2 ? uniform(rng, 0, 1) : interesting_double(rng); break;
    case 1: r.review_threshold = rng() % 2 ? uniform(rng, 0, 1) : interesting_double(rng); break;
    case 2:
      if (rng() % 3 == 0) r.band_cuts.resize(below(rng, 6), 0.5);
      else if (!r.band_cuts.empty()) r.band_cuts[below(rng, r.band_cuts.size())] = interesting_double(rng);
      break;
    case 3: mutate_calibration(r.calibration, rng); break;
    case 4: mutate_calibration(r.entity_calibration, rng); break;
    default: {
      if (!r.dynamic) r.dynamic = std::make_unique<fb::DynamicThresholdT>();
      fb::DynamicThresholdT& d = *r.dynamic;
      switch (rng() % 8) {
        case 0: d.enabled = !d.enabled; break;
        case 1: d.segment_column = static_cast<int32_t>(rng() % 2 ? static_cast<int32_t>(below(rng, columns + 1)) - 1 : static_cast<int32_t>(rng())); break;
        case 2: d.target_alert_rate = interesting_double(rng); break;
        case 3: d.learning_rate = interesting_double(rng); break;
        case 4: d.min_threshold = rng() % 2 ? uniform(rng, 0, 1) : interesting_double(rng); break;
        case 5: d.max_threshold = rng() % 2 ? uniform(rng, 0, 1) : interesting_double(rng); break;
        case 6: d.feedback_step = interesting_double(rng); break;
        default: d.max_feedback_shift = interesting_double(rng); break;
      }
      break;
    }
  }
}

// Sizes that make a session large from a small file: a long window, one layer
// (or the window store, through many features) wide and every other one 1
// wide, with the tensors regenerated to fit (halving the wide size until they do).
void stress_sizes(fb::ModelT& m, std::mt19937& rng, size_t max_values) {
  fb::ModelBodyT& body = *m.body;
  if (body.kind != fb::ModelKind::LleSvm) body.spec->window->length = rng() % 2 ? 512 : 256;
  auto& features = body.spec->features;
  if (rng() % 3 == 0 && !features.empty() && body.kind != fb::ModelKind::LleSvm) {
    const size_t want = 32u << below(rng, 4);  // 32..256 features
    while (features.size() < want) {
      auto copy = std::make_unique<fb::FeatureT>(*features[0]);
      copy->name += "_" + std::to_string(features.size());
      features.push_back(std::move(copy));
    }
  }
  if (fb::GbdtConfigT* g = body.architecture.AsGbdtConfig()) {
    // Few deep trees, or many small ones: what fits, regenerated by mutate_gbdt's size mutations.
    g->max_depth = rng() % 2 ? 64 : static_cast<uint16_t>(1 + below(rng, 8));
    stress_gbdt(m, rng, max_values);
    return;
  }
  uint16_t* wide = nullptr;
  LleCounts counts;
  if (fb::CrnnConfigT* c = body.architecture.AsCrnnConfig()) {
    c->conv_filters = c->conv_kernel = c->lstm_hidden = c->attention_dim = c->dense_units = 1;
    uint16_t* fields[] = {&c->conv_filters, &c->conv_kernel, &c->lstm_hidden, &c->attention_dim, &c->dense_units};
    wide = fields[below(rng, 5)];
  } else if (fb::LstmAttnConfigT* l = body.architecture.AsLstmAttnConfig()) {
    l->lstm_hidden = l->heads = l->dense_units = 1;
    uint16_t* fields[] = {&l->lstm_hidden, &l->heads, &l->dense_units};
    wide = fields[below(rng, 3)];
  } else if (fb::LleSvmConfigT* e = body.architecture.AsLleSvmConfig()) {
    e->embedding_dim = 1;
    wide = rng() % 2 ? &e->neighbours : &e->embedding_dim;
  }
  if (!wide) return;
  for (uint32_t size = rng() % 2 ? 65535 : 16384; size >= 2; size /= 2) {
    *wide = static_cast<uint16_t>(size);
    if (fb::LstmAttnConfigT* l = body.architecture.AsLstmAttnConfig())
      if (wide == &l->heads) l->lstm_hidden = static_cast<uint16_t>((size + 1) / 2);  // heads divide 2 * hidden
    if (fb::LleSvmConfigT* e = body.architecture.AsLleSvmConfig()) counts.points = std::max<uint32_t>(e->neighbours, 8);
    if (regenerate_tensors(m, rng, max_values, counts)) return;
  }
}

}  // namespace

void mutate_model(fb::ModelT& m, std::mt19937& rng, size_t max_bytes) {
  if (!m.body || !m.body->spec || !m.body->spec->window || !m.body->risk) return;  // unpacked from a verified file: never
  // Values the tensors may hold in all, leaving room for the rest of the file
  // (float32 except lle_svm's float64).
  const size_t value_bytes = m.body->kind == fb::ModelKind::LleSvm ? 8 : 4;
  const size_t max_values = max_bytes > 8192 ? (max_bytes - 8192) / value_bytes : 0;
  bool regenerate = false;
  // A gbdt model: a third of the mutations are its trees' (support/gbdt_trees.h).
  if (m.body->architecture.AsGbdtConfig() && rng() % 3 == 0) {
    mutate_gbdt(m, rng, max_values);
    return;
  }
  switch (rng() % 17) {
    case 0: case 1: case 2: case 3:
      mutate_tensor(m, rng, max_values);
      break;
    case 4: case 5: case 6:
      mutate_architecture(m, rng);
      regenerate = rng() % 4 != 0;
      break;
    case 7:
      change_kind(m, rng);
      regenerate = rng() % 4 != 0;
      break;
    case 8:
      mutate_window(m, rng);
      break;
    case 9: case 10:
      mutate_feature(m, rng);
      regenerate = rng() % 2 != 0;
      break;
    case 11:
      mutate_column(m, rng);
      break;
    case 12: case 13:
      mutate_risk(m, rng);
      break;
    case 15:
      stress_sizes(m, rng, max_values);
      break;
    case 14: {  // lle_svm's N, S, K (and grades to match)
      LleCounts counts;
      counts.points = interesting_dim(rng, 8);
      counts.support = rng() % 2 ? interesting_dim(rng, 4) : 4;
      counts.clusters = rng() % 2 ? interesting_dim(rng, 3) : 3;
      regenerate_tensors(m, rng, max_values, counts);
      break;
    }
    default:
      switch (rng() % 3) {
        case 0: m.schema_major = rng() % 2 ? 1 : static_cast<uint16_t>(rng()); break;
        case 1: m.schema_minor = static_cast<uint16_t>(rng() % 2 ? below(rng, 4) : rng()); break;
        default: m.checksum_algorithm = static_cast<fb::ChecksumAlgorithm>(rng() % 2); break;
      }
      break;
  }
  if (regenerate) regenerate_tensors(m, rng, max_values);
}

}  // namespace fraudscore_fuzz
