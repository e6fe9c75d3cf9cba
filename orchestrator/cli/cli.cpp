#include "orchestrator/cli/cli.hpp"

#include <csignal>
#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <sys/prctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "io/errors.hpp"
#include "vocabulary/architectures.hpp"
#include "vocabulary/meter_sources.hpp"
#include "vocabulary/vocabulary.hpp"
#include "vocabulary/version.hpp"
#include "orchestrator/cli/commands.hpp"
#include "io/h5/h5.hpp"
#include "models/torch_build.hpp"
#include "orchestrator/farm/mpi_comm.hpp"
#include "rank/child.hpp"
#include "rank/worker.hpp"

namespace joulegrid {

namespace {

// This process's rank in its MPI job, as the launcher tells it before MPI
// starts (Open MPI, PMIx, MPICH and Slurm each have a variable); 0 alone.
int launcher_rank() {
  for (const char* v : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"})
    if (const char* r = std::getenv(v); r && *r) return std::atoi(r);
  return 0;
}

// Logs go to stderr: stdout carries tables, JSON and the child's events.
// Every line says which rank on which node wrote it: under mpirun and in a
// Slurm job's output the ranks' lines interleave.
void setup_logging() {
  auto logger = spdlog::stderr_color_mt("joulegrid");
  logger->set_pattern("[%H:%M:%S.%e] [%^%l%$] [rank " + std::to_string(launcher_rank()) + " " + node_name() +
                      "] %v");
  spdlog::set_default_logger(logger);
  spdlog::cfg::load_env_levels();  // SPDLOG_LEVEL=debug
}

int run_cell_subcommand() {
  // The child dies with its worker: a kill -9 of the rank leaves no orphan trainer.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() == 1) return 1;
  // Its life is its worker's to end: a Ctrl-C or a job's SIGTERM/SIGUSR1
  // reaching the whole process group must not count as a failed attempt.
  // The worker started us with them blocked; once ignored, unblocking drops
  // any that arrived meanwhile.
  for (int s : {SIGINT, SIGTERM, SIGUSR1}) std::signal(s, SIG_IGN);
  sigset_t stops;
  sigemptyset(&stops);
  for (int s : {SIGINT, SIGTERM, SIGUSR1}) sigaddset(&stops, s);
  ::sigprocmask(SIG_UNBLOCK, &stops, nullptr);
  return run_cell_child(STDIN_FILENO, STDOUT_FILENO);
}

// --help ends with the words a spec may use: the registries' own tables.
std::string vocabulary_help() {
  std::string s = "Built-in architectures ([grid] architectures):\n";
  for (const auto& a : Vocabulary<ArchitectureValue>::words)
    s += "  " + std::string(a.name) + std::string(14 - std::min<size_t>(13, a.name.size()), ' ') +
         std::string(a.summary) + "\n";
  s += "Energy sources ([meters] sources):\n";
  for (const auto& m : Vocabulary<MeterSourceValue>::words)
    s += "  " + std::string(m.name) + std::string(14 - std::min<size_t>(13, m.name.size()), ' ') +
         std::string(m.summary) + "\n";
  s += "Report formats: " + ReportFormat::known() + "\n";
  return s;
}

// What this binary is built from: its own version, libtorch and the GPU
// runtimes compiled into it, the devices it sees, MPI and HDF5. A cluster
// user checks each build of a heterogeneous job with it.
std::string version_text() {
  const TorchBuild t = torch_build();
  auto runtime = [](const std::string& name, const std::string& v) {
    return v.empty() ? name + " not compiled in" : name + " " + v + " compiled in";
  };
  std::string gpus;
  if (!t.cuda_runtime.empty() || !t.hip_runtime.empty())
    gpus = ", " + std::to_string(t.devices) + (t.devices == 1 ? " GPU" : " GPUs") + " visible";
  return std::string(kProgramVersion) + "\nlibtorch " + t.version + ": " + runtime("CUDA", t.cuda_runtime) + ", " +
         runtime("ROCm", t.hip_runtime) + gpus + "\nMPI: " + mpi_library_version() + "\nHDF5 " +
         h5::library_version();
}

}  // namespace

int cli_main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a dead child's pipe is an error code, not our death
  CLI::App app{"joulegrid: which neural architecture buys the most accuracy per joule"};
  app.require_subcommand(1);
  app.footer(vocabulary_help());
  app.set_version_flag("--version", std::function<std::string()>(version_text));

  PlanArgs plan;
  auto* plan_cmd = app.add_subcommand("plan", "Expand a study's grid and print its cells");
  plan_cmd->add_option("spec", plan.spec, "Study file (TOML)")->required();
  plan_cmd->add_flag("--json", plan.json, "Print the cells as a JSON array");

  TrainArgs train;
  auto* train_cmd = app.add_subcommand("train", "Train one cell in the foreground, without MPI");
  train_cmd->add_option("spec", train.spec, "Study file (TOML)")->required();
  train_cmd->add_option("--cell", train.cell, "Cell index (from `joulegrid plan`) or id")->required();
  train_cmd->add_flag("--json", train.json, "Print JSON lines instead of a table");

