// `joulegrid run` alone (rank 0's scheduler and one worker in one process):
// every cell committed once, faults recorded and retried, the file refused
// or resumed as the user asked, and a stop or a kill -9 costing only the
// cells that were running.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/datasets/datasets.hpp"
#include "io/store/store.hpp"
#include "tests/support/checks.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/study.hpp"
#include "tests/support/synthetic_results.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

using namespace joulegrid::testing;
using std::chrono::seconds;

class RunStudy : public ::testing::Test {
 protected:
  // Whether a test may mount a tmpfs of its own (a full disk) in a private mount namespace.
  bool private_mounts() const {
    return run_command("unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs " + quote(dir_.path().string()) +
                       " && umount " + quote(dir_.path().string()) + "'").exit_code == 0;
  }
  void SetUp() override {
    DataSpec fashion;
    fashion.path = default_dataset_dir();
    if (!check_dataset_files(fashion).empty()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }

  std::string write_spec(const StudyOptions& o) { return dir_.write(o.name + ".toml", study_spec(o)); }
  std::string results(const StudyOptions& o) const { return dir_.file(o.name + ".h5"); }
  std::string run(const std::string& spec, const std::string& extra = "") const {
    return std::string(JOULEGRID_BINARY) + " run " + quote(spec) + " " + extra;
  }

  // Each cell's settled runs and all of its attempts.
  static std::map<std::string, int> done_runs_per_cell(const StudyResults& r) {
    std::map<std::string, int> n;
    for (const auto& c : r.cells) n[c.id] = 0;
    for (const auto& run : r.runs)
      if (run.status == "done") ++n[run.cell_id];
    return n;
  }

  static void expect_every_cell_done_once(const StudyResults& r) {
    for (const auto& [id, n] : done_runs_per_cell(r)) EXPECT_EQ(n, 1) << "cell " << id;
    for (const auto& c : r.cells) EXPECT_EQ(c.status, "done") << "cell " << c.id;
  }

  TempDir dir_;
};

TEST_F(RunStudy, EveryCellIsCommittedOnceAndTheReportMatchesTheFile) {
  StudyOptions o;
  o.extra = "\n[carbon]\ng_per_kwh = 300\n\n[step]\nstable_from = 1\nwindow = 1\n";
  const std::string spec = write_spec(o);
  const CommandResult r = run_command(run(spec));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Per architecture (Eq. 4"), std::string::npos) << r.out;
  // The default [report] formats: the page to open, beside the results.
  const std::string page = slurp(dir_.file(o.name + ".html"));
  EXPECT_NE(page.find("id=\"table-answer\""), std::string::npos);
  EXPECT_NE(r.out.find("report:  " + dir_.file(o.name + ".html")), std::string::npos) << r.out;

  const StudyResults file = load_results(results(o));
  EXPECT_EQ(file.meta.status, "complete");
  ASSERT_EQ(file.cells.size(), 4u);
  expect_every_cell_done_once(file);
  ASSERT_EQ(file.nodes.size(), 1u);
  EXPECT_GT(file.nodes[0].calibration_j, 0.0) << "the node ran its calibration";
  EXPECT_EQ(file.nodes[0].calibration_steps, 4);

  const CommandResult rep = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(results(o)) + " --format json");
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  const auto j = nlohmann::json::parse(rep.out);
  ASSERT_EQ(j["cells"].size(), 4u);
  for (const auto& cell : j["cells"]) {
    const auto settled = file.settled().at(cell["id"].get<std::string>()).front();
    EXPECT_DOUBLE_EQ(cell["energy_j"].get<double>(), settled->energy_j);
    EXPECT_DOUBLE_EQ(cell["test_acc"].get<double>(), settled->test_acc);
    EXPECT_EQ(cell["epochs"].get<int>(), settled->epochs);
    EXPECT_EQ(cell["status"], "done");
    EXPECT_FALSE(cell["energy_method"].get<std::string>().empty());
  }
  ASSERT_EQ(j["architectures"].size(), 2u);
  for (const auto& a : j["architectures"]) {
    EXPECT_GT(a["efficiency_per_j"].get<double>(), 0.0);
    EXPECT_GT(a["normalised_efficiency_per_j"].get<double>(), 0.0);
  }
  EXPECT_FALSE(j["energy"]["energy_method"].get<std::string>().empty());
  double joules = 0;
  for (const auto& run : file.runs) joules += run.energy_j;
  EXPECT_NEAR(j["emissions"]["grams_co2e"].get<double>(), joules / 3.6e6 * 300, 1e-9) << "[carbon] kept in the file";
  // STEP from epoch 1 alone: each run's projection is its first epoch times its cap.
  for (const auto& run : file.runs) {
    ASSERT_EQ(run.step_epoch, 1) << run.cell_id;
    EXPECT_NEAR(run.step_projected_j, 2 * run.epoch_records[0].cumulative_j, 1e-9) << run.cell_id;
  }
  EXPECT_FALSE(j["step"].empty());

  const CommandResult csv = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(results(o)) + " --format csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 5) << csv.out;
}

TEST_F(RunStudy, StoredSamplesCoverEachCommittedRunAtTheSampleRate) {
  StudyOptions o;
  o.name = "samples";
  o.accuracy_criterion = false;
  o.store_samples = true;
  const CommandResult r = run_command(run(write_spec(o)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const StudyResults file = load_results(results(o));
  const auto blocks = read_stored_samples(results(o));
  ASSERT_EQ(blocks.size(), file.runs.size()) << "one block per committed attempt";
  for (const auto& b : blocks) {
    const RunResult* run = nullptr;
    for (const auto& x : file.runs)
      if (x.cell_id == b.cell_id && x.attempt == b.attempt) run = &x;
    ASSERT_NE(run, nullptr) << b.cell_id;
    ASSERT_FALSE(b.channels.empty());
    EXPECT_EQ(b.values.size(), b.t.size() * b.channels.size());
    EXPECT_FALSE(b.truncated);
    ASSERT_GE(b.t.size(), 2u);
    for (size_t i = 1; i < b.t.size(); ++i) ASSERT_GT(b.t[i], b.t[i - 1]) << b.cell_id << " sample " << i;
    EXPECT_LT(b.t.front(), 0.1) << "the series starts with the attempt";
    // 100 Hz over the attempt's time: the sampler may lose a few ticks on a busy machine, never half.
    EXPECT_GT(static_cast<double>(b.t.size()), 0.5 * 100 * b.t.back());
    EXPECT_NEAR(b.t.back(), run->seconds, 0.5 + 0.1 * run->seconds);
    EXPECT_EQ(b.start_unix_s, run->started_unix_s);
    // The node's CPU utilisation is stored beside the energy, in percent, and labelled as not energy.
    const auto util = std::find_if(b.channels.begin(), b.channels.end(),
                                   [](const SampleChannel& c) { return c.method == "utilisation"; });
    ASSERT_NE(util, b.channels.end()) << b.cell_id;
    EXPECT_EQ(util->unit, "%");
    EXPECT_EQ(util->component, "cpu");
    const size_t c = static_cast<size_t>(util - b.channels.begin());
    for (size_t i = 0; i < b.t.size(); ++i) {
      const double v = b.values[c * b.t.size() + i];
      ASSERT_TRUE(v >= 0 && v <= 100) << v;
    }
  }
  EXPECT_EQ(slurp(samples_path(results(o))), "") << "the final snapshot folded the log in";
}

// [finetune]: a pretraining cell leaves its weights beside the results, the
// fine-tuning twin starts from them after it, and the report sets the twin
// against the cell trained from scratch with the pretraining apart. Every
// run records the node's CPU utilisation, which the page plots against energy.
TEST_F(RunStudy, FineTuningStartsFromThePretrainedWeightsAndReportsTheSaving) {
  StudyOptions o;
  o.name = "ft";
  o.architectures = R"("lenet")";
  o.accuracy_criterion = false;
  o.extra = "\n[finetune]\nepochs = 1\nfreeze = \"conv\"\n";
  const CommandResult r = run_command(run(write_spec(o)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Fine-tuning from a pretrained encoder"), std::string::npos) << r.out;
  const StudyResults file = load_results(results(o));
  ASSERT_EQ(file.cells.size(), 3u);
  expect_every_cell_done_once(file);
  const CellRow& scratch = file.cells[0];
  const CellRow& pre = file.cells[1];
  const CellRow& twin = file.cells[2];
  EXPECT_EQ(scratch.role, "");
  EXPECT_EQ(pre.role, "pretrain");
  EXPECT_EQ(twin.role, "finetune");
  EXPECT_EQ(twin.depends_on, pre.id);
  EXPECT_EQ(twin.freeze, "conv");
  EXPECT_TRUE(std::filesystem::exists(dir_.file("ft.checkpoints/" + pre.id + ".pt")));
  std::vector<std::string> committed;
  for (const auto& run : file.runs) committed.push_back(run.cell_id);
  EXPECT_LT(std::find(committed.begin(), committed.end(), pre.id) - committed.begin(),
            std::find(committed.begin(), committed.end(), twin.id) - committed.begin())
      << "the fine-tuning cell ran after its pretraining";
  for (const auto& run : file.runs) {
    EXPECT_TRUE(run.cpu_util > 0 && run.cpu_util <= 100) << run.cell_id << ": " << run.cpu_util;
    EXPECT_TRUE(std::isnan(run.gpu_util)) << "no GPU here";
    for (const auto& e : run.epoch_records) EXPECT_TRUE(e.train_energy.cpu_util >= 0 && e.train_energy.cpu_util <= 100);
  }

  const CommandResult rep = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(results(o)) + " --format json");
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  const auto j = nlohmann::json::parse(rep.out);
  ASSERT_EQ(j["finetune"].size(), 1u);
  const auto& f = j["finetune"][0];
  const auto energy = [&](const CellRow& c) { return file.settled().at(c.id).front()->energy_j; };
  EXPECT_DOUBLE_EQ(f["scratch_j"].get<double>(), energy(scratch));
  EXPECT_DOUBLE_EQ(f["finetune_j"].get<double>(), energy(twin)) << "the pretraining is not in the twin's energy";
  EXPECT_DOUBLE_EQ(f["pretrain_j"].get<double>(), energy(pre));
  EXPECT_NEAR(f["saving"].get<double>(), 1 - energy(twin) / energy(scratch), 1e-12);
  EXPECT_NEAR(f["saving_with_pretraining"].get<double>(), 1 - (energy(twin) + energy(pre)) / energy(scratch), 1e-12);
  for (const auto& cell : j["cells"]) EXPECT_TRUE(cell["cpu_util_percent"].is_number()) << cell["id"];

  const std::string page = slurp(dir_.file("ft.html"));
  EXPECT_NE(page.find("id=\"table-finetune\""), std::string::npos);
  EXPECT_NE(page.find("<figure id=\"figure-fig-energy-utilisation\""), std::string::npos)
      << "utilisation was recorded, so the figure is drawn";
}

// PRE: earlier measured runs predict this grid's energy and time per node,
// and order the queue of `run --history`.
TEST_F(RunStudy, EstimateFromAHistoryPredictsPerNodeAndOrdersTheQueue) {
  const std::string history = dir_.file("history.h5");
  write_new_results(history, synthetic_study({}));
  StudyOptions o;
  o.name = "planned";
  o.accuracy_criterion = false;
  const std::string spec = write_spec(o);
  const CommandResult est = run_command(std::string(JOULEGRID_BINARY) + " estimate " + quote(spec) + " --from " +
                                        quote(history) + " --json");
  ASSERT_EQ(est.exit_code, 0) << est.err;
  const auto j = nlohmann::json::parse(est.out);
  EXPECT_EQ(j["fit"]["runs"], 23);
  EXPECT_TRUE(j["fit"]["held_out_energy_error"].is_number());
  ASSERT_EQ(j["nodes"].size(), 2u);
  EXPECT_GT(j["nodes"][1]["joules"].get<double>(), j["nodes"][0]["joules"].get<double>())
      << "node-b's calibration and its runs cost twice node-a's";
  ASSERT_EQ(j["cells"].size(), 2u * 2u) << "2 cells on 2 nodes";
  std::map<std::string, double> on_a;
  for (const auto& c : j["cells"])
    if (c["node"] == "node-a") on_a[c["id"]] = c["joules"].get<double>();
  const StudyResults planned_cells = [&] {
    const CommandResult plan = run_command(std::string(JOULEGRID_BINARY) + " plan " + quote(spec) + " --json");
    StudyResults r;
    for (const auto& c : nlohmann::json::parse(plan.out)) {
      CellRow row;
      row.id = c["id"];
      row.architecture = c["architecture"];
      r.cells.push_back(row);
    }
    return r;
  }();
  ASSERT_EQ(planned_cells.cells.size(), 2u);
  const bool lenet_first = planned_cells.cells[0].architecture == "lenet";
  EXPECT_LT(on_a[planned_cells.cells[lenet_first ? 0 : 1].id], on_a[planned_cells.cells[lenet_first ? 1 : 0].id])
      << "bcnn has twice lenet's parameters and cost twice its energy in the history";

  const CommandResult r = run_command(run(spec, "--history " + quote(history)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("PRE from 23 measured runs orders the queue"), std::string::npos) << r.err;
  expect_every_cell_done_once(load_results(results(o)));

  const CommandResult missing = run_command(std::string(JOULEGRID_BINARY) + " estimate " + quote(spec) +
                                            " --from " + quote(dir_.file("none.h5")));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("none.h5"), std::string::npos) << missing.err;
}

TEST_F(RunStudy, InjectedSegfaultAndNanAreRecordedAndRetried) {
  StudyOptions o;
  const std::string spec = write_spec(o);
  // The first attempt of cell 0 segfaults, of cell 1 has a NaN loss.
  const CommandResult r =
      run_command("JOULEGRID_INJECT_FAULT='segfault@1/0#1,nan@2/1#1' " + run(spec));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const StudyResults file = load_results(results(o));
  expect_every_cell_done_once(file);
  std::map<std::string, std::vector<const RunResult*>> attempts;
  for (const auto& run : file.runs) attempts[run.cell_id].push_back(&run);
  const auto& cell0 = attempts.at(file.cells[0].id);
  ASSERT_EQ(cell0.size(), 2u);
  EXPECT_EQ(cell0[0]->status, "failed");
  EXPECT_EQ(cell0[0]->failure, "signal");
  EXPECT_NE(cell0[0]->detail.find("Segmentation fault"), std::string::npos) << cell0[0]->detail;
  EXPECT_FALSE(cell0[0]->settles_cell);
  EXPECT_EQ(cell0[1]->attempt, 2);
  const auto& cell1 = attempts.at(file.cells[1].id);
  ASSERT_EQ(cell1.size(), 2u);
  EXPECT_EQ(cell1[0]->failure, "nonfinite_loss");
  EXPECT_EQ(cell1[0]->epochs, 1) << "the first epoch was fine, the second produced the NaN";
  EXPECT_EQ(attempts.at(file.cells[2].id).size(), 1u);
}

TEST_F(RunStudy, ACellOutOfAttemptsIsRecordedFailedAndTheSweepGoesOn) {
  StudyOptions o;
  o.architectures = R"("lenet")";
  const std::string spec = write_spec(o);
  const CommandResult r = run_command("JOULEGRID_INJECT_FAULT='abort@1/1' " + run(spec));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const StudyResults file = load_results(results(o));
  EXPECT_EQ(file.cells[0].status, "done");
  EXPECT_EQ(file.cells[1].status, "failed");
  EXPECT_EQ(file.cells[1].attempts, 2);
  const CommandResult rep = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(results(o)));
  EXPECT_NE(rep.out.find("Failed cells"), std::string::npos) << rep.out;
  EXPECT_NE(rep.out.find("signal"), std::string::npos) << rep.out;
}

TEST_F(RunStudy, AnExistingFileIsRefusedAndLeftUntouched) {
  StudyOptions o;
  o.architectures = R"("lenet")";
  o.accuracy_criterion = false;
  const std::string spec = write_spec(o);
  ASSERT_EQ(run_command(run(spec)).exit_code, 0);
  const std::string before = slurp(results(o));
  const CommandResult again = run_command(run(spec));
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;
  EXPECT_EQ(slurp(results(o)), before);

  // Resuming with another grid is refused too.
  StudyOptions other = o;
  other.sizes = "1, 2";
  dir_.write(o.name + ".toml", study_spec(other));
  const CommandResult resumed = run_command(run(spec, "--resume"));
  EXPECT_EQ(resumed.exit_code, 2);
  EXPECT_NE(resumed.err.find("differs from the spec"), std::string::npos) << resumed.err;
  EXPECT_EQ(slurp(results(o)), before);

  // Resuming a complete study runs nothing and succeeds.
  dir_.write(o.name + ".toml", study_spec(o));
  const CommandResult nothing = run_command(run(spec, "--resume"));
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_EQ(load_results(results(o)).runs.size(), 1u);
}

TEST_F(RunStudy, SigtermStopsWithExitThreeAndResumeFinishes) {
  StudyOptions o;
  o.repeats = 3;
  o.epochs = 3;
  o.subset_train = 600;
  const std::string spec = write_spec(o);
  Background study(run(spec, "--drain-seconds 1"), dir_.file("out"), dir_.file("err"));
  ASSERT_TRUE(eventually([&] { return slurp(dir_.file("err")).find(" done: ") != std::string::npos; }, seconds(120)))
      << slurp(dir_.file("err"));
  const auto signalled = std::chrono::steady_clock::now();
  study.signal(SIGTERM);
  EXPECT_EQ(study.wait(seconds(60)), 3) << slurp(dir_.file("err"));
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, seconds(15)) << "drain time 1 s";

  const StudyResults stopped = load_results(results(o));
  EXPECT_EQ(stopped.meta.status, "stopped");
  int done = 0;
  for (const auto& c : stopped.cells) done += c.status == "done";
  EXPECT_GE(done, 1);
  EXPECT_LT(done, 12);

  const CommandResult resumed = run_command(run(spec, "--resume"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const StudyResults file = load_results(results(o));
  expect_every_cell_done_once(file);

  // The resume measured the node again and added that measurement: the
  // first job's idle power and calibration are as they were, and every run
  // names the measurement in force when it ran.
  ASSERT_EQ(stopped.nodes.size(), 1u);
  ASSERT_EQ(file.nodes.size(), 2u) << "a resume adds a measurement, it never rewrites one";
  const NodeRecord& first = file.nodes[0];
  EXPECT_EQ(first.session, 0);
  EXPECT_EQ(file.nodes[1].session, 1);
  EXPECT_EQ(file.nodes[1].name, first.name);
  EXPECT_DOUBLE_EQ(first.calibration_j, stopped.nodes[0].calibration_j);
  EXPECT_DOUBLE_EQ(first.idle_w, stopped.nodes[0].idle_w);
  EXPECT_EQ(first.measured_utc, stopped.nodes[0].measured_utc);
  EXPECT_FALSE(first.measured_utc.empty());
  EXPECT_EQ(first.job, "local");
  std::set<std::string> first_job;
  for (const auto& r : stopped.runs) first_job.insert(r.cell_id + "#" + std::to_string(r.attempt));
  for (const auto& r : file.runs)
    EXPECT_EQ(r.node_session, first_job.count(r.cell_id + "#" + std::to_string(r.attempt)) ? 0 : 1) << r.cell_id;
  const CommandResult table = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(results(o)));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("was measured by 2 jobs (a resume measures again)"), std::string::npos) << table.out;
}

// The disk fills while the sweep runs (a tmpfs of its own in a private
// mount namespace, filled once the first cell is committed): the snapshot
// that cannot be written is a one-line warning, the commit that cannot be
// appended stops the sweep resumably (exit 3) with one line that says what
// is safe, and once there is room --resume finishes with every cell once.
TEST_F(RunStudy, AFullDiskStopsTheSweepResumablyAndLosesNothingCommitted) {
  if (!private_mounts()) GTEST_SKIP() << "no private mounts here (needs root and unshare)";
  StudyOptions o;
  o.repeats = 3;
  o.epochs = 2;
  o.subset_train = 400;
  const std::string spec = write_spec(o);
  const std::string disk = dir_.file("disk"), out = dir_.file("out");
  std::filesystem::create_directories(disk);
  std::filesystem::create_directories(out);
  const std::string file = disk + "/full.h5";
  const std::string script =
      "set -u; mount -t tmpfs -o size=40m tmpfs " + quote(disk) + " || exit 90\n" +
      run(spec, "-o " + quote(file) + " --snapshot-seconds 0.2") + " > " + quote(out + "/first.out") + " 2> " +
      quote(out + "/first.err") + " &\npid=$!\n"
      "for i in $(seq 1 1200); do grep -q ' done: ' " + quote(out + "/first.err") + " && break; sleep 0.1; done\n"
      "dd if=/dev/zero of=" + quote(disk + "/filler") + " bs=64k 2>/dev/null\n"
      "wait $pid; echo $? > " + quote(out + "/first.rc") + "\n"
      "cp " + quote(file) + " " + quote(out + "/stopped.h5") + "; cp " + quote(file + ".journal") + " " +
      quote(out + "/stopped.h5.journal") + "\n"
      "rm -f " + quote(disk + "/filler") + "\n" +
      run(spec, "-o " + quote(file) + " --resume") + " > " + quote(out + "/second.out") + " 2> " +
      quote(out + "/second.err") + "; echo $? > " + quote(out + "/second.rc") + "\n"
      "cp " + quote(file) + " " + quote(out + "/done.h5") + "\n"
      "umount " + quote(disk) + "\n";
  const std::string script_file = dir_.write("full-disk.sh", script);
  const CommandResult r = run_command("unshare -m sh " + quote(script_file));
  ASSERT_NE(r.exit_code, 90) << r.err;
  const std::string err = slurp(out + "/first.err");
  EXPECT_EQ(slurp(out + "/first.rc"), "3\n") << err;
  EXPECT_NE(err.find("No space left on device: nothing more can be committed, everything committed before is safe; "
                     "stopping now"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("internal error"), std::string::npos) << err;
  EXPECT_EQ(err.find("HDF5-DIAG"), std::string::npos) << "no multi-line HDF5 error stack: " << err;
  const StudyResults stopped = load_results(out + "/stopped.h5");  // the snapshot and the journal as the disk left them
  int done = 0;
  for (const auto& c : stopped.cells) done += c.status == "done";
  EXPECT_GE(done, 1);
  EXPECT_LT(done, static_cast<int>(stopped.cells.size()));
  EXPECT_EQ(slurp(out + "/second.rc"), "0\n") << slurp(out + "/second.err");
  const StudyResults file_after = load_results(out + "/done.h5");
  expect_every_cell_done_once(file_after);
  for (const auto& c : stopped.cells)
    if (c.status == "done") {
      int kept = 0;
      for (const auto& run : file_after.runs) kept += run.cell_id == c.id && run.settles_cell;
      EXPECT_EQ(kept, 1) << c.id << ": committed before the disk filled, kept once";
    }
}

// A disk with 20 KB free when the study starts: the first snapshot cannot
// be written. One line and exit 2, nothing left behind, no journal without
// its file - where HDF5's exit handler used to crash on the file it could
// not close (exit 139).
TEST_F(RunStudy, ADiskTooFullToStartOnIsOneLineAndNothingWritten) {
  if (!private_mounts()) GTEST_SKIP() << "no private mounts here (needs root and unshare)";
  StudyOptions o;
  o.repeats = 1;
  o.accuracy_criterion = false;
  const std::string spec = write_spec(o);
  const std::string disk = dir_.file("disk"), out = dir_.file("out");
  std::filesystem::create_directories(disk);
  std::filesystem::create_directories(out);
  const std::string script =
      "mount -t tmpfs -o size=2m tmpfs " + quote(disk) + " || exit 90\n"
      "dd if=/dev/zero of=" + quote(disk + "/filler") + " bs=1k count=2028 2>/dev/null\n" +
      run(spec, "-o " + quote(disk + "/r.h5")) + " > " + quote(out + "/out") + " 2> " + quote(out + "/err") +
      "; echo $? > " + quote(out + "/rc") + "\nls " + quote(disk) + " > " + quote(out + "/left") + "\numount " +
      quote(disk) + "\n";
  const CommandResult r = run_command("unshare -m sh " + quote(dir_.write("full.sh", script)));
  ASSERT_NE(r.exit_code, 90) << r.err;
  const std::string err = slurp(out + "/err");
  EXPECT_EQ(slurp(out + "/rc"), "2\n") << err;
  EXPECT_NE(err.find("r.h5: cannot write the results file ("), std::string::npos) << err;
  EXPECT_NE(err.find("No space left on device); nothing was written"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "one line: " << err;
  EXPECT_EQ(slurp(out + "/left"), "filler\nr.h5.lock\n") << "no results file, no journal, no .tmp";
}

// A --resume started while the run is alive would train the same cells and
// lose one's commits: it is refused naming the live run, which goes on and
// finishes with every cell once. (After a kill -9 the lock is gone with its
// holder: KillNineCostsOnlyTheRunningCells resumes at once.)
TEST_F(RunStudy, ASecondRunOnALiveResultsFileIsRefusedNamingTheFirst) {
  StudyOptions o;
  o.repeats = 2;
  const std::string spec = write_spec(o);
  Background study(run(spec), dir_.file("out"), dir_.file("err"));
  ASSERT_TRUE(eventually([&] { return slurp(dir_.file("err")).find(" done: ") != std::string::npos; }, seconds(120)))
      << slurp(dir_.file("err"));
  const CommandResult second = run_command(run(spec, "--resume"));
  EXPECT_EQ(second.exit_code, 2) << second.err;
  EXPECT_NE(second.err.find("another joulegrid is writing this results file (host "), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("pid " + std::to_string(study.pid()) + ", since "), std::string::npos) << second.err;
  ASSERT_EQ(study.wait(seconds(180)), 0) << slurp(dir_.file("err"));
  const StudyResults file = load_results(results(o));
  expect_every_cell_done_once(file);
  EXPECT_EQ(file.meta.status, "complete");
}

TEST_F(RunStudy, KillNineCostsOnlyTheRunningCells) {
  StudyOptions o;
  o.repeats = 2;
  o.subset_train = 400;
  const std::string spec = write_spec(o);
  Background study(run(spec), dir_.file("out"), dir_.file("err"));
  ASSERT_TRUE(eventually([&] { return slurp(dir_.file("err")).find(" done: ") != std::string::npos; }, seconds(120)))
      << slurp(dir_.file("err"));
  study.kill_group();
  study.wait(seconds(10));

  const StudyResults killed = load_results(results(o));  // opens: snapshot + journal
  int done = 0;
  for (const auto& c : killed.cells) done += c.status == "done";
  EXPECT_GE(done, 1);

  const CommandResult resumed = run_command(run(spec, "--resume"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const StudyResults file = load_results(results(o));
  expect_every_cell_done_once(file);
  EXPECT_EQ(file.meta.status, "complete");
}

// ---- imported models ([models.NAME]) ---------------------------------------------

// A study of LeNet and a TorchScript model of the user's, its file beside the spec.
StudyOptions own_model_study(const TempDir& dir, const std::string& file) {
  std::filesystem::copy_file(std::string(TORCHSCRIPT_DIR) + "/tiny-" + file + ".pt", dir.file("tinycnn-1.pt"),
                             std::filesystem::copy_options::overwrite_existing);
  StudyOptions o;
  o.name = "own";
  o.architectures = R"("lenet", "tinycnn")";
  o.accuracy_criterion = false;
  o.subset_train = 600;
  o.extra = "\n[models.tinycnn]\ntorchscript = \"tinycnn-{size}.pt\"\n";
  return o;
}

// The user's model sits in the same grid, tables and report as LeNet; its
// cells carry the file's hash, and the report says what its FLOPs count.
TEST_F(RunStudy, ATorchScriptModelRunsInTheGridBesideTheBuiltInOnes) {
  const StudyOptions o = own_model_study(dir_, "script-1");
  const std::string spec = write_spec(o);
  const CommandResult r = run_command(run(spec));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const StudyResults file = load_results(results(o));
  expect_every_cell_done_once(file);
  int imported = 0;
  for (const auto& c : file.cells)
    if (c.architecture == "tinycnn") {
      ++imported;
      EXPECT_EQ(c.model, "torchscript");
      EXPECT_EQ(c.model_hash, file_hash(dir_.file("tinycnn-1.pt")));
    } else {
      EXPECT_EQ(c.model, "");
    }
  EXPECT_EQ(imported, 1);
  for (const auto& run : file.runs)
    if (run.cell_id == file.cells[1].id) {
      EXPECT_EQ(run.parameters, (9 * 4 + 4) + (36 * 8 + 8) + (392 * 10 + 10));
      // Two epochs of 600 images: 0.28 to 0.4 by seed (the seed follows the
      // cell id, which the file's bytes are part of); chance is 0.1.
      EXPECT_GT(run.test_acc, 0.2) << "chance is 0.1";
    }
  const CommandResult rep = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(results(o)));
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_NE(rep.out.find("tinycnn"), std::string::npos) << rep.out;
  EXPECT_NE(rep.out.find("NOTE: FLOPs of tinycnn (TorchScript, [models])"), std::string::npos) << rep.out;
}

// A file that cannot be trained is refused before anything is written,
// naming the spec line and the file; a file changed after the study began
// is a changed grid, which --resume refuses without touching the results.
TEST_F(RunStudy, ABadOrChangedTorchScriptFileIsRefusedBeforeAnythingIsWritten) {
  StudyOptions o = own_model_study(dir_, "classes7-1");
  std::string spec = write_spec(o);
  CommandResult r = run_command(run(spec));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("own.toml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("models.tinycnn.torchscript: " + dir_.file("tinycnn-1.pt") + ": its forward gives [2, 7]"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(results(o))) << "refused after the file was created";
  r = run_command(std::string(JOULEGRID_BINARY) + " plan " + quote(spec));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("its forward gives [2, 7]"), std::string::npos) << r.err;

  o = own_model_study(dir_, "script-1");
  spec = write_spec(o);
  ASSERT_EQ(run_command(run(spec)).exit_code, 0);
  const std::string before = slurp(results(o));
  own_model_study(dir_, "reseeded-1");  // other weights in the same file
  r = run_command(run(spec, "--resume"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("differs from the spec's"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(results(o)), before) << "the refused resume changed the results";
}

}  // namespace
}  // namespace joulegrid

namespace joulegrid {
namespace {

using namespace joulegrid::testing;

// A step of publishing a snapshot fails (a dying disk, an NFS server): the
// run says so in one line, keeps the journal whole and works on, and the
// study ends with every committed cell exactly once (a --resume finishing
// it where the last snapshot failed). Before, a failed fsync of the new
// snapshot or of its folder, and a failed close of it, went unnoticed and
// the journal behind it was truncated.
struct StoreFault {
  const char* name;
  const char* call;
  const char* path;  // the end of the path it fails on
  int nth;
  bool periodic;     // snapshots every 0.2 s, else only at the start and the end
};

class FailingStore : public ::testing::TestWithParam<StoreFault> {
 protected:
  TempDir dir_;
};

TEST_P(FailingStore, AFailedStepOfASnapshotKeepsTheJournalAndIsSaid) {
  const StoreFault& f = GetParam();
  StudyOptions o = lenet_study("faulty", 3);
  o.epochs = 2;
  const std::string folder = dir_.file("results-folder");
  std::filesystem::create_directories(folder);
  const std::string spec = dir_.write("faulty.toml", study_spec(o));
  const std::string file = folder + "/faulty.h5";
  const std::string env = "env LD_PRELOAD=" + quote(FAIL_IO_LIBRARY) + " JOULEGRID_FAIL_CALL=" + f.call +
                          " JOULEGRID_FAIL_PATH=" + quote(f.path) + " JOULEGRID_FAIL_NTH=" + std::to_string(f.nth) + " ";
  const CommandResult r = run_command(env + JOULEGRID_BINARY + " run " + quote(spec) + " -o " + quote(file) +
                                      (f.periodic ? " --snapshot-seconds 0.2" : ""));
  ASSERT_NE(r.err.find("fail_io: " + std::string(f.call)), std::string::npos) << "the fault was not reached\n" << r.err;
  const bool periodic = r.err.find("snapshot not written (") != std::string::npos;
  const bool last = r.err.find("the last snapshot was not written (") != std::string::npos;
  EXPECT_TRUE(periodic || last) << "the failure must be said\n" << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  if (last) {
    EXPECT_EQ(r.exit_code, 3) << r.err;
    const CommandResult resumed = run_command(std::string(JOULEGRID_BINARY) + " run " + quote(spec) + " -o " +
                                              quote(file) + " --resume");
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  } else {
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  expect_every_cell_done_once(load_results(file));
  const CommandResult rep = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(file));
  EXPECT_EQ(rep.exit_code, 0) << rep.err;
}

INSTANTIATE_TEST_SUITE_P(
    EveryStep, FailingStore,
    ::testing::Values(StoreFault{"fsync_of_the_new_snapshot", "fsync", ".h5.tmp", 2, true},
                      StoreFault{"close_of_the_new_snapshot", "close", ".h5.tmp", 3, true},
                      StoreFault{"rename_over_the_old", "rename", "faulty.h5", 2, true},
                      StoreFault{"fsync_of_its_folder", "fsync", "/results-folder", 3, true},
                      StoreFault{"fsync_of_the_last_snapshot", "fsync", ".h5.tmp", 2, false}),
    [](const ::testing::TestParamInfo<StoreFault>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace joulegrid

namespace joulegrid {
namespace {

using namespace joulegrid::testing;

// A --resume of a complete study has nothing to run: it says so, measures
// nothing and adds no node record. Before, each resume measured idle power
// and calibrated again and added a node row (fifteen resumes, fifteen rows).
TEST(ResumeOfACompleteStudy, SaysSoAndMeasuresNothing) {
  TempDir dir;
  StudyOptions o = lenet_study("done", 1);
  o.epochs = 1;
  const std::string spec = dir.write("done.toml", study_spec(o));
  const std::string run = std::string(JOULEGRID_BINARY) + " run " + quote(spec);
  ASSERT_EQ(run_command(run).exit_code, 0);
  const std::string file = dir.file("done.h5");
  const StudyResults first = load_results(file);
  ASSERT_EQ(first.nodes.size(), 1u);
  for (int i = 0; i < 2; ++i) {
    const CommandResult again = run_command(run + " --resume");
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.err.find("nothing to run: every cell of"), std::string::npos) << again.err;
    EXPECT_NE(again.out.find("Per architecture (Eq. 4"), std::string::npos) << "the report, as a run prints it";
  }
  const StudyResults after = load_results(file);
  EXPECT_EQ(after.nodes.size(), 1u) << "a resume with nothing to run measured the node again";
  EXPECT_EQ(after.runs.size(), first.runs.size());
  EXPECT_EQ(after.meta.status, "complete");
}

}  // namespace
}  // namespace joulegrid

namespace joulegrid {
namespace {

using namespace joulegrid::testing;

// report beside a live writer that publishes a snapshot every 0.2 s and
// empties its journal after each: every read exits 0, and the count of
// done cells never falls (a reader that read the snapshot, then a journal
// emptied meanwhile, used to report fewer; one that read a journal cut
// under it exited 2 advising a repair the live writer's lock refused).
TEST(LiveReader, EveryReadOfALiveStudyIsWholeAndNeverGoesBack) {
  TempDir dir;
  StudyOptions o = lenet_study("live", 8);
  o.epochs = 2;
  const std::string spec = dir.write("live.toml", study_spec(o));
  const std::string file = dir.file("live.h5");
  Background writer(std::string(JOULEGRID_BINARY) + " run " + quote(spec) + " --snapshot-seconds 0.2",
                    dir.file("run.out"), dir.file("run.err"));
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(file); }, std::chrono::seconds(60)));
  int reads = 0, most = 0;
  bool running = true;
  while (running) {
    running = ::waitpid(writer.pid(), nullptr, WNOHANG) == 0;
    const CommandResult r = run_command(std::string(JOULEGRID_BINARY) + " report --format json " + quote(file));
    ASSERT_EQ(r.exit_code, 0) << "read " << reads << " of a live study:\n" << r.err;
    int done = 0;
    const auto report = nlohmann::json::parse(r.out);
    for (const auto& c : report.at("cells")) done += c.at("status") == "done";
    EXPECT_GE(done, most) << "read " << reads << " saw fewer done cells than an earlier one";
    most = std::max(most, done);
    ++reads;
  }
  EXPECT_GE(reads, 5) << "the study ended before the readers could overlap it";
  EXPECT_EQ(most, 8) << reads << " reads; the run said:\n" << slurp(dir.file("run.err"));
}

// ---- training programs ([models.NAME] command) ------------------------------------

// LeNet and a Python program of the user's (tests/fakes/programs), copied
// beside the spec with the protocol's client, at sizes 1 and 2.
StudyOptions program_study(const TempDir& dir) {
  const std::string source = std::string(JOULEGRID_SOURCE_DIR);
  for (const auto& [from, to] : {std::pair{source + "/tests/fakes/programs/counting_trainer.py", "train.py"},
                                 std::pair{source + "/python/joulegrid_cell.py", "joulegrid_cell.py"}})
    std::filesystem::copy_file(from, dir.file(to), std::filesystem::copy_options::overwrite_existing);
  StudyOptions o;
  o.name = "prog";
  o.architectures = R"("lenet", "counter")";
  o.sizes = "1, 2";
  o.accuracy_criterion = false;
  o.extra = "\n[models.counter]\ncommand = [\"" + std::string(TORCH_PYTHON) +
            "\", \"train.py\", \"--size\", \"{size}\", \"--lr\", \"{learning_rate}\"]\n";
  return o;
}

// The program's cells sit in the grid beside LeNet's: each gets its own
// size and learning rate through the placeholders, runs in the spec's
// folder, is metered and stopped by joulegrid's criterion, and is reported.
TEST_F(RunStudy, ATrainingProgramRunsInTheGridBesideTheBuiltInOnes) {
  const StudyOptions o = program_study(dir_);
  const std::string spec = write_spec(o);
  const CommandResult r = run_command(run(spec));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const StudyResults file = load_results(results(o));
  expect_every_cell_done_once(file);
  std::map<int, int> programs;  // size -> cells
  for (const auto& c : file.cells)
    if (c.architecture == "counter") {
      ++programs[c.size];
      EXPECT_EQ(c.model, "command");
      EXPECT_EQ(c.model_hash.size(), 16u);
    }
  EXPECT_EQ(programs, (std::map<int, int>{{1, 1}, {2, 1}}));
  std::map<std::string, const CellRow*> cells;
  for (const auto& c : file.cells) cells[c.id] = &c;
  int counted = 0;
  for (const auto& run : file.runs) {
    const CellRow& cell = *cells.at(run.cell_id);
    if (cell.architecture != "counter") continue;
    ++counted;
    EXPECT_EQ(run.status, "done");
    EXPECT_EQ(run.parameters, cell.size * 1000) << "{size} reached the program";
    ASSERT_EQ(run.epochs, 2) << "the epochs criterion stopped it";
    // 0.2 · epoch · size · lr · 1000 at the spec's learning rate 0.001.
    EXPECT_NEAR(run.test_acc, std::min(0.9, 0.2 * 2 * cell.size), 1e-9) << "{learning_rate} reached the program";
    EXPECT_GT(run.energy_j, 0);
    EXPECT_EQ(run.device, "cpu");
  }
  EXPECT_EQ(counted, 2);
  const CommandResult rep = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(results(o)));
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_NE(rep.out.find("counter"), std::string::npos) << rep.out;
  // Each table says how each model is given: a kind column in every format.
  const CommandResult json = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(results(o)) +
                                         " --format json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json j = nlohmann::json::parse(json.out);
  for (const char* table : {"models", "criteria", "architectures", "intervals", "overtraining"}) {
    std::set<std::string> kinds;
    for (const auto& row : j.at(table))
      kinds.insert(row.at("architecture").get<std::string>() + ":" + row.at("kind").get<std::string>());
    EXPECT_EQ(kinds, (std::set<std::string>{"counter:command", "lenet:built-in"})) << table;
  }
  ASSERT_EQ(j.at("comparisons").size(), 1u);
  const auto& compared = j.at("comparisons")[0];
  std::set<std::string> sides{compared.at("numerator").get<std::string>() + ":" + compared.at("numerator_kind").get<std::string>(),
                              compared.at("denominator").get<std::string>() + ":" + compared.at("denominator_kind").get<std::string>()};
  EXPECT_EQ(sides, (std::set<std::string>{"counter:command", "lenet:built-in"}));
  const CommandResult csv = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(results(o)) +
                                        " --format csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find("kind"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("command"), std::string::npos) << csv.out;
}

// The program's identity is its command and the files it names: a changed
// script is a changed grid, which --resume refuses; an unknown placeholder
// is refused at plan time naming the spec's line.
TEST_F(RunStudy, AChangedProgramIsAChangedCellAndAnUnknownPlaceholderIsRefused) {
  StudyOptions o = program_study(dir_);
  o.sizes = "1";
  o.architectures = R"("counter")";
  const std::string spec = write_spec(o);
  ASSERT_EQ(run_command(run(spec)).exit_code, 0);
  const std::string before = slurp(results(o));
  std::ofstream(dir_.file("train.py"), std::ios::app) << "# a changed line\n";
  CommandResult r = run_command(run(spec, "--resume"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("differs from the spec's"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(results(o)), before) << "the refused resume changed the results";

  o.name = "typo";
  o.extra = "\n[models.counter]\ncommand = [\"python3\", \"train.py\", \"--lr\", \"{learning_rat}\"]\n";
  const std::string typo = write_spec(o);
  r = run_command(std::string(JOULEGRID_BINARY) + " plan " + quote(typo));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("typo.toml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("models.counter.command"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("{learning_rat}"), std::string::npos) << r.err;
}

// The example program (examples/programs/fashion_mnist.py, plain PyTorch
// through the client) learns Fashion-MNIST as a cell: its own data loading
// from {data}, its width from {size}, its optimiser from {learning_rate}.
TEST_F(RunStudy, TheExampleProgramLearnsFashionMnistAsACell) {
  StudyOptions o;
  o.name = "example";
  o.architectures = R"("cnn")";
  o.accuracy_criterion = false;
  o.extra = "\n[models.cnn]\ncommand = [\"" + std::string(TORCH_PYTHON) + "\", \"" +
            std::string(JOULEGRID_SOURCE_DIR) +
            "/examples/programs/fashion_mnist.py\", \"--data\", \"{data}\", \"--width\", \"{size}\", "
            "\"--lr\", \"{learning_rate}\", \"--batch-size\", \"32\", \"--seed\", \"{seed}\", "
            "\"--train\", \"600\", \"--test\", \"200\"]\n";
  const std::string spec = write_spec(o);
  const CommandResult r = run_command(run(spec));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const StudyResults file = load_results(results(o));
  expect_every_cell_done_once(file);
  ASSERT_EQ(file.runs.size(), 1u);
  const RunResult& run = file.runs[0];
  EXPECT_EQ(run.epochs, 2);
  EXPECT_EQ(run.parameters, (25 * 4 + 4) + (100 * 8 + 8) + (128 * 10 + 10));
  EXPECT_GT(run.test_acc, 0.2) << "chance is 0.1";
  EXPECT_GT(run.energy_j, 0);
}

// The client refuses a parent of another protocol version, clearly.
TEST_F(RunStudy, TheProgramsClientRefusesAnotherProtocolVersion) {
  program_study(dir_);
  const CommandResult r = run_command("cd " + quote(dir_.path().string()) + " && echo '{\"protocol\": 2}' | " +
                                      std::string(TORCH_PYTHON) + " train.py --size 1 --lr 0.001");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("joulegrid speaks cell protocol version 2; this joulegrid_cell.py speaks version 1"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "") << "nothing on the protocol's stream";
}

}  // namespace
}  // namespace joulegrid
