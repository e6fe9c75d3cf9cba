// slurm/joulegrid.sbatch against a real one-machine Slurm (slurm/local/),
// started by CTest's slurm fixture, which sets SLURM_CONF for these tests.
// They skip, saying why, where there is no root or no Slurm.

#include <map>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/datasets/datasets.hpp"
#include "io/store/store.hpp"
#include "tests/support/checks.hpp"
#include "tests/support/process.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/study.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

using namespace joulegrid::testing;
using std::chrono::seconds;

class SlurmJob : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* conf = std::getenv("SLURM_CONF");
    if (!conf || run_command(std::string("test -f ") + quote(conf)).exit_code != 0)
      GTEST_SKIP() << "no local Slurm (slurm/local/start needs root and Debian's slurm-wlm and munge)";
    DataSpec fashion;
    fashion.path = default_dataset_dir();
    if (!check_dataset_files(fashion).empty()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }

  // Submits slurm/joulegrid.sbatch from the test's folder with 2 tasks and no GPUs.
  std::string submit(const StudyOptions& o, const std::string& options, const std::string& env = "") {
    const std::string spec = dir_.write(o.name + ".toml", study_spec(o));
    const CommandResult r = run_command(
        "cd " + quote(dir_.path().string()) + " && sbatch --parsable --ntasks=2 --cpus-per-task=1 --gpus-per-task=0 " +
        options + " --export=ALL,JOULEGRID_HOME=" + quote(JOULEGRID_SOURCE_DIR) + ",JOULEGRID=" +
        quote(JOULEGRID_BINARY) + ",JOULEGRID_SPEC=" + quote(spec) + env + " " +
        quote(std::string(JOULEGRID_SOURCE_DIR) + "/slurm/joulegrid.sbatch"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find_first_of(";\n"));
  }

  static std::string job_field(const std::string& job, const std::string& field) {
    const std::string show = run_command("scontrol show job " + job).out;
    std::smatch m;
    if (std::regex_search(show, m, std::regex(field + "=(\\S+)"))) return m[1];
    return "";
  }

  // Waits until the job has ended for good (a requeued job pends, then runs again).
  static std::string final_state(const std::string& job, seconds limit) {
    std::string state;
    eventually([&] {
      state = job_field(job, "JobState");
      return state == "COMPLETED" || state == "FAILED" || state == "TIMEOUT" || state == "CANCELLED" ||
             state == "NODE_FAIL" || state == "OUT_OF_MEMORY";
    }, limit);
    return state;
  }

  std::string job_folder(const std::string& job) const { return dir_.file("results/joulegrid-" + job); }
  std::string output(const std::string& job) const { return slurp(dir_.file("joulegrid-" + job + ".out")); }

  TempDir dir_;
};

TEST_F(SlurmJob, ABatchJobOfTwoTasksRunsTheWholeStudy) {
  StudyOptions o;
  o.name = "sbatch";
  const std::string job = submit(o, "--time=10");
  ASSERT_FALSE(job.empty());
  ASSERT_EQ(final_state(job, seconds(240)), "COMPLETED") << output(job);
  EXPECT_EQ(job_field(job, "ExitCode"), "0:0");

  const std::string file = job_folder(job) + "/results.h5";
  const StudyResults r = load_results(file);
  ASSERT_EQ(r.cells.size(), 4u);
  expect_every_cell_done_once(r);
  EXPECT_EQ(r.meta.status, "complete");
  EXPECT_NE(r.meta.job_ids.find("SLURM_JOB_ID=" + job), std::string::npos) << r.meta.job_ids;
  for (const auto& run : r.runs) EXPECT_EQ(run.rank, 1) << "rank 0 schedules; rank 1 trains";
  EXPECT_NE(slurp(job_folder(job) + "/joulegrid.log").find("study sbatch (complete)"), std::string::npos);
  EXPECT_NE(output(job).find("study complete"), std::string::npos) << output(job);

  const CommandResult report = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(file) + " --format json");
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(nlohmann::json::parse(report.out).at("cells").size(), 4u);
}

