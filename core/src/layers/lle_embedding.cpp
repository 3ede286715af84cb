#include "layers/lle_embedding.h"

#include <Eigen/Cholesky>
#include <limits>

#include "layers/vector_sums.h"

namespace fraudscore {

namespace {

size_t round_up8(size_t bytes) { return (bytes + 7) & ~size_t{7}; }

}  // namespace

size_t lle_scratch_bytes(const LleShape& s) {
  const size_t k = s.neighbours;
  return sizeof(double) * (k + k * s.input_dim + k * k + k) + round_up8(sizeof(uint32_t) * k);
}

LleScratch lle_scratch_at(const LleShape& s, void* base) {
  const size_t k = s.neighbours;
  LleScratch out;
  double* p = static_cast<double*>(base);
  out.distances = p;
  out.differences = out.distances + k;
  out.gram = out.differences + k * s.input_dim;
  out.weights = out.gram + k * k;
  out.index = reinterpret_cast<uint32_t*>(out.weights + k);
  return out;
}

void lle_nearest(const LleShape& s, const double* points, const double* query, double* distances, uint32_t* index) {
  // Insertion into a sorted list of the k best: O(N k) worst case, no
  // allocation. A candidate must be strictly nearer than an entry to pass it,
  // so equal distances keep the lower index first.
  const size_t k = s.neighbours;
  size_t filled = 0;
  for (size_t i = 0; i < s.points; ++i) {
    const double dist = squared_distance(points + i * s.input_dim, query, s.input_dim);
    if (filled == k && !(dist < distances[k - 1])) continue;
    size_t at = filled < k ? filled++ : k - 1;
    while (at > 0 && dist < distances[at - 1]) {
      distances[at] = distances[at - 1];
      index[at] = index[at - 1];
      --at;
    }
    distances[at] = dist;
    index[at] = static_cast<uint32_t>(i);
  }
}

void lle_weights(const LleShape& s, const LleTables& t, const double* query, const LleScratch& scratch) {
  const size_t k = s.neighbours, D = s.input_dim;
  for (size_t j = 0; j < k; ++j) {
    const double* x = t.train_points + size_t{scratch.index[j]} * D;
    double* g = scratch.differences + j * D;
    for (size_t c = 0; c < D; ++c) g[c] = x[c] - query[c];
  }
  // C = G G^T (symmetric: one triangle computed, mirrored).
  double trace = 0;
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      const double c = dot(scratch.differences + i * D, scratch.differences + j * D, D);
      scratch.gram[i * k + j] = c;
      scratch.gram[j * k + i] = c;
    }
    trace += scratch.gram[i * k + i];
  }
  const double r = trace > 0 ? t.reg * trace : t.reg;
  for (size_t i = 0; i < k; ++i) scratch.gram[i * k + i] += r;

  // Cholesky in place over the scratch (Eigen::Ref: no copy, no allocation),
  // then the two triangular solves in place on the weights.
  Eigen::Map<Eigen::MatrixXd> gram(scratch.gram, static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k));
  Eigen::Map<Eigen::VectorXd> w(scratch.weights, static_cast<Eigen::Index>(k));
  Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(gram);
  if (llt.info() != Eigen::Success) {
    w.setConstant(std::numeric_limits<double>::quiet_NaN());
    return;
  }
  w.setOnes();
  llt.solveInPlace(w);
  w /= w.sum();
}

void lle_embed(const LleShape& s, const LleTables& t, const double* query, const LleScratch& scratch, double* out) {
  lle_nearest(s, t.train_points, query, scratch.distances, scratch.index);
  lle_weights(s, t, query, scratch);
  const size_t d = s.embedding_dim;
  for (size_t c = 0; c < d; ++c) out[c] = 0;
  for (size_t j = 0; j < s.neighbours; ++j) {
    const double* e = t.train_embedding + size_t{scratch.index[j]} * d;
    for (size_t c = 0; c < d; ++c) out[c] += scratch.weights[j] * e[c];
  }
}

}  // namespace fraudscore
