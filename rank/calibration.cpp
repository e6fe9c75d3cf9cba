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
  c.criterion.epochs = options.warmup + 1;  // the warm-up, then the measured run, in one child
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

Calibration calibrate_node(CellEnergy& energy, const CalibrationOptions& options, const TrainOptions& train,
                           const CellRunOptions& run_options, const std::string& card) {
  Calibration cal;
  cal.steps = options.steps;
  cal.method = energy.method().str();
  // Each repetition is a child of its own that warms up first: repetitions
  // in one process share its warm caches, allocator and clocks, and their
  // spread would understate how much two runs of the workload differ.
  const CellSpec workload = calibration_cell(options, train);
  const size_t expected = static_cast<size_t>(options.warmup) + 1;
  for (int repetition = 1; repetition <= options.repetitions; ++repetition) {
    const RunResult r = run_cell(workload, energy, {}, run_options);
    if (r.status != StatusValue::done || r.epoch_records.size() != expected) {
      cal.problem = "the calibration workload failed (repetition " + std::to_string(repetition) + "): " +
                    r.failure + ": " + r.detail;
      return cal;
    }
    const EpochRecord& e = r.epoch_records.back();
    const bool on_gpu = r.device.rfind("cuda", 0) == 0 || r.device.rfind("hip", 0) == 0;
    cal.runs.push_back({repetition, e.train_energy.joules, e.train_energy.net_joules, e.train_s, on_gpu ? card : ""});
  }
  cal.ok = !cal.runs.empty();
  cal.joules = calibration_median(cal.runs, &CalibrationRun::joules);
  cal.net_joules = calibration_median(cal.runs, &CalibrationRun::net_joules);
  cal.seconds = calibration_median(cal.runs, &CalibrationRun::seconds);
  return cal;
}

}  // namespace joulegrid
