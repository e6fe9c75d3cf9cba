// The worker ↔ child path end to end: a real `joulegrid cell` child on tiny
// synthetic data, the criterion deciding in the parent, and injected faults.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "models/classifier.hpp"
#include "rank/calibration.hpp"
#include "rank/cell_runner.hpp"
#include "rank/fault_injection.hpp"
#include "rank/protocol.hpp"
#include "io/errors.hpp"
#include "tests/fakes/fake_datasets.hpp"
#include "tests/support/cells.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

using testing::criterion;
using testing::ScriptedEnergy;
using testing::tiny_cell;

class CellRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data = new testing::TempDir();
    testing::write_idx_dataset(data->path().string(), 160, 80, 4, false);
  }
  static void TearDownTestSuite() { delete data; }
  void TearDown() override { ::unsetenv("JOULEGRID_INJECT_FAULT"); }

  RunResult run(const CellSpec& cell, CellEnergy& energy) {
    CellRunOptions options;
    options.executable = JOULEGRID_BINARY;
    return run_cell(cell, energy, {}, options);
  }
  CellSpec cell(const CriterionSpec& c, const std::string& arch = "lenet") {
    CellSpec s = tiny_cell(data->path().string(), arch, c);
    s.data.classes = 4;
    s.id = cell_id(s);
    return s;
  }

  static testing::TempDir* data;
};
testing::TempDir* CellRunnerTest::data = nullptr;

TEST_F(CellRunnerTest, FixedEpochsRunsExactlyNAndLearns) {
  CriterionSpec c = criterion("epochs");
  c.epochs = 3;
  ScriptedEnergy energy(1.0);
  const RunResult r = run(cell(c), energy);
  ASSERT_EQ(r.status, "done") << r.detail << r.error_tail;
  EXPECT_EQ(r.stop_reason, stop_reason::criterion_met);
  EXPECT_EQ(r.epochs, 3);
  EXPECT_EQ(r.parameters, 61706 - 84 * 6 - 6);  // 4 classes instead of 10
  EXPECT_GT(r.test_acc, 0.5);  // the blocks are easy: far above chance (0.25)
  // Three readings an epoch (train begins, eval begins, epoch ends): 2 J each epoch.
  EXPECT_DOUBLE_EQ(r.energy_j, 6.0);
  EXPECT_DOUBLE_EQ(r.epoch_records[0].train_energy.joules, 1.0);
  EXPECT_DOUBLE_EQ(r.epoch_records[0].eval_energy.joules, 1.0);
  EXPECT_DOUBLE_EQ(r.efficiency, r.test_acc / 6.0);
  EXPECT_EQ(r.epoch_records[2].batches, 10);  // 160 images in batches of 16
  EXPECT_EQ(r.epoch_records[2].train_samples, 160);
  EXPECT_EQ(r.epoch_records[2].eval_samples, 80) << "the test set, which is also the validation set here";
}

TEST_F(CellRunnerTest, RerunningACellIsIdenticalOnTheCpu) {
  CriterionSpec c = criterion("epochs");
  c.epochs = 2;
  ScriptedEnergy e1(1.0), e2(1.0);
  const RunResult a = run(cell(c), e1), b = run(cell(c), e2);
  ASSERT_EQ(a.epochs, 2);
  EXPECT_EQ(a.epoch_records[1].loss, b.epoch_records[1].loss);
  EXPECT_EQ(a.test_acc, b.test_acc);
}

TEST_F(CellRunnerTest, AccuracyBoundStopsWhenReached) {
  CriterionSpec c = criterion("accuracy");
  c.target = 0.5;
  c.split = "validation";
  ScriptedEnergy energy(1.0);
  const RunResult r = run(cell(c), energy);
  ASSERT_EQ(r.status, "done") << r.detail;
  EXPECT_EQ(r.stop_reason, stop_reason::criterion_met);
  EXPECT_GE(r.val_acc, 0.5);
  for (int i = 0; i + 1 < r.epochs; ++i) EXPECT_LT(r.epoch_records[i].val_acc, 0.5);
}

TEST_F(CellRunnerTest, UnreachableAccuracyStopsAtTheCap) {
  CriterionSpec c = criterion("accuracy");
  c.target = 1.0;
  c.split = "train";
  c.max_epochs = 2;
  ScriptedEnergy energy(1.0);
  const RunResult r = run(cell(c), energy);
  ASSERT_EQ(r.status, "done");
  EXPECT_EQ(r.stop_reason, stop_reason::cap_reached);
  EXPECT_EQ(r.epochs, 2);
}

TEST_F(CellRunnerTest, EarlyStoppingStopsAfterPatienceEpochsWithoutGain) {
  CriterionSpec c = criterion("early_stopping");
  c.patience = 1;
  c.min_delta = 1.0;  // no epoch can gain more than all: stops at epoch 2
  ScriptedEnergy energy(1.0);
  const RunResult r = run(cell(c), energy);
  ASSERT_EQ(r.status, "done");
  EXPECT_EQ(r.stop_reason, stop_reason::criterion_met);
  EXPECT_EQ(r.epochs, 2);
}

