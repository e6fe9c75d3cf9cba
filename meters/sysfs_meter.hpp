#pragma once
// The shared shape of the file-based meters (RAPL, amdgpu hwmon): every
// channel is one sysfs file holding micro-units (µJ or µW), kept open and
// read with one pread a sample.

#include "meters/meter.hpp"
#include "meters/sysfs.hpp"

namespace joulegrid::meters {

class SysfsFileMeter : public Meter {
 public:
  const std::vector<Channel>& channels() const override { return channels_; }
  // Each file's value × 1e-6: µJ → J, µW → W.
  void read(double* out) override;
  bool empty() const { return channels_.empty(); }

 protected:
  void add(Channel channel, CounterFile file);

 private:
  std::vector<Channel> channels_;
  std::vector<CounterFile> files_;
};

}  // namespace joulegrid::meters
