#include "families/gbdt/tree_ensemble.h"

#include <algorithm>
#include <utility>

namespace fraudscore {

TreeEnsemble::TreeEnsemble(uint32_t steps, uint32_t features, double base_margin, std::vector<uint32_t> first_node,
                           std::vector<TreeNode> nodes, std::vector<float> covers)
    : steps_(steps),
      features_(features),
      base_margin_(base_margin),
      first_node_(std::move(first_node)),
      nodes_(std::move(nodes)),
      covers_(std::move(covers)) {
  const uint32_t trees = tree_count();
  tree_depth_.resize(trees);
  tree_leaves_.resize(trees);
  tree_mean_.resize(trees);
  bias_ = base_margin_;
  // Recursion is bounded: validated trees are at most kGbdtMaxDepth deep.
  for (uint32_t k = 0; k < trees; ++k) {
    tree_depth_[k] = subtree_depth(root(k));
    tree_leaves_[k] = subtree_leaves(root(k));
    tree_mean_[k] = subtree_mean(root(k));
    max_depth_ = std::max(max_depth_, tree_depth_[k]);
    bias_ += tree_mean_[k];
  }
}

double TreeEnsemble::subtree_mean(uint32_t index) const {
  const TreeNode& n = nodes_[index];
  if (is_leaf(n)) return n.threshold;
  const double left = cover(n.left) * subtree_mean(n.left);
  const double right = cover(n.right) * subtree_mean(n.right);
  return (left + right) / cover(index);
}

uint32_t TreeEnsemble::subtree_depth(uint32_t index) const {
  const TreeNode& n = nodes_[index];
  return is_leaf(n) ? 0 : 1 + std::max(subtree_depth(n.left), subtree_depth(n.right));
}

uint32_t TreeEnsemble::subtree_leaves(uint32_t index) const {
  const TreeNode& n = nodes_[index];
  return is_leaf(n) ? 1 : subtree_leaves(n.left) + subtree_leaves(n.right);
}

uint32_t TreeEnsemble::leaf_of(uint32_t tree, const float* x, uint32_t first_present) const {
  uint32_t index = root(tree);
  while (!is_leaf(nodes_[index])) index = static_cast<uint32_t>(hot_child(nodes_[index], x, first_present));
  return index;
}

double TreeEnsemble::margin(const float* window, uint32_t valid_steps) const {
  const uint32_t first_present = first_present_input(valid_steps);
  double sum = base_margin_;
  for (uint32_t k = 0; k < tree_count(); ++k) sum += nodes_[leaf_of(k, window, first_present)].threshold;
  return sum;
}

// Window-major: each window walks every tree with its sum in a register. The
// nodes are 16 bytes, so an on-device ensemble (a few thousand nodes) stays
// in L1/L2 either way, and walking tree-major instead (each tree over the
// whole batch) measured 2-3x slower: every step reloads and stores a sum.
void TreeEnsemble::margins(const float* windows, const uint32_t* valid_steps, size_t batch, double* out) const {
  const size_t window_size = size_t{steps_} * features_;
  for (size_t b = 0; b < batch; ++b) out[b] = margin(windows + b * window_size, valid_steps[b]);
}

}  // namespace fraudscore
