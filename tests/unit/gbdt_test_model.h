// Gradient-boosted tree ensembles as tensors in memory, for the unit tests:
// hand-written trees and seeded random ones (XGBoost-like covers, missing
// directions both ways, single-leaf trees).
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "families/gbdt/gbdt.h"
#include "networks/tensor_view.h"
#include "test_util.h"

namespace fraudscore_test {

using fraudscore::GbdtDims;
using fraudscore::TensorDtype;
using fraudscore::TensorView;

// ---- models as the file holds them -----------------------------------------

struct TestNode {
  int32_t left = -1, right = -1, feature = -1, default_left = 0;
  float threshold = 0, value = 0, cover = 0;
};
using TestTree = std::vector<TestNode>;  // local indices, root first

inline TestNode split_node(int32_t input, float threshold, bool default_left, int32_t left, int32_t right, float cover) {
  return {left, right, input, default_left ? 1 : 0, threshold, 0.0f, cover};
}

inline TestNode leaf_node(float value, float cover) { return {-1, -1, -1, 0, 0.0f, value, cover}; }

// The node tensors of an ensemble; tensors() views them in place, so the
// model must outlive the views.
struct TestModel {
  std::vector<int32_t> first_node{0}, left, right, feature, default_left;
  std::vector<float> threshold, value, cover;

  explicit TestModel(const std::vector<TestTree>& trees) {
    for (const TestTree& tree : trees) {
      for (const TestNode& n : tree) {
        left.push_back(n.left);
        right.push_back(n.right);
        feature.push_back(n.feature);
        default_left.push_back(n.default_left);
        threshold.push_back(n.threshold);
        value.push_back(n.value);
        cover.push_back(n.cover);
      }
      first_node.push_back(static_cast<int32_t>(left.size()));
    }
  }

  static TensorView view(const char* name, const std::vector<int32_t>& v) {
    TensorView t;
    t.name = name;
    t.dtype = TensorDtype::Int32;
    t.shape = {static_cast<uint32_t>(v.size())};
    t.i32 = v.data();
    t.count = v.size();
    return t;
  }
  static TensorView view(const char* name, const std::vector<float>& v) {
    TensorView t;
    t.name = name;
    t.dtype = TensorDtype::Float32;
    t.shape = {static_cast<uint32_t>(v.size())};
    t.data = v.data();
    t.count = v.size();
    return t;
  }

  std::vector<TensorView> tensors() const {
    return {view("trees.first_node", first_node), view("trees.left", left),
            view("trees.right", right),           view("trees.feature", feature),
            view("trees.default_left", default_left), view("trees.threshold", threshold),
            view("trees.value", value),           view("trees.cover", cover)};
  }
};

// ---- seeded random ensembles -------------------------------------------------

inline uint32_t below(std::mt19937& rng, uint32_t n) { return static_cast<uint32_t>(rng() % n); }

// `count` distinct inputs of `inputs`, by a partial Fisher-Yates shuffle.
inline std::vector<int32_t> random_inputs(std::mt19937& rng, uint32_t inputs, uint32_t count) {
  std::vector<int32_t> all(inputs);
  for (uint32_t i = 0; i < inputs; ++i) all[i] = static_cast<int32_t>(i);
  for (uint32_t i = 0; i < count; ++i) std::swap(all[i], all[i + below(rng, inputs - i)]);
  all.resize(count);
  return all;
}

struct RandomTreeGrower {
  std::mt19937& rng;
  const std::vector<int32_t>& inputs;
  uint32_t max_depth;

  // Preorder, so children come after their parent. Covers add up like
  // XGBoost's, except that some leaves get none (a branch TreeSHAP must skip).
  int32_t grow(TestTree& tree, uint32_t depth) {
    const int32_t index = static_cast<int32_t>(tree.size());
    tree.emplace_back();
    if (depth == max_depth || (depth > 0 && uniform(rng, 0, 1) < 0.3f)) {
      const float cover = below(rng, 8) == 0 ? 0.0f : uniform(rng, 0.5f, 10.0f);
      tree[index] = leaf_node(uniform(rng, -1, 1), cover);
      return index;
    }
    const int32_t input = inputs[below(rng, static_cast<uint32_t>(inputs.size()))];
    const float threshold = uniform(rng, -1, 1);
    const bool default_left = below(rng, 2) == 0;
    const int32_t left = grow(tree, depth + 1), right = grow(tree, depth + 1);
    const float cover = tree[left].cover + tree[right].cover;
    tree[index] = split_node(input, threshold, default_left, left, right, cover > 0 ? cover : 1.0f);
    return index;
  }
};

struct RandomEnsemble {
  GbdtDims dims;
  std::vector<TestTree> forest;
  TestModel model;
};

inline RandomEnsemble random_ensemble(std::mt19937& rng, uint32_t steps, uint32_t features, uint32_t trees) {
  const std::vector<int32_t> inputs = random_inputs(rng, steps * features, 1 + below(rng, 10));
  std::vector<TestTree> forest(trees);
  // Depth 0 (a single leaf) too: XGBoost keeps a tree whose root could not split.
  for (TestTree& tree : forest) RandomTreeGrower{rng, inputs, below(rng, 7)}.grow(tree, 0);
  return {{steps, features, trees, 6, uniform(rng, -2, 2)}, forest, TestModel(forest)};
}

// A window left-padded with zeros before its last `valid_steps` rows.
inline std::vector<float> random_window(std::mt19937& rng, uint32_t steps, uint32_t features, uint32_t valid_steps) {
  std::vector<float> window(size_t{steps} * features, 0.0f);
  for (size_t i = size_t{steps - valid_steps} * features; i < window.size(); ++i) window[i] = uniform(rng, -1, 1);
  return window;
}

}  // namespace fraudscore_test
