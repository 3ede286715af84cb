// The C boundary: argument checks, the thread's last error message, and a
// catch-all so that no C++ exception ever crosses into C.
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "fraudscore/fraudscore.h"
#include "kernels/kernels.h"
#include "families/family.h"
#include "feature_pipeline.h"
#include "model.h"
#include "session.h"
#include "signed_envelope.h"
#include "signed_model_generated.h"

struct fs_model {
  std::unique_ptr<fraudscore::Model> model;
};

struct fs_session {
  fraudscore::Session session;
};

namespace {

using fraudscore::Status;

thread_local char g_last_error[512] = "";

fs_status report(const Status& s) {
  if (!s.is_ok()) std::snprintf(g_last_error, sizeof(g_last_error), "%s", s.message());
  return s.code();
}

fs_status fail(fs_status code, const char* message) {
  std::snprintf(g_last_error, sizeof(g_last_error), "%s", message);
  return code;
}

template <typename Body>
fs_status guarded(Body&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(FS_ERR_NO_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(FS_ERR_INTERNAL, e.what());
  } catch (...) {
    return fail(FS_ERR_INTERNAL, "unexpected internal error");
  }
}

// Hand a loaded model to the caller, or report why loading failed.
fs_status publish(const Status& s, std::unique_ptr<fraudscore::Model> m, fs_model** out_model) {
  if (!s.is_ok()) return report(s);
  *out_model = new fs_model{std::move(m)};
  return FS_OK;
}

bool trust_from(const fs_load_options* options, fraudscore::TrustedKeys* trust) {
  if (!options || options->trusted_key_count == 0) return true;
  if (!options->trusted_keys) return false;
  trust->keys = options->trusted_keys;
  trust->count = options->trusted_key_count;
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A verified signed envelope, or why `bytes` is not one.
Status open_envelope(const void* bytes, size_t size, const fraudscore::schema::SignedModel** out) {
  const auto* data = static_cast<const uint8_t*>(bytes);
  if (!fraudscore::is_signed_envelope(data, size))
    return Status::error(FS_ERR_IDENTIFIER, "not a signed model file (identifier 'FSSG' missing)");
  flatbuffers::Verifier verifier(data, size);
  if (!fraudscore::schema::VerifySignedModelBuffer(verifier))
    return Status::error(FS_ERR_CORRUPT, "the signed model file is truncated or malformed");
  *out = fraudscore::schema::GetSignedModel(data);
  return Status::ok();
}

constexpr uint32_t kDefaultMaxKeys = 4096;
constexpr uint32_t kDefaultMaxBatch = 256;
constexpr uint32_t kDefaultMaxReasons = 3;

}  // namespace

extern "C" {

const char* fs_last_error(void) { return g_last_error; }

const char* fs_version(void) { return FRAUDSCORE_VERSION; }

const char* fs_kernels(void) { return fraudscore::kernels().isa; }

const char* fs_families(void) {
  static const std::string names = [] {
    std::string text;
    size_t count = 0;
    const fraudscore::Family* const* all = fraudscore::families(&count);
    for (size_t i = 0; i < count; ++i) text += (i ? "," : "") + std::string(all[i]->name);
    return text;
  }();
  return names.c_str();
}

const char* fs_status_name(fs_status status) {
  switch (status) {
    case FS_OK: return "ok";
    case FS_ERR_INVALID_ARGUMENT: return "invalid_argument";
    case FS_ERR_IO: return "io";
    case FS_ERR_CORRUPT: return "corrupt";
    case FS_ERR_IDENTIFIER: return "identifier";
    case FS_ERR_VERSION: return "version";
    case FS_ERR_CHECKSUM: return "checksum";
    case FS_ERR_SHAPE: return "shape";
    case FS_ERR_VALUE: return "value";
    case FS_ERR_UNSUPPORTED: return "unsupported";
    case FS_ERR_INPUT: return "input";
    case FS_ERR_NO_MEMORY: return "no_memory";
    case FS_ERR_INTERNAL: return "internal";
    case FS_ERR_SIGNATURE: return "signature";
  }
  return "unknown";
}

const char* fs_band_name(fs_band band) {
  switch (band) {
    case FS_BAND_LOW: return "low";
    case FS_BAND_MEDIUM: return "medium";
    case FS_BAND_HIGH: return "high";
    case FS_BAND_CRITICAL: return "critical";
  }
  return "unknown";
}

const char* fs_decision_name(fs_decision d) {
  switch (d) {
    case FS_DECISION_APPROVE: return "approve";
    case FS_DECISION_STEP_UP: return "step_up";
    case FS_DECISION_BLOCK: return "block";
  }
  return "unknown";
}

fs_status fs_model_load(const void* bytes, size_t size, fs_model** out_model) {
  return fs_model_load_with(bytes, size, nullptr, out_model);
}

fs_status fs_model_load_file(const char* path, fs_model** out_model) {
  return fs_model_load_file_with(path, nullptr, out_model);
}

fs_status fs_model_load_with(const void* bytes, size_t size, const fs_load_options* options, fs_model** out_model) {
  return guarded([&] {
    if (!bytes || !out_model) return fail(FS_ERR_INVALID_ARGUMENT, "fs_model_load: NULL argument");
    fraudscore::TrustedKeys trust;
    if (!trust_from(options, &trust)) return fail(FS_ERR_INVALID_ARGUMENT, "fs_model_load: NULL trusted_keys");
    std::unique_ptr<fraudscore::Model> m;
    const Status s = fraudscore::load_model(static_cast<const uint8_t*>(bytes), size, &m, trust);
    return publish(s, std::move(m), out_model);
  });
}

fs_status fs_model_load_file_with(const char* path, const fs_load_options* options, fs_model** out_model) {
  return guarded([&] {
    if (!path || !out_model) return fail(FS_ERR_INVALID_ARGUMENT, "fs_model_load_file: NULL argument");
    fraudscore::TrustedKeys trust;
    if (!trust_from(options, &trust)) return fail(FS_ERR_INVALID_ARGUMENT, "fs_model_load_file: NULL trusted_keys");
    std::ifstream in(path, std::ios::binary);
    if (!in) return report(Status::error(FS_ERR_IO, "cannot open model file '%s'", path));
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return report(Status::error(FS_ERR_IO, "cannot read model file '%s'", path));
    if (bytes.empty()) return report(Status::error(FS_ERR_CORRUPT, "model file '%s' is empty", path));
    // The model takes the bytes over: the file is read once and not copied.
    std::unique_ptr<fraudscore::Model> m;
    const Status s = fraudscore::load_model(std::move(bytes), &m, trust);
    return publish(s, std::move(m), out_model);
  });
}

fs_status fs_public_key_from_hex(const char* text, size_t length, unsigned char out_key[32]) {
  if (!text || !out_key) return fail(FS_ERR_INVALID_ARGUMENT, "fs_public_key_from_hex: NULL argument");
  size_t begin = 0, end = length;
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  if (end - begin != 2 * fraudscore::kPublicKeyBytes)
    return fail(FS_ERR_INVALID_ARGUMENT, "a public key is 64 hex digits");
  unsigned char key[fraudscore::kPublicKeyBytes];
  for (size_t i = 0; i < fraudscore::kPublicKeyBytes; ++i) {
    const int hi = hex_digit(text[begin + 2 * i]), lo = hex_digit(text[begin + 2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(FS_ERR_INVALID_ARGUMENT, "a public key is 64 hex digits");
    key[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  std::memcpy(out_key, key, sizeof key);
  return FS_OK;
}

fs_status fs_public_key_from_file(const char* path, unsigned char out_key[32]) {
  return guarded([&] {
    if (!path || !out_key) return fail(FS_ERR_INVALID_ARGUMENT, "fs_public_key_from_file: NULL argument");
    std::ifstream in(path, std::ios::binary);
    if (!in) return report(Status::error(FS_ERR_IO, "cannot open key file '%s'", path));
    char text[4096];
    in.read(text, sizeof text);
    return fs_public_key_from_hex(text, static_cast<size_t>(in.gcount()), out_key);
  });
}

fs_status fs_public_key_id(const unsigned char key[32], char out_id[17]) {
  return guarded([&] {
    if (!key || !out_id) return fail(FS_ERR_INVALID_ARGUMENT, "fs_public_key_id: NULL argument");
    return report(fraudscore::public_key_id(key, out_id));
  });
}

fs_status fs_signed_model_payload(const void* bytes, size_t size, size_t* out_offset, size_t* out_size,
                                  uint32_t* out_signature_count) {
  return guarded([&] {
    if (!bytes || !out_offset || !out_size || !out_signature_count)
      return fail(FS_ERR_INVALID_ARGUMENT, "fs_signed_model_payload: NULL argument");
    const fraudscore::schema::SignedModel* envelope = nullptr;
    const Status s = open_envelope(bytes, size, &envelope);
    if (!s.is_ok()) return report(s);
    *out_offset = static_cast<size_t>(envelope->model()->data() - static_cast<const uint8_t*>(bytes));
    *out_size = envelope->model()->size();
    *out_signature_count = envelope->signatures()->size();
    return FS_OK;
  });
}

fs_status fs_signed_model_signature(const void* bytes, size_t size, uint32_t index, const char** out_algorithm,
                                    const char** out_key_id, const unsigned char** out_value) {
  return guarded([&] {
    if (!bytes || !out_algorithm || !out_key_id || !out_value)
      return fail(FS_ERR_INVALID_ARGUMENT, "fs_signed_model_signature: NULL argument");
    const fraudscore::schema::SignedModel* envelope = nullptr;
    const Status s = open_envelope(bytes, size, &envelope);
    if (!s.is_ok()) return report(s);
    if (index >= envelope->signatures()->size())
      return fail(FS_ERR_INVALID_ARGUMENT, "fs_signed_model_signature: index out of range");
    const fraudscore::schema::Signature* sig = envelope->signatures()->Get(index);
    if (sig->value()->size() != fraudscore::kSignatureBytes)
      return fail(FS_ERR_CORRUPT, "a signature is not 64 bytes");
    *out_algorithm = sig->algorithm()->c_str();
    *out_key_id = sig->key_id()->c_str();
    *out_value = sig->value()->data();
    return FS_OK;
  });
}

void fs_model_free(fs_model* model) { delete model; }

fs_status fs_model_get_info(const fs_model* model, fs_model_info* out) {
  return guarded([&] {
    if (!model || !out) return fail(FS_ERR_INVALID_ARGUMENT, "fs_model_get_info: NULL argument");
    const fraudscore::Model& m = *model->model;
    fs_model_info info{};
    info.kind = m.family->name;
    info.name = m.name.c_str();
    info.schema_major = m.schema_major;
    info.schema_minor = m.schema_minor;
    info.column_count = static_cast<uint32_t>(m.columns.size());
    info.feature_count = static_cast<uint32_t>(m.features.size());
    info.window_length = m.window.length;
    info.per_key_window = m.window.per_key ? 1 : 0;
    info.key_column = m.window.per_key ? static_cast<int32_t>(m.window.key_column) : -1;
    info.decision_threshold = m.risk.decision_threshold;
    info.review_threshold = m.risk.review_threshold;
    for (int i = 0; i < 3; ++i) info.band_cuts[i] = m.risk.band_cuts[i];
    info.trainer_version = m.trainer_version.c_str();
    info.output_count = static_cast<uint32_t>(m.network->extra_outputs().size());
    info.reason_group_count = static_cast<uint32_t>(m.reason_groups.size());
    info.reason_method = m.network->has_attribution() ? "attribution" : "occlusion";
    info.weight_precision = m.weight_precision;
    const fraudscore::DynamicThresholdSpec& dyn = m.risk.dynamic;
    info.dynamic_thresholds = dyn.enabled ? 1 : 0;
    info.segment_column = dyn.enabled ? dyn.segment_column : -1;
    info.segment_count = dyn.enabled ? dyn.segment_count : 1;
    info.target_alert_rate = dyn.enabled ? dyn.target_alert_rate : 0.0;
    info.min_threshold = dyn.enabled ? dyn.min_threshold : m.risk.decision_threshold;
    info.max_threshold = dyn.enabled ? dyn.max_threshold : m.risk.decision_threshold;
    info.signed_file = m.signature.signed_file ? 1 : 0;
    info.signature_verified = m.signature.verified ? 1 : 0;
    info.signed_key_id = m.signature.key_id;
    info.checksum = m.checksum;
    info.operations_per_row = m.operations_per_row;
    *out = info;
    return FS_OK;
  });
}

fs_status fs_model_column(const fs_model* model, uint32_t index, const char** out_name, fs_column_type* out_type) {
  return guarded([&] {
    if (!model || !out_name || !out_type) return fail(FS_ERR_INVALID_ARGUMENT, "fs_model_column: NULL argument");
    const auto& cols = model->model->columns;
    if (index >= cols.size())
      return report(Status::error(FS_ERR_INVALID_ARGUMENT, "column index %u is out of range (%zu columns)", index,
                                  cols.size()));
    *out_name = cols[index].name.c_str();
    *out_type = cols[index].type;
    return FS_OK;
  });
}

fs_status fs_model_find_column(const fs_model* model, const char* name, uint32_t* out_index) {
  return guarded([&] {
    if (!model || !name || !out_index) return fail(FS_ERR_INVALID_ARGUMENT, "fs_model_find_column: NULL argument");
    const auto& cols = model->model->columns;
    for (size_t i = 0; i < cols.size(); ++i)
      if (cols[i].name == name) {
        *out_index = static_cast<uint32_t>(i);
        return FS_OK;
      }
    return report(Status::error(FS_ERR_INPUT, "the model has no column '%s'", name));
  });
}

fs_status fs_model_check_row(const fs_model* model, const fs_value* row, size_t value_count) {
  return guarded([&] {
    if (!model || !row) return fail(FS_ERR_INVALID_ARGUMENT, "fs_model_check_row: NULL argument");
    const fraudscore::Model& m = *model->model;
    std::vector<float> features(m.features.size());
    std::vector<double> history(m.history_columns.size());
    uint64_t key = 0;
    return report(fraudscore::compute_features(m, row, value_count, features.data(), &key, nullptr, history.data()));
  });
}

fs_status fs_model_metric(const fs_model* model, uint32_t index, const char** out_name, double* out_value) {
  return guarded([&] {
    if (!model || !out_name || !out_value) return fail(FS_ERR_INVALID_ARGUMENT, "fs_model_metric: NULL argument");
    const auto& metrics = model->model->metrics;
    if (index >= metrics.size())
      return report(Status::error(FS_ERR_INVALID_ARGUMENT, "metric index %u is out of range (%zu metrics)", index,
                                  metrics.size()));
    *out_name = metrics[index].first.c_str();
    *out_value = metrics[index].second;
    return FS_OK;
  });
}

fs_status fs_model_reason_group(const fs_model* model, uint32_t index, const char** out_code, const char** out_text) {
  return guarded([&] {
    if (!model || !out_code || !out_text) return fail(FS_ERR_INVALID_ARGUMENT, "fs_model_reason_group: NULL argument");
    const auto& groups = model->model->reason_groups;
    if (index >= groups.size())
      return report(Status::error(FS_ERR_INVALID_ARGUMENT, "reason group %u is out of range (%zu groups)", index,
                                  groups.size()));
    *out_code = groups[index].code.c_str();
    *out_text = groups[index].text.c_str();
    return FS_OK;
  });
}

fs_status fs_model_output(const fs_model* model, uint32_t index, const char** out_name, fs_output_kind* out_kind,
                          uint32_t* out_label_count) {
  return guarded([&] {
    if (!model || !out_name || !out_kind || !out_label_count)
      return fail(FS_ERR_INVALID_ARGUMENT, "fs_model_output: NULL argument");
    const auto& outputs = model->model->network->extra_outputs();
    if (index >= outputs.size())
      return report(Status::error(FS_ERR_INVALID_ARGUMENT, "output %u is out of range (%zu outputs)", index,
                                  outputs.size()));
    *out_name = outputs[index].name.c_str();
    *out_kind = outputs[index].kind;
    *out_label_count = static_cast<uint32_t>(outputs[index].labels.size());
    return FS_OK;
  });
}

fs_status fs_model_output_label(const fs_model* model, uint32_t index, uint32_t label, const char** out_label) {
  return guarded([&] {
    if (!model || !out_label) return fail(FS_ERR_INVALID_ARGUMENT, "fs_model_output_label: NULL argument");
    const auto& outputs = model->model->network->extra_outputs();
    if (index >= outputs.size())
      return report(Status::error(FS_ERR_INVALID_ARGUMENT, "output %u is out of range (%zu outputs)", index,
                                  outputs.size()));
    const auto& labels = outputs[index].labels;
    if (label >= labels.size())
      return report(Status::error(FS_ERR_INVALID_ARGUMENT, "label %u of output '%s' is out of range (%zu labels)",
                                  label, outputs[index].name.c_str(), labels.size()));
    *out_label = labels[label].c_str();
    return FS_OK;
  });
}

fs_status fs_result_output(const fs_result* result, const char* name, fs_output* out_output) {
  return guarded([&] {
    if (!result || !name || !out_output) return fail(FS_ERR_INVALID_ARGUMENT, "fs_result_output: NULL argument");
    if (result->output_count && !result->outputs)
      return fail(FS_ERR_INVALID_ARGUMENT, "fs_result_output: the result's outputs are NULL");
    for (uint32_t i = 0; i < result->output_count; ++i)
      if (result->outputs[i].name && std::strcmp(result->outputs[i].name, name) == 0) {
        *out_output = result->outputs[i];
        return FS_OK;
      }
    return report(Status::error(FS_ERR_INPUT, "the result has no output '%s'", name));
  });
}

fs_status fs_session_create(const fs_model* model, const fs_session_options* options, fs_session** out_session) {
  return guarded([&] {
    if (!model || !out_session) return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_create: NULL argument");
    fraudscore::SessionOptions opts;
    opts.max_keys = options && options->max_keys ? options->max_keys : kDefaultMaxKeys;
    opts.max_batch = options && options->max_batch ? options->max_batch : kDefaultMaxBatch;
    opts.max_reasons = kDefaultMaxReasons;
    if (options && options->max_reasons > 0) opts.max_reasons = static_cast<uint32_t>(options->max_reasons);
    if (options && options->max_reasons < 0) opts.max_reasons = 0;
    if (options && options->threshold_mode != FS_THRESHOLDS_MODEL && options->threshold_mode != FS_THRESHOLDS_FIXED)
      return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_create: unknown threshold_mode");
    opts.dynamic_thresholds = !(options && options->threshold_mode == FS_THRESHOLDS_FIXED);
    if (options && options->reasons_for != FS_REASONS_ALL && options->reasons_for != FS_REASONS_FLAGGED)
      return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_create: unknown reasons_for");
    opts.reasons_flagged_only = options && options->reasons_for == FS_REASONS_FLAGGED;
    std::unique_ptr<fs_session> s(new fs_session());
    const Status st = s->session.init(*model->model, opts);
    if (!st.is_ok()) return report(st);
    *out_session = s.release();
    return FS_OK;
  });
}

void fs_session_free(fs_session* session) { delete session; }

fs_status fs_session_reset(fs_session* session) {
  if (!session) return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_reset: NULL session");
  session->session.reset();
  return FS_OK;
}

fs_status fs_session_key_count(const fs_session* session, uint32_t* out_count) {
  if (!session || !out_count) return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_key_count: NULL argument");
  *out_count = session->session.key_count();
  return FS_OK;
}

fs_status fs_session_score(fs_session* session, const fs_value* row, size_t value_count, fs_result* out_result) {
  return guarded([&] {
    if (!session || !row || !out_result) return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_score: NULL argument");
    return report(session->session.score_one(row, value_count, out_result));
  });
}

fs_status fs_session_score_batch(fs_session* session, const fs_value* rows, size_t row_count, size_t value_count,
                                 fs_result* out_results, float* out_attention, size_t* out_failed_row) {
  return guarded([&] {
    if (!session || (row_count && (!rows || !out_results)))
      return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_score_batch: NULL argument");
    return report(session->session.score(rows, row_count, value_count, out_results, out_attention, out_failed_row));
  });
}

fs_status fs_session_append(fs_session* session, const fs_value* row, size_t value_count) {
  return guarded([&] {
    if (!session || !row) return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_append: NULL argument");
    return report(session->session.append(row, value_count));
  });
}

fs_status fs_session_has_window(const fs_session* session, const fs_value* row, size_t value_count, int* out_has) {
  return guarded([&] {
    if (!session || !row || !out_has) return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_has_window: NULL argument");
    bool has = false;
    const fraudscore::Status s = session->session.has_window(row, value_count, &has);
    if (s.is_ok()) *out_has = has ? 1 : 0;
    return report(s);
  });
}

fs_status fs_session_feedback(fs_session* session, const fs_value* row, size_t value_count, double probability,
                              fs_feedback label) {
  return guarded([&] {
    if (!session || !row) return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_feedback: NULL argument");
    const int bits = fraudscore::raw_enum_value(label);
    if (bits != FS_FEEDBACK_CONFIRMED_FRAUD && bits != FS_FEEDBACK_FALSE_ALARM)
      return report(fraudscore::Status::error(FS_ERR_INVALID_ARGUMENT, "fs_session_feedback: unknown label %d", bits));
    return report(session->session.feedback(row, value_count, probability, label));
  });
}

fs_status fs_session_threshold_state_size(const fs_session* session, size_t* out_size) {
  return guarded([&] {
    if (!session || !out_size) return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_threshold_state_size: NULL argument");
    const fraudscore::DynamicThresholds* t = session->session.thresholds();
    if (!t) return fail(FS_ERR_UNSUPPORTED, "this session does not use dynamic thresholds");
    *out_size = t->serialized_size();
    return FS_OK;
  });
}

fs_status fs_session_save_thresholds(const fs_session* session, void* buffer, size_t capacity, size_t* out_written) {
  return guarded([&] {
    if (!session || !buffer || !out_written)
      return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_save_thresholds: NULL argument");
    const fraudscore::DynamicThresholds* t = session->session.thresholds();
    if (!t) return fail(FS_ERR_UNSUPPORTED, "this session does not use dynamic thresholds");
    if (capacity < t->serialized_size())
      return report(Status::error(FS_ERR_INVALID_ARGUMENT, "the threshold state needs %zu bytes; %zu given",
                                  t->serialized_size(), capacity));
    t->serialize(session->session.model_checksum(), static_cast<uint8_t*>(buffer));
    *out_written = t->serialized_size();
    return FS_OK;
  });
}

fs_status fs_session_load_thresholds(fs_session* session, const void* buffer, size_t size) {
  return guarded([&] {
    if (!session || !buffer) return fail(FS_ERR_INVALID_ARGUMENT, "fs_session_load_thresholds: NULL argument");
    fraudscore::DynamicThresholds* t = session->session.thresholds();
    if (!t) return fail(FS_ERR_UNSUPPORTED, "this session does not use dynamic thresholds");
    return report(t->deserialize(session->session.model_checksum(), static_cast<const uint8_t*>(buffer), size));
  });
}

}  // extern "C"
