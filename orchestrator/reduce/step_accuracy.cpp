#include "orchestrator/reduce/step_accuracy.hpp"

#include <cmath>
#include <map>

namespace joulegrid::reduction {

std::vector<StepAccuracyRow> step_accuracy(const std::vector<Measured>& done) {
  std::vector<StepAccuracyRow> out;
  std::map<std::string, std::vector<const Measured*>> by_arch;
  std::vector<const Measured*> all;
  for (const auto& m : done)
    // Only projections that extrapolated: one made at the cap is a measurement.
    if (m.run->step_epoch > 0 && m.run->step_epoch < m.run->epochs && m.run->epochs == m.cell->epoch_cap &&
        m.run->energy_j > 0) {
      by_arch[m.cell->architecture].push_back(&m);
      all.push_back(&m);
    }
  if (all.empty()) return out;
  auto row = [](const std::string& name, const std::vector<const Measured*>& runs) {
    StepAccuracyRow r{name, name == "all" ? "-" : model_kind(*runs.front()->cell), static_cast<int>(runs.size())};
    std::vector<double> e, s, at;
    for (const Measured* m : runs) {
      double seconds = 0;
      for (const auto& ep : m->run->epoch_records) seconds += ep.train_s + ep.eval_s;
      e.push_back(std::abs(m->run->step_projected_j - m->run->energy_j) / m->run->energy_j);
      if (seconds > 0) s.push_back(std::abs(m->run->step_projected_s - seconds) / seconds);
      at.push_back(m->run->step_epoch);
    }
    r.energy_error = mean_of(e);
    r.seconds_error = mean_of(s);
    r.mean_at_epoch = mean_of(at);
    return r;
  };
  out.push_back(row("all", all));
  for (const auto& [arch, runs] : by_arch) out.push_back(row(arch, runs));
  return out;
}

}  // namespace joulegrid::reduction
