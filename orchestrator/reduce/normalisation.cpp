#include "orchestrator/reduce/normalisation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <tuple>

namespace joulegrid::reduction {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string joules_text(double j) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g J", j);
  return buf;
}

}  // namespace

std::vector<NodeRow> normalisation(const StudyResults& results, EnergyBasis basis, std::string* reference) {
  auto e_ref = [&](const NodeRecord& n) {
    if (n.calibration_steps <= 0) return kNaN;
    const double j = basis == EnergyBasisValue::net ? n.calibration_net_j : n.calibration_j;
    return j > 0 ? j : kNaN;
  };
  double ref = kNaN;
  const StudyMeta& m = results.meta;
  if (m.normalise_to_j > 0) {
    ref = m.normalise_to_j;
    *reference = "a calibration energy of " + joules_text(ref) + " carried over from another study";
  } else {
    // "first": the node of the lowest rank, so the choice does not depend on
    // which node happened to report first.
    std::vector<const NodeRecord*> by_rank;
    for (const auto& n : results.nodes) by_rank.push_back(&n);
    std::stable_sort(by_rank.begin(), by_rank.end(), [](const NodeRecord* a, const NodeRecord* b) {
      return std::tie(a->replica, a->leader_rank) < std::tie(b->replica, b->leader_rank);
    });
    for (const NodeRecord* n : by_rank) {
      const bool wanted = (m.normalise_to.empty() || m.normalise_to == "first") ? !std::isnan(e_ref(*n))
                                                                                : n->name == m.normalise_to;
      if (wanted) {
        ref = e_ref(*n);
        *reference = "node " + n->name + " (calibration " + joules_text(ref) + ")";
        break;
      }
    }
    if (std::isnan(ref)) *reference = "none: no node has a calibration";
  }
  std::vector<NodeRow> out;
  for (const auto& n : results.nodes) out.push_back({n, ref / e_ref(n)});
  return out;
}

}  // namespace joulegrid::reduction
