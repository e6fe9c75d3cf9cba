#pragma once
// The node's reference workload (ARCHITECTURE §4): a seeded LeNet-1 trained
// for a fixed number of steps of batch 256 on synthetic data, through the
// same child process and energy windows as every cell. Its training-phase
// energy is E_ref(node); normalised energy is E × E_ref(reference) / E_ref(node).

#include <string>

#include "io/spec/spec.hpp"
#include "rank/cell_energy.hpp"

namespace joulegrid {

struct Calibration {
  bool ok = false;
  int steps = 0;
  double joules = 0, net_joules = 0, seconds = 0;
  std::string method;
  std::string problem;  // why it failed, for the node record
};

Calibration calibrate_node(CellEnergy& energy, const CalibrationOptions& options, const TrainOptions& train);

}  // namespace joulegrid
