#pragma once
// The shared shape of the file-based meters (RAPL, amdgpu hwmon): every
// channel is one sysfs file holding micro-units (µJ or µW) or a percentage,
// kept open and read with one pread a sample.

#include "meters/meter.hpp"
#include "meters/sysfs.hpp"

namespace joulegrid::meters {

class SysfsFileMeter : public Meter {
 public:
  const std::vector<Channel>& channels() const override { return channels_; }
  // Each file's value × its scale: 1e-6 for µJ → J and µW → W, 1 for percent.
  void read(double* out) override;
  bool empty() const { return channels_.empty(); }

 protected:
  void add(Channel channel, CounterFile file, double scale = 1e-6);

 private:
  std::vector<Channel> channels_;
  std::vector<CounterFile> files_;
  std::vector<double> scales_;
};

}  // namespace joulegrid::meters
