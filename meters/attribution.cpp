#include "meters/attribution.hpp"
#include "meters/utilisation.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace joulegrid::meters {

double process_cpu_ticks(const SysfsRoot& root, pid_t pid) {
  const auto line = read_text(root.path("/proc/" + std::to_string(pid) + "/stat"));
  if (!line) return std::nan("");
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const size_t close = line->rfind(')');
  if (close == std::string::npos) return std::nan("");
  std::istringstream rest(line->substr(close + 2));
  std::string field;
  double utime = 0, stime = 0, cutime = 0, cstime = 0;
  for (int i = 3; i <= 17 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    else if (i == 15) stime = std::stod(field);
    else if (i == 16) cutime = std::stod(field);
    else if (i == 17) cstime = std::stod(field);
  }
  return utime + stime + cutime + cstime;
}

double node_busy_ticks(const SysfsRoot& root) {
  double busy = 0, total = 0;
  return node_ticks(root, busy, total) ? busy : std::nan("");
}

bool node_ticks(const SysfsRoot& root, double& busy, double& total) {
  return CpuBusy(root.path("/proc/stat")).read(busy, total);
}

CpuShare::CpuShare(SysfsRoot root, pid_t pid) : root_(std::move(root)), pid_(pid) {
  process_ = process0_ = process_cpu_ticks(root_, pid_);
  if (!node_ticks(root_, node_, total_)) node_ = total_ = std::nan("");
  node0_ = node_;
  total0_ = total_;
}

double CpuShare::next() {
  const double p = process_cpu_ticks(root_, pid_);
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