  MetersArgs meters;
  auto* meters_cmd = app.add_subcommand("meters", "List this node's energy sources and measure them");
  meters_cmd->add_option("--seconds", meters.seconds, "Seconds to measure (default 2)");
  meters_cmd->add_option("--sample-hz", meters.sample_hz, "Samples a second, 1-1000 (default 100)");
  meters_cmd->add_option("--cpu-tdp-w", meters.cpu_tdp_w, "CPU TDP for the estimator, W (default: 10 W a CPU)");
  meters_cmd->add_option("--sysfs-root", meters.sysfs_root, "Read /sys and /proc under DIR (default $JOULEGRID_SYSFS_ROOT or /)");
  meters_cmd->add_flag("--json", meters.json, "Print one JSON object per source");

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run a study: alone, or under mpirun / srun across ranks");
  run_cmd->add_option("spec", run.spec, "Study file (TOML)")->required();
  run_cmd->add_option("-o,--output", run.output, "Results file (default: the spec's output)");
  run_cmd->add_flag("--resume", run.resume, "Continue an existing results file: run only the cells not committed");
  run_cmd->add_flag("--repair-journal", run.repair_journal,
                    "With --resume: move the journal's bad lines to FILE.journal.rejected and keep every good one")
      ->needs("--resume");
  run_cmd->add_option("--history", run.history,
                      "Earlier results files: PRE predicts each cell's time from them for the longest-first order")
      ->expected(1, -1);
  run_cmd->add_option("--drain-seconds", run.drain_s, "After SIGTERM/SIGUSR1, how long running cells may finish (default 60)")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--term-seconds", run.term_s,
                      "After SIGTERM, at most this long: the launcher's grace before it kills (default: the drain; "
                      "under mpirun at most its odls_base_sigkill_timeout less 2 s)")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--heartbeat-seconds", run.heartbeat_s,
                      "A worker rank running a cell that says nothing this long is given up, its cell requeued "
                      "(default 300; 0: never)")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--snapshot-seconds", run.snapshot_s, "How often the HDF5 file is rewritten while running (default 30)")
      ->check(CLI::NonNegativeNumber);

  ReportArgs report;
  auto* report_cmd = app.add_subcommand("report", "Reduce a results file to the paper's tables");
  report_cmd->add_option("file", report.file, "Results file (HDF5)")->required();
  report_cmd->add_option("--format", report.format, "table | csv | csv-epochs | json | html (default table)");
  report_cmd->add_option("-o,--output", report.output, "Write the report to this file instead of standard output");
  report_cmd->add_option("--energy", report.energy, "gross | net (default: the study's)");
  report_cmd->add_flag("--repair-journal", report.repair_journal,
                       "First move the journal's bad lines to FILE.journal.rejected and keep every good one");

  MergeArgs merge;
  auto* merge_cmd = app.add_subcommand(
      "merge", "Join replication studies of one grid (separate jobs, other hardware) into one results file");
  merge_cmd->add_option("files", merge.files, "Results files of the same study file")->required()->expected(2, -1);
  merge_cmd->add_option("-o,--output", merge.output, "The merged file (must not exist)")->required();

  EstimateArgs estimate;
  auto* estimate_cmd = app.add_subcommand(
      "estimate", "Predict a study's energy and time per cell and node (PRE) from earlier studies' measured runs");
  estimate_cmd->add_option("spec", estimate.spec, "Study file (TOML)")->required();
  estimate_cmd->add_option("--from", estimate.from, "Results files whose finished runs train the regression")
      ->required()
      ->expected(1, -1);
  estimate_cmd->add_option("--lambda", estimate.lambda, "Ridge penalty on standardised features (default 1)");
  estimate_cmd->add_flag("--json", estimate.json, "Print the fit, the totals per node and every cell as JSON");

  auto* cell_cmd = app.add_subcommand("cell", "Internal: the child trainer of a worker rank");
  cell_cmd->group("");  // hidden

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : exit_code::bad_input;
  }

  if (cell_cmd->parsed()) return run_cell_subcommand();
  setup_logging();
  try {
    if (plan_cmd->parsed()) return plan_command(plan);
    if (train_cmd->parsed()) return train_command(train);
    if (meters_cmd->parsed()) return meters_command(meters);
    if (run_cmd->parsed()) return run_command(run);
    if (report_cmd->parsed()) return report_command(report);
    if (merge_cmd->parsed()) return merge_command(merge);
    if (estimate_cmd->parsed()) return estimate_command(estimate);
  } catch (const InputError& e) {
    std::cerr << "joulegrid: " << e.what() << "\n";
    return exit_code::bad_input;
  } catch (const std::exception& e) {
    std::cerr << "joulegrid: internal error: " << e.what() << "\n";
    return exit_code::internal;
  }
  return exit_code::internal;
}

}  // namespace joulegrid
