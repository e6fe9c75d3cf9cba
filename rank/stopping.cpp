#include "rank/stopping.hpp"

#include <sstream>

namespace joulegrid {

namespace {

std::string fmt(double v, int precision = 4) {
  std::ostringstream s;
  s.precision(precision);
  s << v;
  return s.str();
}

StopDecision stop_because(const std::string& detail) {
  return StopDecision{true, stop_reason::criterion_met, detail};
}

class FixedEpochs : public StoppingCriterion {
 public:
  using StoppingCriterion::StoppingCriterion;
  StopDecision met(const EpochRecord& e, double) override {
    if (e.epoch >= spec_.epochs) return stop_because(std::to_string(spec_.epochs) + " epochs trained");
    return {};
  }
};

class AccuracyBound : public StoppingCriterion {
 public:
  using StoppingCriterion::StoppingCriterion;
  StopDecision met(const EpochRecord& e, double) override {
    const double acc = accuracy_on(e);
    if (acc >= spec_.target)
      return stop_because(spec_.split + " accuracy " + fmt(acc) + " >= target " + fmt(spec_.target));
    return {};
  }
};

class EarlyStopping : public StoppingCriterion {
 public:
  using StoppingCriterion::StoppingCriterion;
  StopDecision met(const EpochRecord& e, double) override {
    const double acc = accuracy_on(e);
    if (e.epoch == 1 || acc > best_ + spec_.min_delta) {
      best_ = acc;
      best_epoch_ = e.epoch;
      waited_ = 0;
      return {};
    }
    if (++waited_ >= spec_.patience)
      return stop_because("no " + spec_.split + " accuracy gain above " + fmt(spec_.min_delta) +
                          " for " + std::to_string(spec_.patience) + " epochs (best " + fmt(best_) +
                          " at epoch " + std::to_string(best_epoch_) + ")");
    return {};
  }

 private:
  double best_ = 0.0;
  int best_epoch_ = 0;
  int waited_ = 0;
};

class EnergyBudget : public StoppingCriterion {
 public:
  using StoppingCriterion::StoppingCriterion;
  StopDecision met(const EpochRecord& e, double cumulative_j) override {
    if (cumulative_j >= spec_.budget_j || e.partial)
      return stop_because(fmt(cumulative_j, 6) + " J spent of a " + fmt(spec_.budget_j, 6) +
                          " J budget (checked per " + spec_.check + ")");
    return {};
  }
  bool budget_spent(double cumulative_j) const override {
    return spec_.check == "batch" && cumulative_j >= spec_.budget_j;
  }
  bool checks_batches() const override { return spec_.check == "batch"; }
};

}  // namespace

double StoppingCriterion::accuracy_on(const EpochRecord& e) const {
  if (spec_.split == "train") return training_accuracy(e);
  if (spec_.split == "test") return e.test_acc;
  return e.val_acc;
}

StopDecision StoppingCriterion::after_epoch(const EpochRecord& e, double cumulative_j) {
  StopDecision d = met(e, cumulative_j);
  if (d.stop) return d;
  const int cap = spec_.epoch_cap();
  if (cap > 0 && e.epoch >= cap)
    return StopDecision{true, stop_reason::cap_reached,
                        "cap of " + std::to_string(cap) + " epochs reached before the " +
                            spec_.kind + " criterion was met"};
  return {};
}

std::unique_ptr<StoppingCriterion> StoppingCriterion::make(const CriterionSpec& spec) {
  switch (spec.kind.value()) {
    case CriterionKindValue::epochs: return std::unique_ptr<StoppingCriterion>(new FixedEpochs(spec));
    case CriterionKindValue::accuracy: return std::unique_ptr<StoppingCriterion>(new AccuracyBound(spec));
    case CriterionKindValue::early_stopping: return std::unique_ptr<StoppingCriterion>(new EarlyStopping(spec));
    case CriterionKindValue::energy: return std::unique_ptr<StoppingCriterion>(new EnergyBudget(spec));
  }
  throw InternalError("unknown stopping criterion kind '" + spec.kind + "'");
}

}  // namespace joulegrid
