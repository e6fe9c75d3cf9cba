// The results store at scale (ARCHITECTURE §6): how long `--resume` takes to
// read a study of N committed cells — all in the HDF5 snapshot, or all still
// in the journal (a kill -9 before the first snapshot) — and how long one
// commit (a journal line, fdatasync'd) takes. Prints one JSON object per figure.
//   store_speed [--cells 10000] [--epochs 5] [--commits 2000]

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/figure.hpp"
#include "io/store/store.hpp"

namespace joulegrid {
namespace {

using bench::figure;

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::vector<CellRow> grid(int n) {
  std::vector<CellRow> cells;
  for (int i = 0; i < n; ++i) {
    CellRow c;
    c.index = i;
    char id[32];
    std::snprintf(id, sizeof id, "bench-%06d", i);
    c.id = id;
    c.architecture = i % 2 ? "bcnn" : "lenet";
    c.size = 1 + i % 5;
    c.criterion = "epochs5";
    c.criterion_kind = "epochs";
    c.epoch_cap = 5;
    c.batch_size = 256;
    c.learning_rate = 0.001;
    c.optimizer = "adam";
    c.repeat = i / 10;
    c.dataset = "fashion-mnist";
    cells.push_back(c);
  }
  return cells;
}

RunResult run_of(const CellRow& c, int epochs) {
  RunResult r;
  r.cell_id = c.id;
  r.cell_index = c.index;
  r.attempt = 1;
  r.settles_cell = true;
  r.status = "done";
  r.stop_reason = "criterion_met";
  r.node = "node-a";
  r.rank = 1 + c.index % 8;
  r.seconds = 12.5;
  r.epochs = epochs;
  r.test_acc = 0.85;
  r.energy_j = 1234.5;
  r.energy_method = "counter";
  for (int e = 1; e <= epochs; ++e) {
    EpochRecord rec;
    rec.epoch = e;
    rec.test_acc = 0.8;
    rec.train_energy.joules = 200;
    rec.train_energy.method = "counter";
    rec.eval_energy.joules = 20;
    rec.eval_energy.method = "counter";
    rec.cumulative_j = 220.0 * e;
    r.epoch_records.push_back(rec);
  }
  return r;
}

int run_bench(int argc, char** argv) {
  int cells = 10000, epochs = 5, commits = 2000;
  CLI::App app{"results store speed"};
  app.add_option("--cells", cells);
  app.add_option("--epochs", epochs);
  app.add_option("--commits", commits);
  CLI11_PARSE(app, argc, argv);
  const auto dir = std::filesystem::temp_directory_path() / ("jg-store-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::vector<CellRow> rows = grid(cells);
  StudyMeta meta;
  meta.study = "store-bench";
  const std::string n = std::to_string(cells) + " cells";

  {  // every cell in the snapshot
    const std::string file = (dir / "snapshot.h5").string();
    StudyResults r;
    r.meta = meta;
    r.meta.grid_hash = grid_hash(rows);
    r.cells = rows;
    for (auto& c : r.cells) {
      c.status = "done";
      c.attempts = 1;
      r.runs.push_back(run_of(c, epochs));
    }
    const auto t0 = Clock::now();
    write_new_results(file, r);
    const double write_s = since(t0);
    const auto t1 = Clock::now();
    ResultsStore resumed = ResultsStore::resume(file, meta, rows);
    const double resume_s = since(t1);
    if (resumed.results().runs.size() != static_cast<size_t>(cells)) return 1;
    figure("store: --resume of " + n + " in the snapshot", resume_s, "s", "", 1.0, true);
    figure("store: snapshot write of " + n, write_s, "s", "", NAN, true);
    figure("store: snapshot size per cell (" + std::to_string(epochs) + " epochs each)",
           static_cast<double>(std::filesystem::file_size(file)) / cells, "bytes", "", NAN, true);
  }
  {  // the first `commits` cells only in the journal, committed one by one
    const std::string file = (dir / "journal.h5").string();
    double slowest = 0;
    {
      ResultsStore store = ResultsStore::create(file, meta, rows);
      const auto t0 = Clock::now();
      for (int i = 0; i < commits; ++i) {
        const auto c0 = Clock::now();
        store.add_run(run_of(rows[static_cast<size_t>(i)], epochs));
        slowest = std::max(slowest, since(c0));
      }
      figure("store: one commit (journal line + fdatasync), mean of " + std::to_string(commits), since(t0) / commits * 1e3,
             "ms", "", NAN, true);
      figure("store: one commit, slowest", slowest * 1e3, "ms", "", NAN, true);
    }  // dropped without a snapshot, as a kill -9 would leave it
    const auto t1 = Clock::now();
    ResultsStore resumed = ResultsStore::resume(file, meta, rows);
    const double resume_s = since(t1);
    if (resumed.results().runs.size() != static_cast<size_t>(commits)) return 1;
    figure("store: --resume replaying " + std::to_string(commits) + " journal lines (" + n + " grid)", resume_s, "s", "",
           1.0, true);
  }
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace joulegrid

int main(int argc, char** argv) { return joulegrid::run_bench(argc, argv); }
