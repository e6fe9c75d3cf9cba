#include "rank/calibration.hpp"

#include <algorithm>

#include "rank/cell_runner.hpp"

namespace joulegrid {

namespace {

constexpr int kCalibrationBatch = 256;

CellSpec calibration_cell(const CalibrationOptions& options, const TrainOptions& train) {
  CellSpec c;
  c.id = "calibration";
  c.study = "calibration";
  c.architecture = "lenet";
  c.size = 1;
  c.criterion.kind = CriterionKindValue::epochs;
  c.criterion.name = "calibration";
  c.criterion.epochs = options.warmup + options.repetitions;  // an epoch a run of the workload
  c.batch_size = kCalibrationBatch;
  c.learning_rate = 0.001;
  c.optimizer = "adam";
  c.seed = c.data_seed = 0xca11b;
  c.data.format = "synthetic";
  c.data.path = "synthetic";
  c.data.name = "synthetic";
  c.data.classes = 10;
  c.data.subset_train = static_cast<int64_t>(options.steps) * kCalibrationBatch;
  c.data.subset_test = kCalibrationBatch;
  c.data.normalization.preset = "none";
  c.train.device = train.device;
  c.train.threads = train.threads;
  return c;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

Calibration calibrate_node(CellEnergy& energy, const CalibrationOptions& options, const TrainOptions& train,
                           const CellRunOptions& run_options) {
  Calibration cal;
  cal.steps = options.steps;
  cal.method = energy.method().str();
  const RunResult r = run_cell(calibration_cell(options, train), energy, {}, run_options);
  const size_t expected = static_cast<size_t>(options.warmup + options.repetitions);
  if (r.status != StatusValue::done || r.epoch_records.size() != expected) {
    cal.problem = "the calibration workload failed: " + r.failure + ": " + r.detail;
    return cal;
  }
  std::vector<double> joules, net, seconds;
  for (size_t i = static_cast<size_t>(options.warmup); i < r.epoch_records.size(); ++i) {
    const EpochRecord& e = r.epoch_records[i];
    cal.runs.push_back({static_cast<int>(cal.runs.size()) + 1, e.train_energy.joules, e.train_energy.net_joules, e.train_s});
    joules.push_back(e.train_energy.joules);
    net.push_back(e.train_energy.net_joules);
    seconds.push_back(e.train_s);
  }
  cal.ok = true;
  cal.joules = median(joules);
  cal.net_joules = median(net);
  cal.seconds = median(seconds);
  return cal;
}

}  // namespace joulegrid
