// The decision function of an RBF-kernel SVM (libsvm / scikit-learn SVC):
// f(y) = sum_s dual_coef[s] * exp(-gamma * |sv_s - y|^2) + intercept.
#pragma once

#include <cstddef>

namespace fraudscore {

struct RbfSvm {
  const double* support_vectors;  // [S, d]
  const double* dual_coef;        // [S]
  size_t support_count;           // S
  size_t dim;                     // d
  double gamma;
  double intercept;
};

double rbf_svm_decision(const RbfSvm& svm, const double* y);

}  // namespace fraudscore
