#pragma once
// RAPL through powercap: package and DRAM energy counters (µJ), wrapping at
// max_energy_range_uj. Package zones and their DRAM subzones are separate
// domains and add up; core/uncore are inside a package and are not read; psys
// contains the packages and is kept but never added to them. intel-rapl-mmio
// zones that repeat an intel-rapl zone's name are dropped.

#include "meters/sysfs_meter.hpp"

namespace joulegrid::meters {

class RaplMeter : public SysfsFileMeter {
 public:
  // Opens what it can under `root`; what it cannot goes into `warnings`.
  RaplMeter(const SysfsRoot& root, std::vector<Warning>& warnings);
};

}  // namespace joulegrid::meters
