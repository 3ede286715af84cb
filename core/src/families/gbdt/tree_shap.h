// Path-dependent TreeSHAP (Lundberg et al. 2018, "Consistent Individualized
// Feature Attribution for Tree Ensembles", Algorithm 2): exact Shapley values
// of E[f(x) | x_S], the expectation taken with the trees' covers as in
// Algorithm 1. The values of XGBoost's predict(pred_contribs=True): a missing
// input's "hot" branch is its split's default child. O(leaves * depth^2) a tree.
#pragma once

#include <cstddef>
#include <cstdint>

#include "families/gbdt/tree_ensemble.h"

namespace fraudscore {

// The signature TreeSHAP and its brute-force reference (tree_shap_ref.h) share:
// phi[i] (ensemble.input_count() doubles, zeroed first) is input i's share of
// the window's margin; sum(phi) + ensemble.bias() == ensemble.margin(window, valid_steps).
// `window` is [steps, features], its real rows the last `valid_steps`.
using TreeShapFunction = void (*)(const TreeEnsemble& ensemble, const float* window, uint32_t valid_steps,
                                  double* scratch, double* phi);

// Doubles of scratch tree_shap() needs: the path of every level of the deepest walk.
size_t tree_shap_scratch_doubles(const TreeEnsemble& ensemble);

// Never allocates; `scratch` holds tree_shap_scratch_doubles(ensemble) doubles.
void tree_shap(const TreeEnsemble& ensemble, const float* window, uint32_t valid_steps, double* scratch, double* phi);

}  // namespace fraudscore
