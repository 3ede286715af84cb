/*
 * fraudscore — on-device fraud and payment-risk scoring. The C API.
 *
 * Conventions
 * - Every function returns an fs_status; FS_OK is 0. Results come back through
 *   out-parameters, which are written only on success.
 * - On failure, fs_last_error() returns a readable message for the calling
 *   thread (which row, which column, which tensor, why). It stays valid until
 *   the next fraudscore call on that thread.
 * - Nothing throws, aborts or exits across this boundary; bad bytes and bad
 *   rows are reported as statuses.
 *
 * Objects and ownership
 * - fs_model: an immutable, verified model. Created by fs_model_load*, freed
 *   by fs_model_free. It keeps its own copy of the file, so the caller's
 *   buffer may be freed after loading. A model may be shared by any number of
 *   threads and sessions; it must outlive every session made from it.
 * - fs_session: the mutable state of one scoring stream: its windows (global,
 *   or per key) and the working buffers the network needs, all sized when the
 *   session is created. Scoring performs no heap allocation. A session may be
 *   used by one thread at a time. Freed by fs_session_free.
 * - Pointers returned inside fs_result (attention, reasons, outputs) point
 *   into the session and stay valid until the next call on that session;
 *   strings (reason codes and texts, output names and labels) are owned by the
 *   model.
 *
 * Risk assessment (DESIGN.md's vocabulary, the same for every model kind)
 * - probability, band, decision; attention per window step (attention models);
 *   reason codes: the input feature groups that raise the score most, largest
 *   first — by occlusion (how much the probability falls when the group is
 *   typical) or, for models that attribute their own score exactly (gbdt's
 *   TreeSHAP), the group's share of the logit (fs_model_info.reason_method).
 * - Named outputs: some models give more than the probability (lstm_attn's
 *   enterprise_risk, lle_svm's credit grade). A model lists them
 *   (fs_model_output) and every result carries them in that order.
 * - Dynamic thresholds: where the model enables them, a session moves its
 *   block and review thresholds per segment (e.g. industry sector) to hold the
 *   model's target alert rate as scores drift, and by labelled feedback
 *   (fs_session_feedback), within bounds stored in the model. The state is
 *   small and can be saved and restored (fs_session_save_thresholds).
 */
#ifndef FRAUDSCORE_FRAUDSCORE_H
#define FRAUDSCORE_FRAUDSCORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define FS_API
#else
#define FS_API __attribute__((visibility("default")))
#endif

typedef enum fs_status {
  FS_OK = 0,
  FS_ERR_INVALID_ARGUMENT = 1, /* a NULL handle or pointer, a bad size */
  FS_ERR_IO = 2,               /* a file could not be read */
  FS_ERR_CORRUPT = 3,          /* not a well-formed model file (truncated, bad offsets) */
  FS_ERR_IDENTIFIER = 4,       /* not a fraudscore model file */
  FS_ERR_VERSION = 5,          /* a schema version this library cannot read */
  FS_ERR_CHECKSUM = 6,         /* the content does not match its checksum */
  FS_ERR_SHAPE = 7,            /* a tensor's shape does not fit the architecture */
  FS_ERR_VALUE = 8,            /* a non-finite weight or an invalid setting */
  FS_ERR_UNSUPPORTED = 9,      /* a model kind or storage type this build does not run */
  FS_ERR_INPUT = 10,           /* a row was refused (missing column, bad number, unknown category) */
  FS_ERR_NO_MEMORY = 11,
  FS_ERR_INTERNAL = 12,
  FS_ERR_SIGNATURE = 13        /* trusted keys are configured and the file is unsigned, or no trusted key's
                                  signature verifies over it (tampered, or signed by an untrusted key) */
} fs_status;

typedef enum fs_band { FS_BAND_LOW = 0, FS_BAND_MEDIUM = 1, FS_BAND_HIGH = 2, FS_BAND_CRITICAL = 3 } fs_band;

