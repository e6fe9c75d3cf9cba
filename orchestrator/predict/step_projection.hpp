#pragma once
// STEP (arXiv 2307.05520): a cell's total energy and time projected from its
// first stable epochs. The epochs before `stable_from` are a warm-up (data
// placement, allocator, caches) and count as measured; the mean of the next
// `window` epochs is the steady rate; the rest of the planned epochs (the
// criterion's cap: exact for a fixed number of epochs, an upper bound for
// the others) are projected at that rate. The projection is made once, when
// the window is full, so its error can be judged against what followed.

#include <optional>
#include <vector>

namespace joulegrid {

struct StepOptions {
  int stable_from = 2;  // the first stable epoch (1-based)
  int window = 2;       // stable epochs averaged
};

struct StepProjection {
  double energy_j = 0;
  double seconds = 0;
  int at_epoch = 0;       // the epoch after which it was made
  int planned_epochs = 0;
};

class StepProjector {
 public:
  explicit StepProjector(StepOptions options = {}) : options_(options) {}
  // One finished epoch: its joules and seconds. Returns the projection on the
  // epoch that fills the window, and nothing on every other.
  std::optional<StepProjection> add(double joules, double seconds, int planned_epochs);

 private:
  StepOptions options_;
  std::vector<double> joules_, seconds_;
};

}  // namespace joulegrid
