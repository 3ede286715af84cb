#include "families/lle_svm/lle_svm.h"

#include <cmath>
#include <cstdint>

#include "families/lle_svm/lle_embedding.h"
#include "families/lle_svm/nearest_centroid.h"
#include "families/lle_svm/rbf_svm.h"
#include "families/lle_svm/time_series_forms.h"
#include "networks/tensor_check.h"

namespace fraudscore {

std::vector<std::pair<std::string, std::vector<uint32_t>>> lle_svm_tensor_shapes(const LleSvmDims& dims, uint32_t n,
                                                                                  uint32_t s, uint32_t k) {
  const uint32_t D = static_cast<uint32_t>(kTimeSeriesForms) * dims.indicators, d = dims.embedding_dim;
  return {
      {"zscore.mean", {D}},
      {"zscore.std", {D}},
      {"lle.train_points", {n, D}},
      {"lle.train_embedding", {n, d}},
      {"svm.support_vectors", {s, d}},
      {"svm.dual_coef", {s}},
      {"kmeans.centroids", {k, d}},
  };
}

namespace {

uint32_t leading_dim(const std::vector<TensorView>& tensors, const char* name) {
  const TensorView* t = find_tensor(tensors, name);
  return t && !t->shape.empty() ? t->shape[0] : 0;
}

class LleSvm final : public Network {
 public:
  LleSvm(const LleSvmDims& dims, const std::vector<TensorView>& t, uint32_t n, uint32_t s, uint32_t k)
      : d_(dims), input_dim_(kTimeSeriesForms * dims.indicators) {
    auto get = [&](const char* name) { return find_tensor(t, name)->f64; };
    mean_ = get("zscore.mean");
    std_ = get("zscore.std");
    lle_shape_ = {n, input_dim_, dims.neighbours, dims.embedding_dim};
    lle_ = {get("lle.train_points"), get("lle.train_embedding"), dims.lle_reg};
    svm_ = {get("svm.support_vectors"), get("svm.dual_coef"), s, dims.embedding_dim, dims.gamma, dims.intercept};
    centroids_ = get("kmeans.centroids");
    centroid_count_ = k;
    ExtraOutput grade;
    grade.name = "grade";
    grade.kind = FS_OUTPUT_LABEL;
    grade.labels = dims.grades;
    extra_outputs_.push_back(std::move(grade));
  }

  uint32_t window_length() const override { return d_.steps; }
  uint32_t feature_count() const override { return d_.features; }
  bool has_attention() const override { return false; }

  // Windows are scored one after another over the same scratch, so the size
  // does not grow with the batch. One extra float lets forward() align to 8 bytes.
  size_t workspace_floats(size_t /*max_batch*/) const override {
    const size_t bytes = sizeof(double) * (input_dim_ + d_.embedding_dim) + lle_scratch_bytes(lle_shape_);
    return (bytes + sizeof(float) - 1) / sizeof(float) + 1;
  }

  // Multiplies and adds counted apart; a division, a comparison-free clip and
  // exp() count as one each. The N x D distance loop dominates.
  double flops_per_window() const override {
    const double I = d_.indicators, D = static_cast<double>(input_dim_), N = static_cast<double>(lle_shape_.points),
                 k = d_.neighbours, d = d_.embedding_dim, S = static_cast<double>(svm_.support_count),
                 K = static_cast<double>(centroid_count_);
    const double forms = 10 * I, zscore = 2 * D;
    const double distances = 3 * N * D;
    const double gram = k * D + k * (k + 1) * D + 2 * k;
    const double solve = k * k * k / 3 + 2 * k * k + 2 * k;
    const double map = 2 * k * d;
    const double svm = S * (3 * d + 4) + 1;
    const double centroids = 3 * K * d;
    return forms + zscore + distances + gram + solve + map + svm + centroids;
  }