TEST_F(SlurmJob, ATimeLimitStopsTheStudyAndTheRequeuedJobFinishesIt) {
  // 32 cells of about 2 s on one worker: more than one 1-minute allocation
  // holds. Slurm warns (USR1) 15 to 45 s in; the study drains and exits 3;
  // the job requeues itself and resumes until the study is complete.
  StudyOptions o;
  o.name = "limit";
  o.sizes = "1, 2, 3, 4";
  o.repeats = 4;
  o.accuracy_criterion = false;
  const std::string job = submit(o, "--time=1 --signal=B:USR1@15", ",JOULEGRID_DRAIN_SECONDS=10");
  ASSERT_FALSE(job.empty());
  ASSERT_EQ(final_state(job, seconds(420)), "COMPLETED") << output(job);

  const std::string out = output(job);
  EXPECT_GE(std::stoi(job_field(job, "Restarts")), 1) << out;
  EXPECT_NE(out.find("time limit near: draining"), std::string::npos) << out;
  EXPECT_NE(out.find("requeueing to resume"), std::string::npos) << out;
  EXPECT_NE(out.find("(incomplete: continue with --resume)"), std::string::npos) << "exit 3 first\n" << out;
  EXPECT_NE(out.find("resuming"), std::string::npos) << out;
  EXPECT_EQ(out.find("joulegrid exited"), std::string::npos) << "no allocation may fail\n" << out;

  const StudyResults r = load_results(job_folder(job) + "/results.h5");
  ASSERT_EQ(r.cells.size(), 32u);
  expect_every_cell_done_once(r);
  EXPECT_EQ(r.meta.status, "complete");
  for (const auto& run : r.runs) EXPECT_EQ(run.status, "done") << run.cell_id << ": " << run.failure << " " << run.detail;
}

// scancel is Slurm's kill sequence: TERM to every process of the job (the
// batch shell, the launcher, each rank), SIGKILL KillWait seconds later (10
// in slurm/local). The study drains for KillWait less 5 s, writes a
// stopped, resumable file before the SIGKILL, is not requeued, and a new
// job pointed at its folder finishes it. Under mpirun, which cannot forward
// a TERM, Open MPI's own kill of the ranks used to cut the drain after 1 s;
// now study.sh gives it half of KillWait and rank 0 drains for that less 2 s.
class SlurmCancel : public SlurmJob, public ::testing::WithParamInterface<std::string> {};

TEST_P(SlurmCancel, ScancelDrainsIntoAStoppedFileAndANewJobFinishesIt) {
  StudyOptions o;
  o.name = "cancel";
  o.sizes = "1, 2";
  o.repeats = 4;
  o.accuracy_criterion = false;
  const std::string launcher = ",JOULEGRID_LAUNCHER=" + GetParam();
  const std::string job = submit(o, "--time=10", launcher);
  ASSERT_FALSE(job.empty());
  const std::string log = job_folder(job) + "/joulegrid.log";
  ASSERT_TRUE(eventually([&] { return slurp(log).find(" done: ") != std::string::npos; }, seconds(180)))
      << output(job) << slurp(log);
  ASSERT_EQ(run_command("scancel " + job).exit_code, 0);
  ASSERT_EQ(final_state(job, seconds(120)), "CANCELLED") << output(job);

  const std::string out = output(job);
  EXPECT_NE(out.find("cancelled: draining"), std::string::npos) << out;
  EXPECT_NE(out.find("cancelled with the study incomplete"), std::string::npos) << out;
  EXPECT_EQ(out.find("requeueing"), std::string::npos) << "a cancel is not requeued\n" << out;
  if (GetParam() == "srun") {  // mpirun stops forwarding the ranks' output when it is signalled
    EXPECT_NE(slurp(log).find("SIGTERM: no new cells; "), std::string::npos) << slurp(log);
    EXPECT_NE(slurp(log).find(" get 5 s to finish"), std::string::npos) << slurp(log);
  }
  const std::string file = job_folder(job) + "/results.h5";
  const StudyResults stopped = load_results(file);
  EXPECT_EQ(stopped.meta.status, "stopped") << "the last snapshot was cut by the SIGKILL\n" << slurp(log);

  const std::string again = submit(o, "--time=10", launcher + ",JOULEGRID_RESULTS=" + job_folder(job));
  ASSERT_FALSE(again.empty());
  ASSERT_EQ(final_state(again, seconds(240)), "COMPLETED") << output(again);
  const StudyResults r = load_results(file);
  ASSERT_EQ(r.cells.size(), 16u);
  expect_every_cell_done_once(r);
  EXPECT_EQ(r.meta.status, "complete");
}

INSTANTIATE_TEST_SUITE_P(Launchers, SlurmCancel, ::testing::Values("srun", "mpirun"));

}  // namespace
}  // namespace joulegrid
