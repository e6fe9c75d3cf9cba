// How well rank 0 keeps the workers busy, under mpirun with the real MPI
// transport and the real Scheduler:
//   mpirun -np 9 --oversubscribe build/bench/scheduler_efficiency [--cells 200] [--mean-seconds 0.25]
// Rank 0 schedules a grid of `cells` cells; ranks 1… are stand-in workers
// that hold each cell for a duration drawn unevenly (the plan's relative
// cost of the cell × a lognormal factor, σ 0.5, seeded by the cell), so the
// scheduler knows the cells' relative sizes only as well as it does in a
// real study. Prints one JSON object per figure (bench/run collects them):
//   makespan over max(total work ÷ workers, longest cell)  target ≤ 1.05
//   dispatch latency (REQUEST sent → TASK received), median and 99th percentile
//   rank 0's CPU share (user + system over wall) while workers hold cells  target < 2 %

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <random>
#include <thread>

#include <CLI/CLI.hpp>
#include <mpi.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include "io/spec/spec.hpp"
#include "bench/figure.hpp"
#include "io/store/store.hpp"
#include "orchestrator/plan/cost_model.hpp"
#include "orchestrator/farm/mpi_comm.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/farm/progress.hpp"
#include "orchestrator/farm/scheduler.hpp"

namespace joulegrid {
namespace {

using bench::figure;

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string grid_spec(int cells) {
  // lenet and bcnn, sizes 1-5: ten models, repeated to make up `cells`.
  const int repeats = std::max(1, cells / 10);
  return "[experiment]\nname = \"scheduler-bench\"\n[data]\nformat = \"synthetic\"\n"
         "[grid]\narchitectures = [\"lenet\", \"bcnn\"]\nsizes = [1, 2, 3, 4, 5]\nrepeats = " +
         std::to_string(repeats) + "\n[[criteria]]\nkind = \"epochs\"\nepochs = 2\n";
}

// Seconds a stand-in worker holds each cell: mean `mean_s` over the grid.
std::vector<double> durations(const std::vector<CellSpec>& cells, double mean_s) {
  const CostModel plan;
  std::vector<double> d;
  for (const auto& c : cells) {
    std::mt19937_64 rng(static_cast<uint64_t>(c.index) * 7919 + 17);
    std::lognormal_distribution<double> noise(0.0, 0.5);
    d.push_back(plan.expected_seconds(c) * noise(rng));
  }
  double sum = 0;
  for (double x : d) sum += x;
  for (double& x : d) x *= mean_s * static_cast<double>(d.size()) / sum;
  return d;
}

double now_s() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

Message next(Comm& comm) {
  while (true)
    if (auto m = comm.receive(std::chrono::milliseconds(100))) return *m;
}

// Stand-in worker: the protocol of rank/worker.cpp, with a sleep for training.
// Returns {first start, last end, busy seconds, longest cell} and the latencies.
std::vector<double> stand_in_worker(Comm& comm, const std::vector<double>& hold_s, std::vector<double>* latencies) {
  double first = 1e300, last = 0, busy = 0, longest = 0;
  if (next(comm).tag != tag::config) return {first, last, busy, longest};
  HelloMessage hello;
  hello.rank = comm.rank();
  hello.node = "bench" + std::to_string(comm.rank());
  hello.leader = true;
  hello.node_record.leader_rank = comm.rank();
  hello.node_record.energy_method = "estimated";
  comm.send(0, tag::hello, encode(hello));
  while (true) {
    const double asked = now_s();
    comm.send(0, tag::request, "{}");
    const Message m = next(comm);
    const double got = now_s();
    if (m.tag != tag::task) break;
    latencies->push_back(got - asked);
    TaskMessage task;
    decode(m.body, task, "task");
    const CellSpec& cell = task.cell;
    const double start = now_s();
    std::this_thread::sleep_for(std::chrono::duration<double>(hold_s.at(static_cast<size_t>(cell.index))));
    const double end = now_s();
    first = std::min(first, start);
    last = std::max(last, end);
    busy += end - start;
    longest = std::max(longest, end - start);
    RunResult r;
    r.cell_id = cell.id;
    r.cell_index = cell.index;
    r.attempt = task.attempt;
    r.status = StatusValue::done;
    r.epochs = 2;
    r.test_acc = 0.5;
    r.energy_j = 1.0;
    r.energy_method = EnergyMethodValue::estimated;
    r.node = "bench" + std::to_string(comm.rank());
    r.rank = comm.rank();
    comm.send(0, tag::result, json(r).dump());
  }
  return {first, last, busy, longest};
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(std::min<double>(v.size() - 1, std::floor(p * static_cast<double>(v.size()))))];
}

int run_bench(int argc, char** argv) {
  MpiSession mpi(&argc, &argv);
  Comm& world = mpi.world();
  int cells = 200;
  double mean_s = 0.25;
  CLI::App app{"scheduler efficiency under mpirun"};
  app.add_option("--cells", cells);
  app.add_option("--mean-seconds", mean_s);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  const Spec spec = parse_spec(grid_spec(cells), "scheduler-bench.toml", "/tmp");
  const std::vector<CellSpec> grid = expand_grid(spec);
  const std::vector<double> hold = durations(grid, mean_s);
  const int workers = world.size() - 1;
  if (workers < 1) {
    std::cerr << "run under mpirun with at least 2 ranks\n";
    return 2;
  }

  std::vector<double> mine(4, 0.0), latencies;
  double wall = 0, cpu = 0;
  if (world.rank() == 0) {
    char dir[] = "/tmp/jg-sched-bench-XXXXXX";
    if (!::mkdtemp(dir)) return 1;
    const std::string file = std::string(dir) + "/bench.h5";
    std::vector<CellRow> rows;
    for (const auto& c : grid) rows.push_back(cell_row(c));
    StudyMeta meta;
    meta.study = "scheduler-bench";
    ResultsStore store = ResultsStore::create(file, meta, rows);
    SchedulerOptions options;
    options.snapshot_every_s = 1e9;
    std::FILE* quiet = std::fopen("/dev/null", "w");
    Progress progress(false, quiet);
    Scheduler scheduler(world, store, grid, options, progress, {});
    StopRequests stops;
    const double t0 = now_s(), c0 = cpu_seconds();
    scheduler.run(stops);
    wall = now_s() - t0;
    cpu = cpu_seconds() - c0;
    std::fclose(quiet);
    ::unlink(file.c_str());
    ::unlink(journal_path(file).c_str());
    ::rmdir(dir);
  } else {
    mine = stand_in_worker(world, hold, &latencies);
  }

  // Gather the workers' spans and latencies on rank 0.
  std::vector<double> spans(static_cast<size_t>(world.size()) * 4);
  MPI_Gather(mine.data(), 4, MPI_DOUBLE, spans.data(), 4, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  int n = static_cast<int>(latencies.size());
  std::vector<int> counts(static_cast<size_t>(world.size())), offsets(static_cast<size_t>(world.size()));
  MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  int total = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    offsets[i] = total;
    total += counts[i];
  }
  std::vector<double> all(static_cast<size_t>(std::max(1, total)));
  MPI_Gatherv(latencies.data(), n, MPI_DOUBLE, all.data(), counts.data(), offsets.data(), MPI_DOUBLE, 0,
              MPI_COMM_WORLD);
  if (world.rank() != 0) return 0;
  all.resize(static_cast<size_t>(total));

  double first = 1e300, last = 0, busy = 0, longest = 0;
  for (int r = 1; r < world.size(); ++r) {
    const double* s = &spans[static_cast<size_t>(r) * 4];
    if (s[2] <= 0) continue;
    first = std::min(first, s[0]);
    last = std::max(last, s[1]);
    busy += s[2];
    longest = std::max(longest, s[3]);
  }
  const double makespan = last - first;
  const double bound = std::max(busy / workers, longest);
  char mean_text[32];
  std::snprintf(mean_text, sizeof mean_text, "%g", mean_s);
  const std::string setup = std::to_string(grid.size()) + " cells of " + mean_text + " s on " +
                            std::to_string(workers) + " workers";
  figure("scheduler: makespan / lower bound (" + setup + ")", makespan / bound, "ratio",
         "max(work / workers, longest cell) = " + std::to_string(bound) + " s", 1.05, true);
  figure("scheduler: dispatch latency, median (" + setup + ")", percentile(all, 0.5) * 1e3, "ms", "", NAN, true);
  figure("scheduler: dispatch latency, 99th percentile (" + setup + ")", percentile(all, 0.99) * 1e3, "ms", "", NAN,
         true);
  figure("scheduler: rank 0 CPU share (" + setup + ")", 100.0 * cpu / wall, "% of a core",
         "wall " + std::to_string(wall) + " s", 2.0, true);
  return 0;
}

}  // namespace
}  // namespace joulegrid

int main(int argc, char** argv) { return joulegrid::run_bench(argc, argv); }
