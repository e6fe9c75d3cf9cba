#include "orchestrator/reduce/statistics.hpp"


#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>

namespace joulegrid {

double quantile(std::vector<double> v, double q) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const double at = std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(at));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (at - static_cast<double>(lo));
}

MannWhitney mann_whitney(const std::vector<double>& a_in, const std::vector<double>& b_in) {
  std::vector<std::pair<double, int>> all;  // value, sample (0 = a)
  for (double x : a_in)
    if (!std::isnan(x)) all.push_back({x, 0});
  for (double x : b_in)
    if (!std::isnan(x)) all.push_back({x, 1});
  MannWhitney r;
  for (const auto& [x, s] : all) (s == 0 ? r.n_a : r.n_b) += 1;
  if (r.n_a == 0 || r.n_b == 0) {
    r.u = r.z = std::numeric_limits<double>::quiet_NaN();
    r.p = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  std::sort(all.begin(), all.end());
  // Mid-ranks; the tie term Σ(t³ − t) for the variance.
  double rank_sum_a = 0, ties = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double mid = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k)
      if (all[k].second == 0) rank_sum_a += mid;
    const double t = static_cast<double>(j - i);
    ties += t * t * t - t;
    i = j;
  }
  const double na = r.n_a, nb = r.n_b, n = na + nb;
  r.u = rank_sum_a - na * (na + 1) / 2.0;
  const double mean = na * nb / 2.0;
  const double var = na * nb / 12.0 * ((n + 1) - ties / (n * (n - 1)));
  if (var <= 0) {
    r.z = 0;
    r.p = 1;
    return r;
  }
  const double diff = std::abs(r.u - mean) - 0.5;
  r.z = (r.u > mean ? 1 : -1) * std::max(0.0, diff) / std::sqrt(var);
  r.p = std::min(1.0, std::erfc(std::abs(r.z) / std::sqrt(2.0)));
  return r;
}

Wilcoxon wilcoxon_signed_rank(const std::vector<double>& differences) {
  Wilcoxon r;
  std::vector<double> d;
  for (double x : differences) {
    if (!std::isfinite(x)) {
      ++r.dropped;
    } else if (x == 0) {
      ++r.zeros;  // no sign: dropped before ranking (SciPy's zero_method="wilcox")
    } else {
      d.push_back(x);
    }
  }
  r.n = static_cast<int>(d.size());
  if (r.n == 0) {
    r.w = r.p = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  std::vector<size_t> order(d.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return std::abs(d[a]) < std::abs(d[b]); });
  // Mid-ranks of |d|, doubled so that they are whole numbers (a tie of two
  // at ranks 3 and 4 is 3.5 each, 7 doubled); the tie term Σ t(t² − 1).
  std::vector<int> twice_rank(d.size());
  double ties = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && std::abs(d[order[j]]) == std::abs(d[order[i]])) ++j;
    for (size_t k = i; k < j; ++k) twice_rank[order[k]] = static_cast<int>(i + 1 + j);
    const double t = static_cast<double>(j - i);
    ties += t * (t * t - 1);
    i = j;
  }
  int plus = 0, total = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    total += twice_rank[i];
    if (d[i] > 0) plus += twice_rank[i];
  }
  const int smaller = std::min(plus, total - plus);
  r.w = smaller / 2.0;
  const int n = r.n;
  if (n <= kWilcoxonExactUpTo) {
    // The exact null distribution given these ranks, ties and all: each
    // difference's sign is + or − with probability ½, so count the sign
    // patterns whose doubled rank sum is each value (a knapsack over the
    // ranks; 2^50 patterns are still exact in a double).
    std::vector<double> ways(static_cast<size_t>(total) + 1, 0.0);
    ways[0] = 1;
    int reach = 0;
    for (int k : twice_rank) {
      reach += k;
      for (int s = reach; s >= k; --s) ways[static_cast<size_t>(s)] += ways[static_cast<size_t>(s - k)];
    }
    double at_most = 0;
    for (int s = 0; s <= smaller; ++s) at_most += ways[static_cast<size_t>(s)];
    r.exact = true;
    r.p = std::min(1.0, 2 * at_most / std::ldexp(1.0, n));
    return r;
  }
  const double nn = n;
  const double mean = nn * (nn + 1) / 4;
  const double var = (nn * (nn + 1) * (2 * nn + 1) - 0.5 * ties) / 24;
  r.z = var > 0 ? (r.w - mean) / std::sqrt(var) : 0;
  r.p = std::min(1.0, std::erfc(std::abs(r.z) / std::sqrt(2.0)));
  return r;
}

