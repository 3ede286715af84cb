#include "gbdt_trees.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "model_builder.h"

namespace fraudscore_fuzz {
namespace {

constexpr int32_t kIntMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kIntMax = std::numeric_limits<int32_t>::max();
constexpr float kFloatNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kFloatInf = std::numeric_limits<float>::infinity();
constexpr float kFloatMax = std::numeric_limits<float>::max();
constexpr float kFloatDenormal = std::numeric_limits<float>::denorm_min();

const char* const kIntTensors[] = {"trees.first_node", "trees.left", "trees.right", "trees.feature",
                                   "trees.default_left"};
const char* const kFloatTensors[] = {"trees.threshold", "trees.value", "trees.cover"};

template <typename T>
T pick(std::mt19937& rng, std::initializer_list<T> values) {
  return *(values.begin() + rng() % values.size());
}

size_t below(std::mt19937& rng, size_t n) { return n ? rng() % n : 0; }

float uniform(std::mt19937& rng, float lo, float hi) {
  return lo + (hi - lo) * static_cast<float>(static_cast<double>(rng()) / 4294967296.0);
}

bool is_gbdt_tensor(const std::string& name) {
  for (const char* n : kIntTensors)
    if (name == n) return true;
  for (const char* n : kFloatTensors)
    if (name == n) return true;
  return false;
}

fb::TensorT* find(fb::ModelT& m, const char* name) {
  for (auto& t : m.body->tensors)
    if (t->name == name) return t.get();
  return nullptr;
}

const fb::TensorT* find(const fb::ModelT& m, const char* name) {
  for (const auto& t : m.body->tensors)
    if (t->name == name) return t.get();
  return nullptr;
}

uint32_t window_inputs(const fb::ModelT& m) {
  const uint64_t n = uint64_t{m.body->spec->window ? m.body->spec->window->length : 0u} * m.body->spec->features.size();
  return n > 0x7fffffffu ? 0x7fffffffu : static_cast<uint32_t>(n);
}

size_t forest_values(const std::vector<GbdtTree>& forest) {
  size_t nodes = 0;
  for (const GbdtTree& t : forest) nodes += t.size();
  return forest.size() + 1 + 7 * nodes;
}

// Grows a random tree in preorder (children after their parent) with
// XGBoost-like covers: a split's cover is its children's sum; some leaves get
// none (a branch TreeSHAP skips). `budget`: nodes that may still be added.
struct Grower {
  std::mt19937& rng;
  uint32_t inputs, max_depth;
  size_t& budget;

