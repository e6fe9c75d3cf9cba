// The scheduler as a state machine over the in-process transport, with fake
// workers on threads that answer at once: no trainer, no MPI, milliseconds.

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/errors.hpp"
#include "io/store/checkpoints.hpp"
#include "orchestrator/farm/local_comm.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/farm/node_records.hpp"
#include "orchestrator/farm/scheduler.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

Spec synthetic_spec(const std::string& extra = "") {
  return parse_spec(std::string(R"(
[experiment]
name = "sched"
max_attempts = 2
[data]
format = "synthetic"
[grid]
architectures = ["lenet", "bcnn"]
sizes = [1, 2, 3]
[[criteria]]
kind = "epochs"
epochs = 2
)") + extra, "sched.toml", "/tmp");
}

Message next(Comm& comm) {
  while (true)
    if (auto m = comm.receive(milliseconds(100))) return *m;
}

// A worker that finishes every cell at once; `fail` decides which attempts fail,
// `hold` which cells it keeps running until rank 0 abandons them.
struct FakeWorker {
  std::function<bool(const CellSpec&)> fail = [](const CellSpec&) { return false; };
  std::function<bool(const CellSpec&)> hold = [](const CellSpec&) { return false; };
  std::function<void(const CellSpec&)> work = [](const CellSpec&) {};  // before the result is sent
  std::string failure = "signal";       // what a failed attempt says ended it
  std::mutex mutex;
  std::vector<std::string> dispatched;  // "index#attempt", in the order received
  std::vector<CellSpec> cells;          // likewise
  std::set<std::string> sent_done;      // ids whose "done" result has been sent
  std::vector<std::string> early;       // fine-tuning cells handed out before their pretraining was done
  // What each rank says first: by default a node of its own, which it leads.
  std::function<HelloMessage(int rank)> hello = [](int rank) {
    HelloMessage h;
    h.rank = rank;
    h.node = "n" + std::to_string(rank);
    h.leader = true;
    h.node_record.leader_rank = rank;
    h.node_record.energy_method = "counter";
    return h;
  };

  void operator()(Comm& comm) {
    if (next(comm).tag != tag::config) return;
    comm.send(0, tag::hello, encode(hello(comm.rank())));
    while (true) {
      comm.send(0, tag::request, "{}");
      const Message m = next(comm);
      if (m.tag != tag::task) return;
      TaskMessage task;
      decode(m.body, task, "task");
      CellSpec cell = task.cell;
      cell.attempt = task.attempt;
      {
        std::lock_guard<std::mutex> lock(mutex);
        dispatched.push_back(std::to_string(cell.index) + "#" + std::to_string(cell.attempt));
        cells.push_back(cell);
        if (!cell.depends_on.empty() && !sent_done.count(cell.depends_on)) early.push_back(cell.id);
      }
      work(cell);
      RunResult r;
      r.cell_id = cell.id;
      r.cell_index = cell.index;
      r.attempt = cell.attempt;
      r.node = "n" + std::to_string(comm.rank());
      r.rank = comm.rank();
      r.energy_method = "counter";
      if (hold(cell)) {
        while (next(comm).tag != tag::abandon) {}
        r.status = "abandoned";
      } else if (fail(cell)) {
        r.status = "failed";
        r.failure = failure;
      } else {
        r.status = "done";
        r.epochs = 2;
        r.test_acc = 0.5;
        r.energy_j = 10.0 * cell.size;
        std::lock_guard<std::mutex> lock(mutex);
        sent_done.insert(cell.id);
      }
      comm.send(0, tag::result, json(r).dump());
    }
  }
};

class SchedulerTest : public ::testing::Test {
 protected:
  template <class Worker>
  int run(Worker& worker, int workers, StopRequests& stops, double drain_s = 60) {
    const Spec spec = synthetic_spec(extra_);
    cells_ = expand_grid(spec);
    std::vector<CellRow> rows;
    for (const auto& c : cells_) rows.push_back(cell_row(c));
    StudyMeta meta;
    meta.study = "sched";
    meta.max_attempts = 2;  // as the spec gives both (options.max_attempts below)
    if (!store_) store_.emplace(ResultsStore::create(dir_.file("s.h5"), meta, rows));  // a second run: a resume
    LocalHub hub(workers + 1);
    auto scheduler_end = hub.endpoint(0);
    std::vector<std::unique_ptr<Comm>> ends;
    std::vector<std::thread> threads;
    for (int w = 1; w <= workers; ++w) ends.push_back(hub.endpoint(w));
    for (auto& end : ends) threads.emplace_back([&worker, &end] { worker(*end); });
    SchedulerOptions options;
    options.max_attempts = 2;
    options.drain_s = drain_s;
    options.term_drain_s = term_drain_s_;
    options.heartbeat_s = heartbeat_s_;
    options.checkpoint_dir = checkpoint_dir_;
    std::FILE* quiet = std::fopen("/dev/null", "w");
    Progress progress(false, quiet);
    Scheduler scheduler(*scheduler_end, *store_, cells_, options, progress, {});
    const int rc = scheduler.run(stops);
    for (auto& t : threads) t.join();
    std::fclose(quiet);
    return rc;
  }
  testing::TempDir dir_;
  std::string extra_;  // appended to the spec
  double term_drain_s_ = 60, heartbeat_s_ = 0;
  std::string checkpoint_dir_;  // "": the scheduler keeps no checkpoints
  std::vector<CellSpec> cells_;
  std::optional<ResultsStore> store_;
};

TEST_F(SchedulerTest, HandsOutTheLongestCellsFirstAndCommitsEachOnce) {
  FakeWorker worker;
  StopRequests stops;
  ASSERT_EQ(run(worker, 1, stops), exit_code::complete);
  ASSERT_EQ(worker.dispatched.size(), 6u);
  // BCNN-3 is predicted the most expensive, LeNet-1 the least.
  EXPECT_EQ(worker.dispatched.front(), "5#1");
  EXPECT_EQ(worker.dispatched.back(), "0#1");
  const StudyResults& r = store_->results();
  EXPECT_EQ(r.runs.size(), 6u);
  for (const auto& c : r.cells) EXPECT_EQ(c.status, "done") << c.id;
  EXPECT_EQ(r.nodes.size(), 1u);
}

TEST_F(SchedulerTest, AFailedAttemptIsRetriedThenTheCellSettles) {
  FakeWorker worker;
  worker.fail = [](const CellSpec& c) { return (c.index == 2 && c.attempt == 1) || c.index == 4; };
  StopRequests stops;
  ASSERT_EQ(run(worker, 3, stops), exit_code::complete);
  const StudyResults& r = store_->results();
  EXPECT_EQ(r.cells[2].status, "done");
  EXPECT_EQ(r.cells[2].attempts, 2);
  EXPECT_EQ(r.cells[4].status, "failed");
  EXPECT_EQ(r.cells[4].attempts, 2);
  EXPECT_EQ(r.runs.size(), 8u);  // 6 cells + one retry + one failed retry
  std::map<std::string, int> settled;
  for (const auto& run : r.runs) settled[run.cell_id] += run.settles_cell;
  for (const auto& c : r.cells) EXPECT_EQ(settled[c.id], 1) << c.id;
}

// Bad input (a dataset a node's copy of which is damaged) is no fault of
// chance: the cell is not retried and not settled, the others run, and the
// study ends with exit 2 and the cell pending for --resume once it is fixed.
TEST_F(SchedulerTest, ACellFailedOnBadInputIsNotRetriedAndStaysPending) {
  FakeWorker worker;
  worker.fail = [](const CellSpec& c) { return c.index == 3; };
  worker.failure = "input";
  StopRequests stops;
  EXPECT_EQ(run(worker, 2, stops), exit_code::bad_input);
  const StudyResults& r = store_->results();
  EXPECT_EQ(r.cells[3].status, "pending");
  EXPECT_EQ(r.cells[3].attempts, 1);
  int attempts_of_3 = 0;
  for (const auto& run : r.runs) {
    attempts_of_3 += run.cell_index == 3;
    if (run.cell_index == 3) {
      EXPECT_FALSE(run.settles_cell);
    }
  }
  EXPECT_EQ(attempts_of_3, 1) << "not retried";
  for (const auto& c : r.cells)
    if (c.index != 3) {
      EXPECT_EQ(c.status, "done") << c.id;
    }
  EXPECT_EQ(r.meta.status, "stopped");
}

TEST_F(SchedulerTest, AStopDrainsAbandonsAndLeavesTheRestPending) {
  FakeWorker worker;
  StopRequests stops;
  // The first cell handed out hangs; the stop arrives while it runs.
  worker.hold = [&](const CellSpec& c) {
    if (c.index == 5) stops.count = 1;
    return c.index == 5;
  };
  ASSERT_EQ(run(worker, 1, stops, /*drain_s=*/0.05), exit_code::stopped_resumable);
  const StudyResults& r = store_->results();
  EXPECT_EQ(r.meta.status, "stopped");
  EXPECT_TRUE(r.runs.empty()) << "the abandoned attempt is not committed";
  for (const auto& c : r.cells) EXPECT_EQ(c.status, "pending");
}

// One scancel reaches rank 0 several times (Slurm signals every process,
// the batch shell and srun forward it): copies within a second are the same
// request and drain; a request after that abandons at once.
TEST_F(SchedulerTest, StopSignalsArrivingTogetherAreOneRequestAndALaterOneAbandons) {
  FakeWorker worker;
  StopRequests stops;
  const auto start = std::chrono::steady_clock::now();
  std::thread signals;
  double abandoned_after = -1;
  worker.hold = [&](const CellSpec& c) {
    if (c.index != 5) return false;
    stops.count = 1;
    signals = std::thread([&] {
      std::this_thread::sleep_for(milliseconds(200));
      stops.count = 2;  // the same request by another path
      std::this_thread::sleep_for(milliseconds(1300));
      stops.count = 3;  // a second one
    });
    return true;
  };
  worker.work = [&](const CellSpec&) {};
  std::thread watch;
  const int rc = run(worker, 1, stops, /*drain_s=*/60);
  abandoned_after = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  signals.join();
  EXPECT_EQ(rc, exit_code::stopped_resumable);
  EXPECT_GE(abandoned_after, 1.4) << "the echo 0.2 s after the first signal abandoned the cell";
  EXPECT_LT(abandoned_after, 10) << "the second request 1.5 s after the first did not abandon it";
  EXPECT_TRUE(store_->results().runs.empty());
}

// Two Ctrl-C presses within the echo window are two requests: the second
// abandons at once (before, it was merged into the first as Slurm's copies
// of one signal are, and an interactive user waited for the epoch's end).
TEST_F(SchedulerTest, ASecondCtrlCAbandonsAtOnceHoweverSoon) {
  FakeWorker worker;
  StopRequests stops;
  std::thread signals;
  worker.hold = [&](const CellSpec& c) {
    if (c.index != 5) return false;
    stops.interrupts = 1;
    stops.count = 1;
    signals = std::thread([&] {
      std::this_thread::sleep_for(milliseconds(300));
      stops.interrupts = 2;
      stops.count = 2;
    });
    return true;
  };
  worker.work = [&](const CellSpec&) {};
  const auto start = std::chrono::steady_clock::now();
  const int rc = run(worker, 1, stops, /*drain_s=*/60);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  signals.join();
  EXPECT_EQ(rc, exit_code::stopped_resumable);
  EXPECT_LT(took, 20) << "the second Ctrl-C 0.3 s after the first was taken for a copy of it";
  EXPECT_TRUE(store_->results().runs.empty());
}

// Slurm kills KillWait seconds after its SIGTERM, mpirun after its grace:
// a drain longer than that would be cut by SIGKILL before the last snapshot.
TEST_F(SchedulerTest, ASigtermDrainsOnlyForTheLaunchersGrace) {
  FakeWorker worker;
  StopRequests stops;
  term_drain_s_ = 0.3;
  worker.hold = [&](const CellSpec& c) {
    if (c.index != 5) return false;
    stops.terms = 1;
    stops.count = 1;
    return true;
  };
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(run(worker, 1, stops, /*drain_s=*/60), exit_code::stopped_resumable);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10);
  EXPECT_EQ(store_->results().meta.status, "stopped");
}

