#include "orchestrator/reduce/statistics.hpp"

#include "orchestrator/reduce/normalisation.hpp"

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
std::vector<std::map<std::string, double>> factor_draws(const Reduction& red, int resamples) {
  std::map<std::string, std::vector<double>> runs;
  for (const auto& n : red.nodes) {
    if (!std::isfinite(n.e_ref_j)) continue;
    auto& reps = runs[n.node.name];
    for (const auto& r : n.node.calibration_runs) reps.push_back(calibration_joules(r, red.energy));
    if (reps.empty()) reps.push_back(n.e_ref_j);  // built in memory with its E_ref alone
  }
  std::mt19937_64 rng(20241201);  // apart from the runs' stream: raw intervals do not move
  std::vector<std::map<std::string, double>> out(static_cast<size_t>(resamples));
  for (auto& draw : out) {
    std::map<std::string, double> e_ref;
    for (const auto& [node, reps] : runs) e_ref[node] = reps.size() > 1 ? resampled_e_ref(reps, rng) : reps.front();
    const auto ref = e_ref.find(red.reference_node);
    const double reference = red.reference_node.empty() || ref == e_ref.end() ? red.reference_j : ref->second;
    for (const auto& n : red.nodes) draw[n.node.name] = e_ref.count(n.node.name) ? reference / e_ref[n.node.name] : kNaN;
  }
  return out;
}

// One bootstrap replicate of Eq. 4 (raw, normalised by the replicate's factors).
std::pair<double, double> resampled_eq4(const Nested& n, const std::map<std::string, double>& factor,
                                        std::mt19937_64& rng) {
  double sum_c = 0, sum_c_norm = 0;
  for (const auto& sizes : n.criteria) {
    double sum_s = 0, sum_s_norm = 0;
    std::uniform_int_distribution<size_t> pick_size(0, sizes.size() - 1);
    for (size_t s = 0; s < sizes.size(); ++s) {
      const auto& runs = sizes[pick_size(rng)];
      std::uniform_int_distribution<size_t> pick_run(0, runs.size() - 1);
      double acc = 0, e = 0, en = 0;
      for (size_t r = 0; r < runs.size(); ++r) {
        const Measured* m = runs[pick_run(rng)];
        acc += m->run->test_acc;
        e += m->energy_j;
        const auto f = factor.find(m->run->node);
        en += f == factor.end() ? kNaN : m->energy_j * f->second;
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

}  // namespace

void add_intervals_and_comparisons(const std::vector<Measured>& done, Reduction& red) {
  constexpr int kResamples = 2000;
  red.resamples = kResamples;
  const auto nested = nest(done);
  const auto factors = factor_draws(red, kResamples);
  std::vector<std::vector<double>> raw(nested.size()), norm(nested.size());
  std::mt19937_64 rng(20240912);  // fixed: the same file gives the same intervals
  for (size_t a = 0; a < nested.size(); ++a) {
    for (int i = 0; i < kResamples; ++i) {
      const auto [r, n] = resampled_eq4(nested[a], factors[static_cast<size_t>(i)], rng);
      raw[a].push_back(r);
      norm[a].push_back(n);
    }
    IntervalRow row{nested[a].dataset, nested[a].architecture, nested[a].setup};
    row.runs = static_cast<int>(nested[a].runs.size());
    for (const auto& x : red.architectures)
      if (x.dataset == row.dataset && x.architecture == row.architecture && x.setup == row.setup) {
        row.efficiency = x.efficiency;
        row.efficiency_norm = x.efficiency_norm;
      }
    row.low = quantile(raw[a], 0.025);
    row.high = quantile(raw[a], 0.975);
    row.low_norm = quantile(norm[a], 0.025);
    row.high_norm = quantile(norm[a], 0.975);
    red.intervals.push_back(row);
  }
  for (size_t a = 0; a < nested.size(); ++a)
    for (size_t b = a + 1; b < nested.size(); ++b) {
      if (nested[a].dataset != nested[b].dataset || nested[a].setup != nested[b].setup) continue;
      const bool normalised = std::isfinite(red.intervals[a].efficiency_norm) &&
                              std::isfinite(red.intervals[b].efficiency_norm);
      auto eq4 = [&](size_t k) { return normalised ? red.intervals[k].efficiency_norm : red.intervals[k].efficiency; };
      size_t hi = a, lo = b;
      if (eq4(a) < eq4(b)) std::swap(hi, lo);
      ComparisonRow c{nested[a].dataset, nested[a].setup, nested[hi].architecture, nested[lo].architecture,
                      normalised ? "normalised" : "raw"};
      c.ratio = eq4(hi) / eq4(lo);
      const auto& draws = normalised ? norm : raw;
      std::vector<double> ratios;
      for (int i = 0; i < kResamples; ++i)
        ratios.push_back(draws[hi][static_cast<size_t>(i)] / draws[lo][static_cast<size_t>(i)]);
      c.low = quantile(ratios, 0.025);
      c.high = quantile(ratios, 0.975);
      auto efficiencies = [&](size_t k) {
        std::vector<double> v;
        for (const Measured* m : nested[k].runs)
          v.push_back(m->run->test_acc / (normalised ? m->energy_norm_j : m->energy_j));
        return v;
      };
      const MannWhitney mw = mann_whitney(efficiencies(hi), efficiencies(lo));
      c.n_a = mw.n_a;
      c.n_b = mw.n_b;
      c.u = mw.u;
      c.z = mw.z;
      c.p = mw.p;
      for (const auto& a : red.architectures)
        if (a.dataset == c.dataset && a.setup == c.setup && (a.architecture == c.numerator || a.architecture == c.denominator))
          c.complete = c.complete && a.complete;
      red.comparisons.push_back(c);
    }
}

}  // namespace reduction

}  // namespace joulegrid