TEST_F(CellRunnerTest, EnergyBudgetPerEpochIncludesTheEpochThatSpentIt) {
  CriterionSpec c = criterion("energy");
  c.budget_j = 5.0;  // 2 J an epoch: 4 J after epoch 2, 6 J after epoch 3
  ScriptedEnergy energy(1.0);
  const RunResult r = run(cell(c), energy);
  ASSERT_EQ(r.status, "done");
  EXPECT_EQ(r.stop_reason, stop_reason::criterion_met);
  EXPECT_EQ(r.epochs, 3);
  EXPECT_DOUBLE_EQ(r.energy_j, 6.0);
}

TEST_F(CellRunnerTest, EnergyBudgetPerBatchStopsInsideTheEpoch) {
  CriterionSpec c = criterion("energy");
  c.check = "batch";
  // Batches of 16: 10 an epoch. Epoch 1: train_begin, 10 batch readings,
  // eval_begin, end = 13 readings, 12 J counted. Epoch 2 spends 1 J a batch:
  // a budget of 14 J runs out at its 2nd batch.
  c.budget_j = 14.0;
  CellSpec s = cell(c);
  s.batch_size = 16;
  ScriptedEnergy energy(1.0);
  const RunResult r = run(s, energy);
  ASSERT_EQ(r.status, "done") << r.detail;
  EXPECT_EQ(r.stop_reason, stop_reason::criterion_met);
  ASSERT_EQ(r.epochs, 2);
  EXPECT_TRUE(r.epoch_records[1].partial);
  EXPECT_DOUBLE_EQ(r.epoch_records[0].cumulative_j, 12.0);
  EXPECT_GE(r.epoch_records[1].batches, 2);  // the child sees the stop a batch or two later
  EXPECT_LT(r.epoch_records[1].batches, 10);
}

TEST_F(CellRunnerTest, NanLossFailsNamingEpochAndBatch) {
  ::setenv("JOULEGRID_INJECT_FAULT", "nan@2.3", 1);
  CriterionSpec c = criterion("epochs");
  c.epochs = 4;
  ScriptedEnergy energy(1.0);
  const RunResult r = run(cell(c), energy);
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.failure, protocol::failure::nonfinite_loss);
  EXPECT_EQ(r.detail, "non-finite loss at epoch 2 batch 3");
  EXPECT_EQ(r.epochs, 1);  // the first epoch's record is kept
}

// Running out of memory, and a GPU's fault (an illegal address, as libtorch
// raises it), are each reported as such, not as internal: a device fault
// ends the child, which frees the GPU, and the worker's next attempt starts
// on a fresh CUDA context.
TEST_F(CellRunnerTest, OutOfMemoryAndAGpuFaultAreReportedAsSuch) {
  for (const auto& [fault, failure, words] :
       {std::tuple{"oom@1.2", protocol::failure::out_of_memory, "out of memory on cpu"},
        std::tuple{"cuda@1.2", protocol::failure::device, "a fault of cpu: CUDA error: an illegal memory access"}}) {
    ::setenv("JOULEGRID_INJECT_FAULT", fault, 1);
    CriterionSpec c = criterion("epochs");
    c.epochs = 1;
    ScriptedEnergy energy(1.0);
    const RunResult r = run(cell(c), energy);
    EXPECT_EQ(r.status, "failed") << fault;
    EXPECT_EQ(r.failure, failure) << fault;
    EXPECT_NE(r.detail.find(words), std::string::npos) << fault << ": " << r.detail;
  }
}

TEST_F(CellRunnerTest, SegfaultIsAFailureNotACrash) {
  ::setenv("JOULEGRID_INJECT_FAULT", "segfault@1.2", 1);
  CriterionSpec c = criterion("epochs");
  c.epochs = 2;
  ScriptedEnergy energy(1.0);
  const RunResult r = run(cell(c), energy);
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.failure, protocol::failure::signal);
  EXPECT_NE(r.detail.find("signal 11"), std::string::npos) << r.detail;
  EXPECT_NE(r.error_tail.find("injected fault segfault at epoch 1 batch 2"), std::string::npos)
      << "the stderr tail is kept: [" << r.error_tail << "]";
}

// A cell selector of digits is an index and nothing else: "12" is cell 12,
// not also every cell whose id starts with 12.
// The state kept after an epoch, restored into a new child, continues the
// training as if it had not stopped: the epochs after it have the losses
// of the run in one go, to the bit, for each architecture's own random
// draws (LeNet's data order, MC dropout's masks, BCNN's weight samples).
// The criterion reads the earlier epochs again, and the energy goes on
// from theirs.
TEST_F(CellRunnerTest, AKeptStateContinuesTheTrainingAsIfItHadNotStopped) {
  CriterionSpec c = criterion("epochs");
  c.epochs = 4;
  for (const std::string arch : {"lenet", "mcdropout", "bcnn"}) {
    CellSpec whole = cell(c, arch);
    whole.checkpoint_to = data->file(arch + ".ckpt");
    std::vector<int> kept;
    std::filesystem::path after_two = data->file(arch + "-after-2.ckpt");
    CellCallbacks callbacks;
    callbacks.on_checkpoint = [&](int epoch) {
      kept.push_back(epoch);
      if (epoch == 2) std::filesystem::copy_file(whole.checkpoint_to, after_two);
    };
    CellRunOptions options;
    options.executable = JOULEGRID_BINARY;
    ScriptedEnergy e1(1.0);
    const RunResult in_one_go = run_cell(whole, e1, callbacks, options);
    ASSERT_EQ(in_one_go.status, "done") << arch << ": " << in_one_go.detail << in_one_go.error_tail;
    EXPECT_EQ(kept, (std::vector<int>{1, 2, 3})) << arch << ": after every epoch but the last, which ends the cell";

    CellSpec rest = cell(c, arch);
    rest.resume_from = after_two.string();
    options.earlier_epochs.assign(in_one_go.epoch_records.begin(), in_one_go.epoch_records.begin() + 2);
    ScriptedEnergy e2(1.0);
    const RunResult continued = run_cell(rest, e2, {}, options);
    ASSERT_EQ(continued.status, "done") << arch << ": " << continued.detail << continued.error_tail;
    ASSERT_EQ(continued.epochs, 4) << arch;
    for (int e = 0; e < 4; ++e) {
      EXPECT_EQ(continued.epoch_records[e].epoch, e + 1) << arch;
      EXPECT_EQ(continued.epoch_records[e].loss, in_one_go.epoch_records[e].loss) << arch << " epoch " << e + 1;
      EXPECT_EQ(continued.epoch_records[e].test_acc, in_one_go.epoch_records[e].test_acc) << arch << " epoch " << e + 1;
    }
    EXPECT_DOUBLE_EQ(continued.energy_j, in_one_go.energy_j) << arch << ": 2 J an epoch, the first two carried over";
  }
}