// A rank that runs a cell and goes silent (its node lost, the rank stopped)
// is given up after the heartbeat time: its cell runs on another rank, the
// silent rank's late result counts for nothing, and the run ends rather
// than waiting for it.
TEST_F(SchedulerTest, ARankSilentWhileRunningACellIsGivenUpAndItsCellRunsElsewhere) {
  heartbeat_s_ = 0.4;
  FakeWorker worker;
  std::atomic<bool> hung{false};
  worker.work = [&](const CellSpec& c) {
    if (c.index == 5 && !hung.exchange(true)) std::this_thread::sleep_for(milliseconds(2500));
  };
  StopRequests stops;
  EXPECT_EQ(run(worker, 2, stops), exit_code::complete) << "every cell ran, on the rank still answering";
  const StudyResults& r = store_->results();
  for (const auto& c : r.cells) EXPECT_EQ(c.status, "done") << c.id;
  EXPECT_EQ(r.runs.size(), 6u) << "the silent rank's late result was committed too";
  std::map<std::string, int> runs;
  for (const auto& run : r.runs) ++runs[run.cell_id];
  for (const auto& [id, n] : runs) EXPECT_EQ(n, 1) << id;
}

TEST_F(SchedulerTest, ACellThatFailsDuringTheDrainLeavesTheStudyStopped) {
  FakeWorker worker;
  StopRequests stops;
  // The last cell (the cheapest, lenet-1) fails after the stop: a failure
  // during a drain is not retried, so the study is not complete.
  worker.fail = [&](const CellSpec& c) {
    if (c.index != 0) return false;
    stops.count = 1;
    std::this_thread::sleep_for(milliseconds(300));  // the scheduler sees the stop first
    return true;
  };
  ASSERT_EQ(run(worker, 1, stops), exit_code::stopped_resumable);
  const StudyResults& r = store_->results();
  EXPECT_EQ(r.meta.status, "stopped");
  ASSERT_EQ(r.runs.size(), 6u);
  EXPECT_EQ(r.cells[0].status, "pending");
  EXPECT_EQ(r.cells[0].attempts, 1);
}

