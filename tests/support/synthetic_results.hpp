#pragma once
// A finished study built in memory, for the report's tests and benchmark:
// every number follows from the cell's axes, so a test can predict it.
// lenet spends half of bcnn's energy at the same accuracy; node-b's
// calibration is twice node-a's; one cell (the sixth: lenet-2, fold 1) failed.

#include <string>
#include <tuple>

#include "io/records/results.hpp"

namespace joulegrid::testing {

struct SyntheticOptions {
  int sizes = 3, criteria = 2, folds = 2, repeats = 1, epochs = 4;
  std::string method = "estimated";
  double carbon_g_per_kwh = 0;  // node-b's own intensity is a tenth of it
};

inline StudyResults synthetic_study(const SyntheticOptions& o) {
  StudyResults r;
  r.meta.study = "synthetic";
  r.meta.spec_file = "synthetic.toml";
  r.meta.program_version = "joulegrid test";
  r.meta.status = "complete";
  r.meta.created_utc = r.meta.updated_utc = "2026-11-23T00:00:00Z";
  r.meta.carbon_g_per_kwh = o.carbon_g_per_kwh;
  if (o.carbon_g_per_kwh > 0) r.meta.carbon_nodes = "node-b=" + std::to_string(o.carbon_g_per_kwh / 10) + "\n";
  for (int n = 0; n < 2; ++n) {
    NodeRecord node;
    node.name = n == 0 ? "node-a" : "node-b";
    node.leader_rank = n + 1;
    node.devices = n == 0 ? "fake GPU A" : "fake GPU B";
    node.energy_method = o.method;
    node.idle_w = 10.0 * (n + 1);
    node.idle_s = 5.0;  // it measured its idle power: it has a net energy
    node.calibration_steps = 100;
    node.calibration_j = 100.0 * (n + 1);
    node.calibration_s = 2.0;
    r.nodes.push_back(node);
  }
  const char* archs[] = {"lenet", "bcnn"};
  int index = 0;
  for (const char* arch : archs)
    for (int size = 1; size <= o.sizes; ++size)
      for (int c = 0; c < o.criteria; ++c)
        for (int fold = 0; fold < o.folds; ++fold)
          for (int repeat = 0; repeat < o.repeats; ++repeat) {
            CellRow cell;
            cell.index = index;
            cell.id = std::string(arch) + "-" + std::to_string(size) + "-c" + std::to_string(c) + "-f" +
                      std::to_string(fold) + "-r" + std::to_string(repeat);
            cell.architecture = arch;
            cell.size = size;
            cell.criterion = c == 0 ? "epochs" + std::to_string(o.epochs) : "criterion" + std::to_string(c);
            cell.criterion_kind = c == 0 ? "epochs" : "accuracy";
            cell.epoch_cap = o.epochs;
            cell.fold = fold;
            cell.repeat = repeat;
            cell.batch_size = 256;
            cell.learning_rate = 0.001;
            cell.optimizer = "adam";
            cell.dataset = "fashion-mnist";
            cell.attempts = 1;
            RunResult run;
            run.cell_id = cell.id;
            run.cell_index = index;
            run.attempt = 1;
            run.settles_cell = true;
            run.node = index % 2 ? "node-b" : "node-a";
            run.rank = index % 2 + 1;
            run.energy_method = o.method;
            run.parameters = (std::string(arch) == "lenet" ? 60000 : 120000) * size;
            run.flops_per_sample = 400000 * size;
            run.input_elements = 784;
            const bool fails = index == 5;
            cell.status = run.status = fails ? "failed" : "done";
            run.stop_reason = fails ? "failed" : "criterion_met";
            run.failure = fails ? "nonfinite_loss" : "";
            run.detail = fails ? "NaN loss at epoch 2 batch 7" : "";
            const double joules_per_epoch = (std::string(arch) == "lenet" ? 50.0 : 100.0) * size *
                                            (1.0 + 0.1 * fold + 0.05 * repeat) * (run.node == "node-b" ? 2.0 : 1.0);
            double cumulative = 0;
            const int epochs = fails ? 1 : o.epochs - (c == 0 ? 0 : 1);
            for (int e = 1; e <= epochs; ++e) {
              EpochRecord rec;
              rec.epoch = e;
              rec.batches = 200;
              rec.train_samples = 200 * 256;
              rec.eval_samples = 10000;
              rec.train_acc = 0.6 + 0.08 * e;
              rec.test_acc = 0.55 + 0.07 * e + 0.01 * size;
              rec.train_s = 1.0 * size;
              rec.eval_s = 0.1 * size;
              rec.train_energy.joules = 0.9 * joules_per_epoch;
              rec.eval_energy.joules = 0.1 * joules_per_epoch;
              rec.train_energy.net_joules = 0.7 * joules_per_epoch;
              rec.eval_energy.net_joules = 0.08 * joules_per_epoch;
              rec.train_energy.method = rec.eval_energy.method = o.method;
              rec.train_energy.gpu_util = 40.0 + 15.0 * size;  // bigger models keep the GPU busier
              rec.eval_energy.gpu_util = 25.0;
              rec.train_energy.cpu_util = rec.eval_energy.cpu_util = 12.5;
              cumulative += joules_per_epoch;
              rec.cumulative_j = cumulative;
              rec.efficiency = rec.test_acc / cumulative;
              run.epoch_records.push_back(rec);
            }
            run.epochs = epochs;
            run.test_acc = run.epoch_records.back().test_acc;
            run.train_acc = run.epoch_records.back().train_acc;
            run.energy_j = cumulative;
            run.efficiency = run.test_acc / cumulative;
            run.seconds = 1.1 * size * epochs;
            std::tie(run.gpu_util, run.cpu_util) = run_utilisation(run.epoch_records);
            r.cells.push_back(cell);
            r.runs.push_back(run);
            ++index;
          }
  r.meta.grid_hash = grid_hash(r.cells);
  return r;
}

}  // namespace joulegrid::testing