namespace reduction {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The runs of one architecture (dataset, setup) arranged as Eq. 4 reads
// them: criterion → size → runs.
struct Nested {
  std::string dataset, architecture, setup;
  std::vector<std::vector<std::vector<const Measured*>>> criteria;
  std::vector<const Measured*> runs;
};

std::vector<Nested> nest(const std::vector<Measured>& done) {
  std::vector<Nested> out;
  for (const auto& arch : group_by(done, [](const Measured& m) {
         return key({m.cell->dataset, m.cell->architecture, setup_label(*m.cell)});
       })) {
    Nested n{arch.front()->cell->dataset, arch.front()->cell->architecture, setup_label(*arch.front()->cell), {}, arch};
    std::map<std::string, std::map<int, std::vector<const Measured*>>> by;
    std::vector<std::string> order;
    for (const Measured* m : arch) {
      if (!by.count(m->cell->criterion)) order.push_back(m->cell->criterion);
      by[m->cell->criterion][m->cell->size].push_back(m);
    }
    for (const auto& c : order) {
      n.criteria.emplace_back();
      for (const auto& [size, runs] : by[c]) n.criteria.back().push_back(runs);
    }
    out.push_back(std::move(n));
  }
  return out;
}

// The median of a resample, with replacement, of a node's calibration
// repetitions: one draw of its E_ref.
double resampled_e_ref(const std::vector<double>& runs, std::mt19937_64& rng) {
  std::uniform_int_distribution<size_t> pick(0, runs.size() - 1);
  std::vector<double> draw(runs.size());
  for (auto& x : draw) x = runs[pick(rng)];
  std::sort(draw.begin(), draw.end());
  const size_t k = draw.size();
  return k % 2 ? draw[k / 2] : (draw[k / 2 - 1] + draw[k / 2]) / 2;
}

// Each replicate's normalisation factor per node: the calibrations are
// resampled too, so that a noisy E_ref widens the normalised intervals
// (the reference node's as much as the node's own). A node with one
// repetition, or a reference carried over in joules, keeps its factor.
std::vector<std::map<std::string, double>> factor_draws(const Normalisation& norm, int resamples) {
  std::map<std::string, std::vector<double>> runs;
  for (const auto& n : norm.nodes) {
    if (!std::isfinite(n.e_ref_j)) continue;
    auto& reps = runs[n.node.key()];
    for (const auto& r : n.node.calibration_runs) reps.push_back(calibration_joules(r, norm.basis));
    if (reps.empty()) reps.push_back(n.e_ref_j);  // built in memory with its E_ref alone
  }
  std::mt19937_64 rng(20241201);  // apart from the runs' stream: raw intervals do not move
  std::vector<std::map<std::string, double>> out(static_cast<size_t>(resamples));
  for (auto& draw : out) {
    std::map<std::string, double> e_ref;
    for (const auto& [node, reps] : runs) e_ref[node] = reps.size() > 1 ? resampled_e_ref(reps, rng) : reps.front();
    const auto ref = e_ref.find(norm.reference_node);
    const double reference = norm.reference_node.empty() || ref == e_ref.end() ? norm.reference_j : ref->second;
    for (const auto& n : norm.nodes) draw[n.node.key()] = e_ref.count(n.node.key()) ? reference / e_ref[n.node.key()] : kNaN;
  }
  return out;
}

// One bootstrap replicate of Eq. 4 (raw, normalised by the replicate's
// factors), stratified: every (criterion, size) stratum is kept once, as
// the study fixed it, and its runs are drawn with replacement. The interval
// is the uncertainty of Eq. 4 over these criteria and sizes, not over a
// population of sizes (which two to five fixed sizes could not describe).
std::pair<double, double> resampled_eq4(const Nested& n, const std::map<std::string, double>& factor,
                                        std::mt19937_64& rng) {
  double sum_c = 0, sum_c_norm = 0;
  for (const auto& sizes : n.criteria) {
    double sum_s = 0, sum_s_norm = 0;
    for (const auto& runs : sizes) {
      std::uniform_int_distribution<size_t> pick_run(0, runs.size() - 1);
      double acc = 0, e = 0, en = 0;
      for (size_t r = 0; r < runs.size(); ++r) {
        const Measured* m = runs[pick_run(rng)];
        acc += m->run->test_acc;
        e += m->energy_j;
        en += normalised_joules(m->parts, factor);
      }
      sum_s += e > 0 ? acc / e : kNaN;
      sum_s_norm += en > 0 ? acc / en : kNaN;
    }
    sum_c += sum_s / static_cast<double>(sizes.size());
    sum_c_norm += sum_s_norm / static_cast<double>(sizes.size());
  }
  const double c = static_cast<double>(n.criteria.size());
  return {sum_c / c, sum_c_norm / c};
}

// Whether any (criterion, size) stratum holds more than one run (or pair):
// without that, a stratified bootstrap has nothing to resample.
template <class T>
bool replicated(const std::vector<std::vector<std::vector<T>>>& strata) {
  for (const auto& sizes : strata)
    for (const auto& runs : sizes)
      if (runs.size() > 1) return true;
  return false;
}

// Runs of two architectures that differ in nothing else: the same dataset,
// setup, criterion, size, fold, repeat and replica. Strata by criterion,
// then size, for the paired bootstrap. A pair where either side has no
// finite, positive efficiency on the comparison's basis (a net clamped to
// zero, an accuracy of zero) is counted in `dropped` and used by neither
// the test nor the ratio and its interval, so all three see the same pairs.
struct Matched {
  std::vector<std::vector<std::vector<std::pair<const Measured*, const Measured*>>>> strata;
  std::vector<std::pair<const Measured*, const Measured*>> pairs;
  int dropped = 0;
};

// Accuracy per joule on the comparison's basis.
double efficiency_on(const Measured* x, bool normalised) {
  return x->run->test_acc / (normalised ? x->energy_norm_j : x->energy_j);
}

bool usable(const Measured* x, bool normalised) {
  const double e = efficiency_on(x, normalised);
  return std::isfinite(e) && e > 0;
}

Matched match(const Nested& a, const Nested& b, bool normalised) {
  auto cell_key = [](const Measured* m) {
    const CellRow& c = *m->cell;
    return key({c.criterion, std::to_string(c.size), std::to_string(c.fold), std::to_string(c.repeat),
                std::to_string(m->run->replica)});
  };
  std::map<std::string, const Measured*> theirs;
  for (const Measured* m : b.runs) theirs.emplace(cell_key(m), m);
  std::map<std::string, std::map<int, std::vector<std::pair<const Measured*, const Measured*>>>> by;
  std::vector<std::string> order;
  Matched out;
  for (const Measured* m : a.runs) {
    const auto it = theirs.find(cell_key(m));
    if (it == theirs.end()) continue;
    if (!usable(m, normalised) || !usable(it->second, normalised)) {
      ++out.dropped;
      continue;
    }
    if (!by.count(m->cell->criterion)) order.push_back(m->cell->criterion);
    by[m->cell->criterion][m->cell->size].push_back({m, it->second});
    out.pairs.push_back({m, it->second});
  }
  for (const auto& c : order) {
    out.strata.emplace_back();
    for (const auto& [size, pairs] : by[c]) out.strata.back().push_back(pairs);
  }
  return out;
}

// One replicate of the ratio of Eq. 4 over matched cells: every (criterion,
// size) stratum once, and within it the same cells (fold, repeat) drawn
// with replacement for both; normalised by the replicate's factors.
double resampled_matched_ratio(const Matched& m, const std::map<std::string, double>& factor, bool normalised,
                               std::mt19937_64& rng) {
  auto joules = [&](const Measured* x) {
    if (!normalised) return x->energy_j;
    return normalised_joules(x->parts, factor);
  };
  double eq4_a = 0, eq4_b = 0;
  for (const auto& sizes : m.strata) {
    double sum_a = 0, sum_b = 0;
    for (const auto& pairs : sizes) {
      std::uniform_int_distribution<size_t> pick_pair(0, pairs.size() - 1);
      double acc_a = 0, e_a = 0, acc_b = 0, e_b = 0;
      for (size_t r = 0; r < pairs.size(); ++r) {
        const auto& [a, b] = pairs[pick_pair(rng)];
        acc_a += a->run->test_acc;
        e_a += joules(a);
        acc_b += b->run->test_acc;
        e_b += joules(b);
      }
      sum_a += e_a > 0 ? acc_a / e_a : kNaN;
      sum_b += e_b > 0 ? acc_b / e_b : kNaN;
    }
    eq4_a += sum_a / static_cast<double>(sizes.size());
    eq4_b += sum_b / static_cast<double>(sizes.size());
  }
  return eq4_a / eq4_b;
}

// The ratio of Eq. 4 over the matched cells themselves: what the interval
// and the test are about (the full Eq. 4 ratio where every cell matched).
double matched_ratio(const Matched& m, bool normalised) {
  double eq4_a = 0, eq4_b = 0;
  for (const auto& sizes : m.strata) {
    double sum_a = 0, sum_b = 0;
    for (const auto& pairs : sizes) {
      double acc_a = 0, e_a = 0, acc_b = 0, e_b = 0;
      for (const auto& [a, b] : pairs) {
        acc_a += a->run->test_acc;
        e_a += normalised ? a->energy_norm_j : a->energy_j;
        acc_b += b->run->test_acc;
        e_b += normalised ? b->energy_norm_j : b->energy_j;
      }
      sum_a += e_a > 0 ? acc_a / e_a : kNaN;
      sum_b += e_b > 0 ? acc_b / e_b : kNaN;
    }
    eq4_a += sum_a / static_cast<double>(sizes.size());
    eq4_b += sum_b / static_cast<double>(sizes.size());
  }
  return eq4_a / eq4_b;
}

}  // namespace

