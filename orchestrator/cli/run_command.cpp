// `joulegrid run SPEC [-o FILE] [--resume]`: the study, alone (rank 0's
// scheduler and one worker thread in this process) or under mpirun / srun
// (rank 0 schedules, every other rank is a worker).

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>
#include <unistd.h>

#include <mpi.h>
#include <spdlog/spdlog.h>

#include "io/errors.hpp"
#include "vocabulary/version.hpp"
#include "io/report/report.hpp"
#include "io/report/text_table.hpp"
#include "io/store/store.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/farm/local_comm.hpp"
#include "orchestrator/farm/mpi_comm.hpp"
#include "orchestrator/plan/plan.hpp"
#include "models/facts.hpp"
#include "orchestrator/predict/cost_regression.hpp"
#include "orchestrator/reduce/reduce.hpp"
#include "orchestrator/farm/scheduler.hpp"
#include "rank/messages.hpp"
#include "rank/worker.hpp"

namespace joulegrid {

namespace {

StopRequests stop_requests;

extern "C" void on_stop_signal(int s) {
  if (s == SIGTERM) stop_requests.terms.fetch_add(1);
  if (s == SIGINT) stop_requests.interrupts.fetch_add(1);
  stop_requests.count.fetch_add(1);
}

// SIGTERM (Slurm at its time limit, scancel), SIGUSR1 (sbatch --signal) and
// SIGINT (Ctrl-C) all ask rank 0 to drain. Workers catch them too and carry
// on: rank 0 decides when their cells end.
//
// A SIGTERM starts a kill sequence: Slurm sends SIGKILL KillWait seconds
// later, and Open MPI's mpirun, itself signalled, sends the ranks SIGTERM
// after odls_base_sigkill_timeout seconds (1 by default: SIGTERM cannot be
// forwarded at once) and SIGKILL as long again after that. So a SIGTERM's
// drain is bounded by that grace, less 2 s (or a fifth of it) for the last
// snapshot: at Open MPI's default, the running cells are abandoned at once.
double term_drain_seconds(const RunArgs& args) {
  double s = args.term_s >= 0 ? std::min(args.term_s, args.drain_s) : args.drain_s;
  if (std::getenv("OMPI_MCA_orte_hnp_uri")) {  // started by mpirun
    double grace = 1;
    if (const char* v = std::getenv("OMPI_MCA_odls_base_sigkill_timeout"); v && *v) {
      char* end = nullptr;
      const double t = std::strtod(v, &end);
      if (end != v && *end == 0 && t >= 0) grace = t;
    }
    s = std::min(s, std::max(0.0, grace - std::max(2.0, 0.2 * grace)));
  }
  return s;
}
void catch_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int s : {SIGTERM, SIGUSR1, SIGINT}) ::sigaction(s, &sa, nullptr);
}

struct Study {
  Spec spec;
  std::vector<CellSpec> cells;
  std::string output;
  std::string base_dir;
  std::map<std::string, double> prior_seconds;  // --history: PRE's seconds per cell, mean over its nodes
};

Study load_study(const RunArgs& args) {
  Study s;
  s.spec = load_spec(args.spec);
  s.cells = expand_grid(s.spec);
  s.output = args.output.empty() ? s.spec.output : args.output;
  if (!args.output.empty())
    if (const std::string problem = output_problem(args.output); !problem.empty())
      throw InputError("-o " + args.output + ": " + problem + " (nothing was written)");
  std::error_code ec;
  assign_checkpoints(s.cells, std::filesystem::absolute(s.output, ec).string());
  s.base_dir = std::filesystem::absolute(args.spec, ec).parent_path().string();
  check_cell_data(s.spec, s.cells);  // before the results file exists
  check_imported_models(s.spec);      // every file loads and gives [batch, classes] logits
  // Before anything is written: a history that cannot train PRE is bad input.
  if (!args.history.empty()) {
    const PreHistory h = fit_history(args.history);
    for (const auto& e : estimate_cells(s.spec, s.cells, h.model, h.nodes))
      s.prior_seconds[e.cell_id] += e.seconds / static_cast<double>(h.nodes.size());
    spdlog::info("PRE from {} measured runs orders the queue (held-out time error {:.1f} %)", h.model.samples,
                 100 * h.model.seconds_error);
  }
  return s;
}