// [finetune]: six grid cells, six pretraining cells, six fine-tuning twins.
// Pretraining is slow here, so idle workers ask while it runs: they must
// wait rather than start a fine-tuning cell with nothing to start from.
TEST_F(SchedulerTest, FineTuningCellsWaitForTheirPretrainingCell) {
  extra_ = "\n[finetune]\nepochs = 1\n";
  FakeWorker worker;
  worker.work = [](const CellSpec& c) {
    if (c.role == "pretrain") std::this_thread::sleep_for(milliseconds(60));
  };
  StopRequests stops;
  ASSERT_EQ(run(worker, 3, stops), exit_code::complete);
  ASSERT_EQ(cells_.size(), 18u);
  EXPECT_TRUE(worker.early.empty()) << worker.early.size() << " fine-tuning cells started before their pretraining";
  const StudyResults& r = store_->results();
  EXPECT_EQ(r.runs.size(), 18u);
  for (const auto& c : r.cells) EXPECT_EQ(c.status, "done") << c.index;
  // A pretraining cell goes before the grid cells it unblocks: the costliest
  // pretraining (BCNN-3, with its twin behind it) is in the first round. (The
  // three workers record the first round in whatever order their threads run.)
  ASSERT_GE(worker.cells.size(), 3u);
  EXPECT_TRUE(std::any_of(worker.cells.begin(), worker.cells.begin() + 3, [](const CellSpec& c) {
    return c.role == "pretrain" && c.architecture == "bcnn" && c.size == 3;
  }));
}

