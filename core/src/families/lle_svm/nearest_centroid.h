// Assignment to the nearest K-means centroid (Euclidean); equal distances go
// to the lower index.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fraudscore {

uint32_t nearest_centroid(const double* centroids, size_t count, size_t dim, const double* y);

}  // namespace fraudscore
