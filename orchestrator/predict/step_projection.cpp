#include "orchestrator/predict/step_projection.hpp"

#include <algorithm>

namespace joulegrid {

std::optional<StepProjection> StepProjector::add(double joules, double seconds, int planned_epochs) {
  joules_.push_back(joules);
  seconds_.push_back(seconds);
  const size_t warmup = static_cast<size_t>(std::max(0, options_.stable_from - 1));
  const size_t window = static_cast<size_t>(std::max(1, options_.window));
  if (joules_.size() != warmup + window) return std::nullopt;
  StepProjection p;
  p.at_epoch = static_cast<int>(joules_.size());
  p.planned_epochs = std::max(planned_epochs, p.at_epoch);
  double rate_j = 0, rate_s = 0;
  for (size_t i = 0; i < joules_.size(); ++i) {
    if (i < warmup) {
      p.energy_j += joules_[i];
      p.seconds += seconds_[i];
    } else {
      rate_j += joules_[i] / static_cast<double>(window);
      rate_s += seconds_[i] / static_cast<double>(window);
    }
  }
  const double stable_epochs = static_cast<double>(p.planned_epochs) - static_cast<double>(warmup);
  p.energy_j += rate_j * stable_epochs;
  p.seconds += rate_s * stable_epochs;
  return p;
}

}  // namespace joulegrid
