#include "families/gbdt/gbdt.h"

#include <new>
#include <utility>

#include "families/gbdt/tree_shap.h"
#include "families/gbdt/tree_tensors.h"

namespace fraudscore {

namespace {

// The workspace is floats; doubles start at the first 8-byte boundary, which
// costs the one extra float the sizes below count.
double* doubles_at(float* workspace) {
  const uintptr_t at = reinterpret_cast<uintptr_t>(workspace);
  return reinterpret_cast<double*>((at + alignof(double) - 1) & ~uintptr_t{alignof(double) - 1});
}

size_t floats_for_doubles(size_t doubles) { return doubles * (sizeof(double) / sizeof(float)) + 1; }

}  // namespace

GbdtNetwork::GbdtNetwork(TreeEnsemble ensemble) : ensemble_(std::move(ensemble)) {}

// One double margin a window.
size_t GbdtNetwork::workspace_floats(size_t max_batch) const { return floats_for_doubles(max_batch); }

// A comparison and a branch a level of each tree, and the leaf's add.
double GbdtNetwork::flops_per_window() const {
  double flops = 0;
  for (uint32_t k = 0; k < ensemble_.tree_count(); ++k) flops += 2.0 * ensemble_.tree_depth(k) + 1;
  return flops;
}

void GbdtNetwork::forward(const NetworkInput& in, float* workspace, const NetworkOutput& out) const {
  double* margins = doubles_at(workspace);
  ensemble_.margins(in.windows, in.valid_steps, in.batch, margins);
  for (size_t b = 0; b < in.batch; ++b) out.logits[b] = static_cast<float>(margins[b]);
}

size_t GbdtNetwork::attribution_workspace_floats() const {
  return floats_for_doubles(tree_shap_scratch_doubles(ensemble_));
}

void GbdtNetwork::attribute(const float* window, uint32_t valid_steps, float* workspace, double* out) const {
  tree_shap(ensemble_, window, valid_steps, doubles_at(workspace), out);
}

// TreeSHAP's cost a tree: at each leaf, an unwound sum (about 8 operations) for
// each of up to depth + 1 path elements over as many weights; at each node an
// EXTEND (about 8 operations a path element).
double GbdtNetwork::attribution_flops() const {
  double flops = 0;
  for (uint32_t k = 0; k < ensemble_.tree_count(); ++k) {
    const double path = ensemble_.tree_depth(k) + 1.0;
    flops += 8.0 * ensemble_.tree_leaves(k) * path * path + 8.0 * ensemble_.tree_size(k) * path;
  }
  return flops;
}

Status build_gbdt_network(const GbdtDims& dims, const std::vector<TensorView>& tensors,
                          std::unique_ptr<Network>* out) {
  TreeEnsemble ensemble;
  FS_RETURN_IF_ERROR(read_tree_ensemble(dims, tensors, &ensemble));
  Network* network = new (std::nothrow) GbdtNetwork(std::move(ensemble));
  if (!network) return Status::error(FS_ERR_NO_MEMORY, "out of memory for a gbdt network");
  out->reset(network);
  return Status::ok();
}

}  // namespace fraudscore
