// The `gbdt` network: an XGBoost-compatible ensemble of binary regression
// trees over the flattened window (input i = step * features + feature, the
// padded steps being missing values). The logit is base_margin plus each
// tree's reached leaf; attribute() is its exact path-dependent TreeSHAP.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "families/gbdt/tree_ensemble.h"
#include "networks/network.h"
#include "networks/tensor_view.h"
#include "status.h"

namespace fraudscore {

// The GbdtConfig of a model, with the window it reads.
struct GbdtDims {
  uint32_t steps;      // window length T
  uint32_t features;   // features per step F (inputs: T * F)
  uint32_t trees;      // GbdtConfig.trees
  uint32_t max_depth;  // GbdtConfig.max_depth: the deepest leaf's depth (root: 0)
  double base_margin;  // GbdtConfig.base_margin, logit units
};

// Limits on what a model may ask for (over them: FS_ERR_UNSUPPORTED).
constexpr uint32_t kGbdtMaxTrees = 65536;
constexpr uint32_t kGbdtMaxNodes = 1u << 22;  // all trees together
constexpr uint32_t kGbdtMaxDepth = 64;

// Names and shapes of a gbdt model's tensors with `nodes` nodes in all; all are
// Int32 but trees.threshold, trees.value and trees.cover (Float32).
std::vector<std::pair<std::string, std::vector<uint32_t>>> gbdt_tensor_shapes(const GbdtDims& dims, uint32_t nodes);

// The network over a validated ensemble. forward() walks each window through
// every tree (window-major) and sums in double; attribute() is tree_shap() (tree_shap.h).
class GbdtNetwork final : public Network {
 public:
  explicit GbdtNetwork(TreeEnsemble ensemble);

  uint32_t window_length() const override { return ensemble_.steps(); }
  uint32_t feature_count() const override { return ensemble_.features(); }
  bool has_attention() const override { return false; }
  size_t workspace_floats(size_t max_batch) const override;
  double flops_per_window() const override;
  void forward(const NetworkInput& in, float* workspace, const NetworkOutput& out) const override;

  bool has_attribution() const override { return true; }
  size_t attribution_workspace_floats() const override;
  void attribute(const float* window, uint32_t valid_steps, float* workspace, double* out) const override;
  double attribution_flops() const override;

  const TreeEnsemble& ensemble() const { return ensemble_; }
  // What attribute()'s values sum with to the margin: base_margin plus each
  // tree's cover-weighted mean leaf value (XGBoost's pred_contribs bias).
  double bias() const { return ensemble_.bias(); }

 private:
  TreeEnsemble ensemble_;
};

// Check the configuration, every tensor and every tree (structure, ranges,
// depth, covers), then build the network; the nodes are repacked into memory
// the network owns, so `tensors` need not outlive it. The node count is
// taken from trees.left.
Status build_gbdt_network(const GbdtDims& dims, const std::vector<TensorView>& tensors,
                          std::unique_ptr<Network>* out);

}  // namespace fraudscore
