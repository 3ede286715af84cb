// gbdt models for the fuzzers (schemas/README.md, "### gbdt"): forests as
// node lists, written to and read from the eight `trees.*` tensors, random
// valid forests for an architecture, and the structure-aware mutations that
// break one load-time rule each (children, cycles, reachability, inputs,
// default directions, first_node, GbdtConfig, covers, thresholds, depth, sizes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "model_generated.h"

namespace fraudscore_fuzz {

namespace fb = ::fraudscore::schema;

// One node as the file holds it: children are tree-local indices (-1 at a leaf).
struct GbdtNode {
  int32_t left = -1, right = -1, feature = -1, default_left = 0;
  float threshold = 0.0f, value = 0.0f, cover = 0.0f;
};
using GbdtTree = std::vector<GbdtNode>;  // root first, children after their parent

inline GbdtNode gbdt_split(int32_t input, float threshold, bool default_left, int32_t left, int32_t right, float cover) {
  return {left, right, input, default_left ? 1 : 0, threshold, 0.0f, cover};
}
inline GbdtNode gbdt_leaf(float value, float cover) { return {-1, -1, -1, 0, 0.0f, value, cover}; }

// The tiny model's four trees over a window of 3 steps x 8 features
// (model_builder.cpp's PaySim-like spec; input = step * 8 + feature).
std::vector<GbdtTree> tiny_gbdt_forest();

// Replace the model's `trees.*` tensors (other tensors are kept) by the
// forest's: Int32 structure, Float32 threshold/value/cover, first_node from the
// trees' sizes. GbdtConfig is not changed.
void set_gbdt_tensors(fb::ModelT& model, const std::vector<GbdtTree>& forest);

// The forest the `trees.*` tensors hold, if they can be read as one: the
// structure in `i32`, the floats in `f32`, N values each, first_node ascending
// from 0 to N. Nothing else is checked (the trees may break every rule).
bool get_gbdt_forest(const fb::ModelT& model, std::vector<GbdtTree>* forest);

// `trees` random valid trees (XGBoost-like covers, default directions both
// ways, some zero-cover leaves, single-leaf trees), no leaf deeper than
// `max_depth`, splitting on inputs below `inputs` (single leaves if 0). False
// if the tensors would hold more than `max_values` values.
bool random_gbdt_forest(std::mt19937& rng, uint32_t trees, uint32_t max_depth, uint32_t inputs, size_t max_values,
                        std::vector<GbdtTree>* forest);

// The deepest leaf's depth of a valid tree (0 for a single leaf).
uint32_t gbdt_tree_depth(const GbdtTree& tree);

// A large valid forest within `max_values` values: tens of thousands of
// single-leaf trees, or chains as deep as GbdtConfig.max_depth allows (<= 64).
void stress_gbdt(fb::ModelT& model, std::mt19937& rng, size_t max_values);

// One gbdt-specific mutation of a model with a GbdtConfig (nothing otherwise),
// within `max_values` tensor values.
void mutate_gbdt(fb::ModelT& model, std::mt19937& rng, size_t max_values);

}  // namespace fraudscore_fuzz
