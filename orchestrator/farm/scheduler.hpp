#pragma once
// Rank 0's task farm (ARCHITECTURE §1, §3): a small state machine over a
// Comm. Workers ask; rank 0 answers with the longest expected cell still
// pending, records epochs as they arrive (they double as heartbeats),
// commits each result to the store before it counts, retries failed cells
// up to the spec's limit, and on a stop request drains: no new cells, the
// running ones get `drain_s` to finish, then they are abandoned uncommitted.
// A fine-tuning cell waits until its pretraining cell is done (a worker that
// asks meanwhile waits too); when that cell fails for good, its fine-tuning
// cells are settled as failed without running. A pretraining cell is
// ordered by its own cost plus its fine-tuning cells'.
// Checkpoints: a running cell's training state arrives every [train]
// checkpoint_every epochs and is kept until its attempt commits; a drain
// asks every running cell for one, and abandons the cell as soon as it has
// it. A cell dispatched again (after a drain, a lost rank, a killed job)
// gets its state with the task and continues where it was kept, on
// whichever node: its run then has one segment per stretch.

#include <atomic>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "io/store/checkpoints.hpp"
#include "io/store/store.hpp"
#include "orchestrator/plan/cost_model.hpp"
#include "orchestrator/farm/progress.hpp"
#include "orchestrator/predict/step_projection.hpp"
#include "rank/comm.hpp"
#include "rank/messages.hpp"

namespace joulegrid {

// What the stop signals have asked, counted by a signal handler.
struct StopRequests {
  std::atomic<int> count{0};  // SIGTERM, SIGUSR1, SIGINT
  std::atomic<int> terms{0};  // of them SIGTERM: a launcher's or Slurm's kill sequence, whose grace is bounded
  std::atomic<int> interrupts{0};  // of them SIGINT: a person at a terminal, never a copy of another
};

struct SchedulerOptions {
  int max_attempts = 2;
  double drain_s = 60;          // how long running cells may finish after a stop request
  double term_drain_s = 60;     // at most this after a SIGTERM: the launcher kills the ranks soon after
  double echo_s = 1;            // a TERM or USR1 this soon after the first request is the same one, by another path
  double heartbeat_s = 0;       // a rank running a cell that says nothing for this long is lost (0: never)
  double snapshot_every_s = 30; // how often the HDF5 snapshot is rewritten while running
  std::string spec_text, spec_file, base_dir;  // sent to the workers
  StepOptions step;             // when a running cell's total is projected
  std::map<std::string, double> prior_seconds;  // PRE's seconds per cell id (--history); may be empty
  std::string checkpoint_dir;   // RESULTS.checkpoints: the running cells' states and the pretraining weights
};

class Scheduler {
 public:
  Scheduler(Comm& comm, ResultsStore& store, std::vector<CellSpec> cells, SchedulerOptions options,
            Progress& progress, ResultsStore::Reducer reduce);
  // Until every cell is settled or a stop has drained the sweep. One stop
  // request drains; the copies of it that arrive within `echo_s` (Slurm
  // signals every process of a job, the batch shell and srun forward it) are
  // the same request; a later one abandons at once.
  // Returns an exit code of ARCHITECTURE §7.
  int run(const StopRequests& stop_requests);
  // Ranks given up for silence: they may never reach MPI_Finalize.
  const std::vector<int>& lost_ranks() const { return lost_ranks_; }

 private:
  struct Running {
    CellSpec cell;
    std::chrono::steady_clock::time_point started;
    double energy_j = 0;
    bool abandon_sent = false;
    std::string samples;  // the attempt's encoded sample block, until its result commits it
    StepProjector step;
    std::optional<StepProjection> projected;
    double last_cumulative_j = 0;
    std::vector<EpochRecord> epochs;         // received so far, the checkpoint's first
    int resumed_epoch = 0;                   // epochs of the state it continued from (0: from scratch)
    std::vector<RunSegment> earlier_segments;  // where those ran
    std::string weights;                     // a pretraining cell's, until its result commits them
    int kept_epoch = 0;                      // its last state kept (0: none)
  };

  void handle(const Message& m);
  void store_samples(const CellSpec& cell, const RunResult& r, const std::string& encoded);
  void on_hello(int source, const HelloMessage& hello);
  void on_request(int source);
  void serve_waiting();
  void settle_orphans();
  bool ready(const CellSpec& cell) const;
  double priority(const CellSpec& cell) const;
  void on_epoch(int source, const EpochMessage& message);
  void on_checkpoint(int source, const std::string& body);
  void hand_over(int rank, Running& running);  // the weights and state a dispatched cell starts from
  std::vector<RunSegment> segments_of(const Running& running, int epochs, int rank, double started_unix_s,
                                      double seconds) const;
  void drop_leftover_checkpoints();
  void on_result(int source, const RunResult& result);
  void stop_worker(int source);
  void check_stop(const StopRequests& stop_requests);
  void check_heartbeats();
  void give_up(int rank, const std::string& doing);
  void report_progress();
  void maybe_snapshot(bool force);
  void stop_committing(const std::string& why);  // the journal cannot be appended: stop, resumably
  std::string label(const CellSpec& cell) const;

  Comm& comm_;
  ResultsStore& store_;
  SchedulerOptions options_;
  Progress& progress_;
  ResultsStore::Reducer reduce_;
  CostModel costs_;
  std::vector<CellSpec> pending_;
  std::map<int, Running> running_;
  std::map<std::string, const CellSpec*> by_id_;
  std::map<std::string, std::vector<const CellSpec*>> dependents_;  // pretraining cell id → its fine-tuning cells
  std::map<std::string, int> session_of_;  // node → this job's measurement of it (NodeRecord::session)
  struct NodeHellos {
    std::map<int, NodeRecord> by_rank;  // each worker rank's own record of the node
    int leader = -1;                    // the rank that measured it, once it said hello
  };
  std::map<std::string, NodeHellos> hellos_;  // node → what its ranks said
  std::map<int, std::string> node_of_;     // rank → its node
  CheckpointStore checkpoints_;
  std::vector<int> waiting_;  // ranks that asked while every pending cell waited on a pretraining cell
  std::vector<CellSpec> cells_;
  int workers_ = 0, stopped_workers_ = 0, ready_workers_ = 0, broken_workers_ = 0;
  int stops_seen_ = 0, terms_seen_ = 0, interrupts_seen_ = 0;
  bool draining_ = false;
  std::chrono::steady_clock::time_point drain_deadline_, last_snapshot_, first_stop_;
  std::vector<int> lost_ranks_;  // went silent: never sent anything again
  std::map<int, std::chrono::steady_clock::time_point> heard_;  // each rank's last message, or its last task
  std::set<int> owes_request_;  // ready and between cells: its next request is due
  bool dirty_ = false;
  double settled_energy_j_ = 0;
  int bad_input_cells_ = 0;     // failed on bad input this job: left pending, not retried
  bool cannot_commit_ = false;  // the journal could not be appended (a full disk): stopping
  bool snapshot_failing_ = false;
  double settled_seconds_ = 0;  // of the settled runs: with their energy, the study's mean watts
  EnergyMethod energy_method_;
};

}  // namespace joulegrid
