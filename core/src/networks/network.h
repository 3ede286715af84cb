// The interface every model family's network implements. A network is built
// once at load from verified tensors; forward() runs a batch of prepared
// windows with caller-provided workspace and never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fraudscore/fraudscore.h"

namespace fraudscore {

struct NetworkInput {
  const float* windows;       // [batch, window_length, feature_count], left-padded with zeros
  const uint32_t* valid_steps;  // [batch]: real rows at the end of each window (1..window_length)
  size_t batch;
};

// A named output beside the main score (fs_output): a probability, with its
// own Platt calibration of the logit forward() writes, or one label of a list
// (forward() writes the label's index).
struct ExtraOutput {
  std::string name;
  fs_output_kind kind = FS_OUTPUT_PROBABILITY;
  bool platt = false;
  double platt_a = 1.0, platt_b = 0.0;
  std::vector<std::string> labels;
};

struct NetworkOutput {
  float* logits;     // [batch]: pre-sigmoid score
  float* attention;  // [batch, window_length], or nullptr if not wanted
  float* extras = nullptr;  // [batch, extra_outputs().size()], or nullptr if not wanted
};

class Network {
 public:
  virtual ~Network() = default;
  virtual uint32_t window_length() const = 0;
  virtual uint32_t feature_count() const = 0;
  virtual bool has_attention() const = 0;
  // Outputs beside the logit, declared at build time (none by default).
  const std::vector<ExtraOutput>& extra_outputs() const { return extra_outputs_; }
  // Floats of workspace forward() needs for a batch of `max_batch` windows.
  virtual size_t workspace_floats(size_t max_batch) const = 0;
  // Floating-point operations per window (multiply and add counted apart).
  virtual double flops_per_window() const = 0;
  virtual void forward(const NetworkInput& in, float* workspace, const NetworkOutput& out) const = 0;

  // Reason codes: a family whose model attributes its own logit exactly (trees'
  // TreeSHAP) overrides these; the others are explained by occlusion.
  virtual bool has_attribution() const { return false; }
  // Workspace floats attribute() needs for one window.
  virtual size_t attribution_workspace_floats() const { return 0; }
  // Each input's share of the window's logit: out[step * features + feature],
  // summing with the bias to the logit. One window; never allocates.
  virtual void attribute(const float* /*window*/, uint32_t /*valid_steps*/, float* /*workspace*/,
                         double* /*out*/) const {}
  // Operations attribute() costs per window (for the load-time cost bound).
  virtual double attribution_flops() const { return 0.0; }

 protected:
  std::vector<ExtraOutput> extra_outputs_;
};

}  // namespace fraudscore