  void forward(const NetworkInput& in, float* ws, const NetworkOutput& out) const override {
    const uintptr_t at = reinterpret_cast<uintptr_t>(ws);
    double* z = reinterpret_cast<double*>((at + alignof(double) - 1) & ~uintptr_t{alignof(double) - 1});
    double* y = z + input_dim_;
    const LleScratch scratch = lle_scratch_at(lle_shape_, y + d_.embedding_dim);
    const size_t I = d_.indicators;
    for (size_t b = 0; b < in.batch; ++b) {
      const float* window = in.windows + b * 2 * I;
      // valid_steps < 2: step 0 is padding, there is no previous record (P = X).
      time_series_forms(window + I, in.valid_steps[b] >= 2 ? window : nullptr, I, d_.derived_clip, z);
      for (size_t c = 0; c < input_dim_; ++c) z[c] = (z[c] - mean_[c]) / std_[c];
      lle_embed(lle_shape_, lle_, z, scratch, y);
      out.logits[b] = static_cast<float>(rbf_svm_decision(svm_, y));
      if (out.extras)  // the credit grade's index: the nearest centroid
        out.extras[b] = static_cast<float>(nearest_centroid(centroids_, centroid_count_, d_.embedding_dim, y));
    }
  }

 private:
  LleSvmDims d_;
  size_t input_dim_;
  const double *mean_, *std_;
  LleShape lle_shape_;
  LleTables lle_;
  RbfSvm svm_;
  const double* centroids_;
  size_t centroid_count_;
};

bool finite_positive(double v) { return std::isfinite(v) && v > 0; }

Status check_config(const LleSvmDims& d) {
  if (d.steps != 2)
    return Status::error(FS_ERR_SHAPE, "lle_svm needs a window of 2 records (previous, current); the model's is %u",
                         d.steps);
  if (d.indicators == 0 || d.neighbours == 0 || d.embedding_dim == 0)
    return Status::error(FS_ERR_SHAPE, "lle_svm configuration has zero indicators, neighbours or embedding_dim");
  if (d.features != d.indicators)
    return Status::error(FS_ERR_SHAPE, "lle_svm has %u indicators but the feature spec has %u features", d.indicators,
                         d.features);
  if (!finite_positive(d.derived_clip))
    return Status::error(FS_ERR_VALUE, "lle_svm derived_clip %g must be finite and > 0", d.derived_clip);
  if (!finite_positive(d.lle_reg))
    return Status::error(FS_ERR_VALUE, "lle_svm lle_reg %g must be finite and > 0", d.lle_reg);
  if (!finite_positive(d.gamma)) return Status::error(FS_ERR_VALUE, "lle_svm gamma %g must be finite and > 0", d.gamma);
  if (!std::isfinite(d.intercept)) return Status::error(FS_ERR_VALUE, "lle_svm intercept is not finite");
  if (d.grades.empty()) return Status::error(FS_ERR_VALUE, "lle_svm has no credit grades");
  return Status::ok();
}

}  // namespace

Status build_lle_svm(const LleSvmDims& dims, const std::vector<TensorView>& tensors, std::unique_ptr<Network>* out) {
  FS_RETURN_IF_ERROR(check_config(dims));
  const uint32_t n = leading_dim(tensors, "lle.train_points");
  const uint32_t s = leading_dim(tensors, "svm.dual_coef");
  const uint32_t k = leading_dim(tensors, "kmeans.centroids");
  FS_RETURN_IF_ERROR(expect_tensors(tensors, "lle_svm", lle_svm_tensor_shapes(dims, n, s, k), TensorDtype::Float64));
  if (n < dims.neighbours)
    return Status::error(FS_ERR_SHAPE, "lle_svm has %u training points, fewer than its %u neighbours", n,
                         dims.neighbours);
  if (s == 0) return Status::error(FS_ERR_SHAPE, "lle_svm has no support vectors");
  if (k != dims.grades.size())
    return Status::error(FS_ERR_VALUE, "lle_svm has %u K-means centroids but %zu credit grades", k,
                         dims.grades.size());
  const TensorView* std_dev = find_tensor(tensors, "zscore.std");
  for (size_t i = 0; i < std_dev->count; ++i)
    if (!(std_dev->f64[i] > 0))
      return Status::error(FS_ERR_VALUE, "tensor 'zscore.std' holds %g at index %zu; it must be > 0",
                           std_dev->f64[i], i);
  out->reset(new LleSvm(dims, tensors, n, s, k));
  return Status::ok();
}

}  // namespace fraudscore
