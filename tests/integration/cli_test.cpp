// The command line as a user meets it: exit codes, one-line messages that
// name file, line and field, and JSON that tools can read.

#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/fakes/fake_datasets.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

using testing::quote;
using testing::run_command;
using testing::slurp;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir.file("data"));
    testing::write_idx_dataset(dir.file("data"), 120, 60, 4, true);
  }
  std::string spec(const std::string& criteria_extra = "") {
    return dir.write("my study.toml",  // criteria_extra lands in the last [[criteria]]
                     "[experiment]\nname = \"cli\"\n\n[data]\npath = \"data\"\nclasses = 4\n"
                     "normalization = \"none\"\n\n[train]\nthreads = 1\nbatch_size = [32]\n"
                     "learning_rate = [0.003]\n\n[grid]\narchitectures = [\"lenet\", \"bcnn\"]\n"
                     "sizes = [1]\n\n[meters]\nidle_seconds = 0.3\n\n[calibration]\nsteps = 5\n\n[[criteria]]\nkind = \"epochs\"\nepochs = 2\n" + criteria_extra);
  }
  // Runs joulegrid on a fake node whose only energy source is the /proc estimator.
  testing::CommandResult jg(const std::string& args) {
    node.write("proc/stat", "cpu  10 0 0 90 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n");
    node.write("proc/meminfo", "MemTotal: 1048576 kB\nMemAvailable: 524288 kB\n");
    return run_command("JOULEGRID_SYSFS_ROOT=" + quote(node.path().string()) + " " +
                       std::string(JOULEGRID_BINARY) + " " + args);
  }
  testing::TempDir node;
  testing::TempDir dir;
};

// --version names what the binary is built from: a cluster user checks each
// build of a heterogeneous job (CUDA here, ROCm there) against the other.
TEST_F(Cli, VersionSaysWhatTheBuildIsMadeOf) {
  const auto r = testing::run_command(std::string(JOULEGRID_BINARY) + " --version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* words : {"joulegrid ", "\nlibtorch ", "CUDA ", "ROCm ", "\nMPI: ", "\nHDF5 1."})
    EXPECT_NE(r.out.find(words), std::string::npos) << "no '" << words << "' in:\n" << r.out;
  EXPECT_EQ(r.out.find('\0'), std::string::npos) << "a NUL cuts the text short";
}

TEST_F(Cli, PlanPrintsTheTableAndASummary) {
  const auto r = jg("plan " + quote(spec()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 cells: 2 architectures × 1 size × 1 criterion"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bcnn"), std::string::npos);
}

// [finetune] in the plan: which cells pretrain and which fine-tune from which.
TEST_F(Cli, PlanShowsPretrainingCellsAndWhatEachTwinStartsFrom) {
  const std::string file = spec("\n[finetune]\nepochs = 1\n");
  const auto table = jg("plan " + quote(file));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("+ 2 pretraining cells (1 epochs on data) and a fine-tuning twin of each (conv frozen)"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("finetune <- 2"), std::string::npos) << table.out;
  const auto r = jg("plan --json " + quote(file));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto cells = nlohmann::json::parse(r.out);
  ASSERT_EQ(cells.size(), 6u);
  EXPECT_FALSE(cells[0].contains("role"));
  EXPECT_EQ(cells[2]["role"], "pretrain");
  EXPECT_EQ(cells[4]["role"], "finetune");
  EXPECT_EQ(cells[4]["depends_on"], cells[2]["id"]);
  EXPECT_EQ(cells[5]["depends_on"], cells[3]["id"]);
}

TEST_F(Cli, PlanJsonIsOneObjectPerCell) {
  const auto r = jg("plan --json " + quote(spec()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto cells = nlohmann::json::parse(r.out);
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[1]["architecture"], "bcnn");
  EXPECT_EQ(cells[0]["id"].get<std::string>().size(), 16u);
  EXPECT_EQ(cells[0]["epoch_cap"], 2);
}

TEST_F(Cli, BadSpecIsOneLineExitTwoAndNoOutputFile) {
  const std::string file = spec("max_epoch = 3\n");
  const auto r = jg("plan " + quote(file));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err, "joulegrid: " + file + ":27:1: criteria[1].max_epoch: unknown key; known keys: kind, name, epochs\n");
  EXPECT_FALSE(std::filesystem::exists(dir.file("cli.h5")));
}

TEST_F(Cli, MissingSpecAndBadArgumentsExitTwo) {
  EXPECT_EQ(jg("plan " + quote(dir.file("none.toml"))).exit_code, 2);
  EXPECT_EQ(jg("plann x").exit_code, 2);
  EXPECT_EQ(jg("train " + quote(spec())).exit_code, 2);  // --cell is required
  const auto r = jg("train " + quote(spec()) + " --cell 9");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--cell: 9 is out of range: the grid has 2 cells"), std::string::npos) << r.err;
}

TEST_F(Cli, TrainPrintsEpochsAndTheStop) {
  const auto r = jg("train " + quote(spec()) + " --cell 0");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("epoch 2 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stopped: criterion_met (2 epochs trained)"), std::string::npos) << r.out;
  // Every energy says how it was obtained: on this fake node, estimated.
  EXPECT_NE(r.out.find("J net (estimated)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("idle: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("estimate cpu (estimated) + estimate ram (estimated)"), std::string::npos) << r.out;
}

TEST_F(Cli, WithoutAnyMeterTheEnergyIsALabelledPlaceholder) {
  const auto r = run_command("JOULEGRID_SYSFS_ROOT=" + quote(dir.file("empty-node")) + " " +
                             std::string(JOULEGRID_BINARY) + " train " + quote(spec()) + " --cell 0");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("J (placeholder)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not a measurement"), std::string::npos);
  EXPECT_NE(r.err.find("cannot be read"), std::string::npos) << r.err;
}

