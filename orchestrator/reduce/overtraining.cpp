#include "orchestrator/reduce/overtraining.hpp"

#include <algorithm>
#include <cmath>

namespace joulegrid {

OvertrainingRow overtraining_verdict(double train_a, double test_a, double train_b, double test_b) {
  OvertrainingRow r;
  r.train_a = train_a;
  r.test_a = test_a;
  r.train_b = train_b;
  r.test_b = test_b;
  r.gain_a = test_b - test_a;
  r.gap_growth_b = (train_b - test_b) - (train_a - test_a);
  r.overtrained = r.gain_a < 0.005 || r.gap_growth_b >= r.gain_a / 2;
  return r;
}

std::optional<OvertrainingRow> overtraining_of(const std::vector<EpochRecord>& recs, int a_epoch, int b_epoch,
                                               int classes) {
  if (recs.size() < 2) return std::nullopt;
  const int b_at = b_epoch > 0 ? b_epoch : recs.back().epoch;
  const int a_at = b_epoch > 0 ? a_epoch : b_at / 2;
  if (a_at < 1 || a_at >= b_at || static_cast<size_t>(b_at) > recs.size()) return std::nullopt;
  const EpochRecord& a = recs[static_cast<size_t>(a_at) - 1];
  const EpochRecord& b = recs[static_cast<size_t>(b_at) - 1];
  OvertrainingRow o = overtraining_verdict(training_accuracy(a), a.test_acc, training_accuracy(b), b.test_acc);
  o.epoch_a = a.epoch;
  o.epoch_b = b.epoch;
  o.train_accuracy = std::isfinite(a.train_eval_acc) && std::isfinite(b.train_eval_acc) ? "evaluation" : "running";
  if (classes > 1) {
    double best = 0;
    for (size_t i = 0; i < static_cast<size_t>(b_at); ++i) best = std::max(best, recs[i].test_acc);
    o.learned = best > 1.0 / classes + kChanceMargin;
    if (!o.learned) o.overtrained = false;
  }
  return o;
}

namespace reduction {

std::vector<OvertrainingRow> overtraining(const std::vector<Measured>& done, const StudyMeta& meta) {
  std::vector<OvertrainingRow> out;
  for (const Measured& x : done) {
    if (x.cell->criterion_kind != CriterionKindValue::epochs) continue;
    const auto row = overtraining_of(x.run->epoch_records, meta.overtraining_a, meta.overtraining_b, x.cell->classes);
    if (!row) continue;
    OvertrainingRow o = *row;
    o.dataset = x.cell->dataset;
    o.architecture = x.cell->architecture;
    o.kind = model_kind(*x.cell);
    o.criterion = x.cell->criterion;
    o.cell_id = x.cell->id;
    o.size = x.cell->size;
    o.fold = x.cell->fold;
    out.push_back(o);
  }
  return out;
}

}  // namespace reduction

}  // namespace joulegrid
