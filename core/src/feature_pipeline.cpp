#include "feature_pipeline.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "checksum.h"

namespace fraudscore {

bool parse_number(const char* text, size_t length, double* out) {
  char buffer[64];
  if (length == 0 || length >= sizeof(buffer)) return false;
  size_t i = 0;
  auto digits = [&]() {
    const size_t start = i;
    while (i < length && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  if (text[i] == '+' || text[i] == '-') ++i;
  size_t mantissa = digits();
  if (i < length && text[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < length && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < length && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  if (i != length) return false;
  std::memcpy(buffer, text, length);
  buffer[length] = '\0';
  const double value = std::strtod(buffer, nullptr);
  if (!std::isfinite(value)) return false;
  *out = value;
  return true;
}

namespace {

// A text value as printable, bounded text for messages.
int shown_length(const fs_value& v) { return static_cast<int>(v.text_length > 40 ? 40 : v.text_length); }

Status read_number(const ColumnSpec& col, const fs_value& v, double* out) {
  switch (v.kind) {
    case FS_VALUE_MISSING:
      if (!col.missing_allowed)
        return Status::error(FS_ERR_INPUT, "column '%s': value is missing", col.name.c_str());
      *out = col.missing_value;
      return Status::ok();
    case FS_VALUE_TEXT:
      if (v.text_length == 0 && col.missing_allowed) {
        *out = col.missing_value;
        return Status::ok();
      }
      if (!v.text || !parse_number(v.text, v.text_length, out))
        return Status::error(FS_ERR_INPUT, "column '%s': '%.*s' is not a finite number", col.name.c_str(), shown_length(v), v.text ? v.text : "");
      break;
    case FS_VALUE_NUMBER:
      if (!std::isfinite(v.number))
        return Status::error(FS_ERR_INPUT, "column '%s': value is not finite (NaN or infinity)", col.name.c_str());
      *out = v.number;
      break;
    default:
      return Status::error(FS_ERR_INVALID_ARGUMENT, "column '%s': unknown value kind %d", col.name.c_str(), static_cast<int>(v.kind));
  }
  if (!std::isnan(col.min_value) && *out < col.min_value)
    return Status::error(FS_ERR_INPUT, "column '%s': %g is below the allowed minimum %g", col.name.c_str(), *out, col.min_value);
  return Status::ok();
}

// Position of `text` in the column's vocabulary, or vocabulary.size() if absent.
size_t vocabulary_index(const ColumnSpec& col, const char* text, size_t length) {
  for (size_t i = 0; i < col.vocabulary.size(); ++i) {
    const std::string& word = col.vocabulary[i];
    if (word.size() == length && std::memcmp(word.data(), text, length) == 0) return i;
  }
  return col.vocabulary.size();
}

Status read_category(const ColumnSpec& col, const fs_value& v, int* out) {
  if (v.kind != FS_VALUE_TEXT || v.text_length == 0) {
    if (v.kind == FS_VALUE_NUMBER)
      return Status::error(FS_ERR_INPUT, "column '%s': expected a category name, got a number", col.name.c_str());
    if (!col.missing_allowed)
      return Status::error(FS_ERR_INPUT, "column '%s': value is missing", col.name.c_str());
    // Missing categories follow the numeric rule: the index is missing_value.
    *out = static_cast<int>(col.missing_value);
    return Status::ok();
  }
  if (!v.text)  // text_length > 0 with no characters: refuse, never dereference
    return Status::error(FS_ERR_INPUT, "column '%s': text value has a NULL pointer", col.name.c_str());
  const size_t index = vocabulary_index(col, v.text, v.text_length);
  if (index < col.vocabulary.size()) {
    *out = static_cast<int>(index);
    return Status::ok();
  }
  if (col.reject_unknown)
    return Status::error(FS_ERR_INPUT, "column '%s': unknown category '%.*s'", col.name.c_str(),
                         shown_length(v), v.text);
  *out = col.unknown_index;
  return Status::ok();
}

Status read_identifier(const ColumnSpec& col, const fs_value& v, const char** text, size_t* length) {
  if (v.kind != FS_VALUE_TEXT || v.text_length == 0 || !v.text)
    return Status::error(FS_ERR_INPUT, "column '%s': an identifier is required", col.name.c_str());
  *text = v.text;
  *length = v.text_length;
  return Status::ok();
}

// a mod m in [0, m) for m > 0, as the trainer computes it (Modulo, DayOfWeek).
double floor_mod(double a, double m) { return a - std::floor(a / m) * m; }

Status raw_feature(const Model& m, const FeatureDef& f, const fs_value* row, double* x) {
  const ColumnSpec& ca = m.columns[f.a];
  double a = 0, b = 0;
  int category = 0;
  switch (f.op) {
    case FeatureOp::Value:
      return read_number(ca, row[f.a], x);
    case FeatureOp::CategoryIndex:
      FS_RETURN_IF_ERROR(read_category(ca, row[f.a], &category));
      *x = category;
      return Status::ok();
    case FeatureOp::OneHot:
      FS_RETURN_IF_ERROR(read_category(ca, row[f.a], &category));
      *x = category == static_cast<int>(f.parameter) ? 1.0 : 0.0;
      return Status::ok();
    case FeatureOp::Difference:
      FS_RETURN_IF_ERROR(read_number(ca, row[f.a], &a));
      FS_RETURN_IF_ERROR(read_number(m.columns[f.b], row[f.b], &b));
      *x = a - b;
      return Status::ok();
    case FeatureOp::Ratio:
      FS_RETURN_IF_ERROR(read_number(ca, row[f.a], &a));
      FS_RETURN_IF_ERROR(read_number(m.columns[f.b], row[f.b], &b));
      *x = a / (b > f.parameter ? b : f.parameter);
      return Status::ok();
    case FeatureOp::Modulo:
      FS_RETURN_IF_ERROR(read_number(ca, row[f.a], &a));
      *x = floor_mod(a, f.parameter);
      return Status::ok();
    case FeatureOp::DayOfWeek:
      FS_RETURN_IF_ERROR(read_number(ca, row[f.a], &a));
      *x = floor_mod(std::floor(a / f.parameter) + 3.0, 7.0);
      return Status::ok();
    case FeatureOp::SincePrevious:
    case FeatureOp::RelativeToHistory:  // the row's own value; finish_history_features does the rest
      return read_number(ca, row[f.a], x);
    case FeatureOp::PrefixFlag: {
      const char* text = nullptr;
      size_t length = 0;
      FS_RETURN_IF_ERROR(read_identifier(ca, row[f.a], &text, &length));
      *x = length >= f.text.size() && std::memcmp(text, f.text.data(), f.text.size()) == 0 ? 1.0 : 0.0;
      return Status::ok();
    }
  }
  return Status::error(FS_ERR_INTERNAL, "unknown feature operation");
}

// x after the op -> the model input: log1p, the training range, clip,
// z-score, rounded to float32 into *out. Returns z: beyond
// kMaxNormalisedFeature, too large to score.
double normalise(const FeatureDef& f, double x, float* out, uint32_t* clipped) {
  if (f.log1p) x = std::copysign(std::log1p(std::fabs(x)), x);
  // Fail closed: a value the model never saw is pulled back to the edge of
  // what it saw (plus the margin) and the row is flagged, so that a huge
  // amount cannot saturate the network into an approval.
  if (!std::isnan(f.range_lo) && !(x >= f.range_lo && x <= f.range_hi)) {
    x = x < f.range_lo ? f.range_lo : f.range_hi;
    ++*clipped;
  }
  if (!std::isnan(f.clip_min) && x < f.clip_min) x = f.clip_min;
  if (!std::isnan(f.clip_max) && x > f.clip_max) x = f.clip_max;
  const double z = (x - f.mean) / f.std;
  *out = static_cast<float>(z);
  return z;
}

}  // namespace

Status compute_features(const Model& m, const fs_value* row, size_t value_count, float* out, uint64_t* key_hash,
                        uint32_t* out_of_range, double* history) {
  FS_RETURN_IF_ERROR(window_key(m, row, value_count, key_hash));  // also checks value_count
  uint32_t clipped = 0;
  for (size_t i = 0; i < m.features.size(); ++i) {
    const FeatureDef& f = m.features[i];
    double x = 0.0;
    FS_RETURN_IF_ERROR(raw_feature(m, f, row, &x));
    if (reads_history(f.op)) {  // known once the row's window is
      if (history) history[f.history_slot] = x;
      out[i] = 0.0f;
      continue;
    }
    const double z = normalise(f, x, &out[i], &clipped);
    if (!(std::fabs(z) <= kMaxNormalisedFeature))
      return Status::error(FS_ERR_INPUT, "column '%s': the value is too large to score (feature '%s' is %g standard "
                           "deviations from its training mean)", m.columns[f.a].name.c_str(), f.name.c_str(), z);
  }
  if (out_of_range) *out_of_range = clipped;
  return Status::ok();
}

void finish_history_features(const Model& m, const HistoryView& past, const double* current, float* out,
                             uint32_t* out_of_range) {
  uint32_t clipped = 0;
  for (size_t i = 0; i < m.features.size(); ++i) {
    const FeatureDef& f = m.features[i];
    if (!reads_history(f.op)) continue;
    const double now = current[f.history_slot];
    double x = f.op == FeatureOp::SincePrevious ? f.parameter : 1.0;  // a key's first event
    if (past.count > 0 && f.op == FeatureOp::SincePrevious) {
      x = now - past.value(0, f.history_slot);
    } else if (past.count > 0) {
      double sum = 0.0;  // oldest first, as the trainer adds them
      for (uint32_t age = past.count; age-- > 0;) sum += past.value(age, f.history_slot);
      const double mean = sum / past.count;
      x = now / (mean > f.parameter ? mean : f.parameter);
    }
    // The loader checked that the range bounds the z-score: this cannot fail.
    normalise(f, x, &out[i], &clipped);
  }
  if (out_of_range) *out_of_range += clipped;
}

Status check_row(const Model& m, const fs_value* row, size_t value_count) {
  if (value_count != m.columns.size())
    return Status::error(FS_ERR_INVALID_ARGUMENT, "%zu values given; the model has %zu columns", value_count,
                         m.columns.size());
  for (size_t i = 0; i < value_count; ++i) {
    const int kind = raw_enum_value(row[i].kind);
    if (kind != FS_VALUE_MISSING && kind != FS_VALUE_NUMBER && kind != FS_VALUE_TEXT)
      return Status::error(FS_ERR_INVALID_ARGUMENT, "column '%s': unknown value kind %d", m.columns[i].name.c_str(),
                           kind);
  }
  return Status::ok();
}

Status window_key(const Model& m, const fs_value* row, size_t value_count, uint64_t* key_hash) {
  FS_RETURN_IF_ERROR(check_row(m, row, value_count));
  if (!m.window.per_key) return Status::ok();
  const char* text = nullptr;
  size_t length = 0;
  const ColumnSpec& key = m.columns[m.window.key_column];
  FS_RETURN_IF_ERROR(read_identifier(key, row[m.window.key_column], &text, &length));
  *key_hash = fnv1a64_update(kFnv1a64Offset, reinterpret_cast<const uint8_t*>(text), length);
  return Status::ok();
}

uint32_t segment_index(const ColumnSpec& column, const fs_value& value) {
  if (value.kind != FS_VALUE_TEXT || value.text_length == 0 || !value.text)
    return static_cast<uint32_t>(column.vocabulary.size());
  return static_cast<uint32_t>(vocabulary_index(column, value.text, value.text_length));
}

}  // namespace fraudscore