typedef enum fs_decision { FS_DECISION_APPROVE = 0, FS_DECISION_STEP_UP = 1, FS_DECISION_BLOCK = 2 } fs_decision;

/* A named output beside the probability: a calibrated probability, or one
 * label of a list (e.g. a credit grade). */
typedef enum fs_output_kind { FS_OUTPUT_PROBABILITY = 0, FS_OUTPUT_LABEL = 1 } fs_output_kind;

typedef struct fs_output {
  const char* name;    /* e.g. "enterprise_risk", "grade" (owned by the model) */
  fs_output_kind kind;
  double value;        /* PROBABILITY: in [0, 1]; LABEL: the label's index */
  const char* label;   /* LABEL: the label (owned by the model); PROBABILITY: NULL */
} fs_output;

typedef enum fs_column_type {
  FS_COLUMN_NUMERIC = 0,
  FS_COLUMN_CATEGORICAL = 1,
  FS_COLUMN_IDENTIFIER = 2,
  FS_COLUMN_TIME = 3
} fs_column_type;

typedef struct fs_model fs_model;
typedef struct fs_session fs_session;

/* One field of a raw record. A row is an array of fs_value indexed by the
 * model's column order (see fs_model_column). `text` need not be
 * NUL-terminated; numbers may be given as text and are parsed strictly. */
typedef enum fs_value_kind { FS_VALUE_MISSING = 0, FS_VALUE_NUMBER = 1, FS_VALUE_TEXT = 2 } fs_value_kind;

typedef struct fs_value {
  fs_value_kind kind;
  double number;    /* FS_VALUE_NUMBER */
  const char* text; /* FS_VALUE_TEXT: `text_length` bytes */
  size_t text_length;
} fs_value;

/* One reason code of a score. */
typedef struct fs_reason {
  const char* code;    /* stable code, e.g. "PAYMENT_DELAY" (owned by the model) */
  const char* text;    /* a short readable sentence (owned by the model) */
  double contribution; /* > 0. Occlusion: how much the probability falls when this group is
                          typical; attribution: the group's share of the logit */
} fs_reason;

typedef struct fs_result {
  double probability;     /* calibrated, in [0, 1] */
  double raw_probability; /* the network's output before calibration */
  fs_band band;
  fs_decision decision;
  /* One weight per window step, oldest first (window_length of them); padded
   * steps have weight 0. Points into the session; valid until its next call.
   * NULL for models without attention. */
  const float* attention;
  uint32_t window_length;
  uint32_t valid_steps; /* real (not padded) rows in this window */
  /* The thresholds this row was decided with: the model's, or the session's
   * dynamic ones for this row's segment. */
  double block_threshold;
  double review_threshold;
  uint32_t segment;   /* dynamic-threshold segment of the row (0 when there is one segment) */
  /* Reason codes, largest contribution first; at most the session's
   * max_reasons. Point into the session; valid until its next call. */
  const fs_reason* reasons;
  uint32_t reason_count;
  /* The model's named outputs (fs_model_info.output_count of them, in the
   * model's order; see fs_result_output). Point into the session; valid until
   * its next call. */
  const fs_output* outputs;
  uint32_t output_count;
  /* Features of this row that were beyond the model's training range (plus
   * its stated margin) and were clipped to it before scoring. A row with any
   * is decided at least step_up: the model has not seen such a payment. */
  uint32_t out_of_range;
} fs_result;

