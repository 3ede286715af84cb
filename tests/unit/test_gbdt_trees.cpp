// The gbdt family: margins of hand-built trees (missing inputs, ties),
// TreeSHAP against a brute-force Shapley reference on seeded random
// ensembles, local accuracy, batch against single windows, and the refusals
// of malformed trees. Models are built as tensors in memory.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "families/gbdt/gbdt.h"
#include "families/gbdt/tree_ensemble.h"
#include "families/gbdt/tree_shap.h"
#include "families/gbdt/tree_shap_ref.h"
#include "families/gbdt/tree_tensors.h"
#include "gbdt_test_model.h"
#include "test_util.h"

using namespace fraudscore;
using namespace fraudscore_test;

namespace {

// ---- the hand-built ensemble: T = 2 steps of F = 2 features ------------------
// Inputs: 0 = step 0 feature 0, 1 = step 0 feature 1, 2 = step 1 feature 0, 3 = step 1 feature 1.

std::vector<TestTree> hand_trees() {
  return {
      // A: input 0 < 0.5 (missing: left) ? 1 : -2. Mean (3 * 1 + 1 * -2) / 4 = 0.25.
      {split_node(0, 0.5f, true, 1, 2, 4), leaf_node(1.0f, 3), leaf_node(-2.0f, 1)},
      // B: input 1 < 0 (missing: right) ? (input 3 < 2 (missing: left) ? 0.5 : 0.25) : -0.75.
      // Mean (4 * 0.375 + 4 * -0.75) / 8 = -0.1875.
      {split_node(1, 0.0f, false, 1, 4, 8), split_node(3, 2.0f, true, 2, 3, 4), leaf_node(0.5f, 2),
       leaf_node(0.25f, 2), leaf_node(-0.75f, 4)},
      // C: input 2 < -1 (missing: left) ? 0.125 : 0.0625. Mean 0.09375.
      {split_node(2, -1.0f, true, 1, 2, 2), leaf_node(0.125f, 1), leaf_node(0.0625f, 1)},
  };
}

const GbdtDims kHandDims{2, 2, 3, 2, 0.1};

std::unique_ptr<Network> build_or_fail(const GbdtDims& dims, const TestModel& model) {
  std::unique_ptr<Network> net;
  const Status s = build_gbdt_network(dims, model.tensors(), &net);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  return net;
}

float forward_one(const Network& net, const std::vector<float>& window, uint32_t valid_steps) {
  // One float more than asked, and the workspace passed off 8-byte alignment:
  // the network must align its doubles itself.
  std::vector<float> workspace(net.workspace_floats(1) + 1);
  float logit = 0;
  net.forward({window.data(), &valid_steps, 1}, workspace.data() + 1, {&logit, nullptr});
  return logit;
}

std::vector<double> attribute_one(const Network& net, const std::vector<float>& window, uint32_t valid_steps) {
  std::vector<float> workspace(net.attribution_workspace_floats() + 1);
  std::vector<double> phi(window.size(), 1e9);  // attribute() zeroes it first
  net.attribute(window.data(), valid_steps, workspace.data() + 1, phi.data());
  return phi;
}


// The margin walked on the file's own form (local indices), with the padded
// inputs as NaN the way XGBoost sees a missing value.
double reference_margin(const RandomEnsemble& r, const std::vector<float>& window, uint32_t valid_steps) {
  std::vector<float> x = window;
  for (size_t i = 0; i < size_t{r.dims.steps - valid_steps} * r.dims.features; ++i) x[i] = NAN;
  double margin = r.dims.base_margin;
  for (const TestTree& tree : r.forest) {
    const TestNode* n = &tree[0];
    while (n->left >= 0) {
      const float v = x[static_cast<size_t>(n->feature)];
      n = &tree[static_cast<size_t>((std::isnan(v) ? n->default_left == 1 : v < n->threshold) ? n->left : n->right)];
    }
    margin += n->value;
  }
  return margin;
}


TreeEnsemble read_or_fail(const GbdtDims& dims, const TestModel& model) {
  TreeEnsemble ensemble;
  const Status s = read_tree_ensemble(dims, model.tensors(), &ensemble);
  REQUIRE_MESSAGE(s.is_ok(), s.message());
  return ensemble;
}

std::vector<double> shap(TreeShapFunction f, const TreeEnsemble& ensemble, const std::vector<float>& window,
                         uint32_t valid_steps) {
  std::vector<double> scratch(tree_shap_scratch_doubles(ensemble));
  std::vector<double> phi(ensemble.input_count(), 1e9);
  f(ensemble, window.data(), valid_steps, scratch.data(), phi.data());
  return phi;
}

double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

// ---- refusals ------------------------------------------------------------------

Status build_status(const GbdtDims& dims, const std::vector<TensorView>& tensors) {
  std::unique_ptr<Network> net;
  const Status s = build_gbdt_network(dims, tensors, &net);
  CHECK((net == nullptr) == !s.is_ok());
  return s;
}

void check_refused(const Status& s, fs_status code, const std::vector<const char*>& words) {
  CHECK_MESSAGE(s.code() == code, s.message());
  for (const char* word : words) CHECK_MESSAGE(contains(s.message(), word), "'", word, "' not in: ", s.message());
}

// Global index of tree 1's (B's) local node n: tree A has 3 nodes.
size_t b_node(size_t n) { return 3 + n; }

}  // namespace

