#include "orchestrator/reduce/baseline.hpp"

#include <cmath>
#include <map>

#include "orchestrator/reduce/quantities.hpp"

namespace joulegrid::reduction {

namespace {

std::string percent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g %%", v);
  return buf;
}

}  // namespace

void judge_net_energy(const StudyResults& results, std::vector<NodeRow>& nodes) {
  std::map<std::string, std::vector<double>> other;  // per node: its finished runs' other CPU load
  for (const auto& r : results.runs)
    if (r.status == StatusValue::done && std::isfinite(r.other_cpu)) other[r.node_key()].push_back(r.other_cpu);
  for (auto& row : nodes) {
    const NodeRecord& n = row.node;
    std::string doubt;
    auto add = [&](const std::string& why) { doubt += (doubt.empty() ? "" : "; ") + why; };
    if (const double busy = n.idle_other_cpu(); std::isfinite(busy) && busy > kIdleBusyPercent)
      add("other processes kept " + percent(busy) + " of its CPU time busy while it measured its idle power");
    if (const double spread = n.idle_spread(); spread > kIdleSpread)
      add("its idle windows differ by " + percent(100 * spread) + " of their median");
    if (n.worker_ranks == 1)
      if (const double load = mean_of(other[n.key()]); std::isfinite(load) && load > kRunOtherCpuPercent)
        add("other processes used " + percent(load) + " of its CPU time while its cells ran");
    row.net_reliable = doubt.empty();
    row.net_doubt = doubt;
  }
}

}  // namespace joulegrid::reduction
