#pragma once
// The node's meters as the worker sees them: a sampler thread over every
// source found, and the sum of the channels that do not contain one another
// (package + DRAM + GPU, never psys on top) as the cell's energy.
// CPU and RAM energy is attributed by the trainer's share of the node's busy
// CPU time (meters/attribution.hpp); GPU energy counts whole. The CPU time
// of processes outside the job (meters/processes.hpp) while a cell runs is
// counted for the in-run load check. After
// measure_idle, net energy subtracts each channel's idle power × time.

#include <memory>

#include "io/records/results.hpp"
#include "io/spec/spec.hpp"
#include "meters/attribution.hpp"
#include "meters/registry.hpp"
#include "meters/sampler.hpp"
#include "rank/cell_energy.hpp"

namespace joulegrid {

class MeteredEnergy : public CellEnergy {
 public:
  // `clock` stamps the samples and times the idle windows (a test's own in tests).
  MeteredEnergy(const MeterOptions& options, const meters::SysfsRoot& root,
                meters::Clock& clock = meters::steady_clock());
  ~MeteredEnergy() override;

  EnergyTotals now() override;
  void attach(pid_t trainer) override;
  void trains_on_gpu(bool yes) override { count_gpus_ = yes; }
  // Samples the node with nothing running for `seconds` in all, cut into
  // `windows` windows: each window's idle watts of the summed channels and
  // the share of the node's CPUs busy meanwhile (other processes: nothing
  // of ours trains). Each channel's idle power, kept for the net energy, is
  // its median over the windows.
  std::vector<IdleWindow> measure_idle_windows(double seconds, int windows);
  // One window; returns the idle watts.
  double measure_idle(double seconds) {
    measure_idle_windows(seconds, 1);
    return idle_watts();
  }
  double idle_watts() const;
  // The weakest method among the summed channels: estimated < power < counter.
  EnergyMethod method() const override { return method_; }
  std::string describe() const override;

  bool empty() const { return sampler_->channels().empty(); }
  const std::vector<meters::Warning>& warnings() const { return warnings_; }
  const meters::Sampler& sampler() const { return *sampler_; }

 private:
  meters::Clock& clock_;
  std::unique_ptr<meters::Sampler> sampler_;
  std::vector<meters::Warning> warnings_;
  EnergyMethod method_;
  meters::SysfsRoot root_;
  std::unique_ptr<meters::CpuShare> share_;
  std::vector<double> last_;  // each channel's cumulative joules at the previous reading
  std::vector<double> idle_w_;  // each channel's idle power
  double last_t_ = 0;
  pid_t job_;  // the root of this job's processes on the node (meters/processes.hpp)
  double seen_busy_ = 0, seen_total_ = 0, seen_job_ = 0;  // the node's and the job's ticks counted so far
  bool count_gpus_ = true;  // false while the cells train on the CPU: the node's GPUs are not theirs
  EnergyTotals totals_;
};

}  // namespace joulegrid