typedef struct fs_model_info {
  const char* kind;  /* the model family: "crnn", "lstm_attn", "lle_svm", "gbdt" */
  const char* name;
  uint32_t schema_major;
  uint32_t schema_minor;
  uint32_t column_count;
  uint32_t feature_count;
  uint32_t window_length;
  int per_key_window;      /* 1 if windows are kept per value of key_column */
  int32_t key_column;      /* -1 for a global window */
  double decision_threshold;
  double review_threshold;
  double band_cuts[3];
  const char* trainer_version;
  uint32_t output_count;      /* named outputs of every result; see fs_model_output */
  uint32_t reason_group_count; /* see fs_model_reason_group */
  const char* reason_method;  /* "occlusion", or "attribution" (the model's exact attribution of its logit) */
  int dynamic_thresholds;     /* 1 if the model enables dynamic thresholds */
  int32_t segment_column;     /* their segment column, -1 for one segment */
  uint32_t segment_count;     /* segments (vocabulary of the segment column + 1 for unknown values) */
  double target_alert_rate;   /* dynamic thresholds: the alert rate they hold */
  double min_threshold, max_threshold; /* dynamic thresholds: bounds of the block threshold */
  uint64_t checksum;          /* the file's checksum: identifies this exact model version */
  int signed_file;            /* 1 if the file came in a signed envelope */
  int signature_verified;     /* 1 if a trusted key's signature verified (see fs_load_options) */
  const char* signed_key_id;  /* that key's id (16 hex digits), or "" */
  double operations_per_row;  /* arithmetic operations one scored row costs, its reasons included
                                 (the network run once more per reason group); files above
                                 2e8 are refused at load */
  const char* weight_precision; /* how the network's weights are stored: "float32", "float16" or
                                   "int8" (1.5; the narrowest any tensor uses). Float16 and Int8
                                   weights are dequantised to float32 at load: they shrink the
                                   file, not the memory or the arithmetic */
} fs_model_info;

/* Strings returned by the library (names, messages) are owned by it. */
FS_API const char* fs_last_error(void);
FS_API const char* fs_status_name(fs_status status);
FS_API const char* fs_band_name(fs_band band);         /* "low", "medium", "high", "critical" */
FS_API const char* fs_decision_name(fs_decision d);    /* "approve", "step_up", "block" */
FS_API const char* fs_version(void);                    /* library version, e.g. "0.1.0" */
/* The model families this build scores, e.g. "crnn,lstm_attn,lle_svm,gbdt" (FRAUDSCORE_FAMILIES). */
FS_API const char* fs_families(void);
/* The kernels this process scores with, chosen once for the CPU: "avx512",
 * "avx2-fma", "vec128" (SSE, NEON or WebAssembly SIMD128) or "reference". The
 * environment variable FRAUDSCORE_KERNELS names a lesser set this CPU also
 * runs (to compare them on one machine); an unknown or unsupported name is
 * ignored. */
FS_API const char* fs_kernels(void);

/* Loading: verify the buffer (structure, identifier, version, checksum), then
 * every tensor's shape and value, then plan. `bytes` is copied. */
FS_API fs_status fs_model_load(const void* bytes, size_t size, fs_model** out_model);
FS_API fs_status fs_model_load_file(const char* path, fs_model** out_model);

/* Signed model files (schemas/README.md, "Signed model files"): the model's
 * bytes inside an envelope with Ed25519 signatures over them. Trust is the
 * deployer's: give the public keys to trust (two while keys rotate). With no
 * keys, files load signed or unsigned, and signatures are not checked; with
 * keys, a file loads only if one of them signed it (FS_ERR_SIGNATURE). */
typedef struct fs_load_options {
  const unsigned char* trusted_keys; /* trusted_key_count raw Ed25519 public keys, 32 bytes each */
  size_t trusted_key_count;
} fs_load_options;
/* fs_model_load / fs_model_load_file with options (NULL: the defaults above). */
FS_API fs_status fs_model_load_with(const void* bytes, size_t size, const fs_load_options* options,
                                    fs_model** out_model);
FS_API fs_status fs_model_load_file_with(const char* path, const fs_load_options* options, fs_model** out_model);
/* Parse a public key written as 64 hex digits (surrounding white space is
 * ignored) into 32 bytes; FS_ERR_INVALID_ARGUMENT if it is not one. */
FS_API fs_status fs_public_key_from_hex(const char* text, size_t length, unsigned char out_key[32]);
/* The same for a key file (FS_ERR_IO if it cannot be read; at most 4 KiB is read). */
FS_API fs_status fs_public_key_from_file(const char* path, unsigned char out_key[32]);
/* The id of a public key: the first 8 bytes of its SHA-256, as 16 hex digits
 * and a NUL (FS_ERR_UNSUPPORTED in builds without signature support). */