TEST_CASE("gbdt: hand-built trees, missing inputs take the default direction, ties go right") {
  const TestModel model(hand_trees());
  const std::unique_ptr<Network> net = build_or_fail(kHandDims, model);
  CHECK(net->window_length() == 2);
  CHECK(net->feature_count() == 2);
  CHECK_FALSE(net->has_attention());
  CHECK(net->has_attribution());

  SUBCASE("all inputs present") {
    // A: 0.2 < 0.5 left (1); B: -1 < 0 left, then 1 < 2 left (0.5); C: 7 >= -1 right (0.0625).
    CHECK(forward_one(*net, {0.2f, -1.0f, 7.0f, 1.0f}, 2) == doctest::Approx(0.1 + 1 + 0.5 + 0.0625));
  }
  SUBCASE("a padded step is missing, whatever it holds") {
    // Step 0 is padding. Its values would send A right and B left; as missing
    // values A's default goes left (1) and B's goes right (-0.75).
    CHECK(forward_one(*net, {0.9f, -5.0f, 7.0f, 1.0f}, 1) == doctest::Approx(0.1 + 1 - 0.75 + 0.0625));
    CHECK(forward_one(*net, {0.0f, 0.0f, 7.0f, 1.0f}, 1) == doctest::Approx(0.1 + 1 - 0.75 + 0.0625));
  }
  SUBCASE("x == threshold goes right") {
    CHECK(forward_one(*net, {0.5f, 0.0f, -1.0f, 2.0f}, 2) == doctest::Approx(0.1 - 2 - 0.75 + 0.0625));
    // B's inner split: 2 == 2 goes right (0.25).
    CHECK(forward_one(*net, {0.0f, -1.0f, 5.0f, 2.0f}, 2) == doctest::Approx(0.1 + 1 + 0.25 + 0.0625));
  }
  SUBCASE("bias and attributions by hand") {
    const auto& gbdt = static_cast<const GbdtNetwork&>(*net);
    CHECK(gbdt.bias() == doctest::Approx(0.1 + 0.25 - 0.1875 + 0.09375).epsilon(1e-12));
    // A: 1 - 0.25 on input 0; C: 0.0625 - 0.09375 on input 2; B over inputs 1
    // and 3: E[] = -0.1875, E[1] = 0.375, E[3] = -0.125, E[1,3] = 0.5.
    const std::vector<double> phi = attribute_one(*net, {0.2f, -1.0f, 7.0f, 1.0f}, 2);
    CHECK(phi[0] == doctest::Approx(0.75).epsilon(1e-12));
    CHECK(phi[1] == doctest::Approx(0.5 * ((0.375 + 0.1875) + (0.5 + 0.125))).epsilon(1e-12));
    CHECK(phi[2] == doctest::Approx(-0.03125).epsilon(1e-12));
    CHECK(phi[3] == doctest::Approx(0.5 * ((-0.125 + 0.1875) + (0.5 - 0.375))).epsilon(1e-12));
    CHECK(sum(phi) + gbdt.bias() == doctest::Approx(0.1 + 1 + 0.5 + 0.0625).epsilon(1e-12));
  }
  SUBCASE("cost estimates") {
    CHECK(net->flops_per_window() == doctest::Approx((2 * 1 + 1) + (2 * 2 + 1) + (2 * 1 + 1)));
    CHECK(net->attribution_flops() > net->flops_per_window());
  }
}

