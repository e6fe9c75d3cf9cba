#pragma once
// The node's CPU utilisation from /proc/stat: the share of all ticks spent
// busy (every state but idle and iowait) between two reads. The estimator
// turns it into watts; CpuUtilisationMeter offers it as a percentage channel
// beside the energy (method utilisation: never summed with joules).

#include "meters/meter.hpp"
#include "meters/sysfs.hpp"

namespace joulegrid::meters {

class CpuBusy {
 public:
  explicit CpuBusy(const std::string& stat_path);
  ~CpuBusy();
  CpuBusy(const CpuBusy&) = delete;
  CpuBusy& operator=(const CpuBusy&) = delete;
  bool ok() const { return fd_ >= 0 && read(busy_, total_); }
  // The aggregate "cpu" line's busy and total ticks, with one pread.
  bool read(double& busy, double& total) const;
  // The busy fraction in [0, 1] since the previous read. Between two kernel
  // ticks nothing moves: the last fraction holds. /proc/stat changes at
  // USER_HZ (100 Hz) and costs more to generate the more cores a node has,
  // so it is read at most every 10 ms whatever the sample rate.
  double next();

 private:
  int fd_ = -1;
  mutable double busy_ = 0, total_ = 0;
  double fraction_ = 0;
  double read_at_ = -1;  // monotonic seconds of the last read by next()
};

class CpuUtilisationMeter : public Meter {
 public:
  explicit CpuUtilisationMeter(const SysfsRoot& root);
  const std::vector<Channel>& channels() const override { return channels_; }
  void read(double* out) override;  // percent
  bool empty() const { return channels_.empty(); }

 private:
  CpuBusy busy_;
  std::vector<Channel> channels_;
};

}  // namespace joulegrid::meters
