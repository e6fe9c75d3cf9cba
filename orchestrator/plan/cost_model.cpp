#include "orchestrator/plan/cost_model.hpp"

#include "orchestrator/plan/plan.hpp"

namespace joulegrid {

std::string CostModel::model_key(const CellSpec& c) {
  return c.data.name + "/" + c.architecture + "-" + std::to_string(c.size) + "/b" + std::to_string(c.batch_size);
}

void CostModel::observe_epoch(const CellSpec& cell, double seconds) {
  Mean& m = epoch_seconds_[model_key(cell)];
  m.sum += seconds;
  m.n += 1;
  const int cap = std::max(1, cell.criterion.epoch_cap());
  measured_seconds_ += seconds;
  measured_units_ += predicted_cost(cell) / cap;
}

double CostModel::expected_seconds(const CellSpec& cell) const {
  const int cap = std::max(1, cell.criterion.epoch_cap());
  if (auto it = epoch_seconds_.find(model_key(cell)); it != epoch_seconds_.end())
    return it->second.sum / it->second.n * cap;
  if (auto it = prior_.find(cell.id); it != prior_.end()) return it->second;
  if (measured_units_ > 0) return predicted_cost(cell) * measured_seconds_ / measured_units_;
  return predicted_cost(cell);
}

}  // namespace joulegrid
