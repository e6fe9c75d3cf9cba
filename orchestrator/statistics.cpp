#include "orchestrator/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

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

}  // namespace joulegrid
