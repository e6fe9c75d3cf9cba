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

double calibration_joules(const CalibrationRun& run, EnergyBasis basis) {
  return basis == EnergyBasisValue::net ? std::max(0.0, run.net_joules) : run.joules;
}

Normalisation normalisation(const StudyResults& results, EnergyBasis basis) {
  Normalisation out;
  out.basis = basis;
  std::string* reference = &out.reference;
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
      return std::tie(a->replica, a->leader_rank, a->session) < std::tie(b->replica, b->leader_rank, b->session);
    });
    for (const NodeRecord* n : by_rank) {
      const bool wanted = (m.normalise_to.empty() || m.normalise_to == "first") ? !std::isnan(e_ref(*n))
                                                                                : n->name == m.normalise_to;
      if (wanted) {
        ref = e_ref(*n);
        out.reference_node = n->key();
        *reference = "node " + n->key() + " (calibration " + joules_text(ref) + ")";
        break;
      }
    }
    if (std::isnan(ref)) *reference = "none: no node has a calibration";
  }
  out.reference_j = ref;
  for (const auto& n : results.nodes) {
    NodeRow row;
    row.node = n;
    row.e_ref_j = e_ref(n);
    row.factor = ref / row.e_ref_j;
    if (std::isfinite(row.e_ref_j)) {
      double lo = INFINITY, hi = -INFINITY;
      for (const auto& r : n.calibration_runs) {
        lo = std::min(lo, calibration_joules(r, basis));
        hi = std::max(hi, calibration_joules(r, basis));
      }
      row.e_ref_spread = n.calibration_runs.size() > 1 ? (hi - lo) / row.e_ref_j : 0.0;
    }
    for (const auto& r : results.runs)
      if (r.node_key() == n.key()) {
        ++row.attempts;
        row.warm_attempts += r.warm_trainer;
        if (std::isfinite(r.outside_s) && std::isfinite(r.outside_j)) {
          row.overhead_s = (std::isfinite(row.overhead_s) ? row.overhead_s : 0.0) + r.outside_s;
          row.overhead_j = (std::isfinite(row.overhead_j) ? row.overhead_j : 0.0) + r.outside_j;
        }
      }
    out.nodes.push_back(row);
  }
  // A node measured again by a later job (a resume): each of its runs is
  // normalised by its own measurement; how far the calibrations differ is said.
  for (auto& row : out.nodes) {
    const NodeRow* first = nullptr;
    row.measurements = 0;
    for (const auto& other : out.nodes)
      if (other.node.name == row.node.name && other.node.replica == row.node.replica) {
        ++row.measurements;
        if (std::isfinite(other.e_ref_j) && (!first || other.node.session < first->node.session)) first = &other;
      }
    if (row.measurements > 1 && first && std::isfinite(row.e_ref_j)) row.e_ref_change = row.e_ref_j / first->e_ref_j - 1;
  }
  return out;
}

}  // namespace joulegrid::reduction