TEST_F(Cli, TrainJsonLinesEndWithTheResult) {
  const auto r = jg("train " + quote(spec()) + " --cell 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line, last;
  int epochs = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    epochs += j["event"] == "epoch";
    last = line;
  }
  EXPECT_EQ(epochs, 2);
  const auto result = nlohmann::json::parse(last);
  EXPECT_EQ(result["event"], "result");
  EXPECT_EQ(result["status"], "done");
  EXPECT_EQ(result["energy_method"], "estimated");
  EXPECT_GT(result["energy_j"].get<double>(), 0.0);
}

// A problem found once the data is read names the spec line as a parse
// error does, and nothing is written.
TEST_F(Cli, ASubsetLargerThanTheDataNamesTheSpecLine) {
  std::string text = slurp(spec());
  text.replace(text.find("classes = 4\n"), 12, "classes = 4\nsubset = { train = 1000, test = 10 }\n");
  const std::string s = dir.write("my study.toml", text);
  for (const std::string command : {"plan", "run"}) {
    const auto r = jg(command + " " + quote(s));
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_NE((r.out + r.err).find("my study.toml:7:20: data.subset.train: 1000 is more than the 120 train images"),
              std::string::npos) << command << ": " << r.out << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("cli.h5")));
}

TEST_F(Cli, CorruptDatasetExitsTwoNamingTheFile) {
  const std::string f = dir.file("data/train-labels-idx1-ubyte.gz");
  testing::write_bytes(f, {0, 0, 8, 1, 0, 0, 0, 120}, true);  // header only: 120 labels missing
  const auto r = jg("train " + quote(spec()) + " --cell 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("train-labels-idx1-ubyte.gz: offset 8: file truncated"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace joulegrid

namespace joulegrid {
namespace {

TEST(CliMeters, ListsSourcesWithMethodAndReadability) {
  testing::TempDir root;
  std::filesystem::create_directories(root.file("sys/class/powercap/intel-rapl:0"));
  testing::write_bytes(root.file("sys/class/powercap/intel-rapl:0/name"), {'p','a','c','k','a','g','e','-','0','\n'});
  root.write("sys/class/powercap/intel-rapl:0/energy_uj", "5000000\n");
  root.write("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
  root.write("proc/stat", "cpu  10 0 0 90 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n");
  root.write("proc/meminfo", "MemTotal: 1048576 kB\nMemAvailable: 524288 kB\n");
  const auto r = testing::run_command(std::string(JOULEGRID_BINARY) + " meters --seconds 0.2 --json --sysfs-root " +
                                      testing::quote(root.path().string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = nlohmann::json::parse(r.out);
  ASSERT_EQ(rows.size(), 3u);  // RAPL package (a counter), the RAM estimate, the CPU's utilisation
  EXPECT_EQ(rows[0]["source"], "rapl");
  EXPECT_EQ(rows[0]["method"], "counter");
  EXPECT_EQ(rows[0]["readable"], true);
  EXPECT_DOUBLE_EQ(rows[0]["joules"].get<double>(), 0.0);  // the fake counter stands still
  EXPECT_EQ(rows[1]["method"], "estimated");
  EXPECT_TRUE(rows[1].contains("watts"));
  // Utilisation is listed as what it is: a percentage, with no joules or watts.
  EXPECT_EQ(rows[2]["source"], "proc");
  EXPECT_EQ(rows[2]["method"], "utilisation");
  EXPECT_EQ(rows[2]["unit"], "%");
  EXPECT_EQ(rows[2]["in_total"], false);
  EXPECT_TRUE(rows[2]["joules"].is_null());
  EXPECT_TRUE(rows[2]["mean_percent"].is_number());
}

TEST_F(Cli, RunWithABadSpecExitsTwoAndWritesNothing) {
  const std::string path = spec("epochs = 3\n");  // the key given twice: a TOML error
  const auto r = jg("run " + quote(path) + " -o " + quote(dir.file("out.h5")));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("my study.toml:"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.h5")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.h5.journal")));
}

// A dataset that is damaged (truncated, a wrong magic number, a label
// outside the classes) is bad input when the study is planned or started:
// exit 2 naming the file, before the results file exists - not a study
// whose every cell fails and is retried.
TEST_F(Cli, ADamagedDatasetIsRefusedBeforeAnythingIsWritten) {
  std::filesystem::remove_all(dir.file("data"));  // uncompressed, to damage it byte by byte
  std::filesystem::create_directories(dir.file("data"));
  testing::write_idx_dataset(dir.file("data"), 120, 60, 4, false);
  const std::string path = spec();
  const std::string labels = dir.file("data/train-labels-idx1-ubyte");
  const std::string images = dir.file("data/train-images-idx3-ubyte");
  testing::write_idx_labels(labels, std::vector<uint8_t>(120, 1), false);
  auto refused = [&](const std::string& what) {
    for (const std::string& command : {"plan " + quote(path), "run " + quote(path) + " -o " + quote(dir.file("out.h5"))}) {
      const auto r = jg(command);
      EXPECT_EQ(r.exit_code, 2) << what << ": " << command << r.out << r.err;
      EXPECT_NE(r.err.find("train-"), std::string::npos) << what << ": names the file: " << r.err;
      EXPECT_FALSE(std::filesystem::exists(dir.file("out.h5"))) << what;
      EXPECT_FALSE(std::filesystem::exists(dir.file("out.h5.journal"))) << what;
    }
  };
  std::vector<uint8_t> bad(120, 1);
  bad[77] = 9;  // [data] classes = 4
  testing::write_idx_labels(labels, bad, false);
  refused("a label outside the classes");
  testing::write_idx_labels(labels, std::vector<uint8_t>(120, 1), false);
  testing::write_idx_images(images, testing::make_images(120, 4, 1, 28, 1), false);
  std::filesystem::resize_file(images, std::filesystem::file_size(images) - 500);
  refused("a truncated image file");
  testing::write_bytes(images, std::vector<uint8_t>(16 + 120 * 784, 0));  // magic 0
  refused("a wrong magic number");
}

TEST_F(Cli, ReportRefusesWhatIsNotAResultsFileOrAFormat) {
  const auto missing = jg("report " + quote(dir.file("none.h5")));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("none.h5"), std::string::npos) << missing.err;
  const auto not_hdf5 = jg("report " + quote(dir.write("x.h5", "plain text")));
  EXPECT_EQ(not_hdf5.exit_code, 2);
  EXPECT_NE(not_hdf5.err.find("x.h5"), std::string::npos) << not_hdf5.err;
}

// A whole study on the fake node: one process, the estimator's energy, and a
// report that says at the top that the energy is estimated.
TEST_F(Cli, RunAloneThenReportSaysTheEnergyIsEstimated) {
  const std::string out = dir.file("study.h5");
  const auto run = jg("run " + quote(spec()) + " -o " + quote(out));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto rep = jg("report " + quote(out) + " --energy net");
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_NE(rep.out.find("NOTE: the energy of this study is estimated"), std::string::npos) << rep.out;
  EXPECT_NE(rep.out.find("energy: net"), std::string::npos) << rep.out;
  const auto bad = jg("report " + quote(out) + " --format xml");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("json"), std::string::npos) << bad.err;
}

// A study run with [meters] idle_seconds = 0 measured no idle power: it has
// no net energy, and a net report is refused naming the node and the fix.
TEST_F(Cli, ANetReportOfAStudyWithoutAnIdleBaselineIsRefused) {
  std::string text = slurp(spec());
  text.replace(text.find("idle_seconds = 0.3"), 18, "idle_seconds = 0");
  const std::string no_idle = dir.write("no idle.toml", text);
  const std::string out = dir.file("no-idle.h5");
  const auto run = jg("run " + quote(no_idle) + " -o " + quote(out));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto net = jg("report " + quote(out) + " --energy net");
  EXPECT_EQ(net.exit_code, 2) << net.out;
  EXPECT_NE(net.err.find("measured no idle power ([meters] idle_seconds = 0)"), std::string::npos) << net.err;
  EXPECT_EQ(net.out, "");
  const auto gross = jg("report " + quote(out) + " --format json");
  ASSERT_EQ(gross.exit_code, 0) << gross.err;
  for (const auto& n : nlohmann::json::parse(gross.out)["nodes"]) {
    EXPECT_FALSE(n["net_reliable"].get<bool>());
    EXPECT_NE(n["net_doubt"].get<std::string>().find("no idle baseline"), std::string::npos);
  }
}

// A node with an NVIDIA card and no NVML: the cells would train on a GPU
// whose energy no meter reads, and report CPU and RAM joules as theirs. The
// rank refuses, naming the card and the fix, and with no rank left the run
// is exit 2; the spec may accept it ([meters] allow_unmetered_gpu).
TEST_F(Cli, AGpuThatNoMeterReadsIsRefusedUnlessTheSpecAcceptsIt) {
  node.write("proc/driver/nvidia/gpus/0000:01:00.0/information", "Model: Fake\n");
  ::setenv("JOULEGRID_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);  // no NVML, even on a GPU machine
  const std::string out = dir.file("unmetered.h5");
  const auto refused = jg("run " + quote(spec()) + " -o " + quote(out));
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("NVIDIA GPU 0000:01:00.0 would train this rank's cells, but no meter reads its energy"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("allow_unmetered_gpu"), std::string::npos) << refused.err;
  std::string text = slurp(spec());
  text.replace(text.find("[meters]\n"), 9, "[meters]\nallow_unmetered_gpu = true\n");
  const auto accepted = jg("run " + quote(dir.write("accepted.toml", text)) + " -o " + quote(dir.file("accepted.h5")));
  EXPECT_EQ(accepted.exit_code, 0) << accepted.err;
  ::unsetenv("JOULEGRID_NVML_LIBRARY");
}

}  // namespace
}  // namespace joulegrid
