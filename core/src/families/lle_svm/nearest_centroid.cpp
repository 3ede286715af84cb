#include "families/lle_svm/nearest_centroid.h"

#include "families/lle_svm/vector_sums.h"

namespace fraudscore {

uint32_t nearest_centroid(const double* centroids, size_t count, size_t dim, const double* y) {
  uint32_t best = 0;
  double best_distance = squared_distance(centroids, y, dim);
  for (size_t c = 1; c < count; ++c) {
    const double d = squared_distance(centroids + c * dim, y, dim);
    if (d < best_distance) {  // strict: a tie keeps the lower index
      best_distance = d;
      best = static_cast<uint32_t>(c);
    }
  }
  return best;
}

}  // namespace fraudscore