// A state that does not fit the cell (another architecture's) fails the
// attempt saying so, and so does one whose epochs the trainer did not restore.
TEST_F(CellRunnerTest, AKeptStateThatDoesNotFitTheCellFailsTheAttemptSayingWhy) {
  CriterionSpec c = criterion("epochs");
  c.epochs = 2;
  CellSpec lenet = cell(c, "lenet");
  lenet.checkpoint_to = data->file("fit.ckpt");
  CellRunOptions options;
  options.executable = JOULEGRID_BINARY;
  ScriptedEnergy e1(1.0);
  const RunResult first = run_cell(lenet, e1, {}, options);
  ASSERT_EQ(first.status, "done") << first.detail << first.error_tail;

  CellSpec bcnn = cell(c, "bcnn");
  bcnn.resume_from = lenet.checkpoint_to;
  options.earlier_epochs = {first.epoch_records.front()};
  ScriptedEnergy e2(1.0);
  const RunResult wrong = run_cell(bcnn, e2, {}, options);
  EXPECT_EQ(wrong.status, "failed");
  EXPECT_NE(wrong.detail.find("does not restore this cell's trainer"), std::string::npos) << wrong.detail;

  options.earlier_epochs = first.epoch_records;  // two epochs said, the state holds one
  CellSpec again = cell(c, "lenet");
  again.resume_from = lenet.checkpoint_to;
  c.epochs = 3;
  again.criterion = c;
  ScriptedEnergy e3(1.0);
  const RunResult mismatch = run_cell(again, e3, {}, options);
  EXPECT_EQ(mismatch.status, "failed");
  EXPECT_EQ(mismatch.failure, "protocol");
  EXPECT_NE(mismatch.detail.find("restored 1 epochs, the checkpoint holds 2"), std::string::npos) << mismatch.detail;
}

TEST(FaultInjection, ACellSelectorIsAnIndexOrAnIdPrefixNeverBoth) {
  const FaultPlan index = parse_fault("abort@1/12");
  EXPECT_TRUE(index.applies_to(12, "aaaaaaaaaaaaaaaa"));
  EXPECT_FALSE(index.applies_to(3, "12ab34cd56ef7890"));
  const FaultPlan digits_id = parse_fault("abort@1/id:12");
  EXPECT_TRUE(digits_id.applies_to(3, "12ab34cd56ef7890"));
  EXPECT_FALSE(digits_id.applies_to(12, "aaaaaaaaaaaaaaaa"));
  const FaultPlan id = parse_fault("abort@1/f29#2");
  EXPECT_TRUE(id.applies_to(7, "f2945566cc7ada6d", 2));
  EXPECT_FALSE(id.applies_to(7, "f2945566cc7ada6d", 1));
  EXPECT_FALSE(id.applies_to(29, "0000000000000000", 2));
  EXPECT_THROW(parse_fault("abort@1/xyz"), InputError);
}

TEST_F(CellRunnerTest, FaultsCanTargetOneCell) {
  CriterionSpec c = criterion("epochs");
  c.epochs = 1;
  CellSpec target = cell(c);
  ::setenv("JOULEGRID_INJECT_FAULT", ("abort@1.1/id:" + target.id.substr(0, 6)).c_str(), 1);
  ScriptedEnergy e1(1.0), e2(1.0);
  EXPECT_EQ(run(target, e1).failure, protocol::failure::signal);
  CellSpec other = target;
  other.size = 2;
  other.id = cell_id(other);
  EXPECT_EQ(run(other, e2).status, "done");
}

TEST_F(CellRunnerTest, AHangingCellTimesOut) {
  ::setenv("JOULEGRID_INJECT_FAULT", "hang@1.1", 1);
  CriterionSpec c = criterion("epochs");
  c.epochs = 1;
  CellSpec s = cell(c);
  s.timeout_s = 1.5;
  ScriptedEnergy energy(1.0);
  const RunResult r = run(s, energy);
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.failure, protocol::failure::timeout);
  EXPECT_LT(r.seconds, 30.0);
}

