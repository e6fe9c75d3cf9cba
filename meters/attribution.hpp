#pragma once
// Attribution of shared CPU package and DRAM energy: a cell gets the share of
// the node's busy CPU time that its trainer process used in the window
// (/proc/PID/stat utime + stime against /proc/stat's busy ticks). GPU energy
// needs no share: a GPU belongs to the rank bound to it.

#include <sys/types.h>

#include "meters/sysfs.hpp"

namespace joulegrid::meters {

// utime + stime of a process (and its waited-for children), in clock ticks; NaN if gone.
double process_cpu_ticks(const SysfsRoot& root, pid_t pid);
// Busy ticks of the whole node (every state but idle and iowait).
double node_busy_ticks(const SysfsRoot& root);

class CpuShare {
 public:
  CpuShare(SysfsRoot root, pid_t pid);
  // The process's share of the node's busy time since the previous call, in
  // [0, 1]. Between two kernel ticks nothing moves: the last share holds.
  double next();
  double last() const { return share_; }

 private:
  SysfsRoot root_;
  pid_t pid_;
  double process_ = 0, node_ = 0, share_ = 1.0;
};

}  // namespace joulegrid::meters