FS_API fs_status fs_public_key_id(const unsigned char key[32], char out_id[17]);
/* For runtimes that verify signatures themselves (the WebAssembly package uses
 * WebCrypto): where the model bytes lie inside a signed file, and each
 * signature's algorithm, key id and 64-byte value. Pointers point into
 * `bytes`. FS_ERR_IDENTIFIER if `bytes` is not a signed envelope. */
FS_API fs_status fs_signed_model_payload(const void* bytes, size_t size, size_t* out_offset, size_t* out_size,
                                         uint32_t* out_signature_count);
FS_API fs_status fs_signed_model_signature(const void* bytes, size_t size, uint32_t index,
                                           const char** out_algorithm, const char** out_key_id,
                                           const unsigned char** out_value);
FS_API void fs_model_free(fs_model* model); /* NULL is allowed */

FS_API fs_status fs_model_get_info(const fs_model* model, fs_model_info* out_info);
FS_API fs_status fs_model_column(const fs_model* model, uint32_t index, const char** out_name,
                                 fs_column_type* out_type);
/* Index of a column by name, or FS_ERR_INPUT if the model has no such column. */
FS_API fs_status fs_model_find_column(const fs_model* model, const char* name, uint32_t* out_index);
/* The model's metrics and configuration as recorded by its trainer. */
FS_API fs_status fs_model_metric(const fs_model* model, uint32_t index, const char** out_name, double* out_value);
/* Reason group `index` (0..reason_group_count-1): its code and text. */
FS_API fs_status fs_model_reason_group(const fs_model* model, uint32_t index, const char** out_code,
                                       const char** out_text);
/* Named output `index` (0..output_count-1): its name, kind and, for a
 * label output, how many labels it has (0 for a probability). */
FS_API fs_status fs_model_output(const fs_model* model, uint32_t index, const char** out_name,
                                 fs_output_kind* out_kind, uint32_t* out_label_count);
/* Label `label` of named output `index` (e.g. a credit grade). */
FS_API fs_status fs_model_output_label(const fs_model* model, uint32_t index, uint32_t label,
                                       const char** out_label);
/* Whether fs_session_score would accept `row`: FS_OK, or the error (status
 * and message) scoring it would give, without a session and changing
 * nothing. Reads only the model: any number of threads may call it at once.
 * (A service that splits a batch across sessions checks every row first.) */
FS_API fs_status fs_model_check_row(const fs_model* model, const fs_value* row, size_t value_count);
/* The output called `name` of a result; FS_ERR_INPUT if the model has none by that name. */
FS_API fs_status fs_result_output(const fs_result* result, const char* name, fs_output* out_output);

/* Session options. Zero fields pick the defaults. */
typedef struct fs_session_options {
  /* Bound on the per-key windows kept (default 4096). When full, the least
   * recently used key is evicted and its next row starts a fresh, padded
   * window. Ignored for global windows. */
  uint32_t max_keys;
  /* Most rows one fs_session_score_batch call takes (default 256, at most 65536). */
  uint32_t max_batch;
  /* Reason codes per result: 0 picks the default (3), a negative value turns
   * them off (each reason group costs one more network pass per row). */
  int32_t max_reasons;
  /* FS_THRESHOLDS_MODEL (0): dynamic thresholds if the model enables them;
   * FS_THRESHOLDS_FIXED: always the model's fixed thresholds. */
  int32_t threshold_mode;
  /* FS_REASONS_ALL (0): reason codes for every result; FS_REASONS_FLAGGED:
   * only for step_up and block decisions (approvals need no explanation, and
   * skipping them saves the extra network passes on most rows). */
  int32_t reasons_for;
} fs_session_options;

enum { FS_THRESHOLDS_MODEL = 0, FS_THRESHOLDS_FIXED = 1 };
enum { FS_REASONS_ALL = 0, FS_REASONS_FLAGGED = 1 };

