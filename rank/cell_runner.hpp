#pragma once
// The worker's side of one cell: spawn `joulegrid cell`, hand it the cell,
// window the energy of each phase, decide after each epoch, and turn the
// child's end — clean, crashed, killed, timed out — into a RunResult.

#include <functional>
#include <memory>
#include <sys/types.h>
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

class ChildProcess;
class LineReader;

// A `joulegrid cell` child kept alive between cells (docs/protocol.md, warm
// trainers). A worker holds one and hands it to run_cell, which trains the
// next cell in the kept child when that cell needs the same data on the
// same device, and otherwise starts a new one. The child is ended after any
// cell that did not end done (a crash, a timeout, a NaN, running out of
// memory, a broken protocol, an abandoned cell), after `max_cells` cells,
// and once its resident memory passes `max_rss_mib` (0: no limit).
// A training program of the user's always runs one process per cell.
class WarmTrainer {
 public:
  explicit WarmTrainer(int max_cells, long max_rss_mib = 0);
  ~WarmTrainer();
  WarmTrainer(const WarmTrainer&) = delete;
  WarmTrainer& operator=(const WarmTrainer&) = delete;

  // The kept child when it may train a cell of `key` (its data and device);
  // otherwise ends it, keeping why, and returns null.
  ChildProcess* take(const std::string& key);
  // Starts a child for cells of `key`. Throws as ChildProcess does.
  ChildProcess& start(const std::string& key, const std::string& exe, const std::vector<std::string>& args);
  // The child's standard output, read with it: nothing read ahead is lost between cells.
  LineReader& out();
  void cell_done() { ++cells_; }
  void end(const std::string& why);

  pid_t pid() const;  // -1 when none is kept
  int cells() const { return cells_; }
  const std::string& last_end() const { return last_end_; }  // why the last child was ended

 private:
  int max_cells_;
  long max_rss_mib_;
  std::unique_ptr<ChildProcess> child_;
  std::unique_ptr<LineReader> out_;
  std::string key_, last_end_;
  int cells_ = 0;
};

struct CellRunOptions {
  std::string executable;                    // default: this program
  std::vector<std::string> extra_args;       // after "cell"
  // A cell continued from the state in its resume_from: the epochs that
  // state holds, with their energies. They are the result's first epochs,
  // and the criterion reads them again to be where it was.
  std::vector<EpochRecord> earlier_epochs;
  // The worker's kept child, for the built-in trainer; null: a child of its own.
  WarmTrainer* warm = nullptr;
};

// Never throws for a failing cell: failures are data in the result.
RunResult run_cell(const CellSpec& cell, CellEnergy& energy, const CellCallbacks& callbacks = {},
                   const CellRunOptions& options = {});

}  // namespace joulegrid