ResultsStore open_store(const Study& study, const RunArgs& args) {
  StudyMeta meta;
  meta.program_version = kProgramVersion;
  meta.study = study.spec.name;
  meta.spec_file = study.spec.file;
  meta.spec_text = study.spec.text;
  meta.dataset = study.spec.data.name;
  meta.max_attempts = study.spec.max_attempts;
  meta.job_ids = job_id();
  meta.normalise_to = study.spec.calibration.reference;
  meta.normalise_to_j = study.spec.calibration.reference_j;
  meta.report_energy = study.spec.report.energy;
  meta.overtraining_a = study.spec.report.overtraining_a;
  meta.overtraining_b = study.spec.report.overtraining_b;
  meta.carbon_g_per_kwh = study.spec.carbon.g_per_kwh;
  for (const auto& [node, g] : study.spec.carbon.nodes)
    meta.carbon_nodes += node + "=" + format_number(g, 6) + "\n";
  std::vector<CellRow> rows;
  for (const auto& c : study.cells) rows.push_back(cell_row(c));
  std::string repaired;
  ResultsStore store = args.resume ? ResultsStore::resume(study.output, meta, rows, args.repair_journal, &repaired)
                                   : ResultsStore::create(study.output, meta, rows);
  if (!repaired.empty()) spdlog::warn("{}", repaired);
  spdlog::info("{}: kept from a second writer by {}", store.path(), store.guard());
  // Pretraining cells write their weights beside the results.
  if (study.spec.finetune.enabled) {
    std::error_code ec;
    const std::string dir = checkpoint_dir(std::filesystem::absolute(study.output, ec).string());
    std::filesystem::create_directories(dir, ec);
    if (ec) throw InputError(dir + ": cannot create the checkpoint folder: " + ec.message());
  }
  return store;
}

// `lost`: set when a worker rank was given up for silence.
int schedule(Comm& comm, const Study& study, ResultsStore& store, const RunArgs& args, bool* lost = nullptr) {
  SchedulerOptions options;
  options.max_attempts = study.spec.max_attempts;
  options.drain_s = args.drain_s;
  options.term_drain_s = term_drain_seconds(args);
  options.heartbeat_s = args.heartbeat_s;
  options.snapshot_every_s = args.snapshot_s;
  options.spec_text = study.spec.text;
  options.spec_file = study.spec.file;
  options.base_dir = study.base_dir;
  options.step = {study.spec.step.stable_from, study.spec.step.window};
  options.prior_seconds = study.prior_seconds;
  std::error_code ec;
  options.checkpoint_dir = checkpoint_dir(std::filesystem::absolute(study.output, ec).string());
  Progress progress(::isatty(STDERR_FILENO) != 0);
  Scheduler scheduler(comm, store, study.cells, options, progress, reduce_for_file);
  const int rc = scheduler.run(stop_requests);
  if (lost) *lost = !scheduler.lost_ranks().empty();
  const StudyResults& results = store.results();
  const Reduction reduction = reduce(results);
  write_report("table", reduction, std::cout);
  std::cout << "\nresults: " << store.path()
            << (rc == exit_code::stopped_resumable ? " (incomplete: continue with --resume)" : "") << std::endl;
  // The spec's other formats, beside the results file. A report that cannot
  // be written costs the report, never the results.
  for (const auto& format : study.spec.report.formats) {
    if (format == "table") continue;
    const std::string path = report_path(store.path(), format);
    try {
      write_report_file(format, reduction, path);
      std::cout << "report:  " << path << " (" << format << ")" << std::endl;
    } catch (const std::exception& e) {
      spdlog::error("{} report not written: {}", format, e.what());
    }
  }
  return rc;
}

