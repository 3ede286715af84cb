// Raw record -> the model's feature vector, exactly as the trainer computes
// it (double precision, rounded to float32 at the end). No allocation.
#pragma once

#include <cstdint>

#include "fraudscore/fraudscore.h"
#include "model.h"
#include "status.h"
#include "window_store.h"

namespace fraudscore {

// Strictly parse a decimal number ([+-]digits[.digits][(e|E)[+-]digits]);
// anything else, or a non-finite result, is an error.
bool parse_number(const char* text, size_t length, double* out);

// Validate `row` (one fs_value per model column) and compute the features
// into out[feature_count]. When the model keeps per-key windows, *key_hash
// receives a hash of the key column's text. Errors name the column and value.
// Features beyond the model's stored training range are clipped to it and
// counted in *out_of_range (if not null); a non-finite or absurdly large
// normalised feature is an error (the scorer fails closed).
// History features (SincePrevious, RelativeToHistory) need the row's window:
// their slots in `out` are left 0, and history[m.history_columns.size()] (if
// not null) receives the row's own values of the history columns for
// finish_history_features.
Status compute_features(const Model& m, const fs_value* row, size_t value_count, float* out,
                        uint64_t* key_hash, uint32_t* out_of_range = nullptr, double* history = nullptr);

// Complete a row's history features from its window's past rows (`past`,
// read before the row is appended) and its own history values. Cannot fail:
// the loader bounds every history feature's range. Adds clipped features to
// *out_of_range (if not null).
void finish_history_features(const Model& m, const HistoryView& past, const double* current, float* out,
                             uint32_t* out_of_range);

// `row` has one value per model column, each of a known fs_value_kind.
Status check_row(const Model& m, const fs_value* row, size_t value_count);

// The window a row belongs to: when the model keeps per-key windows,
// *key_hash receives a hash of the key column's text (read and checked); the
// other columns are not looked at.
Status window_key(const Model& m, const fs_value* row, size_t value_count, uint64_t* key_hash);

// The segment of a categorical value for dynamic thresholds: its vocabulary
// index, or vocabulary.size() for a missing or unknown value.
uint32_t segment_index(const ColumnSpec& column, const fs_value& value);

}  // namespace fraudscore
