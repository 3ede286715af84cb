// The reference TreeSHAP attributions are checked against: exact Shapley
// values by brute force, for tests. For each tree, over every subset S of the
// inputs it splits on, E[f(x) | x_S] by the paper's Algorithm 1 (a split on an
// input in S follows the window's branch, a missing input the default one;
// any other split averages both children weighted by cover), then
// phi_i = sum over S without i of |S|! (M - |S| - 1)! / M! (E[S + i] - E[S]).
// O(2^M M nodes) a tree: only for trees over a few inputs.
#pragma once

#include <cstdint>

#include "families/gbdt/tree_ensemble.h"

namespace fraudscore {

// Trees splitting on more distinct inputs than this are beyond the reference:
// it writes NaN to every phi.
constexpr uint32_t kTreeShapRefMaxInputs = 16;

// tree_shap()'s signature (TreeShapFunction); `scratch` is not used (nullptr is fine).
void tree_shap_ref(const TreeEnsemble& ensemble, const float* window, uint32_t valid_steps, double* scratch,
                   double* phi);

}  // namespace fraudscore
