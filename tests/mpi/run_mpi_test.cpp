// `joulegrid run` under mpirun: rank 0 schedules, the other ranks train.
// Tiny Fashion-MNIST subsets, three ranks oversubscribed on two cores.

#include <algorithm>
#include <map>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/datasets/datasets.hpp"
#include "io/store/store.hpp"
#include "tests/fakes/fake_sysfs.hpp"
#include "tests/support/checks.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/study.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

using namespace joulegrid::testing;
using std::chrono::seconds;

const std::string kMpirun =
    "env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 mpirun";

class MpiStudy : public ::testing::Test {
 protected:
  void SetUp() override {
    DataSpec fashion;
    fashion.path = default_dataset_dir();
    if (!check_dataset_files(fashion).empty()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    if (run_command("command -v mpirun").exit_code != 0) GTEST_SKIP() << "mpirun is not installed";
  }
  std::string spec(const StudyOptions& o) { return dir_.write(o.name + ".toml", study_spec(o)); }
  std::string results(const StudyOptions& o) const { return dir_.file(o.name + ".h5"); }
  std::string joulegrid_run(const std::string& spec_file, const std::string& extra = "") const {
    return std::string(JOULEGRID_BINARY) + " run " + quote(spec_file) + " " + extra;
  }
  TempDir dir_;
};

TEST_F(MpiStudy, ThreeRanksShareTheGridAndCommitEveryCellOnce) {
  StudyOptions o;
  o.repeats = 2;
  o.accuracy_criterion = false;
  const CommandResult r = run_command(kMpirun + " -np 3 " + joulegrid_run(spec(o)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const StudyResults file = load_results(results(o));
  ASSERT_EQ(file.cells.size(), 4u);
  expect_every_cell_done_once(file);
  std::map<int, int> per_rank;
  for (const auto& run : file.runs) ++per_rank[run.rank];
  EXPECT_EQ(per_rank.count(0), 0u) << "rank 0 schedules, it does not train";
  EXPECT_EQ(per_rank.size(), 2u) << "both workers trained cells";
  ASSERT_EQ(file.nodes.size(), 1u) << "two ranks of one node: one node record, one calibration";

  const CommandResult rep = run_command(std::string(JOULEGRID_BINARY) + " report --format json " + quote(results(o)));
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  const auto j = nlohmann::json::parse(rep.out);
  const auto settled = file.settled();
  for (const auto& cell : j["cells"])
    EXPECT_DOUBLE_EQ(cell["energy_j"].get<double>(), settled.at(cell["id"]).front()->energy_j);
}

// mpirun on a node with two GPUs of different power sets no
// CUDA_VISIBLE_DEVICES: the two workers bind to GPU 0 and GPU 1 by
// node-local rank and say so; their cells train on the CPU (this build),
// so no card's energy enters a cell. Three workers on the two cards are
// refused before anything runs, with the fix in the message.
TEST_F(MpiStudy, EachRankOfANodeTakesItsOwnGpuAndMoreRanksThanGpusAreRefused) {
  const std::string state = dir_.write("nvml", "- 100000 GPU-aaaa 0000:01:00.0\n- 200000 GPU-bbbb 0000:02:00.0\n");
  StudyOptions o = lenet_study("gpus", 2);
  o.epochs = 1;
  o.meter_sources = R"("nvml", "estimate")";
  const std::string s = spec(o);
  const std::string env = " env -u CUDA_VISIBLE_DEVICES -u ROCR_VISIBLE_DEVICES -u HIP_VISIBLE_DEVICES "
                          "JOULEGRID_NVML_LIBRARY=" + quote(FAKE_NVML_LIBRARY) + " FAKE_NVML_STATE=" + quote(state) + " ";
  const CommandResult r = run_command(kMpirun + " -np 3" + env + joulegrid_run(s));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string log = r.out + r.err;
  EXPECT_NE(log.find("CUDA_VISIBLE_DEVICES unset -> GPU-aaaa (0000:01:00.0), GPU 0 of 2 for node-local rank 0"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("CUDA_VISIBLE_DEVICES unset -> GPU-bbbb (0000:02:00.0), GPU 1 of 2 for node-local rank 1"),
            std::string::npos)
      << log;
  const StudyResults file = load_results(results(o));
  expect_every_cell_done_once(file);
  for (const auto& run : file.runs) {
    EXPECT_EQ(run.device, "cpu");
    EXPECT_EQ(run.gpu, "") << "a cell on the CPU names no GPU";
    ASSERT_FALSE(run.epoch_records.empty());
    for (const auto& e : run.epoch_records)
      EXPECT_DOUBLE_EQ(e.train_energy.gpu_j + e.eval_energy.gpu_j, 0.0) << run.cell_id << ": an idle card is not the cell's";
  }

  const CommandResult three = run_command(kMpirun + " -np 4" + env + joulegrid_run(s, "-o " + quote(dir_.file("three.h5"))));
  EXPECT_EQ(three.exit_code, 2) << three.err;
  EXPECT_NE((three.out + three.err).find("3 worker ranks on this node and 2 NVIDIA GPUs"), std::string::npos)
      << three.out << three.err;
  EXPECT_NE((three.out + three.err).find("share_gpus = true"), std::string::npos);
}

// Two nodes simulated on one machine through the MPMD form of mpirun: each
// worker has its own node name and a fake sysfs tree whose CPU package
// draws 50 W on one and 100 W on the other. Identical cells cost twice the joules a
// second on the second node; normalised by each node's calibration they agree.
//
// The nodes share this machine's two cores with rank 0, mpirun and whatever
// else runs, so how long a cell or a calibration takes varies by tens of
// per cent from run to run, and comparing the two nodes' joules directly
// would test the machine's load rather than joulegrid. With a constant fake
// power every joule is power × duration, so the test checks the joules
// against the durations joulegrid recorded instead: each node's power, the
// calibration E_ref, and each normalised cell equal to its duration in units
// of its node's calibration times the reference node's E_ref. A node that
// divided by the wrong E_ref, or a meter that integrated the wrong power,
// is off by a factor near two.
TEST_F(MpiStudy, TwoSimulatedNodesNormaliseToTheSameEnergy) {
  const std::map<std::string, double> watts{{"a", 50.0}, {"b", 100.0}};
  std::vector<std::unique_ptr<PackageAt>> power;
  for (const auto& [name, w] : watts) power.push_back(std::make_unique<PackageAt>(dir_.file("node-" + name), w));
  StudyOptions o = lenet_study("two", 6);
  o.subset_train = 600;
  o.meter_sources = R"("rapl")";
  o.calibration_steps = 100;
  const std::string s = spec(o);
  const bool two_cores = run_command("taskset -c 1 true").exit_code == 0;
  auto node = [&](const std::string& name, int core) {
    return "-np 1 env JOULEGRID_NODE_NAME=" + name + " JOULEGRID_SYSFS_ROOT=" + quote(dir_.file("node-" + name)) +
           (two_cores ? " taskset -c " + std::to_string(core) : std::string()) + " " + joulegrid_run(s);
  };
  const CommandResult r =
      run_command(kMpirun + " --bind-to none -np 1 " + joulegrid_run(s) + " : " + node("a", 0) + " : " + node("b", 1));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const StudyResults file = load_results(results(o));
  expect_every_cell_done_once(file);
  ASSERT_EQ(file.nodes.size(), 2u);
  std::map<std::string, NodeRecord> nodes;
  for (const auto& n : file.nodes) {
    nodes[n.name] = n;
    ASSERT_GT(n.calibration_steps, 0) << n.name << ": " << n.calibration_method;
    ASSERT_GT(n.calibration_s, 0.0) << n.name;
    EXPECT_NEAR(n.calibration_j / n.calibration_s / watts.at(n.name), 1.0, 0.03)
        << n.name << ": E_ref is the node's power over the calibration's duration";
  }
  ASSERT_EQ(nodes.count("a") + nodes.count("b"), 2u);

  const CommandResult rep = run_command(std::string(JOULEGRID_BINARY) + " report --format json " + quote(results(o)));
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  const auto j = nlohmann::json::parse(rep.out);
  std::map<std::string, double> factor;
  for (const auto& n : j["nodes"]) factor[n["name"]] = n["normalisation_factor"].get<double>();
  // The reference is the calibrated node of the lowest rank (normalise_to = "first"): node a, rank 1.
  const double e_ref = nodes.at("a").calibration_j;
  for (const auto& [name, n] : nodes) EXPECT_NEAR(factor.at(name), e_ref / n.calibration_j, 1e-9 * factor.at(name)) << name;

  const auto settled = file.settled();
  std::map<std::string, std::vector<double>> raw, normalised;
  for (const auto& cell : j["cells"]) {
    const std::string name = cell["node"];
    EXPECT_EQ(cell["energy_method"], "counter");
    const RunResult& run = *settled.at(cell["id"]).front();
    double seconds = 0;
    for (const auto& e : run.epoch_records) seconds += e.train_s + e.eval_s;
    ASSERT_GT(seconds, 0.0) << run.cell_id;
    const double joules = cell["energy_j"].get<double>(), normalised_j = cell["normalised_energy_j"].get<double>();
    EXPECT_NEAR(joules / seconds / watts.at(name), 1.0, 0.05) << run.cell_id << " on " << name;
    EXPECT_NEAR(normalised_j, joules * factor.at(name), 1e-9 * joules * factor.at(name)) << run.cell_id;
    // Normalised: the cell's duration in calibrations of its own node, in the reference node's joules.
    EXPECT_NEAR(normalised_j / (seconds / nodes.at(name).calibration_s * e_ref), 1.0, 0.06)
        << run.cell_id << " on " << name;
    raw[name].push_back(joules);
    normalised[name].push_back(normalised_j);
  }
  if (raw["a"].empty() || raw["b"].empty()) GTEST_SKIP() << "one node took every cell; nothing to compare";
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  // For people reading the XML: how far apart the nodes were in this run's timings.
  RecordProperty("raw_ratio_b_over_a", std::to_string(median(raw["b"]) / median(raw["a"])));
  RecordProperty("normalised_ratio_b_over_a", std::to_string(median(normalised["b"]) / median(normalised["a"])));
}

// Slurm's --signal=B:USR1 reaches the batch shell, which passes it to
// mpirun; mpirun forwards SIGUSR1 to every rank. Rank 0 drains and the job
// exits 3; a second job with --resume finishes the study.
TEST_F(MpiStudy, Sigusr1ThroughMpirunStopsCleanlyAndResumeFinishes) {
  StudyOptions o;
  o.name = "usr1";
  o.repeats = 4;
  o.epochs = 3;
  o.subset_train = 600;
  o.accuracy_criterion = false;
  const std::string s = spec(o);
  Background job(kMpirun + " -np 3 " + joulegrid_run(s, "--drain-seconds 1"), dir_.file("out"), dir_.file("err"));
  ASSERT_TRUE(eventually([&] { return slurp(dir_.file("err")).find(" done: ") != std::string::npos; }, seconds(120)))
      << slurp(dir_.file("err"));
  job.signal(SIGUSR1);
  EXPECT_EQ(job.wait(seconds(60)), 3) << slurp(dir_.file("err"));
  const StudyResults stopped = load_results(results(o));
  EXPECT_EQ(stopped.meta.status, "stopped");

  const CommandResult resumed = run_command(kMpirun + " -np 3 " + joulegrid_run(s, "--resume"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  expect_every_cell_done_once(load_results(results(o)));
}

}  // namespace
}  // namespace joulegrid
