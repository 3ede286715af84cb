#include "served_model.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <functional>
#include <thread>

#include "request_limits.h"

namespace fraudscore_agent {
namespace {

const char* column_type_name(fs_column_type t) {
  switch (t) {
    case FS_COLUMN_NUMERIC: return "numeric";
    case FS_COLUMN_CATEGORICAL: return "categorical";
    case FS_COLUMN_IDENTIFIER: return "identifier";
    case FS_COLUMN_TIME: return "time";
  }
  return "unknown";
}

// JSON numbers stay exact in text form for identifier and category columns.
std::string number_text(const nlohmann::json& v) { return v.dump(); }

}  // namespace

ServedModel::~ServedModel() {
  for (auto& shard : shards_) fs_session_free(shard->session);
  fs_model_free(model_);
}

size_t ServedModel::shard_of(const std::string& key) const {
  return shards_.size() == 1 ? 0 : std::hash<std::string>()(key) % shards_.size();
}

std::shared_ptr<ServedModel> ServedModel::load(const std::string& name, const std::string& path,
                                               const std::vector<uint8_t>& bytes, const SessionSettings& settings,
                                               std::string* error) {
  std::shared_ptr<ServedModel> m(new ServedModel());
  m->name_ = name;
  m->path_ = path;
  m->settings_ = settings;
  const fs_load_options load_options{settings.trusted_keys.data(), settings.trusted_keys.size() / 32};
  if (fs_model_load_with(bytes.data(), bytes.size(), &load_options, &m->model_) != FS_OK) {
    *error = fs_last_error();
    return nullptr;
  }
  fs_model_get_info(m->model_, &m->info_);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, m->info_.checksum);
  m->version_ = hex;
  for (uint32_t c = 0; c < m->info_.column_count; ++c) {
    const char* col = nullptr;
    fs_column_type type{};
    fs_model_column(m->model_, c, &col, &type);
    m->columns_.emplace_back(col);
    m->column_types_.push_back(type);
  }
  // Dynamic thresholds and a global window are state every row shares: one shard keeps
  // their order exact. Per-key windows are independent, so their keys spread over shards.
  uint32_t shards = settings.shards ? settings.shards : std::max(1u, std::thread::hardware_concurrency());
  if (m->info_.key_column < 0 || m->info_.dynamic_thresholds) shards = 1;
  fs_session_options options{};
  options.max_keys = settings.max_keys ? (settings.max_keys + shards - 1) / shards : 0;
  options.max_batch = settings.max_batch;
  options.max_reasons = settings.reasons == 0 ? -1 : settings.reasons;
  options.threshold_mode = FS_THRESHOLDS_MODEL;
  options.reasons_for = settings.reasons_flagged_only ? FS_REASONS_FLAGGED : FS_REASONS_ALL;
  for (uint32_t i = 0; i < shards; ++i) {
    m->shards_.push_back(std::make_unique<ModelShard>());
    if (fs_session_create(m->model_, &options, &m->shards_.back()->session) != FS_OK) {
      *error = fs_last_error();
      return nullptr;
    }
  }
  m->describe();
  return m;
}