TEST_F(SchedulerTest, AFailedPretrainingSettlesItsFineTuningCellsWithoutRunningThem) {
  extra_ = "\n[finetune]\nepochs = 1\n";
  FakeWorker worker;
  worker.fail = [](const CellSpec& c) { return c.role == "pretrain" && c.architecture == "lenet" && c.size == 2; };
  StopRequests stops;
  ASSERT_EQ(run(worker, 2, stops), exit_code::complete);
  const StudyResults& r = store_->results();
  int orphans = 0;
  for (const auto& c : r.cells) {
    if (c.role == "finetune" && c.architecture == "lenet" && c.size == 2) {
      ++orphans;
      EXPECT_EQ(c.status, "failed");
      const auto settled = r.settled().at(c.id);
      ASSERT_EQ(settled.size(), 1u);
      EXPECT_EQ(settled.front()->failure, "dependency");
      EXPECT_NE(settled.front()->detail.find("pretraining cell"), std::string::npos) << settled.front()->detail;
    } else if (!(c.role == "pretrain" && c.architecture == "lenet" && c.size == 2)) {
      EXPECT_EQ(c.status, "done") << c.index;
    }
  }
  EXPECT_EQ(orphans, 1);
  for (const auto& c : worker.cells)
    EXPECT_FALSE(c.role == "finetune" && c.architecture == "lenet" && c.size == 2) << "an orphan was run";
}