// A trainer whose event lines do not read (a field of the wrong type, an
// event of no known kind) broke the protocol: its attempt fails saying
// which field, at once. It used to throw out of run_cell, which never may,
// and take its worker down.
TEST_F(CellRunnerTest, AnEventLineThatDoesNotReadFailsTheAttemptNamingTheField) {
  CriterionSpec c = criterion("epochs");
  c.epochs = 1;
  const CellSpec s = cell(c);
  const std::vector<std::pair<std::string, std::string>> lines = {
      {R"({"event":"ready","parameters":"many"})", "'parameters' of the wrong type (string)"},
      {R"({"event":7})", "'event' is not a string"},
      {R"({"event":"ready","protocol":1})" "\n" R"({"event":"epoch","epoch":"one"})", "'epoch' event does not read"},
      {R"({"event":"ready","parameters":5})", "'ready' event names no 'protocol'; joulegrid speaks version 1"},
      {R"({"event":"ready","protocol":2})", "the trainer speaks protocol version 2; joulegrid speaks version 1"},
      {R"({"event":"ready","protocol":"one"})", "'protocol' of the wrong type (string)"},
      {R"({"event":"warp"})", "unknown kind 'warp'"},
      {R"({"event":"ready","flops_per_sample":5.7e108})", "'flops_per_sample' of the wrong type (number) or out of range"},
  };
  for (const auto& [line, says] : lines) {
    const std::string trainer = data->write("trainer.sh", "#!/bin/sh\nread cell\nprintf '%s\\n' '" + line +
                                                              "'\nexec sleep 60\n");
    ::chmod(trainer.c_str(), 0755);
    CellRunOptions options;
    options.executable = trainer;
    ScriptedEnergy energy(1.0);
    RunResult r;
    ASSERT_NO_THROW(r = run_cell(s, energy, {}, options)) << line;
    EXPECT_EQ(r.status, "failed") << line;
    EXPECT_EQ(r.failure, protocol::failure::protocol) << line;
    EXPECT_NE(r.detail.find(says), std::string::npos) << line << ": " << r.detail;
    EXPECT_LT(r.seconds, 30.0) << line << ": the trainer was left running";
  }
}

// The reference workload's repetitions each run in a child of their own,
// which warms up first: repetitions in one process share its warm caches
// and clocks, and their spread would understate the run-to-run variance.
// E_ref is their median, every one is kept, with the card it measured.
TEST_F(CellRunnerTest, TheCalibrationKeepsEveryRepetitionAfterTheWarmUpAndTakesTheirMedian) {
  class CountsTrainers : public ScriptedEnergy {
   public:
    CountsTrainers() : ScriptedEnergy(1.5) {}
    void attach(pid_t trainer) override { trainers.insert(trainer); }
    std::set<pid_t> trainers;
  } energy;
  CalibrationOptions options;
  options.steps = 2;
  options.warmup = 1;
  options.repetitions = 3;
  TrainOptions train;
  train.threads = 1;
  CellRunOptions run_options;
  run_options.executable = JOULEGRID_BINARY;
  const Calibration cal = calibrate_node(energy, options, train, run_options, "nvml gpu0 GPU-a");
  ASSERT_TRUE(cal.ok) << cal.problem;
  ASSERT_EQ(cal.runs.size(), 3u);
  EXPECT_EQ(energy.trainers.size(), 3u) << "each repetition a child of its own";
  for (const auto& r : cal.runs) EXPECT_EQ(r.card, "") << "the workload trained on the CPU, not the card";
  std::vector<double> j;
  for (const auto& r : cal.runs) {
    EXPECT_GT(r.joules, 0);
    EXPECT_GT(r.seconds, 0);
    j.push_back(r.joules);
  }
  std::sort(j.begin(), j.end());
  EXPECT_DOUBLE_EQ(cal.joules, j[1]);
  EXPECT_EQ(cal.runs[0].repetition, 1);
  EXPECT_EQ(cal.runs[2].repetition, 3);
}

// A node whose idle baseline was taken while it was busier than during the
// cell: the idle power exceeds what the cell drew. Net energy is then 0, not
// negative (the report marks the node's net unreliable).
// A phase's net energy is recorded signed: a phase below idle power is a
// fact about the baseline, which the reduction counts, and clamping each
// phase at 0 would add noise around zero up into a positive bias.
TEST_F(CellRunnerTest, APhasesNetEnergyIsRecordedSigned) {
  class BusyBaseline : public ScriptedEnergy {
   public:
    BusyBaseline() : ScriptedEnergy(1.0) {}
    EnergyTotals now() override {
      EnergyTotals t = ScriptedEnergy::now();
      t.net_j = -2.0 * t.cell_j;  // idle power twice the cell's
      return t;
    }
  } energy;
  CriterionSpec c = criterion("epochs");
  c.epochs = 2;
  const RunResult r = run(cell(c), energy);
  ASSERT_EQ(r.status, "done") << r.detail << r.error_tail;
  ASSERT_EQ(r.epoch_records.size(), 2u);
  for (const auto& e : r.epoch_records) {
    EXPECT_GT(e.train_energy.joules, 0.0);
    EXPECT_DOUBLE_EQ(e.train_energy.net_joules, -2.0 * e.train_energy.joules);
    EXPECT_DOUBLE_EQ(e.eval_energy.net_joules, -2.0 * e.eval_energy.joules);
  }
}

