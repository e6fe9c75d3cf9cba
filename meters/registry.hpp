#pragma once
// The one place that decides which sources a node uses.

#include <memory>
#include <string>
#include <vector>

#include "meters/estimator.hpp"
#include "meters/meter.hpp"
#include "meters/sysfs.hpp"

namespace joulegrid::meters {

struct MeterSet {
  std::vector<std::unique_ptr<Meter>> meters;
  std::vector<Warning> warnings;
};

// `sources`: words of MeterSource (vocabulary/meter_sources.hpp). auto = every hardware
// source that opens, and the estimator for a CPU or RAM no counter covers.
// With `utilisation`, the GPUs' busy percentages and the node's CPU
// utilisation are channels too (method utilisation, never summed as energy).
// Throws std::invalid_argument on an unknown name.
MeterSet open_meters(const std::vector<std::string>& sources, const SysfsRoot& root,
                     const EstimatorOptions& estimator, bool utilisation = true);

}  // namespace joulegrid::meters