void ServedModel::describe() {
  nlohmann::json columns = nlohmann::json::array();
  for (size_t c = 0; c < columns_.size(); ++c)
    columns.push_back({{"name", columns_[c]}, {"type", column_type_name(column_types_[c])}});
  nlohmann::json metrics = nlohmann::json::object();
  const char* metric = nullptr;
  double value = 0.0;
  for (uint32_t i = 0; fs_model_metric(model_, i, &metric, &value) == FS_OK; ++i) metrics[metric] = value;
  nlohmann::json reasons = nlohmann::json::array();
  for (uint32_t i = 0; i < info_.reason_group_count; ++i) {
    const char *code = nullptr, *text = nullptr;
    if (fs_model_reason_group(model_, i, &code, &text) == FS_OK) reasons.push_back({{"code", code}, {"text", text}});
  }
  nlohmann::json thresholds = {{"block", info_.decision_threshold}, {"review", info_.review_threshold},
                               {"dynamic", info_.dynamic_thresholds != 0}};
  if (info_.dynamic_thresholds) {
    thresholds["segment_column"] =
        info_.segment_column >= 0 ? nlohmann::json(columns_[static_cast<size_t>(info_.segment_column)]) : nullptr;
    thresholds["target_alert_rate"] = info_.target_alert_rate;
    thresholds["min"] = info_.min_threshold;
    thresholds["max"] = info_.max_threshold;
  }
  description_ = {{"name", name_},
                  {"kind", kind()},
                  {"version", version_},
                  {"model_name", info_.name},
                  {"trainer_version", info_.trainer_version},
                  {"schema", std::to_string(info_.schema_major) + "." + std::to_string(info_.schema_minor)},
                  {"columns", columns},
                  {"window_length", info_.window_length},
                  {"key_column", info_.key_column >= 0 ? nlohmann::json(columns_[static_cast<size_t>(info_.key_column)])
                                                       : nlohmann::json(nullptr)},
                  {"thresholds", thresholds},
                  {"bands", {{"low", 0.0}, {"medium", info_.band_cuts[0]}, {"high", info_.band_cuts[1]},
                             {"critical", info_.band_cuts[2]}}},
                  {"metrics", metrics},
                  {"reason_codes", reasons},
                  {"reason_method", info_.reason_method},
                  {"weight_precision", info_.weight_precision},
                  {"outputs", outputs_description()}};
}

// The model's named outputs: each result carries a probability output's value under its name, and a
// label output's label under its name and the label's index under NAME_index.
nlohmann::json ServedModel::outputs_description() {
  nlohmann::json outputs = nlohmann::json::array();
  for (uint32_t i = 0; i < info_.output_count; ++i) {
    const char* name = nullptr;
    fs_output_kind kind{};
    uint32_t label_count = 0;
    if (fs_model_output(model_, i, &name, &kind, &label_count) != FS_OK) continue;
    nlohmann::json labels = nlohmann::json::array();
    for (uint32_t l = 0; l < label_count; ++l) {
      const char* label = nullptr;
      if (fs_model_output_label(model_, i, l, &label) == FS_OK) labels.push_back(label);
    }
    (kind == FS_OUTPUT_LABEL ? named_outputs_.labels : named_outputs_.probabilities).push_back(name);
    nlohmann::json entry = {{"name", name}, {"kind", kind == FS_OUTPUT_LABEL ? "label" : "probability"}};
    if (kind == FS_OUTPUT_LABEL) entry["labels"] = std::move(labels);
    outputs.push_back(std::move(entry));
  }
  return outputs;
}

void ServedModel::finish_row(RowValues* out) const {
  for (size_t c = 0; c < out->values.size(); ++c)
    if (out->values[c].kind == FS_VALUE_TEXT) {
      out->values[c].text = out->texts[c].data();
      out->values[c].text_length = out->texts[c].size();
    }
}