// The training accuracy in evaluation mode, measured in the evaluation
// phase (its energy counted there) when asked for, not with the paper's.
TEST_F(CellRunnerTest, TheTrainingSplitIsAlsoMeasuredInEvaluationMode) {
  ScriptedEnergy energy(1.0);
  CriterionSpec c = criterion("epochs");
  c.epochs = 1;
  CellSpec eval_mode = cell(c, "mcdropout");
  eval_mode.train.train_accuracy = "always";  // a fixed-epoch cell measures it only when asked to
  const RunResult r = run(eval_mode, energy);
  ASSERT_EQ(r.status, "done") << r.detail << r.error_tail;
  ASSERT_EQ(r.epoch_records.size(), 1u);
  const EpochRecord& e = r.epoch_records[0];
  EXPECT_TRUE(std::isfinite(e.train_eval_acc));
  EXPECT_GE(e.train_eval_acc, 0.0);
  EXPECT_LE(e.train_eval_acc, 1.0);
  EXPECT_GE(e.eval_samples, 160 + 80) << "the training split is evaluated too";
  CellSpec running = eval_mode;
  running.train.train_accuracy = "running";
  const RunResult p = run(running, energy);
  ASSERT_EQ(p.status, "done") << p.detail;
  EXPECT_TRUE(std::isnan(p.epoch_records[0].train_eval_acc));
}

TEST_F(CellRunnerTest, CorruptDataIsABadInputFailure) {
  testing::TempDir bad;
  testing::write_idx_dataset(bad.path().string(), 10, 10, 4, false);
  std::filesystem::resize_file(bad.file("t10k-images-idx3-ubyte"), 100);
  CriterionSpec c = criterion("epochs");
  c.epochs = 1;
  CellSpec s = tiny_cell(bad.path().string(), "lenet", c);
  s.data.classes = 4;
  ScriptedEnergy energy(1.0);
  const RunResult r = run(s, energy);
  EXPECT_EQ(r.failure, protocol::failure::input);
  EXPECT_NE(r.detail.find("t10k-images-idx3-ubyte: offset 100: file truncated"), std::string::npos) << r.detail;
}

// [finetune] through the real child: a pretraining cell leaves its weights,
// a twin starts from them (and learns with its convolutions frozen), and a
// twin whose checkpoint is gone is a bad-input failure naming the file.
TEST_F(CellRunnerTest, APretrainingCellLeavesWeightsThatATwinStartsFrom) {
  testing::TempDir out;
  CriterionSpec c = criterion("epochs");
  c.epochs = 2;
  CellSpec pre = cell(c);
  pre.role = "pretrain";
  pre.checkpoint = out.file("pre.pt");
  ScriptedEnergy energy(1.0);
  const RunResult p = run(pre, energy);
  ASSERT_EQ(p.status, "done") << p.detail << p.error_tail;
  ASSERT_TRUE(std::filesystem::exists(pre.checkpoint));

  CellSpec twin = cell(c);
  twin.role = "finetune";
  twin.freeze = "conv";
  twin.depends_on = pre.id;
  twin.checkpoint = pre.checkpoint;
  twin.id = cell_id(twin);
  const RunResult t = run(twin, energy);
  ASSERT_EQ(t.status, "done") << t.detail << t.error_tail;
  // After one epoch the same cell from scratch is at chance (0.25 here); the twin is far above it.
  EXPECT_GT(t.epoch_records.front().test_acc, 0.5) << "starts from a trained encoder, not from chance";
  EXPECT_GT(t.epoch_records.front().test_acc, p.epoch_records.front().test_acc);

  twin.checkpoint = out.file("gone.pt");
  const RunResult missing = run(twin, energy);
  EXPECT_EQ(missing.status, "failed");
  EXPECT_EQ(missing.failure, protocol::failure::input);
  EXPECT_NE(missing.detail.find(out.file("gone.pt")), std::string::npos) << missing.detail;
}

// A model exported from Python (examples/models/export_torchscript.py),
// scripted or traced, trains through joulegrid's own loop: far above chance,
// with its own parameter count, and identically when run again.
TEST_F(CellRunnerTest, ATorchScriptModelTrainsThroughTheSameLoop) {
  CriterionSpec c = criterion("epochs");
  c.epochs = 3;
  for (const std::string kind : {"classes4-1", "classes4-trace-1"}) {
    CellSpec s = cell(c, "tinycnn");
    s.model_kind = "torchscript";
    s.model_file = std::string(TORCHSCRIPT_DIR) + "/tiny-" + kind + ".pt";
    s.model_hash = file_hash(s.model_file);
    s.id = cell_id(s);
    ScriptedEnergy energy(1.0), again(1.0);
    const RunResult r = run(s, energy);
    ASSERT_EQ(r.status, "done") << kind << ": " << r.detail << r.error_tail;
    EXPECT_EQ(r.epochs, 3);
    EXPECT_EQ(r.parameters, (9 * 4 + 4) + (36 * 8 + 8) + (392 * 4 + 4)) << kind;
    EXPECT_EQ(r.flops_per_sample, 2 * (4 * 784 * 9 + 8 * 196 * 36 + 392 * 4)) << kind;
    EXPECT_GT(r.test_acc, 0.6) << kind << ": chance is 0.25";
    EXPECT_LT(r.epoch_records[2].loss, r.epoch_records[0].loss) << kind;
    const RunResult twice = run(s, again);
    ASSERT_EQ(twice.status, "done");
    for (int e = 0; e < 3; ++e) EXPECT_DOUBLE_EQ(twice.epoch_records[e].loss, r.epoch_records[e].loss) << kind;
  }
}