// A resume of a study whose every cell is settled has nothing to run: it
// says so and measures nothing (no idle windows, no calibration, no node
// record: fifteen such resumes used to add fifteen), and prints the report.
bool nothing_to_run(const RunArgs& args, ResultsStore& store) {
  if (!args.resume) return false;
  const auto& cells = store.results().cells;
  if (std::any_of(cells.begin(), cells.end(), [](const CellRow& c) { return c.status == StatusValue::pending; }))
    return false;
  if (store.results().meta.status != StudyStatusValue::complete)
    store.snapshot(StudyStatusValue::complete, reduce_for_file);
  std::cerr << "joulegrid: nothing to run: every cell of " << store.path()
            << " is settled; nothing was measured or changed" << std::endl;
  write_report("table", reduce(store.results()), std::cout);
  return true;
}

// A worker that cannot go on says so instead of leaving rank 0 waiting.
void work(Comm& comm, NodeGroup& node) {
  try {
    run_worker(comm, node);
  } catch (const std::exception& e) {
    spdlog::error("rank {}: {}", comm.rank(), e.what());
    comm.send(0, tag::hello, nlohmann::json{{"rank", comm.rank()}, {"node", node_name()},
                                            {"error", std::string("internal error: ") + e.what()}}.dump());
    while (true)
      if (auto m = comm.receive(std::chrono::milliseconds(200)); m && m->tag == tag::stop) return;
  }
}

int run_alone(const RunArgs& args) {
  const Study study = load_study(args);
  ResultsStore store = open_store(study, args);
  if (nothing_to_run(args, store)) return exit_code::complete;
  LocalHub hub(2);
  auto scheduler_end = hub.endpoint(0);
  auto worker_end = hub.endpoint(1);
  std::thread worker([&] {
    SoloNode node;
    work(*worker_end, node);
  });
  int rc = exit_code::internal;
  try {
    rc = schedule(*scheduler_end, study, store, args);
  } catch (...) {
    worker.detach();
    throw;
  }
  worker.join();
  return rc;
}

int run_under_mpi(const RunArgs& args) {
  MpiSession mpi(nullptr, nullptr);
  Comm& world = mpi.world();
  auto node = mpi.node_group(node_name());
  if (world.size() == 1) return run_alone(args);
  if (world.rank() != 0) {
    work(world, *node);
    return exit_code::complete;
  }
  std::optional<Study> study;
  std::optional<ResultsStore> store;
  try {
    study = load_study(args);
    store.emplace(open_store(*study, args));
  } catch (...) {
    for (int w = 1; w < world.size(); ++w) world.send(w, tag::config, encode(ConfigMessage{}));
    throw;
  }
  if (nothing_to_run(args, *store)) {
    for (int w = 1; w < world.size(); ++w) world.send(w, tag::config, encode(ConfigMessage{}));
    return exit_code::complete;
  }
  // An error once the workers are running: MPI_Finalize would wait for them
  // forever, so say what happened and take the job down.
  try {
    bool lost = false;
    const int rc = schedule(world, *study, *store, args, &lost);
    if (lost) {  // a silent rank would hold MPI_Finalize forever: everything is written, so end the job
      std::cerr << "joulegrid: a worker rank was given up for silence; ending the job (exit " << rc << ")"
                << std::endl;
      MPI_Abort(MPI_COMM_WORLD, rc);
    }
    return rc;
  } catch (const InputError& e) {
    std::cerr << "joulegrid: " << e.what() << std::endl;
    MPI_Abort(MPI_COMM_WORLD, exit_code::bad_input);
  } catch (const std::exception& e) {
    std::cerr << "joulegrid: internal error: " << e.what() << std::endl;
    MPI_Abort(MPI_COMM_WORLD, exit_code::internal);
  }
  return exit_code::internal;
}

}  // namespace

int run_command(const RunArgs& args) {
  catch_stop_signals();
  return launched_by_mpi() ? run_under_mpi(args) : run_alone(args);
}

}  // namespace joulegrid
