#include "families/lle_svm/time_series_forms.h"

#include <algorithm>
#include <cmath>

namespace fraudscore {

namespace {

double quotient_or(double numerator, double denominator, double if_zero) {
  return std::fabs(denominator) < kTimeSeriesTinyDenominator ? if_zero : numerator / denominator;
}

}  // namespace

void time_series_forms(const float* current, const float* previous, size_t indicators, double clip, double* out) {
  for (size_t i = 0; i < indicators; ++i) {
    const double x = current[i];
    const double p = previous ? static_cast<double>(previous[i]) : x;
    const double diff = x - p;
    double* o = out + kTimeSeriesForms * i;
    o[0] = x;
    o[1] = diff;
    o[2] = quotient_or(x, p, 1.0);
    o[3] = quotient_or(diff, p, 0.0);
    o[4] = quotient_or(diff, (x + p) / 2, 0.0);
    for (size_t f = 0; f < kTimeSeriesForms; ++f) o[f] = std::clamp(o[f], -clip, clip);
  }
}

}  // namespace fraudscore