// The file a cell was planned with is the file it trains: one changed since
// is bad input, named, and not retried into a different model's numbers.
TEST_F(CellRunnerTest, ATorchScriptFileChangedSincePlanningFailsAsBadInput) {
  CellSpec s = cell(criterion("epochs"), "tinycnn");
  s.model_kind = "torchscript";
  s.model_file = std::string(TORCHSCRIPT_DIR) + "/tiny-classes4-1.pt";
  s.model_hash = file_hash(std::string(TORCHSCRIPT_DIR) + "/tiny-reseeded-1.pt");
  ScriptedEnergy energy(1.0);
  const RunResult r = run(s, energy);
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.failure, FailureValue::input);
  EXPECT_NE(r.detail.find("changed since the study was planned"), std::string::npos) << r.detail;
}

TEST_F(CellRunnerTest, BcnnAndMcDropoutTrainThroughTheSamePath) {
  CriterionSpec c = criterion("epochs");
  c.epochs = 2;
  for (const std::string arch : {"bcnn", "mcdropout"}) {
    ScriptedEnergy energy(1.0);
    const RunResult r = run(cell(c, arch), energy);
    ASSERT_EQ(r.status, "done") << arch << ": " << r.detail << r.error_tail;
    EXPECT_EQ(r.epochs, 2) << arch;
  }
}


// The architectures beyond the paper's, through the HDF5 tensor dataset with
// [N, F, T] samples (features by time, as the SED study's spectrograms).
TEST_F(CellRunnerTest, EveryArchitectureTrainsOnFeatureByTimeTensorsFromHdf5) {
  testing::TempDir dir;
  const std::string file = dir.file("sed.h5");
  testing::write_hdf5_dataset(file, 96, 48, 4, false, 3, /*features_by_time=*/true);
  CriterionSpec c = criterion("epochs");
  c.epochs = 1;
  for (const std::string arch : {"mlp", "rnn", "lstm", "crnn", "resnet", "vgg", "mobilenetv2"}) {
    CellSpec s = cell(c, arch);
    s.data.format = "hdf5";
    s.data.path = file;
    s.data.name = "sed";
    s.id = cell_id(s);
    ScriptedEnergy energy(1.0);
    const RunResult r = run(s, energy);
    ASSERT_EQ(r.status, "done") << arch << ": " << r.detail << r.error_tail;
    EXPECT_EQ(r.epochs, 1) << arch;
    EXPECT_EQ(r.epoch_records[0].batches, 6) << arch << ": 96 samples in batches of 16";
    ModelConfig m;
    m.architecture = arch;
    m.input_shape = {28, 28};
    m.classes = 4;
    const auto model = make_model(m);
    EXPECT_EQ(r.parameters, model->parameter_count()) << arch;
    EXPECT_EQ(r.flops_per_sample, model->flops_per_sample()) << arch;
    EXPECT_GT(r.flops_per_sample, 0) << arch;
  }
}

// ---- a training program that misbehaves costs only its attempt -------------------

class MisbehavingProgram : public CellRunnerTest {
 protected:
  // A cell of tests/fakes/programs/misbehaving.py in `mode`, two epochs.
  RunResult run_program(const std::string& mode, ScriptedEnergy& energy) {
    CriterionSpec c = criterion("epochs");
    c.epochs = 2;
    CellSpec s = cell(c);
    s.model_kind = "command";
    s.model_command = {TORCH_PYTHON, std::string(JOULEGRID_SOURCE_DIR) + "/tests/fakes/programs/misbehaving.py", mode};
    s.model_workdir = data->path().string();
    s.ready_seconds = 1.5;
    s.stop_seconds = 1;
    return run_cell(s, energy);
  }
  RunResult run_program(const std::string& mode) {
    ScriptedEnergy energy(1.0);
    return run_program(mode, energy);
  }
};

TEST_F(MisbehavingProgram, NoReadyWithinItsReadySecondsFailsTheAttempt) {
  const RunResult r = run_program("silent");
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.failure, "timeout");
  EXPECT_NE(r.detail.find("sent no 'ready' within 1.5 s of its start ([models] ready_seconds)"), std::string::npos)
      << r.detail;
}

TEST_F(MisbehavingProgram, ABrokenProtocolFailsTheAttemptNamingHow) {
  const std::map<std::string, std::string> expected{
      {"garbage", "the program wrote a line that is not an event: 'Downloading weights ... 100%'"},
      {"version2", "the trainer speaks protocol version 2; joulegrid speaks version 1"},
      {"no_fields", "the trainer's 'epoch' event does not read"},
      {"out_of_order", "the program sent 'epoch' without 'eval_begin' before it"},
      {"done_unasked", "the program sent 'done' though it was not asked to stay for another cell"},
  };
  for (const auto& [mode, words] : expected) {
    const auto start = std::chrono::steady_clock::now();
    const RunResult r = run_program(mode);
    EXPECT_EQ(r.status, "failed") << mode;
    EXPECT_EQ(r.failure, "protocol") << mode;
    EXPECT_NE(r.detail.find(words), std::string::npos) << mode << ": " << r.detail;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30)) << mode << ": not killed at once";
  }
}