typedef enum fs_feedback { FS_FEEDBACK_CONFIRMED_FRAUD = 1, FS_FEEDBACK_FALSE_ALARM = 2 } fs_feedback;

/* Create a session; `options` may be NULL. Every buffer is allocated here. */
FS_API fs_status fs_session_create(const fs_model* model, const fs_session_options* options,
                                   fs_session** out_session);
FS_API void fs_session_free(fs_session* session); /* NULL is allowed */
/* Forget every window and return dynamic thresholds to the model's. */
FS_API fs_status fs_session_reset(fs_session* session);
/* Number of keys whose windows are held now (0 for global windows). */
FS_API fs_status fs_session_key_count(const fs_session* session, uint32_t* out_count);

/* Validate `row` (column_count values), append it to its window and score the
 * window that ends with it. Windows follow call order; the time column does
 * not reorder rows. A refused row (FS_ERR_INPUT: missing required value,
 * non-number, NaN/Inf, value below the column's minimum, unknown category)
 * changes nothing in the session. No heap allocation. */
FS_API fs_status fs_session_score(fs_session* session, const fs_value* row, size_t value_count,
                                  fs_result* out_result);

/* Score `row_count` rows (each `value_count` values, consecutive in `rows`)
 * as if each were passed to fs_session_score in order, running the network on
 * all their windows at once. All rows are validated first: if one is refused,
 * nothing changes, `*out_failed_row` (if not NULL) gets its index, and the
 * message begins "row N: " (N counted from 0 within the batch).
 * `out_attention`, if not NULL, receives row_count * window_length weights and
 * each result's `attention` points into it; otherwise `attention` is NULL.
 * row_count may not exceed the session's max_batch. No heap allocation. */
FS_API fs_status fs_session_score_batch(fs_session* session, const fs_value* rows, size_t row_count,
                                        size_t value_count, fs_result* out_results, float* out_attention,
                                        size_t* out_failed_row);

/* Append `row` to its window without scoring it: no result, thresholds
 * unchanged. For rebuilding windows from rows kept elsewhere (the agent's
 * store). The row is validated as by fs_session_score; a refused row changes
 * nothing. No heap allocation. */
FS_API fs_status fs_session_append(fs_session* session, const fs_value* row, size_t value_count);

/* *out_has = 1 if the window `row` belongs to is held now (its key's window,
 * or for a global window any row at all), else 0: a key seen before may have
 * been evicted (max_keys). Only the key column is read (FS_ERR_INPUT if it is
 * missing); the other values are checked when the row is scored or appended.
 * The session is unchanged. */
FS_API fs_status fs_session_has_window(const fs_session* session, const fs_value* row, size_t value_count,
                                       int* out_has);

/* A labelled outcome for a row this session scored `probability` (the row's
 * values give its segment): a confirmed fraud scored below the block
 * threshold lowers that segment's thresholds one step, a false alarm (a
 * legitimate row scored at or above the review threshold) raises them; other
 * outcomes change nothing. FS_ERR_UNSUPPORTED if this session does not use
 * dynamic thresholds. */
FS_API fs_status fs_session_feedback(fs_session* session, const fs_value* row, size_t value_count,
                                     double probability, fs_feedback label);

/* The dynamic-threshold state: its size in bytes, a copy of it (little-endian,
 * tied to this model by its checksum), and restoring it. Restoring checks
 * everything first and changes nothing on failure. FS_ERR_UNSUPPORTED if this
 * session does not use dynamic thresholds. */
FS_API fs_status fs_session_threshold_state_size(const fs_session* session, size_t* out_size);
FS_API fs_status fs_session_save_thresholds(const fs_session* session, void* buffer, size_t capacity,
                                            size_t* out_written);
FS_API fs_status fs_session_load_thresholds(fs_session* session, const void* buffer, size_t size);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FRAUDSCORE_FRAUDSCORE_H */
