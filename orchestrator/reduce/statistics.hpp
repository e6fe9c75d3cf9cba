#pragma once
// The statistics of the report: percentile bootstrap intervals, and the
// Wilcoxon signed-rank test of architectures on matched cells (the
// estimation study compares architectures with non-parametric tests:
// efficiencies are not normally distributed; runs of different sizes and
// criteria are not exchangeable, so they are compared pairwise, cell by
// cell, never pooled).

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

// The Wilcoxon signed-rank test of paired differences, as SciPy's
// wilcoxon(d, zero_method="wilcox", correction=False, mode="auto") gives it:
// zero differences dropped, the statistic the smaller of the two rank sums,
// p two-sided and exact from the null distribution where n ≤ 50 and no
// |difference| ties, else the normal approximation with the tie-corrected
// variance. NaN differences are left out.
struct Wilcoxon {
  int n = 0;          // non-zero differences
  double w = 0;       // min(W+, W−)
  double z = NAN;     // the normal approximation's z (NaN where exact)
  double p = 1;       // two-sided
  bool exact = false;
};
Wilcoxon wilcoxon_signed_rank(const std::vector<double>& differences);

namespace reduction {

// Eq. 4 of every architecture with its 95 % percentile bootstrap interval
// (sizes resampled within each criterion, runs within each size), and every
// pair of architectures of a dataset and setup compared: the ratio with its
// interval and a Mann–Whitney U test of the runs' efficiencies. Sets
// Reduction::intervals, comparisons and resamples.
void add_intervals_and_comparisons(const std::vector<Measured>& done, Reduction& red);

}  // namespace reduction

}  // namespace joulegrid