Statistics intervals_and_comparisons(const std::vector<Measured>& done, const std::vector<ArchitectureRow>& architectures,
                                     const Normalisation& normalisation) {
  constexpr int kResamples = 2000;
  Statistics out;
  out.resamples = kResamples;
  const auto nested = nest(done);
  const auto factors = factor_draws(normalisation, kResamples);
  std::vector<std::vector<double>> raw(nested.size()), norm(nested.size());
  for (size_t a = 0; a < nested.size(); ++a) {
    // A stream of its own, seeded by what it is: the same file gives the
    // same intervals, and adding an architecture moves no other's.
    std::mt19937_64 rng(20240912 ^ fnv1a64(key({nested[a].dataset, nested[a].architecture, nested[a].setup})));
    for (int i = 0; i < kResamples; ++i) {
      const auto [r, n] = resampled_eq4(nested[a], factors[static_cast<size_t>(i)], rng);
      raw[a].push_back(r);
      norm[a].push_back(n);
    }
    IntervalRow row;
    row.dataset = nested[a].dataset;
    row.architecture = nested[a].architecture;
    row.setup = nested[a].setup;
    row.runs = static_cast<int>(nested[a].runs.size());
    for (const auto& x : architectures)
      if (x.dataset == row.dataset && x.architecture == row.architecture && x.setup == row.setup) {
        row.efficiency = x.efficiency;
        row.efficiency_norm = x.efficiency_norm;
        row.doubts = x.doubts;
        row.kind = x.kind;
      }
    // With one run in every (criterion, size) stratum there is no
    // run-to-run spread to resample: no interval, rather than a point that
    // reads as certainty.
    const bool spread = replicated(nested[a].criteria);
    row.low = spread ? quantile(raw[a], 0.025) : kNaN;
    row.high = spread ? quantile(raw[a], 0.975) : kNaN;
    row.low_norm = spread ? quantile(norm[a], 0.025) : kNaN;
    row.high_norm = spread ? quantile(norm[a], 0.975) : kNaN;
    out.intervals.push_back(row);
  }
  for (size_t a = 0; a < nested.size(); ++a)
    for (size_t b = a + 1; b < nested.size(); ++b) {
      if (nested[a].dataset != nested[b].dataset || nested[a].setup != nested[b].setup) continue;
      const bool normalised = std::isfinite(out.intervals[a].efficiency_norm) &&
                              std::isfinite(out.intervals[b].efficiency_norm);
      auto eq4 = [&](size_t k) { return normalised ? out.intervals[k].efficiency_norm : out.intervals[k].efficiency; };
      size_t hi = a, lo = b;
      if (eq4(a) < eq4(b)) std::swap(hi, lo);
      ComparisonRow c;
      c.dataset = nested[a].dataset;
      c.setup = nested[a].setup;
      c.numerator = nested[hi].architecture;
      c.denominator = nested[lo].architecture;
      c.basis = normalised ? "normalised" : "raw";
      c.ratio = eq4(hi) / eq4(lo);
      c.n_a = static_cast<int>(nested[hi].runs.size());
      c.n_b = static_cast<int>(nested[lo].runs.size());
      // The interval and the test over matched cells only: runs of other
      // sizes, criteria, folds or repeats are not exchangeable.
      const Matched m = match(nested[hi], nested[lo], normalised);
      c.pairs = static_cast<int>(m.pairs.size()) + m.dropped;
      c.dropped_pairs = m.dropped;
      // One stream per comparison, seeded by the two architectures' names.
      const auto& [first, second] = std::minmax(nested[a].architecture, nested[b].architecture);
      std::mt19937_64 paired(20241202 ^ fnv1a64(key({c.dataset, c.setup, first, second})));
      std::vector<double> ratios;
      if (!m.pairs.empty())
        for (int i = 0; i < kResamples; ++i)
          ratios.push_back(resampled_matched_ratio(m, factors[static_cast<size_t>(i)], normalised, paired));
      c.low = replicated(m.strata) ? quantile(ratios, 0.025) : kNaN;
      c.high = replicated(m.strata) ? quantile(ratios, 0.975) : kNaN;
      if (!m.pairs.empty()) c.ratio = matched_ratio(m, normalised);
      if (c.ratio < 1) {  // on their matched cells the other is ahead: it comes first
        std::swap(c.numerator, c.denominator);
        std::swap(c.n_a, c.n_b);
        c.ratio = 1 / c.ratio;
        const double low = c.low;
        c.low = 1 / c.high;
        c.high = 1 / low;
      }
      std::vector<double> log_ratios;
      for (const auto& [x, y] : m.pairs) log_ratios.push_back(std::log(efficiency_on(x, normalised) / efficiency_on(y, normalised)));
      const Wilcoxon w = wilcoxon_signed_rank(log_ratios);
      c.test = "Wilcoxon signed-rank on matched cells";
      c.test_pairs = w.n;
      c.tied_pairs = w.zeros;
      c.w = w.w;
      c.z = w.z;
      c.p = w.p;
      c.exact = w.exact;
      for (const auto& a : architectures)
        if (a.dataset == c.dataset && a.setup == c.setup &&
            (a.architecture == c.numerator || a.architecture == c.denominator)) {
          c.complete = c.complete && a.complete;
          c.doubts.add(a.doubts);
          (a.architecture == c.numerator ? c.numerator_kind : c.denominator_kind) = a.kind;
        }
      out.comparisons.push_back(c);
    }
  return out;
}

}  // namespace reduction

}  // namespace joulegrid
