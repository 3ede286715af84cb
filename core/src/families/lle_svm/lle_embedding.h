// Locally linear embedding out of sample (scikit-learn's
// LocallyLinearEmbedding.transform): reconstruct a query from its k nearest
// training points with weights summing to 1, then map it with the same weights
// onto those points' embedding. Double precision; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fraudscore {

struct LleShape {
  size_t points;         // N training points
  size_t input_dim;      // D
  size_t neighbours;     // k (1 <= k <= N)
  size_t embedding_dim;  // d
};

struct LleTables {
  const double* train_points;     // [N, D]
  const double* train_embedding;  // [N, d]
  double reg;                     // regulariser of the local Gram matrix (> 0)
};

// Scratch for one query, carved by lle_scratch_at from caller memory.
struct LleScratch {
  double* distances;    // [k] squared distances of the nearest points, ascending
  uint32_t* index;      // [k] their row indices
  double* differences;  // [k, D] neighbour - query
  double* gram;         // [k, k]
  double* weights;      // [k]
};

// Bytes of scratch one query needs; lle_scratch_at lays it out from `base`,
// which must be 8-byte aligned.
size_t lle_scratch_bytes(const LleShape& shape);
LleScratch lle_scratch_at(const LleShape& shape, void* base);

// The k nearest rows of points[N, D] to `query`, nearest first; equal
// distances keep the lower index first.
void lle_nearest(const LleShape& shape, const double* points, const double* query, double* distances,
                 uint32_t* index);

// Reconstruction weights [k] of `query` from points[index[j]]: C = G G^T with
// G = neighbours - query, C += R I (R = reg * trace(C), or reg when the trace
// is 0), solve C w = 1 by Cholesky, w /= sum(w). Uses scratch.differences and
// scratch.gram; writes scratch.weights. NaN weights if C is not positive
// definite (only possible with non-finite input).
void lle_weights(const LleShape& shape, const LleTables& tables, const double* query, const LleScratch& scratch);

// The whole transform: query [D] -> out [d].
void lle_embed(const LleShape& shape, const LleTables& tables, const double* query, const LleScratch& scratch,
               double* out);

}  // namespace fraudscore
