#include "meters/attribution.hpp"
#include "meters/processes.hpp"
#include "meters/utilisation.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace joulegrid::meters {

double process_cpu_ticks(const SysfsRoot& root, pid_t pid) {
  ProcessStat s;
  return read_process_stat(root, pid, s) ? s.ticks : std::nan("");
}

double node_busy_ticks(const SysfsRoot& root) {
  double busy = 0, total = 0;
  return node_ticks(root, busy, total) ? busy : std::nan("");
}

bool node_ticks(const SysfsRoot& root, double& busy, double& total) {
  return CpuBusy(root.path("/proc/stat")).read(busy, total);
}

CpuShare::CpuShare(SysfsRoot root, pid_t pid) : root_(std::move(root)), pid_(pid) {
  process_ = process0_ = tree_cpu_ticks(root_, pid_);
  if (!node_ticks(root_, node_, total_)) node_ = total_ = std::nan("");
  node0_ = node_;
  total0_ = total_;
}

double CpuShare::next() {
  const double p = tree_cpu_ticks(root_, pid_);
  double n = 0, t = 0;
  if (std::isnan(p) || !node_ticks(root_, n, t)) return share_;  // the process has ended: keep the last share
  if (n > node_) {
    share_ = std::clamp((p - process_) / (n - node_), 0.0, 1.0);
    process_ = p;
    node_ = n;
    total_ = t;
  }
  return share_;
}

}  // namespace joulegrid::meters