// A program with no validation split of its own (its ready says none) under
// a criterion that stops on the validation split would select on the test
// set: refused before its first epoch, not recorded as held out.
TEST_F(MisbehavingProgram, AProgramWithoutAValidationSplitCannotStopOnOne) {
  CriterionSpec c = criterion("early_stopping");
  c.split = "validation";
  CellSpec s = cell(c);
  s.data.validation_fraction = 0.1;
  s.model_kind = "command";
  s.model_command = {TORCH_PYTHON, std::string(JOULEGRID_SOURCE_DIR) + "/tests/fakes/programs/misbehaving.py",
                     "test_as_validation"};
  s.model_workdir = data->path().string();
  s.ready_seconds = 30;  // python starting up on a busy machine
  s.stop_seconds = 5;
  ScriptedEnergy energy(1.0);
  const RunResult r = run_cell(s, energy);
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.failure, "protocol");
  EXPECT_NE(r.detail.find("has no validation split"), std::string::npos) << r.detail;
  EXPECT_EQ(r.epochs, 0);
}

// Its partial epoch's energy is the failed attempt's, never lost.
TEST_F(MisbehavingProgram, ExitingMidEpochKeepsThePartialEnergy) {
  const RunResult r = run_program("exit_mid_epoch");
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.failure, "exit");
  EXPECT_NE(r.detail.find("the program ended with exit code 3, during epoch 1's training"), std::string::npos)
      << r.detail;
  EXPECT_EQ(r.epochs, 0);
  EXPECT_GT(r.unfinished_j, 0) << "the energy of the epoch it did not finish";
}

// After stop and its stop_seconds, its group is terminated, then killed.
TEST_F(MisbehavingProgram, IgnoringStopGetsItsGroupTerminatedThenKilled) {
  const RunResult r = run_program("ignores_stop");
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.failure, "timeout");
  EXPECT_EQ(r.epochs, 2) << "its epochs are kept";
  EXPECT_NE(r.detail.find("did not end within 1 s of 'stop' ([models] stop_seconds): its process group was "
                          "terminated, then killed"),
            std::string::npos)
      << r.detail;
}

// Megabytes on stderr: read as they come (the worker never blocks), the
// last 4 KiB kept.
TEST_F(MisbehavingProgram, MegabytesOnStderrNeitherBlockNorFailIt) {
  const RunResult r = run_program("chatty");
  EXPECT_EQ(r.status, "done") << r.detail;
  EXPECT_EQ(r.epochs, 2);
}

// A child it forked and left holding its pipes is killed with its group:
// the worker neither waits for it nor leaves it running.
TEST_F(MisbehavingProgram, ALeftoverChildIsKilledWithItsGroup) {
  const auto start = std::chrono::steady_clock::now();
  const RunResult r = run_program("leaves_child");
  EXPECT_EQ(r.status, "done") << r.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30)) << "it waited for the leftover";
  auto leftovers = [] {
    int n = 0;
    for (const auto& p : std::filesystem::directory_iterator("/proc")) {
      std::ifstream in(p.path() / "cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      n += cmdline.find("misbehaving.py") != std::string::npos && cmdline.find("leaves_child") != std::string::npos;
    }
    return n;
  };
  for (int i = 0; i < 50 && leftovers() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(leftovers(), 0) << "the forked child outlived the attempt";
}

}  // namespace
}  // namespace joulegrid

