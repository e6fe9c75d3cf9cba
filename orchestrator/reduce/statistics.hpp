#pragma once
// The statistics of the report: percentile bootstrap intervals and the
// Mann–Whitney U test (the estimation study compares architectures with
// non-parametric tests: efficiencies are not normally distributed).

#include <vector>

#include "io/records/reduction.hpp"
#include "orchestrator/reduce/quantities.hpp"

namespace joulegrid {

// The q-quantile (0 ≤ q ≤ 1) of `v`, linearly interpolated; NaN when empty.
double quantile(std::vector<double> v, double q);

struct MannWhitney {
  double u = 0;   // U of the first sample: pairs (a, b) with a > b, ties counting half
  double z = 0;   // normal approximation, continuity- and tie-corrected
  double p = 1;   // two-sided
  int n_a = 0, n_b = 0;
};

// Exact U; p from the normal approximation (the report states the sample
// sizes, so a reader can judge it). NaN values are left out.
MannWhitney mann_whitney(const std::vector<double>& a, const std::vector<double>& b);

namespace reduction {

// Eq. 4 of every architecture with its 95 % percentile bootstrap interval
// (sizes resampled within each criterion, runs within each size), and every
// pair of architectures of a dataset and setup compared: the ratio with its
// interval and a Mann–Whitney U test of the runs' efficiencies. Sets
// Reduction::intervals, comparisons and resamples.
void add_intervals_and_comparisons(const std::vector<Measured>& done, Reduction& red);

}  // namespace reduction

}  // namespace joulegrid