TEST_CASE("gbdt: TreeSHAP equals brute-force Shapley values and sums with the bias to the margin") {
  std::mt19937 rng(20240611);
  const uint32_t steps = 4, features = 3;
  size_t windows = 0;
  for (int e = 0; e < 24; ++e) {
    const RandomEnsemble r = random_ensemble(rng, steps, features, 2 + below(rng, 3));
    const TreeEnsemble ensemble = read_or_fail(r.dims, r.model);
    const std::unique_ptr<Network> net = build_or_fail(r.dims, r.model);
    for (int w = 0; w < 3; ++w, ++windows) {
      const uint32_t valid_steps = 1 + below(rng, steps);
      const std::vector<float> window = random_window(rng, steps, features, valid_steps);
      const std::vector<double> fast = shap(&tree_shap, ensemble, window, valid_steps);
      const std::vector<double> ref = shap(&tree_shap_ref, ensemble, window, valid_steps);
      const double margin = ensemble.margin(window.data(), valid_steps);
      INFO("ensemble ", e, " window ", w, " valid_steps ", valid_steps);
      CHECK(margin == reference_margin(r, window, valid_steps));
      // Whatever the padded steps hold, they are missing values.
      std::vector<float> junk_padding = window;
      for (size_t i = 0; i < size_t{steps - valid_steps} * features; ++i) junk_padding[i] = uniform(rng, -1, 1);
      CHECK(ensemble.margin(junk_padding.data(), valid_steps) == margin);
      CHECK(shap(&tree_shap, ensemble, junk_padding, valid_steps) == fast);
      for (size_t i = 0; i < fast.size(); ++i) CHECK(std::fabs(fast[i] - ref[i]) < 1e-9);
      CHECK(std::fabs(sum(fast) + ensemble.bias() - margin) < 1e-9);
      CHECK(std::fabs(sum(ref) + ensemble.bias() - margin) < 1e-9);
      CHECK(attribute_one(*net, window, valid_steps) == fast);
      CHECK(forward_one(*net, window, valid_steps) == static_cast<float>(margin));
    }
  }
  CHECK(windows == 72);
}

TEST_CASE("gbdt: an input split on twice on one path, and a cold branch without cover") {
  // Input 0 at the root and again below it; the right leaf of the inner split has no cover.
  const std::vector<TestTree> trees = {{split_node(0, 0.0f, true, 1, 4, 6), split_node(0, -0.5f, false, 2, 3, 4),
                                        leaf_node(3.0f, 4), leaf_node(-1.0f, 0), leaf_node(2.0f, 2)}};
  const GbdtDims dims{1, 1, 1, 2, 0.0};
  const TestModel model(trees);
  const TreeEnsemble ensemble = read_or_fail(dims, model);
  for (float x : {-1.0f, -0.5f, -0.25f, 0.0f, 1.0f}) {
    for (uint32_t valid_steps : {0u, 1u}) {
      const std::vector<float> window = {x};
      const std::vector<double> fast = shap(&tree_shap, ensemble, window, valid_steps);
      const std::vector<double> ref = shap(&tree_shap_ref, ensemble, window, valid_steps);
      INFO("x ", x, " valid_steps ", valid_steps);
      // One input: its attribution is all of margin - bias.
      CHECK(fast[0] == doctest::Approx(ref[0]).epsilon(1e-12));
      CHECK(fast[0] == doctest::Approx(ensemble.margin(window.data(), valid_steps) - ensemble.bias()).epsilon(1e-12));
    }
  }
}

TEST_CASE("gbdt: forward on a batch gives the logits of one window at a time") {
  std::mt19937 rng(7);
  const uint32_t steps = 5, features = 2, batch = 9;
  const RandomEnsemble r = random_ensemble(rng, steps, features, 6);
  const std::unique_ptr<Network> net = build_or_fail(r.dims, r.model);
  std::vector<float> windows;
  std::vector<uint32_t> valid(batch);
  for (uint32_t b = 0; b < batch; ++b) {
    valid[b] = 1 + below(rng, steps);
    const std::vector<float> w = random_window(rng, steps, features, valid[b]);
    windows.insert(windows.end(), w.begin(), w.end());
  }
  std::vector<float> workspace(net->workspace_floats(batch));
  std::vector<float> logits(batch, NAN);
  net->forward({windows.data(), valid.data(), batch}, workspace.data(), {logits.data(), nullptr});
  for (uint32_t b = 0; b < batch; ++b) {
    const std::vector<float> one(windows.begin() + b * steps * features, windows.begin() + (b + 1) * steps * features);
    CHECK(logits[b] == forward_one(*net, one, valid[b]));
  }
}

