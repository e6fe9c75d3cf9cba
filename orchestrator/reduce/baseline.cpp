#include "orchestrator/reduce/baseline.hpp"

#include <cmath>
#include <map>
#include <tuple>

#include "orchestrator/reduce/quantities.hpp"

namespace joulegrid::reduction {

namespace {

std::string percent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g %%", v);
  return buf;
}

// The node measurement (RunResult::node_key) an epoch of a run ran under:
// its segment's, for a run continued on other nodes.
std::string node_of_epoch(const RunResult& r, int epoch) {
  for (const auto& g : r.segments)
    if (epoch >= g.first_epoch && epoch < g.first_epoch + g.epochs) return g.node_key();
  return r.node_key();
}

}  // namespace

bool has_idle_baseline(const NodeRecord& node) { return node.idle_s > 0 || !node.idle_windows.empty(); }

std::string missing_idle_baseline(const StudyResults& results) {
  std::map<std::string, bool> ran;
  for (const auto& r : results.runs)
    if (r.status == StatusValue::done) {
      ran[r.node_key()] = true;
      for (const auto& g : r.segments) ran[g.node_key()] = true;
    }
  std::string missing;
  for (const auto& n : results.nodes)
    if (ran.count(n.key()) && !has_idle_baseline(n)) missing += (missing.empty() ? "" : ", ") + n.key();
  return missing;
}

std::vector<NodeRow> judge_net_energy(const StudyResults& results, std::vector<NodeRow> nodes) {
  std::map<std::string, std::vector<double>> other;  // per node: its finished runs' other CPU load
  for (const auto& r : results.runs)
    if (r.status == StatusValue::done && std::isfinite(r.other_cpu)) other[r.node_key()].push_back(r.other_cpu);
  std::map<std::string, std::pair<int, int>> phases;  // per node: phases, of them below idle power
  for (const auto& r : results.runs) {
    if (r.status != StatusValue::done) continue;
    for (const auto& e : r.epoch_records)
      for (const EnergyReading* p : {&e.train_energy, &e.eval_energy}) {
        auto& [all, below] = phases[node_of_epoch(r, e.epoch)];
        ++all;
        below += p->net_joules < -kBelowIdleTolerance * p->joules;  // not rounding noise around zero
      }
  }
  for (auto& row : nodes) {
    const NodeRecord& n = row.node;
    std::tie(row.net_phases, row.net_phases_below_idle) = phases[n.key()];
    std::string doubt;
    auto add = [&](const std::string& why) { doubt += (doubt.empty() ? "" : "; ") + why; };
    if (!has_idle_baseline(n))
      add("no idle baseline: it measured no idle power ([meters] idle_seconds = 0), so it has no net energy");
    if (const double busy = n.idle_other_cpu(); std::isfinite(busy) && busy > kIdleBusyPercent)
      add("other processes kept " + percent(busy) + " of its CPU time busy while it measured its idle power");
    if (const double spread = n.idle_spread(); spread > kIdleSpread)
      add("its idle windows differ by " + percent(100 * spread) + " of their median");
    if (n.other_cpu_outside_job || n.worker_ranks == 1)
      if (const double load = mean_of(other[n.key()]); std::isfinite(load) && load > kRunOtherCpuPercent)
        add("other processes used " + percent(load) + " of its CPU time while its cells ran");
    if (row.net_phases > 0 && row.net_phases_below_idle > kBelowIdleShare * row.net_phases)
      add(std::to_string(row.net_phases_below_idle) + " of its " + std::to_string(row.net_phases) +
          " training and evaluation phases drew less than its idle power: the baseline was taken on a busier node");
    row.net_reliable = doubt.empty();
    row.net_doubt = doubt;
  }
  return nodes;
}

}  // namespace joulegrid::reduction
