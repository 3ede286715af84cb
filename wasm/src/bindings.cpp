// Exports the JavaScript package needs beyond the C API: where this compiler
// placed the fields of the structs the loader reads and writes (so the
// JavaScript side never assumes a layout), the heap in use (the memory tests)
// and the kernels chosen.
#include <emscripten/emscripten.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <malloc.h>

#include "fraudscore/fraudscore.h"
#include "kernels/kernels.h"

extern "C" {

// The order is the package's: fraudscore.mjs names these fields in the same
// order (LAYOUT_FIELDS) and checks the count.
EMSCRIPTEN_KEEPALIVE uint32_t fsw_layout(uint32_t* out, uint32_t capacity) {
  const uint32_t layout[] = {
      sizeof(fs_value),
      offsetof(fs_value, kind),
      offsetof(fs_value, number),
      offsetof(fs_value, text),
      offsetof(fs_value, text_length),
      sizeof(fs_reason),
      offsetof(fs_reason, code),
      offsetof(fs_reason, text),
      offsetof(fs_reason, contribution),
      sizeof(fs_output),
      offsetof(fs_output, name),
      offsetof(fs_output, kind),
      offsetof(fs_output, value),
      offsetof(fs_output, label),
      sizeof(fs_result),
      offsetof(fs_result, probability),
      offsetof(fs_result, raw_probability),
      offsetof(fs_result, band),
      offsetof(fs_result, decision),
      offsetof(fs_result, attention),
      offsetof(fs_result, window_length),
      offsetof(fs_result, valid_steps),
      offsetof(fs_result, block_threshold),
      offsetof(fs_result, review_threshold),
      offsetof(fs_result, segment),
      offsetof(fs_result, reasons),
      offsetof(fs_result, reason_count),
      offsetof(fs_result, outputs),
      offsetof(fs_result, output_count),
      offsetof(fs_result, out_of_range),
      sizeof(fs_model_info),
      offsetof(fs_model_info, kind),
      offsetof(fs_model_info, name),
      offsetof(fs_model_info, schema_major),
      offsetof(fs_model_info, schema_minor),
      offsetof(fs_model_info, column_count),
      offsetof(fs_model_info, feature_count),
      offsetof(fs_model_info, window_length),
      offsetof(fs_model_info, per_key_window),
      offsetof(fs_model_info, key_column),
      offsetof(fs_model_info, decision_threshold),
      offsetof(fs_model_info, review_threshold),
      offsetof(fs_model_info, band_cuts),
      offsetof(fs_model_info, trainer_version),
      offsetof(fs_model_info, output_count),
      offsetof(fs_model_info, reason_group_count),
      offsetof(fs_model_info, reason_method),
      offsetof(fs_model_info, dynamic_thresholds),
      offsetof(fs_model_info, segment_column),
      offsetof(fs_model_info, segment_count),
      offsetof(fs_model_info, target_alert_rate),
      offsetof(fs_model_info, min_threshold),
      offsetof(fs_model_info, max_threshold),
      offsetof(fs_model_info, checksum),
      offsetof(fs_model_info, signed_file),
      offsetof(fs_model_info, signature_verified),
      offsetof(fs_model_info, signed_key_id),
      offsetof(fs_model_info, operations_per_row),
      offsetof(fs_model_info, weight_precision),
      sizeof(fs_session_options),
      offsetof(fs_session_options, max_keys),
      offsetof(fs_session_options, max_batch),
      offsetof(fs_session_options, max_reasons),
      offsetof(fs_session_options, threshold_mode),
      offsetof(fs_session_options, reasons_for),
  };
  const uint32_t count = sizeof(layout) / sizeof(layout[0]);
  for (uint32_t i = 0; i < count && i < capacity; ++i) out[i] = layout[i];
  return count;
}

// Bytes of the heap handed out by malloc now: what the memory tests watch.
EMSCRIPTEN_KEEPALIVE size_t fsw_heap_bytes(void) { return mallinfo().uordblks; }

EMSCRIPTEN_KEEPALIVE const char* fsw_kernels(void) { return fraudscore::kernels().isa; }

}  // extern "C"
