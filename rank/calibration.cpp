#include "rank/calibration.hpp"

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
  c.criterion.epochs = 1;
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

}  // namespace

Calibration calibrate_node(CellEnergy& energy, const CalibrationOptions& options, const TrainOptions& train) {
  Calibration cal;
  cal.steps = options.steps;
  cal.method = energy.method().str();
  const RunResult r = run_cell(calibration_cell(options, train), energy);
  if (r.status != StatusValue::done || r.epoch_records.empty()) {
    cal.problem = "the calibration workload failed: " + r.failure + ": " + r.detail;
    return cal;
  }
  const EpochRecord& e = r.epoch_records.front();
  cal.ok = true;
  cal.joules = e.train_energy.joules;
  cal.net_joules = e.train_energy.net_joules;
  cal.seconds = e.train_s;
  return cal;
}

}  // namespace joulegrid
