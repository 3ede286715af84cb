// Tiny model files for the fuzzers, built with FlatBuffers' object API (a
// header flatc generates for tests/fuzz only, with --gen-object-api), and the
// file format's checksum rule. Everything here follows schemas/README.md, not
// the core's sources, so that the fuzzers test the loader against the format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "model_generated.h"  // the object-API reader/writer (tests/fuzz's own copy)

namespace fraudscore_fuzz {

namespace fb = ::fraudscore::schema;

// The tiny models every fuzzer starts from (a few KB each).
enum class TinyKind {
  Crnn,                // global window of 4, 8 features (every FeatureOp), Platt, reason codes
  CrnnPerKeyDynamic,   // per-key window of 3, dynamic thresholds by `type`, 3 history features (1.3)
  LstmAttn,            // per-key window of 4, entity calibration, dynamic thresholds by `sector`
  LleSvm,              // per-key window of 2, 3 indicators, Float64 tensors
  Gbdt,                // per-key window of 3 over crnn's PaySim features, 4 trees (depth <= 3), Int32 tensors (1.4)
};
constexpr TinyKind kTinyKinds[] = {TinyKind::Crnn, TinyKind::CrnnPerKeyDynamic, TinyKind::LstmAttn,
                                   TinyKind::LleSvm, TinyKind::Gbdt};
constexpr size_t kTinyKindCount = sizeof(kTinyKinds) / sizeof(kTinyKinds[0]);
const char* tiny_kind_name(TinyKind kind);  // "crnn", "crnn_perkey_dynamic", "lstm_attn", "lle_svm", "gbdt"

// A tiny model as an object tree (mutable) and as file bytes (checksum stamped).
std::unique_ptr<fb::ModelT> tiny_model(TinyKind kind, uint32_t seed = 1);
std::vector<uint8_t> tiny_model_bytes(TinyKind kind, uint32_t seed = 1);

// Write `model` as a file: every scalar stored (force_defaults, so the
// checksum field exists), identifier FSMD, checksum stamped.
std::vector<uint8_t> pack_model(const fb::ModelT& model);

// The object tree of a buffer that verifies as a Model (identifier not
// required), or nullptr.
std::unique_ptr<fb::ModelT> unpack_model(const uint8_t* data, size_t size);

// 64-bit FNV-1a with the 8 bytes at `hole` counted as zero (schemas/README.md).
uint64_t checksum_with_hole(const uint8_t* data, size_t size, size_t hole);
// Recompute and store the checksum in place. False if the buffer does not
// verify as a Model or has no checksum field (then nothing changes).
bool stamp_checksum(uint8_t* data, size_t size);

// Names and shapes of the tensors the model's architecture needs (from its
// kind and architecture table, window and feature count); lle_svm's N, S and
// K are given; gbdt's node count is that of its `trees.left`. Empty if the
// kind is unknown.
struct LleCounts {
  uint32_t points = 8, support = 4, clusters = 3;
};
std::vector<std::pair<std::string, std::vector<uint32_t>>> expected_tensors(const fb::ModelT& model,
                                                                            const LleCounts& lle = LleCounts());

// Replace the model's tensors by random ones of exactly the shapes its
// architecture needs (Float64 for lle_svm, Float32 otherwise; for gbdt a
// random valid forest of GbdtConfig.trees trees, support/gbdt_trees.h), if
// they hold at most `max_values` values in all. Returns false (and changes
// nothing) if not.
bool regenerate_tensors(fb::ModelT& model, std::mt19937& rng, size_t max_values,
                        const LleCounts& lle = LleCounts());

// One structure-aware mutation of a model tree (tensor dtypes and shapes,
// architecture sizes, window, features, columns, risk settings, kind, and
// gbdt's trees: support/gbdt_trees.h); may regenerate the tensors to fit,
// within `max_bytes` of file.
void mutate_model(fb::ModelT& model, std::mt19937& rng, size_t max_bytes);

// Interesting values for mutations and rows.
double interesting_double(std::mt19937& rng);
uint32_t interesting_dim(std::mt19937& rng, uint32_t current);

}  // namespace fraudscore_fuzz
