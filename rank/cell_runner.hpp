#pragma once
// The worker's side of one cell: spawn `joulegrid cell`, hand it the cell,
// window the energy of each phase, decide after each epoch, and turn the
// child's end — clean, crashed, killed, timed out — into a RunResult.

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "io/records/cell.hpp"
#include "rank/cell_energy.hpp"

namespace joulegrid {

struct CellCallbacks {
  std::function<void(const nlohmann::json& ready)> on_ready;
  std::function<void(const EpochRecord& record)> on_epoch;
  // Polled while the trainer runs (every few tens of ms): true kills it and
  // the result is "abandoned" — the sweep was stopped, the cell is not done.
  std::function<bool()> should_abandon;
};

struct CellRunOptions {
  std::string executable;                    // default: this program
  std::vector<std::string> extra_args;       // after "cell"
};

// Never throws for a failing cell: failures are data in the result.
RunResult run_cell(const CellSpec& cell, CellEnergy& energy, const CellCallbacks& callbacks = {},
                   const CellRunOptions& options = {});

}  // namespace joulegrid