  int32_t grow(GbdtTree& tree, uint32_t depth) {
    const int32_t index = static_cast<int32_t>(tree.size());
    tree.emplace_back();
    if (inputs == 0 || depth >= max_depth || budget < 2 || (depth > 0 && rng() % 10 < 3)) {
      const float cover = rng() % 8 == 0 ? 0.0f : uniform(rng, 0.5f, 10.0f);
      tree[static_cast<size_t>(index)] = gbdt_leaf(uniform(rng, -1.0f, 1.0f), cover);
      return index;
    }
    budget -= 2;
    const int32_t input = static_cast<int32_t>(below(rng, inputs));
    const float threshold = uniform(rng, -2.0f, 2.0f);
    const bool default_left = rng() % 2 == 0;
    const int32_t left = grow(tree, depth + 1), right = grow(tree, depth + 1);
    const float cover = tree[static_cast<size_t>(left)].cover + tree[static_cast<size_t>(right)].cover;
    tree[static_cast<size_t>(index)] = gbdt_split(input, threshold, default_left, left, right, cover > 0 ? cover : 1.0f);
    return index;
  }
};

// A chain `depth` splits deep (2 * depth + 1 nodes): each split's left child a
// leaf, its right child the next split. Every split on `input` if >= 0 (the
// same input all the way down: TreeSHAP unwinds it at each level), else random.
GbdtTree chain_tree(std::mt19937& rng, uint32_t depth, uint32_t inputs, int32_t input) {
  GbdtTree tree;
  for (uint32_t d = 0; d < depth; ++d) {
    const int32_t at = static_cast<int32_t>(tree.size());
    const int32_t split_input = input >= 0 ? input : static_cast<int32_t>(below(rng, inputs ? inputs : 1));
    tree.push_back(gbdt_split(split_input, uniform(rng, -2.0f, 2.0f), rng() % 2 == 0, at + 1, at + 2,
                              static_cast<float>(depth - d + 1)));
    tree.push_back(gbdt_leaf(uniform(rng, -1.0f, 1.0f), 1.0f));
  }
  tree.push_back(gbdt_leaf(uniform(rng, -1.0f, 1.0f), 1.0f));
  return tree;
}

// Internal nodes of a tree (as read: left >= 0).
std::vector<size_t> splits_of(const GbdtTree& tree) {
  std::vector<size_t> out;
  for (size_t i = 0; i < tree.size(); ++i)
    if (tree[i].left >= 0 || tree[i].right >= 0) out.push_back(i);
  return out;
}

// A split of the tree: an existing one, or the root made one over two new leaves.
size_t some_split(std::mt19937& rng, GbdtTree& tree, uint32_t inputs) {
  const std::vector<size_t> splits = splits_of(tree);
  if (!splits.empty()) return splits[below(rng, splits.size())];
  const int32_t n = static_cast<int32_t>(tree.size());
  tree[0] = gbdt_split(static_cast<int32_t>(below(rng, inputs ? inputs : 1)), 0.0f, rng() % 2 == 0, n, n + 1, 2.0f);
  tree.push_back(gbdt_leaf(-0.5f, 1.0f));
  tree.push_back(gbdt_leaf(0.5f, 1.0f));
  return 0;
}

int32_t interesting_i32(std::mt19937& rng, int32_t nodes, int32_t inputs) {
  return pick<int32_t>(rng, {-1, 0, 1, 2, -2, nodes, nodes + 1, nodes - 1, inputs, inputs + 1, 255, 256, 65535, 65536,
                             0x40000000, kIntMax, kIntMin, kIntMin + 1});
}

float interesting_f32(std::mt19937& rng) {
  if (rng() % 3 == 0) return static_cast<float>(interesting_double(rng));  // float overflow gives inf: fine
  return pick<float>(rng, {kFloatNaN, -kFloatNaN, kFloatInf, -kFloatInf, kFloatMax, -kFloatMax, kFloatDenormal,
                           -kFloatDenormal, 0.0f, -0.0f, 1e-38f, 1e38f, -1.0f, 1.0f});
}

// A value of `from` as int32, without undefined conversions (NaN: 0; saturated).
int32_t to_i32(double x) {
  if (!(x == x)) return 0;
  if (x <= -2147483648.0) return kIntMin;
  if (x >= 2147483647.0) return kIntMax;
  return static_cast<int32_t>(x);
}

// One tensor's storage type changed, its values moved to the new type's vector
// (so the file reaches the family's dtype check rather than the count check).
void change_dtype(fb::TensorT& t, fb::DataType dtype) {
  std::vector<double> values;
  if (!t.i32.empty()) values.assign(t.i32.begin(), t.i32.end());
  else if (!t.f64.empty()) values = t.f64;
  else values.assign(t.f32.begin(), t.f32.end());
  t.i32.clear();
  t.f32.clear();
  t.f64.clear();
  t.dtype = dtype;
  switch (dtype) {
    case fb::DataType::Int32:
      for (double x : values) t.i32.push_back(to_i32(x));
      break;
    case fb::DataType::Float64:
      t.f64 = values;
      break;
    default:
      for (double x : values) t.f32.push_back(static_cast<float>(x));
      break;
  }
}

// Byte-level-like edits for tensors that do not read as a forest: one value.
void flat_edit(fb::ModelT& m, std::mt19937& rng) {
  std::vector<fb::TensorT*> tensors;
  for (auto& t : m.body->tensors)
    if (is_gbdt_tensor(t->name)) tensors.push_back(t.get());
  if (tensors.empty()) return;
  fb::TensorT& t = *tensors[below(rng, tensors.size())];
  const int32_t n = static_cast<int32_t>(t.i32.size() + t.f32.size() + t.f64.size());
  if (!t.i32.empty()) t.i32[below(rng, t.i32.size())] = interesting_i32(rng, n, static_cast<int32_t>(window_inputs(m)));
  else if (!t.f32.empty()) t.f32[below(rng, t.f32.size())] = interesting_f32(rng);
  else if (!t.f64.empty()) t.f64[below(rng, t.f64.size())] = interesting_double(rng);
}

void set_shape_everywhere(fb::ModelT& m, uint32_t n, bool clear) {
  for (auto& t : m.body->tensors) {
    if (!is_gbdt_tensor(t->name) || t->name == "trees.first_node") continue;
    t->shape = {n};
    if (clear) {
      t->i32.clear();
      t->f32.clear();
      t->f64.clear();
    }
  }
}

}  // namespace

std::vector<GbdtTree> tiny_gbdt_forest() {
  // Inputs (step t = 0 oldest .. 2 latest, feature f): t * 8 + f. Features: 0 amount_log, 1 type_index,
  // 2 type_transfer, 3 type_cash_out, 4 balance_gap, 5 amount_ratio, 6 hour_of_day, 7 dest_is_merchant.
  // Covers add up (a split's is its children's sum); tree 3 has a leaf with no cover.
  return {
      // 0: depth 2 on the latest step (never missing).
      {gbdt_split(16, -1.0f, true, 1, 4, 100.0f), gbdt_split(18, 0.5f, false, 2, 3, 60.0f), gbdt_leaf(-0.4f, 45.0f),
       gbdt_leaf(0.6f, 15.0f), gbdt_leaf(0.3f, 40.0f)},
      // 1: depth 3; the older steps (missing while a key's window fills): amount at step 1 (missing goes
      // right), then amount at step 0 twice on one path (missing goes left, then right).
      {gbdt_split(8, -1.5f, false, 1, 4, 100.0f), gbdt_split(20, 0.0f, true, 2, 3, 30.0f), gbdt_leaf(-0.2f, 20.0f),
       gbdt_leaf(0.5f, 10.0f), gbdt_split(0, -1.0f, true, 5, 8, 70.0f), gbdt_split(0, -2.0f, false, 6, 7, 50.0f),
       gbdt_leaf(-0.3f, 35.0f), gbdt_leaf(0.1f, 15.0f), gbdt_leaf(0.8f, 20.0f)},
      // 2: a single leaf (XGBoost keeps a tree whose root could not split).
      {gbdt_leaf(0.05f, 100.0f)},
      // 3: depth 2: merchant destination now, hour of day at step 0 (missing goes right); a zero-cover leaf.
      {gbdt_split(23, 0.5f, true, 1, 2, 100.0f), gbdt_split(6, 0.0f, false, 3, 4, 100.0f), gbdt_leaf(-0.7f, 0.0f),
       gbdt_leaf(0.2f, 55.0f), gbdt_leaf(-0.1f, 45.0f)},
  };
}

void set_gbdt_tensors(fb::ModelT& model, const std::vector<GbdtTree>& forest) {
  auto& tensors = model.body->tensors;
  tensors.erase(std::remove_if(tensors.begin(), tensors.end(),
                               [](const std::unique_ptr<fb::TensorT>& t) { return is_gbdt_tensor(t->name); }),
                tensors.end());
  std::vector<int32_t> first_node{0}, left, right, feature, default_left;
  std::vector<float> threshold, value, cover;
  for (const GbdtTree& tree : forest) {
    for (const GbdtNode& n : tree) {
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
  auto add_int = [&](const char* name, std::vector<int32_t> v) {
    auto t = std::make_unique<fb::TensorT>();
    t->name = name;
    t->shape = {static_cast<uint32_t>(v.size())};
    t->dtype = fb::DataType::Int32;
    t->i32 = std::move(v);
    tensors.push_back(std::move(t));
  };
  auto add_float = [&](const char* name, std::vector<float> v) {
    auto t = std::make_unique<fb::TensorT>();
    t->name = name;
    t->shape = {static_cast<uint32_t>(v.size())};
    t->dtype = fb::DataType::Float32;
    t->f32 = std::move(v);
    tensors.push_back(std::move(t));
  };
  add_int("trees.first_node", std::move(first_node));
  add_int("trees.left", std::move(left));
  add_int("trees.right", std::move(right));
  add_int("trees.feature", std::move(feature));
  add_int("trees.default_left", std::move(default_left));
  add_float("trees.threshold", std::move(threshold));
  add_float("trees.value", std::move(value));
  add_float("trees.cover", std::move(cover));
}

bool get_gbdt_forest(const fb::ModelT& model, std::vector<GbdtTree>* forest) {
  const fb::TensorT* t[8];
  for (size_t i = 0; i < 5; ++i) t[i] = find(model, kIntTensors[i]);
  for (size_t i = 0; i < 3; ++i) t[5 + i] = find(model, kFloatTensors[i]);
  for (const fb::TensorT* x : t)
    if (!x) return false;
  const std::vector<int32_t>& first = t[0]->i32;
  const size_t n = t[1]->i32.size();
  for (size_t i = 1; i < 5; ++i)
    if (t[i]->i32.size() != n) return false;
  for (size_t i = 5; i < 8; ++i)
    if (t[i]->f32.size() != n) return false;
  if (first.size() < 2 || first[0] != 0 || static_cast<size_t>(first.back()) != n) return false;
  for (size_t k = 0; k + 1 < first.size(); ++k)
    if (first[k + 1] <= first[k]) return false;
  forest->assign(first.size() - 1, GbdtTree());
  for (size_t k = 0; k + 1 < first.size(); ++k)
    for (size_t i = static_cast<size_t>(first[k]); i < static_cast<size_t>(first[k + 1]); ++i)
      (*forest)[k].push_back({t[1]->i32[i], t[2]->i32[i], t[3]->i32[i], t[4]->i32[i], t[5]->f32[i], t[6]->f32[i],
                              t[7]->f32[i]});
  return true;
}

bool random_gbdt_forest(std::mt19937& rng, uint32_t trees, uint32_t max_depth, uint32_t inputs, size_t max_values,
                        std::vector<GbdtTree>* forest) {
  if (trees == 0 || uint64_t{trees} * 8 + 1 > max_values) return false;
  // Nodes beyond one leaf a tree, within the values allowed and a few hundred (the seeds stay small).
  size_t budget = std::min<size_t>((max_values - (size_t{trees} * 8 + 1)) / 7, 400);
  const uint32_t depth = std::min<uint32_t>(max_depth, 1 + static_cast<uint32_t>(below(rng, 5)));
  forest->assign(trees, GbdtTree());
  for (GbdtTree& tree : *forest) Grower{rng, inputs, depth, budget}.grow(tree, 0);
  return true;
}

uint32_t gbdt_tree_depth(const GbdtTree& tree) {
  std::vector<uint32_t> depth(tree.size(), 0);
  uint32_t deepest = 0;
  for (size_t i = 0; i < tree.size(); ++i) {
    deepest = std::max(deepest, depth[i]);
    for (const int32_t child : {tree[i].left, tree[i].right})
      if (child > static_cast<int32_t>(i) && static_cast<size_t>(child) < tree.size())
        depth[static_cast<size_t>(child)] = depth[i] + 1;
  }
  return deepest;
}

void stress_gbdt(fb::ModelT& m, std::mt19937& rng, size_t max_values) {
  fb::GbdtConfigT* config = m.body->architecture.AsGbdtConfig();
  if (!config || max_values < 9) return;
  const uint32_t inputs = window_inputs(m);
  std::vector<GbdtTree> forest;
  if (rng() % 2) {  // single-leaf trees filling the room (tens of thousands)
    forest.assign(std::min<size_t>((max_values - 1) / 8, 70000), GbdtTree{gbdt_leaf(1e-3f, 1.0f)});
  } else {  // chains as deep as allowed (up to 64), as many as fit, on one input or many
    const uint32_t depth = std::min<uint32_t>(std::max<uint16_t>(config->max_depth, 1), 64);
    const size_t per_tree = (2 * size_t{depth} + 1) * 7 + 1;
    const size_t k = std::min<size_t>((max_values - 1) / per_tree, rng() % 2 ? 1 : 2000);
    if (k == 0) return;
    const int32_t input = rng() % 2 ? static_cast<int32_t>(below(rng, inputs ? inputs : 1)) : -1;
    for (size_t i = 0; i < k; ++i) forest.push_back(chain_tree(rng, depth, inputs, input));
    config->max_depth = static_cast<uint16_t>(depth);
  }
  config->trees = static_cast<uint32_t>(forest.size());
  set_gbdt_tensors(m, forest);
}

void mutate_gbdt(fb::ModelT& m, std::mt19937& rng, size_t max_values) {
  fb::GbdtConfigT* config = m.body->architecture.AsGbdtConfig();
  if (!config) return;
  const uint32_t inputs = window_inputs(m);
  std::vector<GbdtTree> forest;
  if (!get_gbdt_forest(m, &forest)) {
    // Tensors an earlier mutation broke: edit them as they are, or start from a valid forest.
    if (rng() % 2) return flat_edit(m, rng);
    if (!random_gbdt_forest(rng, std::max<uint32_t>(1, std::min<uint32_t>(config->trees, 8)), config->max_depth,
                            inputs, max_values, &forest))
      return;
    config->trees = static_cast<uint32_t>(forest.size());
  }
  GbdtTree& tree = forest[below(rng, forest.size())];
  const size_t tree_index = static_cast<size_t>(&tree - forest.data());
  const int32_t size = static_cast<int32_t>(tree.size());
  const int32_t in = static_cast<int32_t>(inputs);
  bool write = true;  // the forest, after the switch
  switch (rng() % 18) {
    case 0: {  // a child out of the tree, negative, or only one child
      GbdtNode& n = tree[some_split(rng, tree, inputs)];
      const int32_t s = static_cast<int32_t>(tree.size());
      (rng() % 2 ? n.left : n.right) = pick<int32_t>(rng, {s, s + 1, s + static_cast<int32_t>(below(rng, 100)), kIntMax,
                                                           -1, -2, kIntMin, 65536});
      break;
    }
    case 1: {  // a cycle: a child that is the node itself or before it (an ancestor, the root)
      const size_t at = some_split(rng, tree, inputs);
      (rng() % 2 ? tree[at].left : tree[at].right) =
          rng() % 3 == 0 ? static_cast<int32_t>(at) : static_cast<int32_t>(below(rng, at + 1));
      break;
    }
    case 2: {  // a node reached twice: both children the same, or another split's child taken
      const size_t at = some_split(rng, tree, inputs);
      GbdtNode& n = tree[at];
      std::vector<int32_t> taken;  // children of other splits that come after `at`
      for (size_t i = 0; i < tree.size(); ++i)
        if (i != at)
          for (const int32_t c : {tree[i].left, tree[i].right})
            if (c > static_cast<int32_t>(at)) taken.push_back(c);
      const int32_t child = taken.empty() || rng() % 3 == 0 ? n.left : taken[below(rng, taken.size())];
      (rng() % 2 ? n.left : n.right) = child;
      if (n.left == n.right && rng() % 2) n.right = child;  // keep both the same
      break;
    }
    case 3: {  // unreachable nodes: a split made a leaf (its subtree orphaned), or a new node no one points at
      const std::vector<size_t> splits = splits_of(tree);
      if (!splits.empty() && rng() % 2) {
        GbdtNode& n = tree[splits[below(rng, splits.size())]];
        n = gbdt_leaf(0.25f, n.cover);
      } else {
        tree.push_back(rng() % 2 ? gbdt_leaf(0.5f, 1.0f) : gbdt_split(0, 0.0f, true, size + 1, size + 2, 2.0f));
        if (tree.back().left >= 0) {
          tree.push_back(gbdt_leaf(-0.5f, 1.0f));
          tree.push_back(gbdt_leaf(0.5f, 1.0f));
        }
      }
      break;
    }
    case 4: {  // an input out of the window or negative at a split; a leaf that splits
      if (rng() % 4 == 0) {
        GbdtNode& n = tree[below(rng, tree.size())];
        if (n.left < 0) n.feature = pick<int32_t>(rng, {0, in - 1, in, -2, kIntMax});
        break;
      }
      tree[some_split(rng, tree, inputs)].feature =
          pick<int32_t>(rng, {in, in + 1, in + static_cast<int32_t>(below(rng, 1000)), -1, -2, kIntMin, kIntMax,
                              0x7fffffff - 1, 0x40000000});
      break;
    }
    case 5:  // a default direction other than 0/1 (256: the low byte is 0)
      tree[some_split(rng, tree, inputs)].default_left = pick<int32_t>(rng, {2, -1, 255, 256, 0x100, kIntMin, kIntMax});
      break;
    case 6: {  // first_node: not from 0, not ascending, not ending at N (written, then edited in place)
      set_gbdt_tensors(m, forest);
      write = false;
      std::vector<int32_t>& first = find(m, "trees.first_node")->i32;
      const size_t k = below(rng, first.size());
      const int32_t nodes = first.back();
      switch (rng() % 6) {
        case 0: first[0] = pick<int32_t>(rng, {1, -1, kIntMin, nodes}); break;
        case 1:
          if (first.size() > 2) std::swap(first[1 + below(rng, first.size() - 2)], first[first.size() - 1]);
          else first[1] = -first[1];
          break;
        case 2: if (k > 0) first[k] = first[k - 1]; break;  // an empty tree
        case 3: first.back() = pick<int32_t>(rng, {nodes + 1, nodes - 1, kIntMax, -1}); break;
        case 4: first[k] = pick<int32_t>(rng, {kIntMin, kIntMax, -1, nodes + 1, nodes / 2}); break;
        default:  // descending everywhere after the first entry
          std::reverse(first.begin() + 1, first.end());
          break;
      }
      break;
    }
    case 7: {  // GbdtConfig disagreeing with the tensors
      uint32_t deepest = 0;
      for (const GbdtTree& t : forest) deepest = std::max(deepest, gbdt_tree_depth(t));
      const uint32_t k = static_cast<uint32_t>(forest.size());
      switch (rng() % 3) {
        case 0:
          config->trees = pick<uint32_t>(rng, {k + 1, k - 1, 0u, 65536u, 65537u, 0x80000000u, 0xffffffffu});
          break;
        case 1:
          config->max_depth = pick<uint16_t>(rng, {0, static_cast<uint16_t>(deepest ? deepest - 1 : 0),
                                                   static_cast<uint16_t>(deepest + 1), 63, 64, 65, 255, 65535});
          break;
        default: config->base_margin = interesting_double(rng); break;
      }
      write = false;
      break;
    }
    case 8: {  // covers: zero, negative, NaN or infinite at a split; negative or NaN at a leaf
      GbdtNode& n = tree[below(rng, tree.size())];
      n.cover = n.left >= 0 ? pick<float>(rng, {0.0f, -0.0f, -1.0f, kFloatNaN, kFloatInf, -kFloatInf, kFloatDenormal})
                            : pick<float>(rng, {-1.0f, -kFloatDenormal, kFloatNaN, kFloatInf, -kFloatInf, 0.0f, -0.0f});
      break;
    }
    case 9: {  // valid but extreme covers: children far heavier or lighter than their parent (TreeSHAP's ratios)
      const size_t at = some_split(rng, tree, inputs);
      tree[at].cover = pick<float>(rng, {kFloatDenormal, 1e-38f, kFloatMax});
      for (const int32_t c : {tree[at].left, tree[at].right})
        if (c >= 0 && c < static_cast<int32_t>(tree.size()))
          tree[static_cast<size_t>(c)].cover = pick<float>(rng, {kFloatMax, 1e38f, kFloatDenormal, 0.0f});
      if (rng() % 2)  // every split of every tree
        for (GbdtTree& t : forest)
          for (GbdtNode& n : t) n.cover = n.left >= 0 ? kFloatDenormal : kFloatMax;
      break;
    }
    case 10: {  // thresholds and leaf values: NaN, infinite, the largest floats (a margin over float range)
      if (rng() % 3 == 0) {
        const float v = pick<float>(rng, {kFloatMax, -kFloatMax, 1e38f});
        for (GbdtTree& t : forest)
          for (GbdtNode& n : t) n.value = v;
        break;
      }
      GbdtNode& n = tree[below(rng, tree.size())];
      (rng() % 2 ? n.threshold : n.value) = interesting_f32(rng);
      break;
    }
    case 11: {  // a chain tree max_depth + 1 deep (refused), or exactly max_depth (<= 64) deep, on one input
      const uint32_t depth = std::min<uint32_t>(config->max_depth, 70) + (rng() % 2 ? 1 : 0);
      if (size_t{depth} * 2 * 7 + forest_values(forest) > max_values) return;
      forest.push_back(chain_tree(rng, depth, inputs, rng() % 2 ? static_cast<int32_t>(below(rng, inputs ? inputs : 1)) : -1));
      config->trees = static_cast<uint32_t>(forest.size());
      break;
    }
    case 12: {  // a huge node count: shapes no data backs, or as many small trees as fit
      write = false;
      const uint32_t huge = pick<uint32_t>(rng, {1u << 22, (1u << 22) + 1, 1u << 29, 0x80000000u, 0xffffffffu});
      switch (rng() % 4) {
        case 0:
          set_gbdt_tensors(m, forest);
          find(m, "trees.left")->shape = {huge};
          break;
        case 1:
          set_gbdt_tensors(m, forest);
          set_shape_everywhere(m, huge, rng() % 2 == 0);
          break;
        default:
          stress_gbdt(m, rng, max_values);
          break;
      }
      break;
    }
    case 13: {  // global node indices where tree-local ones belong (a writer's likely mistake)
      int32_t offset = 0;
      for (size_t k = 0; k < tree_index; ++k) offset += static_cast<int32_t>(forest[k].size());
      if (offset == 0) offset = size;
      const bool all = rng() % 2 == 0;
      for (GbdtNode& n : tree)
        if (n.left >= 0 && n.left < size && n.right >= 0 && n.right < size && (all || rng() % 2)) {
          n.left += offset;
          n.right += offset;
        }
      break;
    }
    case 14: {  // trees removed, added or reordered without GbdtConfig.trees following
      if (rng() % 3 == 0 && forest.size() > 1) {
        forest.erase(forest.begin() + static_cast<std::ptrdiff_t>(below(rng, forest.size())));
      } else if (rng() % 2) {
        forest.push_back(forest[below(rng, forest.size())]);
      } else {
        std::swap(forest[0], forest[below(rng, forest.size())]);
      }
      if (rng() % 2) config->trees = static_cast<uint32_t>(forest.size());
      break;
    }
    case 15: {  // a trees.* tensor stored as another type (values moved): Int32 as Float32/Float64 and back
      set_gbdt_tensors(m, forest);
      write = false;
      const bool structure = rng() % 3 != 0;
      fb::TensorT* t = find(m, structure ? kIntTensors[below(rng, 5)] : kFloatTensors[below(rng, 3)]);
      change_dtype(*t, structure ? (rng() % 2 ? fb::DataType::Float32 : fb::DataType::Float64)
                                 : (rng() % 2 ? fb::DataType::Int32 : fb::DataType::Float64));
      if (rng() % 4 == 0) t->dtype = pick<fb::DataType>(rng, {fb::DataType::Float16, fb::DataType::Int8,
                                                               static_cast<fb::DataType>(5 + below(rng, 250))});
      break;
    }
    case 16: {  // a leaf with one child, or a split whose children are -1 but which names an input
      GbdtNode& n = tree[below(rng, tree.size())];
      if (n.left < 0) {
        (rng() % 2 ? n.right : n.left) = size > 1 ? size - 1 : 1;
      } else {
        n.left = n.right = -1;  // feature kept: a leaf that splits
      }
      break;
    }
    default: {  // a fresh valid forest for the architecture (after window/feature/config changes)
      std::vector<GbdtTree> fresh;
      if (random_gbdt_forest(rng, std::max<uint32_t>(1, std::min<uint32_t>(config->trees, 64)), config->max_depth,
                             inputs, max_values, &fresh)) {
        forest = std::move(fresh);
        config->trees = static_cast<uint32_t>(forest.size());
      }
      break;
    }
  }
  if (write && forest_values(forest) <= max_values) set_gbdt_tensors(m, forest);
}

}  // namespace fraudscore_fuzz
