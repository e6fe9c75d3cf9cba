#pragma once
// AMD GPUs through the amdgpu driver's hwmon: energy1_input (µJ, a counter)
// where the driver offers it, else power1_average or power1_input (µW).
// Where both exist the power is kept as a cross-check that never adds to the
// total. Each card carries its PCI address, to bind it to the rank that owns
// it (ROCR_VISIBLE_DEVICES). On MI250-class parts only one die of a pair
// reports power: a card with no reading is a warning, not a zero.
// With `utilisation`, each card's gpu_busy_percent is a utilisation channel.

#include "meters/sysfs_meter.hpp"

namespace joulegrid::meters {

class AmdGpuMeter : public SysfsFileMeter {
 public:
  AmdGpuMeter(const SysfsRoot& root, std::vector<Warning>& warnings, bool utilisation = true);
};

}  // namespace joulegrid::meters