// An epoch as a worker forwards it: 10 J each, cumulative.
EpochRecord epoch_record(int epoch) {
  EpochRecord e;
  e.epoch = epoch;
  e.loss = 1.0 / epoch;
  e.train_energy.joules = 8;
  e.eval_energy.joules = 2;
  e.cumulative_j = 10.0 * epoch;
  e.train_s = e.eval_s = 0.5;
  return e;
}

// A worker of node "n1" whose longest cell (BCNN-3) keeps its state as
// the real one does. In the first job it trains one epoch, keeps its state
// only when the drain asks, and waits to be abandoned; in the second it is
// handed that state with the task and trains the second epoch.
struct CheckpointingWorker {
  std::atomic<bool> in_first_epoch{false}, asked{false}, abandoned_after_state{false};
  std::optional<RunningCheckpoint> handed;
  bool first_job = true;

  static void send_epoch(Comm& comm, const CellSpec& cell, int e) {
    comm.send(0, tag::epoch, encode(EpochMessage{cell.id, cell.attempt, epoch_record(e)}));
  }
  void operator()(Comm& comm) {
    if (next(comm).tag != tag::config) return;
    HelloMessage hello;
    hello.rank = 1;
    hello.node = "n1";
    hello.leader = true;
    hello.node_record.leader_rank = 1;
    hello.node_record.energy_method = "counter";
    comm.send(0, tag::hello, encode(hello));
    while (true) {
      comm.send(0, tag::request, "{}");
      Message m = next(comm);
      for (; m.tag == tag::checkpoint; m = next(comm)) handed = decode_checkpoint(m.body, "handed");
      if (m.tag != tag::task) return;
      TaskMessage task;
      decode(m.body, task, "task");
      CellSpec cell = task.cell;
      cell.attempt = task.attempt;
      RunResult r;
      r.cell_id = cell.id;
      r.attempt = cell.attempt;
      r.node = "n1";
      r.rank = 1;
      r.energy_method = "counter";
      r.started_unix_s = 1000;
      r.seconds = 3;
      const bool longest = cell.index == 5;
      if (longest && first_job) {
        send_epoch(comm, cell, 1);
        in_first_epoch = true;
        while ((m = next(comm)).tag != tag::checkpoint_now) {}
        asked = true;
        comm.send(0, tag::checkpoint,
                  encode_blob(header_of(FileMessage{"state", cell.id, cell.attempt, 1, 2.0, 500.0}), "STATE-1"));
        while ((m = next(comm)).tag != tag::abandon) {}
        abandoned_after_state = true;
        r.status = "abandoned";
      } else {
        r.status = "done";
        r.epochs = 2;
        if (longest) {  // continued: the handed epoch first, then its own
          r.epoch_records = handed ? handed->epoch_records : std::vector<EpochRecord>{};
          send_epoch(comm, cell, 2);
        } else {
          r.epoch_records.push_back(epoch_record(1));
        }
        r.epoch_records.push_back(epoch_record(2));
        r.energy_j = 20;
      }
      comm.send(0, tag::result, json(r).dump());
    }
  }
};

