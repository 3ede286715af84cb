#include "families/gbdt/tree_shap.h"

#include <algorithm>
#include <new>

namespace fraudscore {

namespace {

// One feature (input) on the path from the root, the paper's m_i.
struct PathElement {
  double zero_fraction;  // the share of cover that reaches here when the input is unknown
  double one_fraction;   // 1 if the window's own value follows the path at this input's splits, else 0
  double weight;         // the paper's w: the weight of the subsets of this size
  int32_t input;         // -1: the root's placeholder, which is never attributed
};
static_assert(sizeof(PathElement) % sizeof(double) == 0, "path elements tile a double array");

// Level L of the recursion (the root's is 0) holds at most L + 1 elements,
// after those of the levels above it: (D + 1)(D + 2) / 2 for a tree D deep.
size_t path_elements(uint32_t depth) { return (size_t{depth} + 1) * (depth + 2) / 2; }

// Start the path elements' lifetimes in the caller's doubles (no code is
// generated: the type is trivial), so no object is read through a wrong type.
PathElement* paths_at(double* scratch, size_t count) {
  PathElement* first = reinterpret_cast<PathElement*>(scratch);
  for (size_t i = 0; i < count; ++i) new (first + i) PathElement;
  return first;
}

// The paper's EXTEND: add element `unique_depth` and fold its fractions into
// the weights of the subset sizes (a subset grows by it with one_fraction, or
// leaves it out with zero_fraction).
void extend(PathElement* path, uint32_t unique_depth, double zero_fraction, double one_fraction, int32_t input) {
  path[unique_depth] = {zero_fraction, one_fraction, unique_depth == 0 ? 1.0 : 0.0, input};
  const double size = unique_depth + 1.0;
  for (uint32_t i = unique_depth; i-- > 0;) {
    path[i + 1].weight += one_fraction * path[i].weight * (i + 1) / size;
    path[i].weight = zero_fraction * path[i].weight * (unique_depth - i) / size;
  }
}

// The paper's UNWIND: undo EXTEND of element `index` (then remove it), solving
// its recurrence from the top when one_fraction != 0, else from each weight.
void unwind(PathElement* path, uint32_t unique_depth, uint32_t index) {
  const double one = path[index].one_fraction, zero = path[index].zero_fraction;
  const double size = unique_depth + 1.0;
  double above = path[unique_depth].weight;
  for (uint32_t i = unique_depth; i-- > 0;) {
    if (one != 0) {
      const double extended = path[i].weight;
      path[i].weight = above * size / ((i + 1) * one);
      above = extended - path[i].weight * zero * (unique_depth - i) / size;
    } else {
      path[i].weight = path[i].weight * size / (zero * (unique_depth - i));
    }
  }
  for (uint32_t i = index; i < unique_depth; ++i) {
    path[i].zero_fraction = path[i + 1].zero_fraction;
    path[i].one_fraction = path[i + 1].one_fraction;
    path[i].input = path[i + 1].input;
  }
}

// The sum of the weights UNWIND of element `index` would leave, without changing the path.
double unwound_weight_sum(const PathElement* path, uint32_t unique_depth, uint32_t index) {
  const double one = path[index].one_fraction, zero = path[index].zero_fraction;
  const double size = unique_depth + 1.0;
  double above = path[unique_depth].weight, total = 0;
  for (uint32_t i = unique_depth; i-- > 0;) {
    if (one != 0) {
      const double weight = above * size / ((i + 1) * one);
      total += weight;
      above = path[i].weight - weight * zero * (unique_depth - i) / size;
    } else {
      total += path[i].weight * size / (zero * (unique_depth - i));
    }
  }
  return total;
}

struct ShapWalk {
  const TreeEnsemble& ensemble;
  const float* x;
  uint32_t first_present;
  double* phi;
};

void recurse(const ShapWalk& walk, uint32_t node, PathElement* path, uint32_t unique_depth, double zero_fraction,
             double one_fraction, int32_t input);

// Follow `child` with a copy of the path (the sibling needs this level's intact).
void descend(const ShapWalk& walk, int32_t child, PathElement* path, uint32_t unique_depth, double zero_fraction,
             double one_fraction, int32_t input) {
  // Both fractions 0 (a cold child without cover) zero every weight below:
  // the branch adds nothing, and unwinding it would divide 0 by 0.
  if (zero_fraction == 0 && one_fraction == 0) return;
  PathElement* child_path = path + unique_depth + 1;
  std::copy(path, path + unique_depth + 1, child_path);
  recurse(walk, static_cast<uint32_t>(child), child_path, unique_depth + 1, zero_fraction, one_fraction, input);
}

// Each input on the path to a leaf gets the leaf's value times the difference
// its own value makes (one - zero fraction), weighted over the subsets of the others.
void attribute_leaf(const ShapWalk& walk, const PathElement* path, uint32_t unique_depth, double value) {
  for (uint32_t i = 1; i <= unique_depth; ++i) {
    const PathElement& e = path[i];
    walk.phi[e.input] += unwound_weight_sum(path, unique_depth, i) * (e.one_fraction - e.zero_fraction) * value;
  }
}

// path[0 .. unique_depth - 1]: the path down to `node`'s parent, owned by this level.
void recurse(const ShapWalk& walk, uint32_t node, PathElement* path, uint32_t unique_depth, double zero_fraction,
             double one_fraction, int32_t input) {
  extend(path, unique_depth, zero_fraction, one_fraction, input);
  const TreeNode& n = walk.ensemble.node(node);
  if (is_leaf(n)) return attribute_leaf(walk, path, unique_depth, n.threshold);

  const int32_t hot = hot_child(n, walk.x, walk.first_present);
  const int32_t cold = hot == n.left ? n.right : n.left;
  const int32_t split_input = static_cast<int32_t>(n.split & kInputMask);
  // An input split on again further down: its fractions multiply, so its
  // earlier element is taken off the path and its fractions carried down.
  double zero_before = 1, one_before = 1;
  for (uint32_t k = 1; k <= unique_depth; ++k) {
    if (path[k].input != split_input) continue;
    zero_before = path[k].zero_fraction;
    one_before = path[k].one_fraction;
    unwind(path, unique_depth, k);
    --unique_depth;
    break;
  }
  const double cover = walk.ensemble.cover(node);
  descend(walk, hot, path, unique_depth, zero_before * walk.ensemble.cover(hot) / cover, one_before, split_input);
  descend(walk, cold, path, unique_depth, zero_before * walk.ensemble.cover(cold) / cover, 0.0, split_input);
}

}  // namespace

size_t tree_shap_scratch_doubles(const TreeEnsemble& ensemble) {
  return path_elements(ensemble.max_depth()) * (sizeof(PathElement) / sizeof(double));
}

void tree_shap(const TreeEnsemble& ensemble, const float* window, uint32_t valid_steps, double* scratch, double* phi) {
  std::fill(phi, phi + ensemble.input_count(), 0.0);
  PathElement* path = paths_at(scratch, path_elements(ensemble.max_depth()));
  const ShapWalk walk{ensemble, window, ensemble.first_present_input(valid_steps), phi};
  for (uint32_t k = 0; k < ensemble.tree_count(); ++k) recurse(walk, ensemble.root(k), path, 0, 1.0, 1.0, -1);
}

}  // namespace fraudscore
