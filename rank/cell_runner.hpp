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
  // Polled with it: true asks the trainer to keep its state at the end of
  // the current epoch (a drain began).
  std::function<bool()> wants_checkpoint;
  // The trainer kept its state after `epoch` in the cell's checkpoint_to.
  std::function<void(int epoch)> on_checkpoint;
};

struct CellRunOptions {
  std::string executable;                    // default: this program
  std::vector<std::string> extra_args;       // after "cell"
  // A cell continued from the state in its resume_from: the epochs that
  // state holds, with their energies. They are the result's first epochs,
  // and the criterion reads them again to be where it was.
  std::vector<EpochRecord> earlier_epochs;
};

// Never throws for a failing cell: failures are data in the result.
RunResult run_cell(const CellSpec& cell, CellEnergy& energy, const CellCallbacks& callbacks = {},
                   const CellRunOptions& options = {});

}  // namespace joulegrid
