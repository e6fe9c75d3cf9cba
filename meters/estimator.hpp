#pragma once
// When no counter can be read: CPU power = idle + (TDP − idle) × utilisation
// (from /proc/stat), RAM power = used GiB × watts per GiB (from /proc/meminfo).
// Every figure it gives is labelled "estimated".

#include "meters/meter.hpp"
#include "meters/sysfs.hpp"
#include "meters/utilisation.hpp"

namespace joulegrid::meters {

struct EstimatorOptions {
  double cpu_tdp_w = 0;            // 0 = kDefaultWattsPerCpu × logical CPUs
  double cpu_idle_fraction = 0.3;  // idle power as a fraction of TDP
  double ram_w_per_gib = 0.375;
  bool cpu = true, ram = true;     // which channels to offer
};

// A rough server-class figure, used only when the spec gives no TDP.
inline constexpr double kDefaultWattsPerCpu = 10.0;

class EstimatorMeter : public Meter {
 public:
  EstimatorMeter(const SysfsRoot& root, const EstimatorOptions& options, std::vector<Warning>& warnings);
  const std::vector<Channel>& channels() const override { return channels_; }
  void read(double* out) override;
  ~EstimatorMeter() override;
  double tdp_w() const { return tdp_w_; }

 private:
  double read_used_gib();
  std::string stat_path_, meminfo_path_;
  int meminfo_fd_ = -1;  // kept open, as /proc/stat's: a sample is two preads
  double used_gib_ = 0, used_read_at_ = -1;
  EstimatorOptions options_;
  CpuBusy busy_;
  std::vector<Channel> channels_;
  double tdp_w_ = 0;
};

}  // namespace joulegrid::meters
