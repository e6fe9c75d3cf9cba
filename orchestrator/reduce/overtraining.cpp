#include "orchestrator/reduce/overtraining.hpp"

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

namespace reduction {

std::vector<OvertrainingRow> overtraining(const std::vector<Measured>& done) {
  std::vector<OvertrainingRow> out;
  for (const Measured& x : done) {
    if (x.cell->criterion_kind != CriterionKindValue::epochs || x.run->epoch_records.size() < 2) continue;
    const auto& recs = x.run->epoch_records;
    const EpochRecord& b = recs.back();
    const EpochRecord& a = recs[static_cast<size_t>(b.epoch / 2) - 1];
    OvertrainingRow o = overtraining_verdict(a.train_acc, a.test_acc, b.train_acc, b.test_acc);
    o.dataset = x.cell->dataset;
    o.architecture = x.cell->architecture;
    o.criterion = x.cell->criterion;
    o.cell_id = x.cell->id;
    o.size = x.cell->size;
    o.fold = x.cell->fold;
    o.epoch_a = a.epoch;
    o.epoch_b = b.epoch;
    out.push_back(o);
  }
  return out;
}

}  // namespace reduction

}  // namespace joulegrid
