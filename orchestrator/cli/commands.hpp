#pragma once
// One function per subcommand; each returns the process exit code.

#include <string>
#include <vector>

namespace joulegrid {

struct PlanArgs {
  std::string spec;
  bool json = false;
};
int plan_command(const PlanArgs& args);

struct TrainArgs {
  std::string spec;
  std::string cell;  // an index, or an id (or a unique prefix of one)
  bool json = false;
};
int train_command(const TrainArgs& args);

struct MetersArgs {
  double seconds = 2.0;
  double sample_hz = 100.0;
  double cpu_tdp_w = 0.0;
  std::string sysfs_root;
  bool json = false;
};
int meters_command(const MetersArgs& args);

struct RunArgs {
  std::string spec;
  std::string output;        // default: the spec's output
  bool resume = false;
  bool repair_journal = false;  // --resume: move the journal's bad lines aside instead of refusing
  double drain_s = 60;       // after SIGTERM / SIGUSR1: how long running cells may finish
  double term_s = -1;        // after SIGTERM at most this (the launcher's grace); < 0: the drain, capped under mpirun
  double heartbeat_s = 300;  // a worker running a cell that is silent this long is given up (0: never)
  double snapshot_s = 30;    // how often the HDF5 snapshot is rewritten
  std::vector<std::string> history;  // results files for PRE, which orders the queue until cells are measured
};
int run_command(const RunArgs& args);

struct ReportArgs {
  std::string file;
  std::string format = "table";
  std::string energy;        // gross | net; default: the study's
  std::string output;        // -o FILE: written whole (FILE.tmp renamed), else standard output
  bool repair_journal = false;  // move the journal's bad lines aside (under the file's lock) first
};
int report_command(const ReportArgs& args);

struct EstimateArgs {
  std::string spec;
  std::vector<std::string> from;  // results files with measured runs
  double lambda = 1.0;            // ridge penalty on standardised features
  bool json = false;
};
int estimate_command(const EstimateArgs& args);

struct MergeArgs {
  std::vector<std::string> files;
  std::string output;
};
int merge_command(const MergeArgs& args);

}  // namespace joulegrid
