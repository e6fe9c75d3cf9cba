#pragma once
// The node's reference workload (ARCHITECTURE §4): a seeded LeNet-1 trained
// for a fixed number of steps of batch 256 on synthetic data, through the
// same child process and energy windows as every cell, `repetitions` times,
// each in a child of its own that runs the workload `warmup` times first.
// The median of the repetitions' training-phase energy is E_ref, and every
// repetition is kept, so that its spread reaches the normalised figures'
// intervals; normalised energy is E × E_ref(reference) / E_ref(node).
// Each worker rank with a GPU of its own calibrates its card, in turn
// (rank/worker.cpp); the node's E_ref is the median over all its cards'
// repetitions, whose spread then holds the card-to-card spread too.

#include <string>

#include "io/spec/spec.hpp"
#include "io/records/results.hpp"
#include "rank/cell_energy.hpp"
#include "rank/cell_runner.hpp"

namespace joulegrid {

struct Calibration {
  bool ok = false;
  int steps = 0;
  double joules = 0, net_joules = 0, seconds = 0;  // medians over the repetitions
  std::vector<CalibrationRun> runs;                // every repetition, in order
  std::string method;
  std::string problem;  // why it failed, for the node record
};

// `card`: the GPU this rank meters (as a run's `gpu`), kept with each
// repetition that trained on a GPU; "" where the trainer ran on the CPU.
Calibration calibrate_node(CellEnergy& energy, const CalibrationOptions& options, const TrainOptions& train,
                           const CellRunOptions& run_options = {}, const std::string& card = "");

}  // namespace joulegrid