bool ServedModel::row_from_transaction(const nlohmann::json& txn, const KeyHasher& hasher, RowValues* out,
                                       std::string* error) const {
  if (!txn.is_object()) {
    *error = "a transaction must be a JSON object keyed by the model's column names";
    return false;
  }
  for (auto it = txn.begin(); it != txn.end(); ++it) {
    bool known = false;
    for (const std::string& c : columns_) known = known || c == it.key();
    if (!known) {
      *error = "unknown field '" + excerpt(it.key()) + "': model '" + name_ + "' has no such column";
      return false;
    }
  }
  const size_t n = columns_.size();
  out->values.assign(n, fs_value{FS_VALUE_MISSING, 0.0, nullptr, 0});
  out->texts.assign(n, std::string());
  out->stored = nlohmann::json::array();
  out->key.clear();
  for (size_t c = 0; c < n; ++c) {
    const auto it = txn.find(columns_[c]);
    const bool is_key = info_.key_column >= 0 && c == static_cast<size_t>(info_.key_column);
    if (it == txn.end() || it->is_null()) {
      out->stored.push_back(nullptr);
      continue;
    }
    if (it->is_number()) {
      const bool as_text = column_types_[c] == FS_COLUMN_IDENTIFIER || column_types_[c] == FS_COLUMN_CATEGORICAL;
      if (as_text) {
        out->texts[c] = number_text(*it);
        out->values[c].kind = FS_VALUE_TEXT;
      } else {
        out->values[c] = fs_value{FS_VALUE_NUMBER, it->get<double>(), nullptr, 0};
        out->stored.push_back(*it);
        continue;
      }
    } else if (it->is_string()) {
      if (it->get_ref<const std::string&>().size() > kMaxStringBytes) {
        *error = "field '" + columns_[c] + "' is longer than " + std::to_string(kMaxStringBytes) + " bytes";
        return false;
      }
      out->texts[c] = it->get<std::string>();
      out->values[c].kind = FS_VALUE_TEXT;
    } else {
      *error = "field '" + columns_[c] + "' must be a number, a string or null, not " + it->type_name();
      return false;
    }
    if (is_key) {
      out->texts[c] = hasher.hash(out->texts[c]);
      out->key = out->texts[c];
    }
    out->stored.push_back(out->texts[c]);
  }
  finish_row(out);
  return true;
}

bool ServedModel::row_from_stored(const std::string& text, RowValues* out, std::string* error) const {
  const nlohmann::json row = nlohmann::json::parse(text, nullptr, false);
  if (!row.is_array() || row.size() != columns_.size()) {
    *error = "a stored row of model '" + name_ + "' does not match its columns";
    return false;
  }
  const size_t n = columns_.size();
  out->values.assign(n, fs_value{FS_VALUE_MISSING, 0.0, nullptr, 0});
  out->texts.assign(n, std::string());
  for (size_t c = 0; c < n; ++c) {
    if (row[c].is_number()) {
      out->values[c] = fs_value{FS_VALUE_NUMBER, row[c].get<double>(), nullptr, 0};
    } else if (row[c].is_string()) {
      out->texts[c] = row[c].get<std::string>();
      out->values[c].kind = FS_VALUE_TEXT;
    }
  }
  out->key = info_.key_column >= 0 ? out->texts[static_cast<size_t>(info_.key_column)] : std::string();
  out->stored = row;
  finish_row(out);
  return true;
}

nlohmann::json ServedModel::result_json(const fs_result& r) const {
  nlohmann::json j = {{"probability", r.probability},
                      {"band", fs_band_name(r.band)},
                      {"decision", fs_decision_name(r.decision)},
                      {"raw_probability", r.raw_probability},
                      {"thresholds", {{"block", r.block_threshold}, {"review", r.review_threshold}}},
                      {"valid_steps", r.valid_steps},
                      {"out_of_range", r.out_of_range}};
  if (info_.dynamic_thresholds) j["segment"] = r.segment;
  if (r.attention) {
    nlohmann::json a = nlohmann::json::array();
    for (uint32_t t = 0; t < r.window_length; ++t) a.push_back(r.attention[t]);
    j["attention"] = std::move(a);
  } else {
    j["attention"] = nullptr;
  }
  nlohmann::json reasons = nlohmann::json::array();
  for (uint32_t i = 0; i < r.reason_count; ++i)
    reasons.push_back({{"code", r.reasons[i].code}, {"text", r.reasons[i].text},
                       {"contribution", r.reasons[i].contribution}});
  j["reasons"] = std::move(reasons);
  for (uint32_t i = 0; i < r.output_count; ++i) {
    const fs_output& o = r.outputs[i];
    if (o.kind == FS_OUTPUT_LABEL) {
      j[o.name] = o.label;
      j[std::string(o.name) + "_index"] = static_cast<uint32_t>(o.value);
    } else {
      j[o.name] = o.value;
    }
  }
  return j;
}

}  // namespace fraudscore_agent
