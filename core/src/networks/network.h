// The interface every model family's network implements. A network is built
// once at load from verified tensors; forward() runs a batch of prepared
// windows with caller-provided workspace and never allocates.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fraudscore {

struct NetworkInput {
  const float* windows;       // [batch, window_length, feature_count], left-padded with zeros
  const uint32_t* valid_steps;  // [batch]: real rows at the end of each window (1..window_length)
  size_t batch;
};

struct NetworkOutput {
  float* logits;     // [batch]: pre-sigmoid score
  float* attention;  // [batch, window_length], or nullptr if not wanted
  float* entity_logits = nullptr;  // [batch]: second, entity-level logit (has_entity_output()), or nullptr
  int32_t* clusters = nullptr;     // [batch]: cluster index (cluster_count() > 0), or nullptr
};

class Network {
 public:
  virtual ~Network() = default;
  virtual uint32_t window_length() const = 0;
  virtual uint32_t feature_count() const = 0;
  virtual bool has_attention() const = 0;
  // lstm_attn: an enterprise-level risk logit beside the main one.
  virtual bool has_entity_output() const { return false; }
  // lle_svm: K-means clusters, each with a label (a credit grade).
  virtual uint32_t cluster_count() const { return 0; }
  virtual const char* cluster_label(uint32_t /*cluster*/) const { return nullptr; }
  // Floats of workspace forward() needs for a batch of `max_batch` windows.
  virtual size_t workspace_floats(size_t max_batch) const = 0;
  // Floating-point operations per window (multiply and add counted apart).
  virtual double flops_per_window() const = 0;
  virtual void forward(const NetworkInput& in, float* workspace, const NetworkOutput& out) const = 0;
};

}  // namespace fraudscore
