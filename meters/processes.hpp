#pragma once
// The processes of this job on this node, from /proc. Under a launcher
// (mpirun, srun) every rank of a node is a child of the launcher's daemon,
// so the job's processes are that daemon and its descendants: the ranks and
// their trainers. Run alone, they are this process and its descendants.
// Anything else is foreign: another job, a user's shell, a daemon. The
// in-run load check (rank/metered_energy) counts foreign CPU time, and the
// worker asks NVML for foreign compute processes on its cards.

#include <sys/types.h>

#include <string>
#include <vector>

#include "meters/meter.hpp"
#include "meters/sysfs.hpp"

namespace joulegrid::meters {

// Started by mpirun or srun (Open MPI, PMIx, MPICH and Slurm's PMI each set a variable).
bool launched_by_a_launcher();
// The root of this job's processes on this node: the launcher's daemon, or this process.
pid_t job_root();

// One process as /proc/PID/stat tells it.
struct ProcessStat {
  pid_t pid = 0, parent = 0;
  double ticks = 0;  // utime + stime + its reaped children's, in clock ticks
};
bool read_process_stat(const SysfsRoot& root, pid_t pid, ProcessStat& out);

// Whether `pid` is `job` or one of its descendants.
bool in_job(const SysfsRoot& root, pid_t pid, pid_t job);
// The CPU ticks of `job` and every descendant. Summed with their reaped
// children's ticks, the total runs on when a trainer ends and its rank
// reaps it: the ticks move from one entry to its parent's.
double job_cpu_ticks(const SysfsRoot& root, pid_t job);
// Likewise for a trainer's whole process tree (a program's forked data
// loaders, while they run, and the children it reaped); NaN when `pid`
// itself is gone. A descendant that ends unreaped by the tree (an orphan
// adopted by init) takes its ticks with it.
double tree_cpu_ticks(const SysfsRoot& root, pid_t pid);

// The compute processes on the GPUs this rank meters (`channels`, from NVML)
// that are not the job's, described ("gpu0 GPU-…: pid 4242, 4243"), or ""
// when there are none or NVML cannot tell.
std::string foreign_gpu_processes(const SysfsRoot& root, const std::vector<Channel>& channels, pid_t job);

}  // namespace joulegrid::meters
