// The time-series forms of a company-year's indicators against the previous
// year (lle_svm): [X, X-P, X/P, (X-P)/P, (X-P)/((X+P)/2)] per indicator,
// indicator-major (index 5*i + form), in double.
#pragma once

#include <cstddef>

namespace fraudscore {

constexpr size_t kTimeSeriesForms = 5;
// Below this magnitude a denominator counts as zero: the ratio form is then 1,
// the two relative forms 0.
constexpr double kTimeSeriesTinyDenominator = 1e-12;

// current/previous: [indicators] raw values (previous == nullptr: no previous
// record, P = X). out: [5 * indicators], each value clipped to [-clip, clip].
void time_series_forms(const float* current, const float* previous, size_t indicators, double clip, double* out);

}  // namespace fraudscore
