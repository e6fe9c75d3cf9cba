#pragma once
// Cells for tests: tiny synthetic IDX data, seeds fixed.

#include <string>

#include "io/records/cell.hpp"
#include "rank/cell_energy.hpp"

namespace joulegrid::testing {

inline CellSpec tiny_cell(const std::string& data_dir, const std::string& arch,
                          const CriterionSpec& criterion, int batch_size = 16) {
  CellSpec c;
  c.study = "test";
  c.architecture = arch;
  c.size = 1;
  c.criterion = criterion;
  c.batch_size = batch_size;
  c.learning_rate = 0.003;
  c.data_seed = 1;
  c.seed = 12345;
  c.data.path = data_dir;
  c.data.name = "fake";
  c.data.normalization.preset = "dataset";  // centred inputs: learns in a few steps
  c.train.threads = 1;
  c.train.eval_batch_size = 256;
  c.id = cell_id(c);
  return c;
}

inline CriterionSpec criterion(const std::string& kind) {
  CriterionSpec c;
  c.kind = kind;
  c.name = kind;
  c.max_epochs = 6;
  c.split = "validation";
  return c;
}

// Each reading advances by a fixed step: energy that tests can predict exactly.
class ScriptedEnergy : public CellEnergy {
 public:
  explicit ScriptedEnergy(double joules_per_reading) : step_(joules_per_reading) {}
  EnergyTotals now() override {
    EnergyTotals t;
    t.cell_j = t.node_j = t.cpu_j = step_ * static_cast<double>(++readings_);
    return t;
  }
  EnergyMethod method() const override { return EnergyMethodValue::placeholder; }
  std::string describe() const override { return "scripted"; }
  long readings() const { return readings_; }

 private:
  double step_;
  long readings_ = 0;
};

}  // namespace joulegrid::testing