// A drain asks the running cell for its state and abandons it as soon as
// rank 0 has kept it, without waiting out the drain's 60 s. The next job
// hands the state over with the task; the cell's run is then two
// segments, one per job's measurement of the node, and the kept state is
// gone once the run commits.
TEST_F(SchedulerTest, ADrainKeepsTheRunningCellsStateAndTheNextJobContinuesFromIt) {
  checkpoint_dir_ = dir_.file("s.checkpoints");
  CheckpointingWorker worker;
  StopRequests stops;
  std::thread stopper([&] {
    while (!worker.in_first_epoch) std::this_thread::sleep_for(milliseconds(5));
    ++stops.count;
  });
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(run(worker, 1, stops, /*drain_s=*/60), exit_code::stopped_resumable);
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30)) << "it waited out the drain";
  EXPECT_TRUE(worker.asked) << "the drain asked for the state";
  EXPECT_TRUE(worker.abandoned_after_state);
  const std::string id = cells_[5].id;
  CheckpointStore kept(checkpoint_dir_);
  std::string problem;
  const auto state = kept.running(id, 1, &problem);
  ASSERT_TRUE(state) << problem;
  EXPECT_EQ(state->epoch, 1);
  EXPECT_EQ(state->state, "STATE-1");
  ASSERT_EQ(state->epoch_records.size(), 1u);
  EXPECT_DOUBLE_EQ(state->epoch_records[0].cumulative_j, 10);
  ASSERT_EQ(state->segments.size(), 1u);
  EXPECT_EQ(state->segments[0].node, "n1");
  EXPECT_DOUBLE_EQ(state->segments[0].seconds, 2.0);
  EXPECT_TRUE(store_->results().runs.empty());

  worker.first_job = false;
  StopRequests none;
  ASSERT_EQ(run(worker, 1, none), exit_code::complete);
  ASSERT_TRUE(worker.handed);
  EXPECT_EQ(worker.handed->cell_id, id);
  EXPECT_EQ(worker.handed->state, "STATE-1");
  const RunResult* continued = nullptr;
  for (const auto& r : store_->results().runs)
    if (r.cell_id == id) continued = &r;
  ASSERT_TRUE(continued);
  ASSERT_EQ(continued->segments.size(), 2u);
  EXPECT_EQ(continued->segments[0].node_key(), "n1");
  EXPECT_EQ(continued->segments[1].node_key(), "n1#1") << "the second job's measurement of the node";
  EXPECT_EQ(continued->segments[1].first_epoch, 2);
  EXPECT_EQ(continued->segments[1].epochs, 1);
  EXPECT_DOUBLE_EQ(continued->segments[0].energy_j, 10);
  EXPECT_DOUBLE_EQ(continued->segments[1].energy_j, 10);
  EXPECT_DOUBLE_EQ(continued->seconds, 2.0 + 3.0);
  EXPECT_DOUBLE_EQ(continued->started_unix_s, 500.0);
  EXPECT_FALSE(kept.running(id, 1, &problem)) << "a committed attempt's state is dropped";
}

