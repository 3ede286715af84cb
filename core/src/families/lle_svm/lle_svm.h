// The `lle_svm` network (listed companies' financial fraud): time-series forms
// of the indicators -> z-score -> locally linear embedding (out of sample) ->
// RBF SVM decision (the logit), and the nearest K-means centroid of the
// embedding (the credit-grade cluster). Computed in double, like the trainer.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "networks/network.h"
#include "networks/tensor_view.h"
#include "status.h"

namespace fraudscore {

struct LleSvmDims {
  uint32_t steps;        // window length; must be 2 (previous record, current record)
  uint32_t features;     // the feature spec's count; must equal indicators
  uint32_t indicators;   // I: raw indicators per record (the derived vector has 5I values)
  uint32_t neighbours;   // LLE's k
  uint32_t embedding_dim;  // LLE's d
  double derived_clip, lle_reg, gamma, intercept;
  std::vector<std::string> grades;  // one per K-means centroid
};

// Check the configuration and every tensor (present, Float64, shape, finite,
// zscore.std > 0), then build the network (tensors read in place).
// N, S and K are taken from lle.train_points, svm.dual_coef and kmeans.centroids.
Status build_lle_svm(const LleSvmDims& dims, const std::vector<TensorView>& tensors, std::unique_ptr<Network>* out);

// Names and shapes of the tensors of an lle_svm model with N training points,
// S support vectors and K centroids, for docs and tests.
std::vector<std::pair<std::string, std::vector<uint32_t>>> lle_svm_tensor_shapes(const LleSvmDims& dims, uint32_t n,
                                                                                  uint32_t s, uint32_t k);

}  // namespace fraudscore
