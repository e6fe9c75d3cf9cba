#pragma once
// Stopping criteria (the paper's four), evaluated by the worker — never by the
// child — after every epoch, with the cumulative energy and the accuracies.

#include <memory>
#include <string>

#include "io/records/cell.hpp"

namespace joulegrid {

struct StopDecision {
  bool stop = false;
  StopReason reason;   // criterion_met | cap_reached
  std::string detail;  // "validation accuracy 0.912 >= target 0.9"
};

class StoppingCriterion {
 public:
  virtual ~StoppingCriterion() = default;
  // After epoch `e` with `cumulative_j` joules spent on training so far.
  StopDecision after_epoch(const EpochRecord& e, double cumulative_j);
  // For an energy budget checked per batch: true once the budget is spent.
  virtual bool budget_spent(double /*cumulative_j*/) const { return false; }
  virtual bool checks_batches() const { return false; }

  static std::unique_ptr<StoppingCriterion> make(const CriterionSpec& spec);

 protected:
  explicit StoppingCriterion(const CriterionSpec& spec) : spec_(spec) {}
  // The criterion's own test; the cap is checked by after_epoch.
  virtual StopDecision met(const EpochRecord& e, double cumulative_j) = 0;
  double accuracy_on(const EpochRecord& e) const;

  CriterionSpec spec_;
};

}  // namespace joulegrid
