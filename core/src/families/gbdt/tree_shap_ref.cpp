#include "families/gbdt/tree_shap_ref.h"

#include <algorithm>
#include <bitset>
#include <limits>

namespace fraudscore {

namespace {

// The distinct inputs one tree splits on; subsets of them are bit masks.
struct TreeInputs {
  int32_t input[kTreeShapRefMaxInputs];
  uint32_t count = 0;
  bool too_many = false;

  uint32_t bit(int32_t value) const {
    for (uint32_t i = 0; i < count; ++i)
      if (input[i] == value) return 1u << i;
    return 0;
  }
};

TreeInputs inputs_of_tree(const TreeEnsemble& ensemble, uint32_t tree) {
  TreeInputs used;
  for (uint32_t node = ensemble.root(tree); node < ensemble.root(tree) + ensemble.tree_size(tree); ++node) {
    const TreeNode& n = ensemble.node(node);
    const int32_t input = static_cast<int32_t>(n.split & kInputMask);
    if (is_leaf(n) || used.bit(input)) continue;
    if (used.count == kTreeShapRefMaxInputs) {
      used.too_many = true;
      break;
    }
    used.input[used.count++] = input;
  }
  return used;
}

struct Expectation {
  const TreeEnsemble& ensemble;
  const TreeInputs& used;
  const float* x;
  uint32_t first_present;

  // E[subtree(x) | the inputs of `known` are x's], Algorithm 1.
  double operator()(uint32_t node, uint32_t known) const {
    const TreeNode& n = ensemble.node(node);
    if (is_leaf(n)) return n.threshold;
    if (known & used.bit(static_cast<int32_t>(n.split & kInputMask)))
      return (*this)(static_cast<uint32_t>(hot_child(n, x, first_present)), known);
    const double left = ensemble.cover(n.left) * (*this)(n.left, known);
    const double right = ensemble.cover(n.right) * (*this)(n.right, known);
    return (left + right) / ensemble.cover(node);
  }
};

double factorial(uint32_t n) {
  double f = 1;
  for (uint32_t i = 2; i <= n; ++i) f *= i;
  return f;
}

// Adds the tree's exact Shapley values to phi.
void add_tree_shapley(const Expectation& expectation, uint32_t root, double* phi) {
  const uint32_t m = expectation.used.count;
  for (uint32_t i = 0; i < m; ++i) {
    const uint32_t with_i = 1u << i;
    double sum = 0;
    for (uint32_t subset = 0; subset < (1u << m); ++subset) {
      if (subset & with_i) continue;
      const uint32_t size = static_cast<uint32_t>(std::bitset<32>(subset).count());
      const double weight = factorial(size) * factorial(m - size - 1) / factorial(m);
      sum += weight * (expectation(root, subset | with_i) - expectation(root, subset));
    }
    phi[expectation.used.input[i]] += sum;
  }
}

}  // namespace

void tree_shap_ref(const TreeEnsemble& ensemble, const float* window, uint32_t valid_steps, double* /*scratch*/,
                   double* phi) {
  std::fill(phi, phi + ensemble.input_count(), 0.0);
  const uint32_t first_present = ensemble.first_present_input(valid_steps);
  for (uint32_t k = 0; k < ensemble.tree_count(); ++k) {
    const TreeInputs used = inputs_of_tree(ensemble, k);
    if (used.too_many) {
      std::fill(phi, phi + ensemble.input_count(), std::numeric_limits<double>::quiet_NaN());
      return;
    }
    add_tree_shapley(Expectation{ensemble, used, window, first_present}, ensemble.root(k), phi);
  }
}

}  // namespace fraudscore
