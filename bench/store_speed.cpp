// The results store at scale (ARCHITECTURE §6): how long `--resume` takes to
// read a study of N committed cells — all in the HDF5 snapshot, or all still
// in the journal (a kill -9 before the first snapshot) — and how long one
// commit (a journal line, fdatasync'd) takes; and raw samples ([meters]
// store_samples): readings appended per second on rank 0's commit path
// (decode + sample log + fdatasync), folded per second into the snapshot,
// and bytes per stored reading. Prints one JSON object per figure.
//   store_speed [--cells 10000] [--epochs 5] [--commits 2000] [--sample-blocks 8]

#include <chrono>
#include <cmath>
#include <random>
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
    c.criterion_kind = CriterionKindValue::epochs;
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
  r.status = StatusValue::done;
  r.stop_reason = StopReasonValue::criterion_met;
  r.node = "node-a";
  r.rank = 1 + c.index % 8;
  r.seconds = 12.5;
  r.epochs = epochs;
  r.test_acc = 0.85;
  r.energy_j = 220.0 * epochs;  // what its epochs add up to: reading the file checks it
  r.energy_method = EnergyMethodValue::counter;
  for (int e = 1; e <= epochs; ++e) {
    EpochRecord rec;
    rec.epoch = e;
    rec.test_acc = 0.8;
    rec.train_energy.joules = 200;
    rec.train_energy.method = EnergyMethodValue::counter;
    rec.eval_energy.joules = 20;
    rec.eval_energy.method = EnergyMethodValue::counter;
    rec.cumulative_j = 220.0 * e;
    r.epoch_records.push_back(rec);
  }
  return r;
}

// Ten minutes of one attempt on a GPU node at 1,000 Hz, as the meters give
// it: two RAPL counters (cumulative joules in µJ steps), an NVML power
// reading (whole milliwatts) and the RAM estimate, at instants with jitter.
SampleBlock realistic_block(const std::string& cell, size_t instants, std::mt19937_64& rng) {
  SampleBlock b;
  b.cell_id = cell;
  b.attempt = 1;
  b.node = "node-a";
  b.rank = 1;
  b.start_unix_s = 1.8e9;
  b.channels = {{"rapl package-0", "cpu", "counter", "J"}, {"rapl dram", "ram", "counter", "J"},
                {"nvml GPU-0", "gpu", "power", "W"}, {"estimate ram", "ram", "estimated", "W"}};
  std::normal_distribution<double> jitter(0, 20e-6), noise(0, 4.0);
  b.t.resize(instants);
  b.values.resize(instants * 4);
  double pkg = 81234.567891, dram = 1234.5;
  for (size_t i = 0; i < instants; ++i) {
    b.t[i] = 1e-3 * static_cast<double>(i) + jitter(rng);
    pkg += std::round((0.065 + 1e-3 * noise(rng)) * 1e6) / 1e6;
    dram += std::round((0.006 + 1e-4 * noise(rng)) * 1e6) / 1e6;
    b.values[i] = pkg;
    b.values[instants + i] = dram;
    b.values[2 * instants + i] = std::round((240 + 40 * std::sin(1e-3 * static_cast<double>(i)) + noise(rng)) * 1e3) / 1e3;
    b.values[3 * instants + i] = 6.0;
  }
  return b;
}

int run_bench(int argc, char** argv) {
  int cells = 10000, epochs = 5, commits = 2000, sample_blocks = 8;
  CLI::App app{"results store speed"};
  app.add_option("--cells", cells);
  app.add_option("--epochs", epochs);
  app.add_option("--commits", commits);
  app.add_option("--sample-blocks", sample_blocks, "attempts of 10 minutes at 1,000 Hz with 4 channels");
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
      c.status = StatusValue::done;
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
      figure("store: journal bytes per line (" + std::to_string(epochs) + " epochs a run)",
             static_cast<double>(std::filesystem::file_size(journal_path(file))) / commits, "bytes", "", NAN, true);
    }  // dropped without a snapshot, as a kill -9 would leave it
    const auto t1 = Clock::now();
    ResultsStore resumed = ResultsStore::resume(file, meta, rows);
    const double resume_s = since(t1);
    if (resumed.results().runs.size() != static_cast<size_t>(commits)) return 1;
    figure("store: --resume replaying " + std::to_string(commits) + " journal lines (" + n + " grid)", resume_s, "s", "",
           1.0, true);
  }
  {  // raw samples: blocks arrive encoded, are checked and logged, then folded
    const size_t instants = 600000;
    std::mt19937_64 rng(7);
    std::vector<std::string> encoded;
    for (int i = 0; i < sample_blocks; ++i)
      encoded.push_back(encode_block(realistic_block(rows[static_cast<size_t>(i)].id, instants, rng)));
    const double readings = static_cast<double>(sample_blocks) * instants * 4;
    const std::string file = (dir / "samples.h5").string();
    ResultsStore store = ResultsStore::create(file, meta, rows);
    const auto t0 = Clock::now();
    for (int i = 0; i < sample_blocks; ++i) {
      const SampleBlock b = decode_block(encoded[static_cast<size_t>(i)], "bench");  // what the scheduler does
      if (b.readings() != instants * 4) return 1;
      store.add_samples(encoded[static_cast<size_t>(i)]);
      store.add_run(run_of(rows[static_cast<size_t>(i)], epochs));
    }
    figure("store: raw samples appended (decode + sample log + fdatasync, 1,000 Hz x 4 channels)",
           readings / since(t0) / 1e6, "M readings/s", "", 5.0, false);
    const auto before = std::filesystem::file_size(file);
    const auto t1 = Clock::now();
    store.snapshot(StudyStatusValue::running);
    figure("store: raw samples folded into the HDF5 snapshot", readings / since(t1) / 1e6, "M readings/s", "", NAN,
           false);
    const double stored = static_cast<double>(std::filesystem::file_size(file)) - static_cast<double>(before);
    figure("store: bytes per stored reading (chunked, shuffled, deflated; 8 in memory, 16 with its own time)",
           stored / readings, "bytes", "", NAN, true);
    const auto t2 = Clock::now();
    store.snapshot(StudyStatusValue::running);
    figure("store: a later snapshot carrying the stored samples over", readings / since(t2) / 1e6, "M readings/s",
           "", NAN, false);
  }
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace joulegrid

int main(int argc, char** argv) { return joulegrid::run_bench(argc, argv); }
