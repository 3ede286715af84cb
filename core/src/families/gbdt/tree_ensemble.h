// A validated tree ensemble repacked for evaluation: every tree's nodes in one
// owned array of 16-byte nodes (children as global indices), each tree's nodes
// contiguous with its root first, so a walk touches one small block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fraudscore {

struct TreeNode {
  uint32_t split;       // input index | kDefaultLeft when a missing input goes left; 0 at a leaf
  float threshold;      // internal: x < threshold goes left; leaf: the leaf value
  int32_t left, right;  // global node indices; -1 at a leaf
};
static_assert(sizeof(TreeNode) == 16, "four nodes per 64-byte cache line");

constexpr uint32_t kDefaultLeft = 0x80000000u;
constexpr uint32_t kInputMask = 0x7fffffffu;  // inputs are < 2^31 (checked at build)

inline bool is_leaf(const TreeNode& node) { return node.left < 0; }

// The child of internal `node` that the window's inputs `x` take: an input
// before `first_present` lies in a padded step, is missing, and takes the
// default direction; any other compares with the threshold (NaN goes right).
inline int32_t hot_child(const TreeNode& node, const float* x, uint32_t first_present) {
  const uint32_t input = node.split & kInputMask;
  const bool left = input < first_present ? (node.split & kDefaultLeft) != 0 : x[input] < node.threshold;
  return left ? node.left : node.right;
}

class TreeEnsemble {
 public:
  TreeEnsemble() = default;
  // Takes the packed arrays of a validated ensemble (tree_tensors.h checks
  // them): first_node has trees + 1 ascending entries ending at nodes.size(),
  // children come after their parent within their tree, covers has one entry a
  // node (> 0 at internal nodes). May throw std::bad_alloc.
  TreeEnsemble(uint32_t steps, uint32_t features, double base_margin, std::vector<uint32_t> first_node,
               std::vector<TreeNode> nodes, std::vector<float> covers);

  uint32_t steps() const { return steps_; }
  uint32_t features() const { return features_; }
  uint32_t input_count() const { return steps_ * features_; }
  uint32_t tree_count() const { return static_cast<uint32_t>(first_node_.size()) - 1; }
  uint32_t node_count() const { return static_cast<uint32_t>(nodes_.size()); }
  uint32_t root(uint32_t tree) const { return first_node_[tree]; }
  uint32_t tree_size(uint32_t tree) const { return first_node_[tree + 1] - first_node_[tree]; }
  const TreeNode& node(uint32_t index) const { return nodes_[index]; }
  double cover(uint32_t index) const { return covers_[index]; }
  uint32_t tree_depth(uint32_t tree) const { return tree_depth_[tree]; }  // deepest leaf; root: 0
  uint32_t max_depth() const { return max_depth_; }
  uint32_t tree_leaves(uint32_t tree) const { return tree_leaves_[tree]; }
  double base_margin() const { return base_margin_; }

  // The tree's expected value: its leaves averaged with the cover-weighted
  // recursion (each child weighted by cover(child) / cover(parent)).
  double tree_mean(uint32_t tree) const { return tree_mean_[tree]; }
  // base_margin plus every tree's mean: the logit with no input known; TreeSHAP's
  // attributions sum with it to the margin (XGBoost's pred_contribs bias column).
  double bias() const { return bias_; }

  // The first input of a window's real rows: the inputs before it are missing.
  uint32_t first_present_input(uint32_t valid_steps) const {
    return (steps_ - (valid_steps < steps_ ? valid_steps : steps_)) * features_;
  }
  // Global index of the leaf the window's inputs reach in `tree`.
  uint32_t leaf_of(uint32_t tree, const float* x, uint32_t first_present) const;
  // base_margin + the reached leaf of every tree, in double.
  double margin(const float* window, uint32_t valid_steps) const;
  // margins[b] = margin of window b of `batch` ([batch, steps, features]).
  void margins(const float* windows, const uint32_t* valid_steps, size_t batch, double* margins) const;

 private:
  double subtree_mean(uint32_t node) const;
  uint32_t subtree_depth(uint32_t node) const;
  uint32_t subtree_leaves(uint32_t node) const;

  uint32_t steps_ = 0, features_ = 0;
  double base_margin_ = 0.0, bias_ = 0.0;
  uint32_t max_depth_ = 0;
  std::vector<uint32_t> first_node_;  // [trees + 1]
  std::vector<TreeNode> nodes_;
  std::vector<float> covers_;         // TreeSHAP's weights, apart: forward() never reads them
  std::vector<uint32_t> tree_depth_, tree_leaves_;
  std::vector<double> tree_mean_;
};

}  // namespace fraudscore
