#include "families/lle_svm/lle_embedding.h"

#include <cmath>
#include <limits>

#include "families/lle_svm/vector_sums.h"

namespace fraudscore {

namespace {

size_t round_up8(size_t bytes) { return (bytes + 7) & ~size_t{7}; }

// Solve G w = 1 for a symmetric positive definite k x k G (row-major): the
// Cholesky factor L (G = L L^T) overwrites G's lower triangle, then the two
// triangular solves. False if G is not positive definite. k is the number of
// neighbours (about 10): a library solver would cost more code than it saves.
bool cholesky_solve_ones(double* g, size_t k, double* w) {
  for (size_t j = 0; j < k; ++j) {
    double d = g[j * k + j];
    for (size_t p = 0; p < j; ++p) d -= g[j * k + p] * g[j * k + p];
    if (!(d > 0)) return false;
    d = std::sqrt(d);
    g[j * k + j] = d;
    for (size_t i = j + 1; i < k; ++i) {
      double s = g[i * k + j];
      for (size_t p = 0; p < j; ++p) s -= g[i * k + p] * g[j * k + p];
      g[i * k + j] = s / d;
    }
  }
  for (size_t i = 0; i < k; ++i) {  // L y = 1
    double s = 1.0;
    for (size_t p = 0; p < i; ++p) s -= g[i * k + p] * w[p];
    w[i] = s / g[i * k + i];
  }
  for (size_t i = k; i-- > 0;) {  // L^T w = y
    double s = w[i];
    for (size_t p = i + 1; p < k; ++p) s -= g[p * k + i] * w[p];
    w[i] = s / g[i * k + i];
  }
  return true;
}

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

  // Cholesky in place over the scratch, then the weights normalised to sum 1.
  double* w = scratch.weights;
  if (!cholesky_solve_ones(scratch.gram, k, w)) {
    for (size_t j = 0; j < k; ++j) w[j] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  double total = 0;
  for (size_t j = 0; j < k; ++j) total += w[j];
  for (size_t j = 0; j < k; ++j) w[j] /= total;
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