// Two worker ranks on one node: the leader's measurement is the node's, and
// the other rank's meters and warnings are kept beside it (they were
// dropped: a second rank whose GPU meter failed left no trace).
TEST_F(SchedulerTest, EveryRanksMetersAndWarningsReachTheNodeRecord) {
  FakeWorker worker;
  worker.hello = [](int rank) {
    NodeRecord r;
    r.leader_rank = rank;
    r.energy_method = "counter";
    r.devices = "nvml gpu" + std::to_string(rank - 1) + " (counter)";
    r.warnings = rank == 2 ? "nvml: GPU 1: nvmlDeviceGetTotalEnergyConsumption failed" : "";
    r.idle_w = rank == 1 ? 50 : 99;
    HelloMessage h;
    h.rank = rank;
    h.node = "shared";
    h.leader = rank == 1;
    h.node_record = r;
    return h;
  };
  StopRequests stops;
  ASSERT_EQ(run(worker, 2, stops), exit_code::complete);
  const StudyResults& r = store_->results();
  ASSERT_EQ(r.nodes.size(), 1u);
  EXPECT_EQ(r.nodes[0].idle_w, 50) << "the leader's measurement";
  EXPECT_EQ(r.nodes[0].devices, "rank 1: nvml gpu0 (counter); rank 2: nvml gpu1 (counter)");
  EXPECT_EQ(r.nodes[0].warnings, "rank 2: nvml: GPU 1: nvmlDeviceGetTotalEnergyConsumption failed");
}

TEST(NodeRecords, TheLeadersMeasurementWithEveryRanksMetersAndWarnings) {
  NodeRecord a, b;
  a.devices = b.devices = "rapl package-0 (counter)";
  a.idle_w = 10;
  b.idle_w = 20;
  b.warnings = "amdgpu: card1 has no power file";
  const NodeRecord merged = merge_rank_records({{1, a}, {2, b}}, 2);
  EXPECT_EQ(merged.idle_w, 20) << "the leader's";
  EXPECT_EQ(merged.devices, "rapl package-0 (counter)") << "the same on every rank: once";
  EXPECT_EQ(merged.warnings, "rank 2: amdgpu: card1 has no power file");
  EXPECT_EQ(merge_rank_records({{3, b}, {1, a}}, -1).idle_w, 10) << "no leader yet: the lowest rank's";
}

// Each rank with a card of its own calibrates it: the node's E_ref is the
// median over every card's repetitions, whose spread then holds the
// card-to-card spread; a rank whose calibration failed says so.
TEST(NodeRecords, EveryCalibratedCardsRepetitionsMakeTheNodesEref) {
  auto calibrated = [](const std::string& card, std::vector<double> joules) {
    NodeRecord r;
    r.calibration_steps = 4;
    r.calibration_method = "counter";
    for (size_t i = 0; i < joules.size(); ++i)
      r.calibration_runs.push_back({static_cast<int>(i) + 1, joules[i], joules[i] / 2, 1.0, card});
    r.take_calibration_medians();
    return r;
  };
  NodeRecord broken;
  broken.calibration_method = "the calibration workload failed (repetition 1): crash: SIGSEGV";
  const NodeRecord merged =
      merge_rank_records({{1, calibrated("gpu0", {10, 11, 12})}, {2, calibrated("gpu1", {20, 21, 22})}, {3, broken}}, 1);
  ASSERT_EQ(merged.calibration_runs.size(), 6u);
  EXPECT_EQ(merged.calibrated_cards(), 2);
  EXPECT_DOUBLE_EQ(merged.calibration_j, 16) << "the median of all six";
  EXPECT_DOUBLE_EQ(merged.calibration_net_j, 8);
  EXPECT_NEAR(merged.calibration_spread(), 12.0 / 16, 1e-12) << "the cards' spread is in the node's";
  EXPECT_EQ(merged.calibration_steps, 4);
  EXPECT_NE(merged.calibration_method.find("rank 3: the calibration workload failed"), std::string::npos)
      << merged.calibration_method;
  NodeRecord leader = calibrated("", {10, 11, 12});
  NodeRecord quiet;  // did not calibrate (a CPU node's second rank)
  EXPECT_EQ(merge_rank_records({{1, leader}, {2, quiet}}, 1).calibration_runs.size(), 3u);
}

}  // namespace
}  // namespace joulegrid