TEST_CASE("gbdt: build refuses malformed trees with a status naming the tensor and tree") {
  TestModel model(hand_trees());
  GbdtDims dims = kHandDims;
  REQUIRE(build_status(dims, model.tensors()).is_ok());

  SUBCASE("a child pointing back (a cycle)") {
    model.left[b_node(1)] = 0;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"trees.left", "tree 1", "cycle"});
  }
  SUBCASE("a child pointing at itself") {
    model.right[b_node(1)] = 1;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"trees.right", "tree 1", "cycle"});
  }
  SUBCASE("a child out of range") {
    model.right[b_node(0)] = 5;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"trees.right", "tree 1", "out of range"});
  }
  SUBCASE("a node reached twice") {
    model.right[b_node(1)] = 2;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"tree 1", "reached twice"});
  }
  SUBCASE("an unreachable node") {
    // B's root takes node 1 and node 1 takes node 4; nodes 2 and 3 hang off nothing
    // once node 1 becomes a leaf.
    model.left[b_node(1)] = model.right[b_node(1)] = -1;
    model.feature[b_node(1)] = -1;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"tree 1", "unreachable"});
  }
  SUBCASE("a node with one child") {
    model.right[b_node(1)] = -1;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"tree 1", "one child"});
  }
  SUBCASE("an input index out of range") {
    model.feature[0] = 4;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"trees.feature", "tree 0", "input 4"});
    model.feature[0] = -3;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"trees.feature", "tree 0"});
  }
  SUBCASE("a leaf that names an input") {
    model.feature[b_node(4)] = 1;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"trees.feature", "tree 1", "leaf"});
  }
  SUBCASE("depth beyond max_depth") {
    dims.max_depth = 1;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"tree 1", "max_depth"});
  }
  SUBCASE("max_depth beyond the limit") {
    dims.max_depth = kGbdtMaxDepth + 1;
    check_refused(build_status(dims, model.tensors()), FS_ERR_UNSUPPORTED, {"max_depth"});
  }
  SUBCASE("zero cover at a split") {
    model.cover[b_node(1)] = 0;
    check_refused(build_status(dims, model.tensors()), FS_ERR_VALUE, {"trees.cover", "tree 1"});
  }
  SUBCASE("children covering more than their split (attributions without bound)") {
    model.cover[b_node(2)] = 3e38f;  // a leaf under tree B's inner split, whose cover is 4
    check_refused(build_status(dims, model.tensors()), FS_ERR_VALUE, {"trees.cover", "tree 1", "children cover"});
  }
  SUBCASE("a NaN cover (the shared tensor checker)") {
    model.cover[2] = NAN;  // tree A's right leaf
    check_refused(build_status(dims, model.tensors()), FS_ERR_VALUE, {"trees.cover", "non-finite"});
  }
  SUBCASE("negative cover at a leaf") {
    model.cover[2] = -1;
    check_refused(build_status(dims, model.tensors()), FS_ERR_VALUE, {"trees.cover", "tree 0"});
  }
  SUBCASE("default_left neither 0 nor 1") {
    model.default_left[b_node(0)] = 2;
    check_refused(build_status(dims, model.tensors()), FS_ERR_VALUE, {"trees.default_left", "tree 1"});
  }
  SUBCASE("a non-finite threshold") {
    model.threshold[0] = INFINITY;
    check_refused(build_status(dims, model.tensors()), FS_ERR_VALUE, {"trees.threshold"});
  }
  SUBCASE("trees.left stored as Float32") {
    const std::vector<float> as_float(model.left.begin(), model.left.end());
    std::vector<TensorView> tensors = model.tensors();
    tensors[1] = TestModel::view("trees.left", as_float);
    check_refused(build_status(dims, tensors), FS_ERR_UNSUPPORTED, {"trees.left", "Float32"});
  }
  SUBCASE("a missing tensor") {
    std::vector<TensorView> tensors = model.tensors();
    tensors.pop_back();
    check_refused(build_status(dims, tensors), FS_ERR_SHAPE, {"trees.cover", "missing"});
  }
  SUBCASE("first_node not ascending") {
    model.first_node[2] = model.first_node[1];
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"trees.first_node", "tree 1", "ascending"});
  }
  SUBCASE("first_node not starting at 0 or not ending at the node count") {
    model.first_node[0] = 1;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"trees.first_node"});
    model.first_node[0] = 0;
    model.first_node[3] = 9;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"trees.first_node", "11 nodes"});
  }
  SUBCASE("the tree count disagreeing with GbdtConfig") {
    dims.trees = 2;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"trees.first_node", "[3]"});
    dims.trees = 0;
    check_refused(build_status(dims, model.tensors()), FS_ERR_SHAPE, {"trees"});
  }
  SUBCASE("more trees or nodes than a build reads") {
    dims.trees = kGbdtMaxTrees + 1;
    check_refused(build_status(dims, model.tensors()), FS_ERR_UNSUPPORTED, {"trees"});
    dims = kHandDims;
    // Refused from the shape alone: the values are never read.
    std::vector<TensorView> tensors = model.tensors();
    tensors[1].shape = {kGbdtMaxNodes + 1};
    tensors[1].count = kGbdtMaxNodes + 1;
    check_refused(build_status(dims, tensors), FS_ERR_UNSUPPORTED, {"trees.left"});
  }
}
