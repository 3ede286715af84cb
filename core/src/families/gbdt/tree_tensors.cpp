#include "families/gbdt/tree_tensors.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <utility>

#include "networks/tensor_check.h"

namespace fraudscore {

std::vector<std::pair<std::string, std::vector<uint32_t>>> gbdt_tensor_shapes(const GbdtDims& dims, uint32_t nodes) {
  return {
      {"trees.first_node", {dims.trees + 1}},
      {"trees.left", {nodes}},
      {"trees.right", {nodes}},
      {"trees.feature", {nodes}},
      {"trees.default_left", {nodes}},
      {"trees.threshold", {nodes}},
      {"trees.value", {nodes}},
      {"trees.cover", {nodes}},
  };
}

namespace {

constexpr uint8_t kUnreached = 0xff;  // depths are <= kGbdtMaxDepth

// The node tensors, read in place (checked by expect_tensor).
struct NodeTensors {
  const int32_t *first_node, *left, *right, *feature, *default_left;
  const float *threshold, *value, *cover;
};

Status check_config(const GbdtDims& d) {
  if (d.steps == 0 || d.features == 0)
    return Status::error(FS_ERR_SHAPE, "gbdt needs a window of at least 1 step and 1 feature (has %u x %u)", d.steps,
                         d.features);
  // Input indices share a 32-bit word with the default direction.
  if (uint64_t{d.steps} * d.features > kInputMask)
    return Status::error(FS_ERR_UNSUPPORTED, "gbdt window of %u x %u inputs is too large", d.steps, d.features);
  if (d.trees == 0) return Status::error(FS_ERR_SHAPE, "gbdt GbdtConfig.trees is 0; a model needs a tree");
  if (d.trees > kGbdtMaxTrees)
    return Status::error(FS_ERR_UNSUPPORTED, "gbdt GbdtConfig.trees %u is over this build's limit of %u", d.trees,
                         kGbdtMaxTrees);
  if (d.max_depth > kGbdtMaxDepth)
    return Status::error(FS_ERR_UNSUPPORTED, "gbdt GbdtConfig.max_depth %u is over this build's limit of %u",
                         d.max_depth, kGbdtMaxDepth);
  if (!std::isfinite(d.base_margin)) return Status::error(FS_ERR_VALUE, "gbdt GbdtConfig.base_margin is not finite");
  return Status::ok();
}

// N, from trees.left's leading dimension (expect_tensor then checks the rest).
uint32_t node_count_of(const std::vector<TensorView>& tensors) {
  const TensorView* t = find_tensor(tensors, "trees.left");
  return t && !t->shape.empty() ? t->shape[0] : 0;
}

Status read_node_tensors(const GbdtDims& dims, const std::vector<TensorView>& tensors, uint32_t nodes,
                         NodeTensors* out) {
  const TensorView* t[8] = {};
  const auto shapes = gbdt_tensor_shapes(dims, nodes);
  for (size_t i = 0; i < shapes.size(); ++i) {
    const TensorDtype dtype = i < 5 ? TensorDtype::Int32 : TensorDtype::Float32;
    FS_RETURN_IF_ERROR(expect_tensor(tensors, "gbdt", shapes[i].first, shapes[i].second, dtype, &t[i]));
  }
  *out = {t[0]->i32, t[1]->i32, t[2]->i32, t[3]->i32, t[4]->i32, t[5]->data, t[6]->data, t[7]->data};
  return Status::ok();
}

// Tree k's nodes are first_node[k] .. first_node[k + 1] - 1: at least one each,
// covering the node tensors exactly.
Status check_first_node(const int32_t* first_node, uint32_t trees, uint32_t nodes) {
  if (first_node[0] != 0)
    return Status::error(FS_ERR_SHAPE, "tensor 'trees.first_node' starts at %d; tree 0 starts at node 0",
                         first_node[0]);
  for (uint32_t k = 0; k < trees; ++k)
    if (first_node[k + 1] <= first_node[k])
      return Status::error(FS_ERR_SHAPE,
                           "tensor 'trees.first_node' is not ascending at tree %u (%d, then %d): every tree needs a "
                           "node",
                           k, first_node[k], first_node[k + 1]);
  if (static_cast<uint32_t>(first_node[trees]) != nodes)
    return Status::error(FS_ERR_SHAPE, "tensor 'trees.first_node' ends at %d; the trees hold %u nodes (trees.left)",
                         first_node[trees], nodes);
  return Status::ok();
}

Status check_leaf(const NodeTensors& t, uint32_t tree, uint32_t local, uint32_t node) {
  if (t.feature[node] != -1)
    return Status::error(FS_ERR_SHAPE,
                         "tensor 'trees.feature': tree %u node %u is a leaf but splits on input %d; a leaf holds -1",
                         tree, local, t.feature[node]);
  if (!(t.cover[node] >= 0))
    return Status::error(FS_ERR_VALUE, "tensor 'trees.cover': tree %u leaf %u has cover %g; it must be >= 0", tree,
                         local, static_cast<double>(t.cover[node]));
  return Status::ok();
}

// Children after their parent and inside the tree: walks end, trees are acyclic.
Status check_children(uint32_t tree, uint32_t local, uint32_t size, int32_t left, int32_t right) {
  if ((left < 0) != (right < 0))
    return Status::error(FS_ERR_SHAPE,
                         "tensors 'trees.left'/'trees.right': tree %u node %u has one child (%d, %d); a node has both "
                         "or neither (-1)",
                         tree, local, left, right);
  const std::pair<const char*, int32_t> children[] = {{"trees.left", left}, {"trees.right", right}};
  for (const auto& child : children) {
    if (child.second < 0)
      return Status::error(FS_ERR_SHAPE, "tensor '%s': tree %u node %u has child %d; a leaf has -1 for both",
                           child.first, tree, local, child.second);
    if (static_cast<uint32_t>(child.second) <= local)
      return Status::error(FS_ERR_SHAPE,
                           "tensor '%s': tree %u node %u has child %d, not after it (a cycle: children come after "
                           "their parent)",
                           child.first, tree, local, child.second);
    if (static_cast<uint32_t>(child.second) >= size)
      return Status::error(FS_ERR_SHAPE,
                           "tensor '%s': tree %u node %u has child %d out of range; the tree has %u nodes", child.first,
                           tree, local, child.second, size);
  }
  return Status::ok();
}

Status check_split(const NodeTensors& t, uint32_t tree, uint32_t local, uint32_t node, uint32_t inputs) {
  const int32_t input = t.feature[node];
  if (input < 0 || static_cast<uint32_t>(input) >= inputs)
    return Status::error(FS_ERR_SHAPE,
                         "tensor 'trees.feature': tree %u node %u splits on input %d; the window has %u inputs (steps "
                         "x features)",
                         tree, local, input, inputs);
  if (t.default_left[node] != 0 && t.default_left[node] != 1)
    return Status::error(FS_ERR_VALUE, "tensor 'trees.default_left': tree %u node %u holds %d; it must be 0 or 1", tree,
                         local, t.default_left[node]);
  // TreeSHAP divides by a split's cover.
  if (!(t.cover[node] > 0))
    return Status::error(FS_ERR_VALUE, "tensor 'trees.cover': tree %u node %u is a split with cover %g; it must be > 0",
                         tree, local, static_cast<double>(t.cover[node]));
  return Status::ok();
}

// A split's training rows are its children's: their covers add up to at most
// its own (XGBoost: exactly, up to float rounding). TreeSHAP weighs each branch
// by cover(child) / cover(split), so children covering far more than their
// parent would scale a row's attribution without bound (a file with split
// covers of 1e-38 over leaf covers of 3e38 gave reasons of 1e76).
constexpr double kCoverTolerance = 1e-4;

Status check_child_covers(const NodeTensors& t, uint32_t tree, uint32_t local, uint32_t node, uint32_t first) {
  const double own = t.cover[node];
  const double children = static_cast<double>(t.cover[first + static_cast<uint32_t>(t.left[node])]) +
                          static_cast<double>(t.cover[first + static_cast<uint32_t>(t.right[node])]);
  if (!(children <= own * (1.0 + kCoverTolerance)))
    return Status::error(FS_ERR_VALUE, "tensor 'trees.cover': tree %u node %u's children cover %g, more than its own %g "
                         "(a split's cover is its children's sum)", tree, local, children, own);
  return Status::ok();
}

// Nodes in order: a node's parents all come before it, so when node n is
// reached its depth is known, or it never will be (unreachable).
Status check_tree(const NodeTensors& t, const GbdtDims& dims, uint32_t tree, uint8_t* depth) {
  const uint32_t first = static_cast<uint32_t>(t.first_node[tree]);
  const uint32_t size = static_cast<uint32_t>(t.first_node[tree + 1]) - first;
  std::fill(depth, depth + size, kUnreached);
  depth[0] = 0;
  for (uint32_t n = 0; n < size; ++n) {
    const uint32_t node = first + n;
    if (depth[n] == kUnreached)
      return Status::error(FS_ERR_SHAPE, "tensors 'trees.left'/'trees.right': tree %u node %u is unreachable (no "
                           "node's child)", tree, n);
    const int32_t left = t.left[node], right = t.right[node];
    if (left == -1 && right == -1) {
      FS_RETURN_IF_ERROR(check_leaf(t, tree, n, node));
      continue;
    }
    FS_RETURN_IF_ERROR(check_children(tree, n, size, left, right));
    FS_RETURN_IF_ERROR(check_split(t, tree, n, node, dims.steps * dims.features));
    FS_RETURN_IF_ERROR(check_child_covers(t, tree, n, node, first));
    if (depth[n] + 1u > dims.max_depth)
      return Status::error(FS_ERR_SHAPE, "gbdt tree %u is deeper than GbdtConfig.max_depth %u (node %u's children)",
                           tree, dims.max_depth, n);
    for (const int32_t child : {left, right}) {
      if (depth[child] != kUnreached)
        return Status::error(FS_ERR_SHAPE, "tensors 'trees.left'/'trees.right': tree %u node %d is reached twice", tree,
                             child);
      depth[child] = static_cast<uint8_t>(depth[n] + 1);
    }
  }
  return Status::ok();
}

Status check_trees(const NodeTensors& t, const GbdtDims& dims) {
  uint32_t largest = 0;
  for (uint32_t k = 0; k < dims.trees; ++k)
    largest = std::max(largest, static_cast<uint32_t>(t.first_node[k + 1] - t.first_node[k]));
  std::vector<uint8_t> depth;
  try {
    depth.resize(largest);
  } catch (const std::bad_alloc&) {
    return Status::error(FS_ERR_NO_MEMORY, "out of memory checking a gbdt tree of %u nodes", largest);
  }
  for (uint32_t k = 0; k < dims.trees; ++k) FS_RETURN_IF_ERROR(check_tree(t, dims, k, depth.data()));
  return Status::ok();
}

TreeNode pack_node(const NodeTensors& t, uint32_t first, uint32_t node) {
  if (t.left[node] < 0) return {0, t.value[node], -1, -1};
  const uint32_t split = static_cast<uint32_t>(t.feature[node]) | (t.default_left[node] ? kDefaultLeft : 0);
  return {split, t.threshold[node], static_cast<int32_t>(first) + t.left[node],
          static_cast<int32_t>(first) + t.right[node]};
}

Status pack(const NodeTensors& t, const GbdtDims& dims, uint32_t nodes, TreeEnsemble* out) {
  try {
    std::vector<uint32_t> first_node(t.first_node, t.first_node + dims.trees + 1);
    std::vector<TreeNode> packed(nodes);
    for (uint32_t k = 0; k < dims.trees; ++k)
      for (uint32_t node = first_node[k]; node < first_node[k + 1]; ++node)
        packed[node] = pack_node(t, first_node[k], node);
    *out = TreeEnsemble(dims.steps, dims.features, dims.base_margin, std::move(first_node), std::move(packed),
                        std::vector<float>(t.cover, t.cover + nodes));
  } catch (const std::bad_alloc&) {
    return Status::error(FS_ERR_NO_MEMORY, "out of memory for a gbdt model of %u nodes", nodes);
  }
  return Status::ok();
}

}  // namespace

Status read_tree_ensemble(const GbdtDims& dims, const std::vector<TensorView>& tensors, TreeEnsemble* out) {
  FS_RETURN_IF_ERROR(check_config(dims));
  const uint32_t nodes = node_count_of(tensors);
  if (nodes > kGbdtMaxNodes)
    return Status::error(FS_ERR_UNSUPPORTED, "tensor 'trees.left' holds %u gbdt nodes; this build reads at most %u",
                         nodes, kGbdtMaxNodes);
  NodeTensors t{};
  FS_RETURN_IF_ERROR(read_node_tensors(dims, tensors, nodes, &t));
  FS_RETURN_IF_ERROR(check_first_node(t.first_node, dims.trees, nodes));
  FS_RETURN_IF_ERROR(check_trees(t, dims));
  return pack(t, dims, nodes, out);
}

}  // namespace fraudscore
