#pragma once
// The statistics of the report: percentile bootstrap intervals, and the
// Wilcoxon signed-rank test of architectures on matched cells (the
// estimation study compares architectures with non-parametric tests:
// efficiencies are not normally distributed; runs of different sizes and
// criteria are not exchangeable, so they are compared pairwise, cell by
// cell, never pooled).

#include <vector>

#include "io/records/reduction.hpp"
#include "orchestrator/reduce/normalisation.hpp"
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

// The Wilcoxon signed-rank test of paired differences. Non-finite
// differences (a log ratio of a net clamped to zero, an accuracy of zero)
// are left out and counted; zero differences have no sign and are dropped
// before ranking (SciPy's zero_method="wilcox"), and counted. The statistic
// is the smaller of the two rank sums over mid-ranks of |d|; p is two-sided.
// Up to kWilcoxonExactUpTo differences p is exact: the permutation
// distribution of the rank sum over all 2^n sign patterns, conditional on
// the ranks as they are, ties included (SciPy's mode="exact" where there are
// no ties). Above it, the normal approximation with the tie-corrected
// variance and no continuity correction.
inline constexpr int kWilcoxonExactUpTo = 50;
struct Wilcoxon {
  int n = 0;          // the differences the test used: finite and non-zero
  int zeros = 0;      // differences of exactly zero, dropped
  int dropped = 0;    // non-finite differences, dropped
  double w = 0;       // min(W+, W−)
  double z = NAN;     // the normal approximation's z (NaN where exact)
  double p = 1;       // two-sided
  bool exact = false;
};
Wilcoxon wilcoxon_signed_rank(const std::vector<double>& differences);

namespace reduction {

// Eq. 4 of every architecture with its 95 % percentile bootstrap interval
// (runs resampled within every criterion and size, each stratum kept once;
// the calibrations resampled too, through `normalisation`), and every pair of
// architectures of a dataset and setup compared: the ratio with its
// interval and a test of the matched cells' efficiencies. `architectures`:
// the Eq. 4 rows, whose figures, completeness and doubts the rows carry.
struct Statistics {
  int resamples = 0;
  std::vector<IntervalRow> intervals;      // one per architecture row
  std::vector<ComparisonRow> comparisons;  // every pair of architectures of a dataset and setup
};
Statistics intervals_and_comparisons(const std::vector<Measured>& done, const std::vector<ArchitectureRow>& architectures,
                                     const Normalisation& normalisation);

}  // namespace reduction

}  // namespace joulegrid
