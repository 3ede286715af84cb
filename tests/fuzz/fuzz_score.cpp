// Row conversion and scoring, for every model kind: the input picks a model
// (a tiny one of each kind, built in memory),
// session options, and a sequence of calls (fs_session_score, _score_batch,
// _append, _has_window, _feedback, _reset, threshold save/restore) with rows
// whose values are of every class: plain ones, numbers (NaN, infinities,
// huge, denormal, negative zero, raw bit patterns), numbers as text (strict
// parsing), arbitrary bytes, missing values, unknown categories, out-of-range
// fs_value kinds and NULL text. Every FS_OK result must obey the fail-closed
// rule (support/fail_closed.h); anything else aborts.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "fail_closed.h"
#include "fraudscore/fraudscore.h"
#include "model_builder.h"

namespace {

using namespace fraudscore_fuzz;

struct Slot {
  std::string name;
  std::vector<uint8_t> bytes;
  fs_model* model = nullptr;
  fs_model_info info{};
  std::vector<fs_column_type> types;
  std::vector<std::vector<std::string>> vocabularies;
};

bool load_slot(Slot& s) {
  if (fs_model_load(s.bytes.data(), s.bytes.size(), &s.model) != FS_OK) {
    std::fprintf(stderr, "fuzz_score: model %s does not load: %s\n", s.name.c_str(), fs_last_error());
    return false;
  }
  fs_model_get_info(s.model, &s.info);
  const auto* columns = fb::GetModel(s.bytes.data())->body()->spec()->columns();
  for (uint32_t i = 0; i < s.info.column_count; ++i) {
    const char* name = nullptr;
    fs_column_type type = FS_COLUMN_NUMERIC;
    fs_model_column(s.model, i, &name, &type);
    s.types.push_back(type);
    std::vector<std::string> vocab;
    if (const auto* v = columns->Get(i)->vocabulary())
      for (const auto* word : *v) vocab.push_back(word->str());
    s.vocabularies.push_back(std::move(vocab));
  }
  return true;
}

// One slot per tiny model (support/model_builder.h): crnn, crnn per key with
// dynamic thresholds, lstm_attn, lle_svm, gbdt (the last, so that the slot
// bytes of older inputs pick the same models). Tiny, so that an input runs in well
// under a millisecond; the shipped models' features are covered by the same
// code paths (every FeatureOp, window mode and network kind).
std::vector<Slot>& slots() {
  static std::vector<Slot>* all = [] {
    auto* v = new std::vector<Slot>();
    for (TinyKind kind : kTinyKinds) {
      v->emplace_back();
      v->back().name = tiny_kind_name(kind);
      v->back().bytes = tiny_model_bytes(kind);
    }
    for (Slot& s : *v)
      if (!load_slot(s)) std::abort();  // a seed model that does not load is a broken harness
    return v;
  }();
  return *all;
}

const double kNumbers[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 7.0, 23.0, 24.0, 100.0, 1e6, 1e9, 1e15, 1e19, 1e38, 3.5e38,
                           1e300, 1e308, 1.7976931348623157e308, -1e300, -1.7976931348623157e308, 4.9e-324,
                           2.2250738585072014e-308, 1e-300, -1e-300, 9007199254740993.0, 2147483648.0, -2147483649.0,
                           __builtin_nan(""), -__builtin_nan(""), __builtin_inf(), -__builtin_inf()};

const std::string kNumberTexts[] = {"1e308", "-1e308", "1.7976931348623157e308", "1e309", "-1e309", "nan", "NaN", "inf",
                                    "-inf", "Infinity", "0x1p3", "0x10", "1e-320", "4.9e-324", "1e-400", " 1", "1 ",
                                    "+1", "-0", "00001", "1.", ".5", ".", "e5", "1e", "1e+", "1e+5", "1,5", "1_000",
                                    "--1", "+-1", "3.5e38", "1e38", "123456789012345678901234567890", "0.0000001",
                                    "\xef\xbc\x91", std::string("1\0" "2", 3), std::string(70, '9')};

struct RowBuilder {
  std::deque<std::string> texts;  // values point into these
  std::vector<fs_value> values;
};

fs_value text_value(RowBuilder& b, std::string s) {
  b.texts.push_back(std::move(s));
  fs_value v{};
  v.kind = FS_VALUE_TEXT;
  v.text = b.texts.back().data();
  v.text_length = b.texts.back().size();
  return v;
}

fs_value number_value(double x) {
  fs_value v{};
  v.kind = FS_VALUE_NUMBER;
  v.number = x;
  return v;
}

// FRAUDSCORE_FUZZ_NO_BAD_KINDS=1: no fs_value kinds outside the enum (the core's switch on
// them is undefined behaviour today, which UBSan reports at once; this lets a run look further).
bool no_bad_kinds() {
  static const bool on = std::getenv("FRAUDSCORE_FUZZ_NO_BAD_KINDS") != nullptr;
  return on;
}

fs_value make_value(FuzzedDataProvider& p, const Slot& s, uint32_t column, RowBuilder& b) {
  const fs_column_type type = column < s.types.size() ? s.types[column] : FS_COLUMN_NUMERIC;
  const std::vector<std::string>* vocab = column < s.vocabularies.size() ? &s.vocabularies[column] : nullptr;
  switch (p.ConsumeIntegralInRange<int>(0, 15)) {
    default: {  // 0-7: a plain value of the column's type
      switch (type) {
        case FS_COLUMN_NUMERIC:
        case FS_COLUMN_TIME:
          return number_value(p.ConsumeIntegralInRange<int>(0, 2000) / 4.0);
        case FS_COLUMN_CATEGORICAL:
          if (vocab && !vocab->empty()) return text_value(b, (*vocab)[p.ConsumeIntegralInRange<size_t>(0, vocab->size() - 1)]);
          return text_value(b, "x");
        case FS_COLUMN_IDENTIFIER: {
          static const char* const ids[] = {"C1", "C2", "M3", "C4", "M"};
          return text_value(b, ids[p.ConsumeIntegralInRange<int>(0, 4)]);
        }
      }
      return number_value(1.0);
    }
    case 8:
    case 9:
      return number_value(p.PickValueInArray(kNumbers));
    case 10:
      return number_value(p.ConsumeFloatingPoint<double>());
    case 11:
      return text_value(b, p.PickValueInArray(kNumberTexts));
    case 12: {
      char buffer[40];
      std::snprintf(buffer, sizeof buffer, "%.17g", p.ConsumeFloatingPoint<double>());
      return text_value(b, buffer);
    }
    case 13:
      return text_value(b, p.ConsumeRandomLengthString(48));
    case 14: {
      fs_value v{};
      v.kind = FS_VALUE_MISSING;
      if (p.ConsumeBool()) return text_value(b, "");  // an empty field counts as missing
      return v;
    }
    case 15: {  // out-of-range kinds, NULL text with a length
      fs_value v{};
      if (p.ConsumeBool() && !no_bad_kinds()) {
        v.kind = static_cast<fs_value_kind>(p.ConsumeIntegralInRange<int>(-3, 300));
        v.number = 1.0;
        v.text = "1";
        v.text_length = p.ConsumeIntegralInRange<size_t>(0, 1);
      } else {
        v.kind = FS_VALUE_TEXT;
        v.text = nullptr;
        v.text_length = p.ConsumeIntegralInRange<size_t>(0, 8);
      }
      return v;
    }
  }
}

// `count` rows of `value_count` values each (usually the model's column count).
void make_rows(FuzzedDataProvider& p, const Slot& s, size_t count, size_t value_count, RowBuilder& b) {
  b.values.clear();
  b.texts.clear();
  for (size_t r = 0; r < count; ++r)
    for (size_t c = 0; c < value_count; ++c) b.values.push_back(make_value(p, s, static_cast<uint32_t>(c), b));
  b.values.resize(b.values.size() + 1);  // never an empty array (value_count 0)
}

// FRAUDSCORE_FUZZ_TRACE=1: print every call, its row and its outcome (for reading a reproducer).
bool tracing() {
  static const bool on = std::getenv("FRAUDSCORE_FUZZ_TRACE") != nullptr;
  return on;
}

void trace_rows(const char* call, const Slot& s, const fs_value* values, size_t rows, size_t value_count) {
  if (!tracing()) return;
  std::fprintf(stderr, "[trace] %s on %s: %zu row(s) of %zu values\n", call, s.name.c_str(), rows, value_count);
  for (size_t r = 0; r < rows; ++r) {
    std::fprintf(stderr, "[trace]   row %zu:", r);
    for (size_t c = 0; c < value_count; ++c) {
      const fs_value& v = values[r * value_count + c];
      int kind;  // read as an int: the kind may be outside the enum
      std::memcpy(&kind, &v.kind, sizeof kind);
      if (kind < FS_VALUE_MISSING || kind > FS_VALUE_TEXT) std::fprintf(stderr, " (kind %d)", kind);
      else if (v.kind == FS_VALUE_NUMBER) std::fprintf(stderr, " %.17g", v.number);
      else if (v.kind == FS_VALUE_TEXT && v.text) std::fprintf(stderr, " '%.*s'", static_cast<int>(v.text_length), v.text);
      else if (v.kind == FS_VALUE_TEXT) std::fprintf(stderr, " (NULL text, length %zu)", v.text_length);
      else std::fprintf(stderr, " (missing)");
    }
    std::fprintf(stderr, "\n");
  }
}

void trace_status(fs_status status, const fs_result* r) {
  if (!tracing()) return;
  if (status != FS_OK) std::fprintf(stderr, "[trace]   -> %s: %s\n", fs_status_name(status), fs_last_error());
  else if (r) std::fprintf(stderr, "[trace]   -> ok: probability %.17g, raw %.17g, decision %s\n", r->probability,
                           r->raw_probability, fs_decision_name(r->decision));
  else std::fprintf(stderr, "[trace]   -> ok\n");
}

size_t value_count_for(FuzzedDataProvider& p, const Slot& s) {
  if (p.ConsumeIntegralInRange<int>(0, 31) != 0) return s.info.column_count;
  return p.ConsumeIntegralInRange<size_t>(0, s.info.column_count + 2);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  slots();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  set_current_input(data, size);
  FuzzedDataProvider p(data, size);
  std::vector<Slot>& all = slots();
  const Slot& s = all[p.ConsumeIntegralInRange<size_t>(0, all.size() - 1)];
  const fs_model_info& info = s.info;

  fs_session_options options{};
  if (p.ConsumeBool()) {
    options.max_keys = p.PickValueInArray<uint32_t>({0u, 1u, 2u, 3u, 8u, 4096u, 0xffffffffu});
    options.max_batch = p.PickValueInArray<uint32_t>({0u, 1u, 2u, 3u, 8u, 64u, 65537u});
    options.max_reasons = p.PickValueInArray<int32_t>({0, -1, 1, 2, 3, 64, 65, INT32_MIN});
    options.threshold_mode = p.PickValueInArray<int32_t>({0, 1, 2, -1});
    options.reasons_for = p.PickValueInArray<int32_t>({0, 1, 2, -1});
  }
  fs_session* session = nullptr;
  if (fs_session_create(s.model, &options, &session) != FS_OK) return 0;
  const uint32_t max_batch = options.max_batch ? options.max_batch : 256;
  const uint32_t max_reasons = options.max_reasons > 0 ? static_cast<uint32_t>(options.max_reasons)
                               : options.max_reasons == 0 ? 3 : 0;

  RowBuilder b;
  std::vector<fs_result> results;
  std::vector<float> attention;
  for (int op = 0; op < 24 && p.remaining_bytes() > 0; ++op) {
    switch (p.ConsumeIntegralInRange<int>(0, 9)) {
      default: {  // 0-3: one row
        const size_t n = value_count_for(p, s);
        make_rows(p, s, 1, n, b);
        fs_result r{};
        trace_rows("fs_session_score", s, b.values.data(), 1, n);
        const fs_status status = fs_session_score(session, b.values.data(), n, &r);
        trace_status(status, &r);
        if (status == FS_OK) check_result(info, r, "fs_session_score", max_reasons);
        break;
      }
      case 4:
      case 5: {  // a batch (sometimes one row more than max_batch)
        const size_t rows = p.ConsumeIntegralInRange<size_t>(0, max_batch < 8 ? max_batch + 1 : 8);
        const size_t n = value_count_for(p, s);
        make_rows(p, s, rows, n, b);
        results.assign(rows + 1, fs_result{});
        attention.assign((rows + 1) * info.window_length, -1.0f);
        const bool with_attention = p.ConsumeBool();
        size_t failed = SIZE_MAX;
        trace_rows("fs_session_score_batch", s, b.values.data(), rows, n);
        const fs_status status = fs_session_score_batch(session, b.values.data(), rows, n, results.data(),
                                                        with_attention ? attention.data() : nullptr, &failed);
        for (size_t i = 0; status == FS_OK && i < rows; ++i) trace_status(status, &results[i]);
        if (status != FS_OK) trace_status(status, nullptr);
        for (size_t i = 0; status == FS_OK && i < rows; ++i)
          if (!check_result(info, results[i], "fs_session_score_batch", max_reasons)) break;
        else if (failed != SIZE_MAX && failed >= rows)
          violation("fs_session_score_batch", "failed row index outside the batch", static_cast<double>(failed));
        break;
      }
      case 6: {
        const size_t n = value_count_for(p, s);
        make_rows(p, s, 1, n, b);
        if (p.ConsumeBool()) {
          trace_rows("fs_session_append", s, b.values.data(), 1, n);
          trace_status(fs_session_append(session, b.values.data(), n), nullptr);
        } else {
          int has = -1;
          if (fs_session_has_window(session, b.values.data(), n, &has) == FS_OK && has != 0 && has != 1)
            violation("fs_session_has_window", "answer neither 0 nor 1", has);
        }
        break;
      }
      case 7: {
        const size_t n = value_count_for(p, s);
        make_rows(p, s, 1, n, b);
        const double probability = p.ConsumeBool() ? p.ConsumeProbability<double>() : p.PickValueInArray(kNumbers);
        const int label = p.ConsumeIntegralInRange<int>(0, 3);
        fs_session_feedback(session, b.values.data(), n, probability, static_cast<fs_feedback>(label));
        break;
      }
      case 8: {  // threshold state: save, maybe damage, restore
        size_t state_size = 0;
        if (fs_session_threshold_state_size(session, &state_size) != FS_OK || state_size > (1u << 20)) break;
        std::vector<uint8_t> state(state_size + 8);
        size_t written = 0;
        if (fs_session_save_thresholds(session, state.data(), p.ConsumeBool() ? state_size : state_size / 2, &written) !=
            FS_OK)
          break;
        if (written > state_size) violation("fs_session_save_thresholds", "wrote more than its size", static_cast<double>(written));
        if (p.ConsumeBool() && written) {
          const size_t at = p.ConsumeIntegralInRange<size_t>(0, written - 1);
          state[at] = p.ConsumeIntegral<uint8_t>();
        }
        const size_t given = p.ConsumeBool() ? written : p.ConsumeIntegralInRange<size_t>(0, state.size());
        fs_session_load_thresholds(session, state.data(), given);
        break;
      }
      case 9:
        fs_session_reset(session);
        break;
    }
  }
  uint32_t keys = 0;
  fs_session_key_count(session, &keys);
  if (!info.per_key_window && keys != 0) violation("fs_session_key_count", "keys held by a global window", keys);
  fs_session_free(session);
  return 0;
}
