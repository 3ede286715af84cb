#include "families/lle_svm/rbf_svm.h"

#include <cmath>

#include "families/lle_svm/vector_sums.h"

namespace fraudscore {

double rbf_svm_decision(const RbfSvm& svm, const double* y) {
  double f = 0;
  for (size_t s = 0; s < svm.support_count; ++s)
    f += svm.dual_coef[s] * std::exp(-svm.gamma * squared_distance(svm.support_vectors + s * svm.dim, y, svm.dim));
  return f + svm.intercept;
}

}  // namespace fraudscore
