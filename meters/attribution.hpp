#pragma once
// Attribution of shared CPU package and DRAM energy: a cell gets the share of
// the node's busy CPU time that its trainer's process tree used in the
// window (/proc/PID/stat utime + stime of the trainer and every descendant,
// with the children they reaped, against /proc/stat's busy ticks): a
// program's forked data loaders count. GPU energy needs no share: a GPU
// belongs to the rank bound to it.

#include <sys/types.h>

#include "meters/sysfs.hpp"

namespace joulegrid::meters {

// utime + stime of a process (and its waited-for children), in clock ticks; NaN if gone.
double process_cpu_ticks(const SysfsRoot& root, pid_t pid);
// Busy ticks of the whole node (every state but idle and iowait).
double node_busy_ticks(const SysfsRoot& root);
// Busy and total ticks of the whole node, from one read; false when /proc/stat cannot be read.
bool node_ticks(const SysfsRoot& root, double& busy, double& total);

class CpuShare {
 public:
  CpuShare(SysfsRoot root, pid_t pid);
  // The process tree's share of the node's busy time since the previous
  // call, in [0, 1]. Between two kernel ticks nothing moves: the last share
  // holds, and so does it once the process has ended.
  double next();
  double last() const { return share_; }
  // Ticks counted so far by next(): the process's and the node's busy
  // ticks and the node's total (all states), each since construction.
  double process_ticks() const { return process_ - process0_; }
  double node_busy() const { return node_ - node0_; }
  double node_total() const { return total_ - total0_; }

 private:
  SysfsRoot root_;
  pid_t pid_;
  double process_ = 0, node_ = 0, total_ = 0, share_ = 1.0;
  double process0_ = 0, node0_ = 0, total0_ = 0;
};

}  // namespace joulegrid::meters
