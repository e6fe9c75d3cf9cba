// `joulegrid merge`: replication studies of one grid, run as separate jobs on
// different hardware (two simulated nodes whose CPU packages draw 50 W and
// 100 W), joined in one file whose report shows both nodes and their
// normalisation; files that cannot be joined are refused and nothing written.

#include <filesystem>
#include <map>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/datasets/datasets.hpp"
#include "io/store/store.hpp"
#include "tests/fakes/fake_sysfs.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/study.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

using namespace joulegrid::testing;

class Merge : public ::testing::Test {
 protected:
  void SetUp() override {
    DataSpec fashion;
    fashion.path = default_dataset_dir();
    if (!check_dataset_files(fashion).empty()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    node_a_ = std::make_unique<PackageAt>(dir_.file("node-a"), 50.0);
    node_b_ = std::make_unique<PackageAt>(dir_.file("node-b"), 100.0);
  }
  std::unique_ptr<PackageAt> node_a_, node_b_;

  static StudyOptions replication() {
    StudyOptions o = lenet_study("replica", 3);
    o.subset_train = 600;
    o.meter_sources = R"("rapl")";
    o.calibration_steps = 60;
    return o;
  }

  // The study run alone as node `node` into FILE; returns FILE.
  std::string run_on(const std::string& node, const StudyOptions& o, const std::string& file) {
    const std::string spec = dir_.write(o.name + "-" + node + ".toml", study_spec(o));
    const CommandResult r = run_command("env JOULEGRID_NODE_NAME=" + node + " JOULEGRID_SYSFS_ROOT=" +
                                        quote(dir_.file("node-" + node)) + " " + JOULEGRID_BINARY + " run " +
                                        quote(spec) + " -o " + quote(file));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return file;
  }

  CommandResult merge(const std::vector<std::string>& files, const std::string& out) {
    std::string cmd = std::string(JOULEGRID_BINARY) + " merge";
    for (const auto& f : files) cmd += " " + quote(f);
    return run_command(cmd + " -o " + quote(out));
  }

  TempDir dir_;
};

TEST_F(Merge, TwoReplicationStudiesOnDifferentHardwareCompareInOneReport) {
  const std::string a = run_on("a", replication(), dir_.file("a.h5"));
  const std::string b = run_on("b", replication(), dir_.file("b.h5"));
  const std::string all = dir_.file("all.h5");
  const CommandResult m = merge({a, b}, all);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_NE(m.out.find("merged 2 studies of 3 cells (6 settled runs, 2 nodes)"), std::string::npos) << m.out;

  const StudyResults r = load_results(all);
  ASSERT_EQ(r.cells.size(), 3u);
  ASSERT_EQ(r.nodes.size(), 2u);
  EXPECT_EQ(r.nodes[0].name, "a");
  EXPECT_EQ(r.nodes[1].name, "b");
  EXPECT_EQ(r.nodes[1].replica, 1);
  EXPECT_GT(r.nodes[1].calibration_j / r.nodes[1].calibration_s, 1.5 * r.nodes[0].calibration_j / r.nodes[0].calibration_s)
      << "each node keeps its own E_ref (b's calibration drew twice the watts)";
  EXPECT_EQ(r.meta.status, "complete");
  EXPECT_NE(r.meta.sources.find("a.h5"), std::string::npos);
  for (const auto& [cell, runs] : r.settled()) {
    ASSERT_EQ(runs.size(), 2u) << cell;
    EXPECT_EQ(runs[0]->node, "a");
    EXPECT_EQ(runs[1]->node, "b");
    EXPECT_EQ(runs[1]->epoch_records.size(), 2u) << "epochs follow their replica's runs";
  }

  const CommandResult table = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(all));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("Per node (Eq. 4"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("merged from"), std::string::npos) << table.out;

  const CommandResult rep = run_command(std::string(JOULEGRID_BINARY) + " report --format json " + quote(all));
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  const auto j = nlohmann::json::parse(rep.out);
  ASSERT_EQ(j.at("nodes").size(), 2u);
  EXPECT_DOUBLE_EQ(j["nodes"][0]["normalisation_factor"].get<double>(), 1.0);
  // Node b draws twice the power. How long each run and each calibration
  // took depends on what else the machine was doing, so the joules are
  // checked against the durations joulegrid recorded (as in the MPI test):
  // each node's power, and b's factor as the ratio of the two E_ref.
  const std::map<std::string, double> watts{{"a", 50.0}, {"b", 100.0}};
  for (const auto& n : r.nodes)
    EXPECT_NEAR(n.calibration_j / n.calibration_s / watts.at(n.name), 1.0, 0.03) << n.name;
  EXPECT_NEAR(j["nodes"][1]["normalisation_factor"].get<double>(), r.nodes[0].calibration_j / r.nodes[1].calibration_j,
              1e-9);
  for (const auto& run : r.runs) {
    double seconds = 0;
    for (const auto& e : run.epoch_records) seconds += e.train_s + e.eval_s;
    EXPECT_NEAR(run.energy_j / seconds / watts.at(run.node), 1.0, 0.05) << run.cell_id << " on " << run.node;
  }
  EXPECT_EQ(j.at("cells").size(), 6u) << "one row per cell and replica";
  std::map<std::string, nlohmann::json> by_node;
  for (const auto& row : j.at("by_node")) by_node[row["node"]] = row;
  ASSERT_EQ(by_node.size(), 2u);
  for (const auto& [node, row] : by_node) {
    EXPECT_GT(row["efficiency_per_j"].get<double>(), 0.0) << node;
    EXPECT_GT(row["normalised_efficiency_per_j"].get<double>(), 0.0) << node;
  }
}

TEST_F(Merge, FilesThatCannotBeJoinedAreRefusedAndNothingIsWritten) {
  StudyOptions small = replication();
  small.repeats = 1;
  small.calibration_steps = 4;
  small.subset_train = 200;
  const std::string a = run_on("a", small, dir_.file("a.h5"));
  StudyOptions other = small;
  other.sizes = "2";
  const std::string different_grid = run_on("b", other, dir_.file("other-grid.h5"));
  StudyOptions longer = small;
  longer.calibration_steps = 8;
  const std::string other_calibration = run_on("b", longer, dir_.file("other-calibration.h5"));
  const std::string out = dir_.file("all.h5");

  CommandResult r = merge({a, different_grid}, out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("other-grid.h5: its grid (1 cells"), std::string::npos) << r.err;
  r = merge({a, other_calibration}, out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("calibrated with 8 steps"), std::string::npos) << r.err;
  r = merge({a, a}, out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("given twice"), std::string::npos) << r.err;
  std::filesystem::copy_file(a, dir_.file("copy.h5"));
  r = merge({a, dir_.file("copy.h5")}, out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the same study"), std::string::npos) << r.err;
  r = merge({a}, out);
  EXPECT_EQ(r.exit_code, 2) << "one file is not a merge";
  EXPECT_FALSE(std::filesystem::exists(out));

  dir_.write("taken.h5", "not ours");
  r = merge({a, run_on("b", small, dir_.file("b.h5"))}, dir_.file("taken.h5"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir_.file("taken.h5")), "not ours");
}

}  // namespace
}  // namespace joulegrid