namespace joulegrid {
namespace {

// A worker's kept child: cells of the same data run one after another in
// one process, each as it runs in a child of its own.
class WarmTrainerTest : public CellRunnerTest {
 protected:
  RunResult run_warm(const CellSpec& cell, WarmTrainer& warm, const CellCallbacks& callbacks = {}) {
    CellRunOptions options;
    options.executable = JOULEGRID_BINARY;
    options.warm = &warm;
    testing::ScriptedEnergy energy(1.0);
    return run_cell(cell, energy, callbacks, options);
  }
  CellSpec two_epochs(const std::string& arch = "lenet", uint64_t seed = 12345) {
    CriterionSpec c = criterion("epochs");
    c.epochs = 2;
    CellSpec s = cell(c, arch);
    s.repeat = static_cast<int>(seed % 1000);  // another cell, not only another seed
    s.id = cell_id(s);
    s.seed = seed;
    return s;
  }
};

// A cell after others in a warm child has the per-epoch losses it has in a
// child of its own, to the bit: its model, optimiser and random state are
// its own, whatever ran before (an MC-dropout cell drawing its masks, a
// BCNN drawing its weights, a LeNet of another seed).
TEST_F(WarmTrainerTest, ACellRunsInTheKeptChildWithTheResultsItHasCold) {
  testing::ScriptedEnergy energy(1.0);
  const RunResult cold = run(two_epochs(), energy);
  ASSERT_EQ(cold.status, "done") << cold.detail << cold.error_tail;

  WarmTrainer warm(10);
  for (const auto& before : {two_epochs("mcdropout"), two_epochs("bcnn"), two_epochs("lenet", 7)}) {
    const RunResult r = run_warm(before, warm);
    ASSERT_EQ(r.status, "done") << r.detail << r.error_tail;
  }
  const pid_t kept = warm.pid();
  ASSERT_GT(kept, 0);
  const RunResult warm_run = run_warm(two_epochs(), warm);
  ASSERT_EQ(warm_run.status, "done") << warm_run.detail << warm_run.error_tail;
  EXPECT_EQ(warm.pid(), kept) << "the same child trained it: " << warm.last_end();
  EXPECT_EQ(warm.cells(), 4);
  ASSERT_EQ(warm_run.epochs, 2);
  for (int e = 0; e < 2; ++e) {
    EXPECT_EQ(warm_run.epoch_records[e].loss, cold.epoch_records[e].loss) << "epoch " << e + 1;
    EXPECT_EQ(warm_run.epoch_records[e].test_acc, cold.epoch_records[e].test_acc) << "epoch " << e + 1;
  }
  EXPECT_EQ(warm_run.parameters, cold.parameters);
  // Outside its epochs: the node's, not the cell's. One joule a reading:
  // from the start to the first train_begin, between the epochs, and after
  // the last one to its end.
  EXPECT_FALSE(cold.warm_trainer);
  EXPECT_TRUE(warm_run.warm_trainer);
  EXPECT_DOUBLE_EQ(cold.outside_j, 3.0);
  EXPECT_DOUBLE_EQ(warm_run.outside_j, 3.0);
  EXPECT_DOUBLE_EQ(warm_run.energy_j, cold.energy_j);
  EXPECT_GT(cold.outside_s, warm_run.outside_s) << "a new process, libtorch and the dataset, against none of them";
}

// Every way a cell can fail ends the kept child with it; the next cell
// starts a fresh one, and it is done.
TEST_F(WarmTrainerTest, EachFailureEndsTheKeptChildAndTheNextCellGetsAFreshOne) {
  struct Case {
    std::string fault;  // injected into the second cell
    double timeout_s;
    bool abandon;
    std::string failure;
  };
  const std::vector<Case> cases{{"segfault", 0, false, "signal"}, {"nan", 0, false, "nonfinite_loss"},
                                {"oom", 0, false, "out_of_memory"}, {"exit", 0, false, "exit"},
                                {"hang", 1.5, false, "timeout"},    {"", 0, true, ""}};
  for (const Case& k : cases) {
    const std::string what = k.abandon ? "abandoned" : k.fault;
    CellSpec struck = two_epochs("lenet", 99);
    struck.timeout_s = k.timeout_s;
    if (!k.fault.empty())
      ::setenv("JOULEGRID_INJECT_FAULT", (k.fault + "@1.2/id:" + struck.id.substr(0, 8)).c_str(), 1);
    WarmTrainer warm(10);
    ASSERT_EQ(run_warm(two_epochs(), warm).status, "done") << what;
    const pid_t first = warm.pid();
    ASSERT_GT(first, 0) << what;
    CellCallbacks callbacks;
    int epochs_seen = 0;
    callbacks.on_epoch = [&](const EpochRecord&) { ++epochs_seen; };
    if (k.abandon) callbacks.should_abandon = [&] { return epochs_seen >= 1; };
    const RunResult r = run_warm(struck, warm, callbacks);
    if (k.abandon) {
      EXPECT_EQ(r.status, "abandoned");
    } else {
      EXPECT_EQ(r.status, "failed") << what;
      EXPECT_EQ(r.failure, k.failure) << what << ": " << r.detail;
    }
    EXPECT_EQ(warm.pid(), -1) << what << ": the child is ended with its cell";
    EXPECT_NE(warm.last_end().find("cell " + struck.id), std::string::npos) << warm.last_end();
    EXPECT_EQ(::kill(first, 0), -1) << what << ": no process is left behind";
    ::unsetenv("JOULEGRID_INJECT_FAULT");
    const RunResult next = run_warm(two_epochs("lenet", 5), warm);
    EXPECT_EQ(next.status, "done") << what << ": " << next.detail;
    EXPECT_GT(warm.pid(), 0);
    EXPECT_NE(warm.pid(), first);
  }
}

// A kept child is replaced after its number of cells, once its memory
// passes the limit, and for a cell of other data.
TEST_F(WarmTrainerTest, TheKeptChildIsReplacedAfterItsCellsItsMemoryAndForOtherData) {
  WarmTrainer two(2);
  ASSERT_EQ(run_warm(two_epochs(), two).status, "done");
  const pid_t first = two.pid();
  ASSERT_EQ(run_warm(two_epochs("lenet", 2), two).status, "done");
  EXPECT_EQ(two.pid(), first);
  ASSERT_EQ(run_warm(two_epochs("lenet", 3), two).status, "done");
  EXPECT_NE(two.pid(), first);
  EXPECT_NE(two.last_end().find("run 2 cells"), std::string::npos) << two.last_end();

  WarmTrainer small(10, 1);  // 1 MiB: any libtorch process passes it
  ASSERT_EQ(run_warm(two_epochs(), small).status, "done");
  const pid_t before = small.pid();
  ASSERT_EQ(run_warm(two_epochs("lenet", 2), small).status, "done");
  EXPECT_NE(small.pid(), before);
  EXPECT_NE(small.last_end().find("resident memory"), std::string::npos) << small.last_end();

  WarmTrainer warm(10);
  ASSERT_EQ(run_warm(two_epochs(), warm).status, "done");
  const pid_t on_all = warm.pid();
  CellSpec fewer = two_epochs();
  fewer.data.subset_train = 80;
  fewer.id = cell_id(fewer);
  const RunResult r = run_warm(fewer, warm);
  ASSERT_EQ(r.status, "done") << r.detail;
  EXPECT_EQ(r.epoch_records[0].train_samples, 80);
  EXPECT_NE(warm.pid(), on_all);
  EXPECT_NE(warm.last_end().find("other data"), std::string::npos) << warm.last_end();
}

}  // namespace
}  // namespace joulegrid
