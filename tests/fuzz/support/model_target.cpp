#include "model_target.h"

#include <string>
#include <vector>

#include "fail_closed.h"
#include "fraudscore/fraudscore.h"
#include "model_generated.h"

namespace fraudscore_fuzz {
namespace {

namespace fb = ::fraudscore::schema;

// One ordinary row for a loaded model: numbers for numeric and time columns,
// the first vocabulary word for categorical ones (read from the verified file:
// the C API does not list vocabularies), an id for identifiers.
struct PlainRow {
  std::vector<fs_value> values;
  std::vector<std::string> texts;
};

PlainRow plain_row(const fs_model* model, const fs_model_info& info, const uint8_t* data, double number, int variant) {
  PlainRow row;
  row.texts.resize(info.column_count);
  row.values.resize(info.column_count);
  const auto* columns = fb::GetModel(data)->body()->spec()->columns();
  for (uint32_t i = 0; i < info.column_count; ++i) {
    const char* name = nullptr;
    fs_column_type type = FS_COLUMN_NUMERIC;
    fs_model_column(model, i, &name, &type);
    fs_value& v = row.values[i];
    v = fs_value{};
    switch (type) {
      case FS_COLUMN_NUMERIC:
      case FS_COLUMN_TIME:
        v.kind = FS_VALUE_NUMBER;
        v.number = number + i;
        continue;
      case FS_COLUMN_CATEGORICAL: {
        const auto* vocab = columns->Get(i)->vocabulary();
        row.texts[i] = vocab && vocab->size() ? vocab->Get(static_cast<uint32_t>(variant) % vocab->size())->str() : "x";
        break;
      }
      case FS_COLUMN_IDENTIFIER:
        row.texts[i] = variant % 2 ? "M-key-1" : "C-key-2";
        break;
    }
    v.kind = FS_VALUE_TEXT;
  }
  for (uint32_t i = 0; i < info.column_count; ++i)
    if (row.values[i].kind == FS_VALUE_TEXT) {
      row.values[i].text = row.texts[i].data();
      row.values[i].text_length = row.texts[i].size();
    }
  return row;
}

// schemas/README.md: a tensor holds exactly product(shape) values. A file that
// loads must obey it, counted without wrapping around.
void check_tensor_counts(const uint8_t* data) {
  for (const fb::Tensor* t : *fb::GetModel(data)->body()->tensors()) {
    unsigned __int128 count = 1;
    for (uint32_t dim : *t->shape()) {
      count *= dim;
      if (count > (static_cast<unsigned __int128>(1) << 64)) count = static_cast<unsigned __int128>(1) << 64;
    }
    const size_t raw = t->raw() ? t->raw()->size() : 0;
    const size_t stored = t->dtype() == fb::DataType::Float64 ? (t->f64() ? t->f64()->size() : 0)
                          : t->dtype() == fb::DataType::Int32   ? (t->i32() ? t->i32()->size() : 0)
                          : t->dtype() == fb::DataType::Float16 ? raw / 2
                          : t->dtype() == fb::DataType::Int8    ? raw
                                                                : (t->f32() ? t->f32()->size() : 0);
    const bool half_bytes_odd = t->dtype() == fb::DataType::Float16 && raw % 2 != 0;
    if (count != stored || half_bytes_odd) {
      violation("fs_model_load", "accepted a tensor whose shape's element count (without wrap-around) is not its value count",
                static_cast<double>(count));
      return;
    }
  }
}

// The loader allows up to 2e8 operations per row, which under ASan/UBSan takes
// seconds: such files are loaded and checked but not scored, so that the
// harness keeps its speed (every scoring path is reached by small models too).
constexpr double kMaxScoredOperations = 2e7;  // the shipped models need about 1e7

}  // namespace

void exercise_model_bytes(const uint8_t* data, size_t size) {
  set_current_input(data, size);
  fs_model* model = nullptr;
  if (fs_model_load(data, size, &model) != FS_OK) {
    if (model) violation("fs_model_load", "a failed load wrote its out-parameter", 0);
    return;
  }
  check_tensor_counts(data);
  fs_model_info info{};
  if (fs_model_get_info(model, &info) != FS_OK) {
    violation("fs_model_get_info", "failed on a loaded model", 0);
    fs_model_free(model);
    return;
  }
  for (uint32_t i = 0; i < info.reason_group_count; ++i) {
    const char *code = nullptr, *text = nullptr;
    fs_model_reason_group(model, i, &code, &text);
  }
  for (uint32_t i = 0; i < info.output_count; ++i) {
    const char* name = nullptr;
    fs_output_kind kind{};
    uint32_t labels = 0;
    if (fs_model_output(model, i, &name, &kind, &labels) != FS_OK) continue;
    for (uint32_t l = 0; l < labels; ++l) {
      const char* label = nullptr;
      fs_model_output_label(model, i, l, &label);
    }
  }
  const char* metric = nullptr;
  double value = 0;
  for (uint32_t i = 0; fs_model_metric(model, i, &metric, &value) == FS_OK && i < 64; ++i) {
  }

  if (info.operations_per_row > kMaxScoredOperations) {
    fs_model_free(model);
    return;
  }
  fs_session* session = nullptr;
  if (fs_session_create(model, nullptr, &session) == FS_OK) {
    // Three rows one at a time (windows fill), then a batch of two.
    for (int variant = 0; variant < 3; ++variant) {
      PlainRow row = plain_row(model, info, data, 1.0 + variant, variant);
      fs_result result{};
      if (fs_session_score(session, row.values.data(), row.values.size(), &result) == FS_OK)
        check_result(info, result, "fs_session_score (model fuzzer)", 3);
    }
    PlainRow a = plain_row(model, info, data, 5.0, 1), b = plain_row(model, info, data, 0.5, 2);
    std::vector<fs_value> rows(a.values);
    rows.insert(rows.end(), b.values.begin(), b.values.end());
    fs_result results[2] = {};
    std::vector<float> attention(2 * size_t{info.window_length});
    if (fs_session_score_batch(session, rows.data(), 2, info.column_count, results, attention.data(), nullptr) ==
        FS_OK) {
      if (check_result(info, results[0], "fs_session_score_batch (model fuzzer)", 3))
        check_result(info, results[1], "fs_session_score_batch (model fuzzer)", 3);
    }
    fs_session_free(session);
  }
  fs_model_free(model);
}

}  // namespace fraudscore_fuzz
