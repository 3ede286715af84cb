// A random lle_svm network's tensors (seeded), shared by test_lle_svm.cpp and
// the no-allocation check.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "families/lle_svm/lle_svm.h"
#include "networks/tensor_view.h"
#include "test_util.h"

namespace fraudscore_test {

inline double uniform_double(std::mt19937& rng, double lo, double hi) {
  return lo + (hi - lo) * (static_cast<double>(rng()) / 4294967296.0);
}

inline std::vector<double> random_doubles(std::mt19937& rng, size_t n, double lo, double hi) {
  std::vector<double> v(n);
  for (double& x : v) x = uniform_double(rng, lo, hi);
  return v;
}

struct LleSvmTestModel {
  fraudscore::LleSvmDims dims;
  uint32_t points = 0, support = 0, clusters = 0;
  std::vector<double> mean, std_dev, train_points, train_embedding, support_vectors, dual_coef, centroids;

  uint32_t input_dim() const { return 5 * dims.indicators; }

  std::vector<fraudscore::TensorView> views() const {
    auto view = [](const char* name, std::vector<uint32_t> shape, const std::vector<double>& v) {
      fraudscore::TensorView t;
      t.name = name;
      t.shape = std::move(shape);
      t.f64 = v.data();
      t.dtype = fraudscore::TensorDtype::Float64;
      t.count = v.size();
      return t;
    };
    const uint32_t D = input_dim(), d = dims.embedding_dim;
    return {view("zscore.mean", {D}, mean),
            view("zscore.std", {D}, std_dev),
            view("lle.train_points", {points, D}, train_points),
            view("lle.train_embedding", {points, d}, train_embedding),
            view("svm.support_vectors", {support, d}, support_vectors),
            view("svm.dual_coef", {support}, dual_coef),
            view("kmeans.centroids", {clusters, d}, centroids)};
  }
};

// Training points are drawn in z-score space around the z-scores of raw values
// in [-2, 2], so random windows land among them.
inline LleSvmTestModel random_lle_svm_model(std::mt19937& rng, uint32_t indicators, uint32_t points,
                                            uint32_t neighbours, uint32_t embedding_dim, uint32_t support,
                                            uint32_t clusters) {
  LleSvmTestModel m;
  m.dims.steps = 2;
  m.dims.features = indicators;
  m.dims.indicators = indicators;
  m.dims.neighbours = neighbours;
  m.dims.embedding_dim = embedding_dim;
  m.dims.derived_clip = 50;
  m.dims.lle_reg = 1e-3;
  m.dims.gamma = 0.7;
  m.dims.intercept = -0.25;
  for (uint32_t c = 0; c < clusters; ++c) m.dims.grades.push_back("G" + std::to_string(c));
  m.points = points;
  m.support = support;
  m.clusters = clusters;
  const size_t D = 5 * size_t{indicators};
  m.mean = random_doubles(rng, D, -0.5, 0.5);
  m.std_dev = random_doubles(rng, D, 0.5, 3.0);
  m.train_points = random_doubles(rng, points * D, -1.5, 1.5);
  m.train_embedding = random_doubles(rng, size_t{points} * embedding_dim, -1.0, 1.0);
  m.support_vectors = random_doubles(rng, size_t{support} * embedding_dim, -1.0, 1.0);
  m.dual_coef = random_doubles(rng, support, -1.0, 1.0);
  m.centroids = random_doubles(rng, size_t{clusters} * embedding_dim, -0.5, 0.5);
  return m;
}

}  // namespace fraudscore_test
