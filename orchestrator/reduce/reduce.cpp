#include "orchestrator/reduce/reduce.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "io/store/reduced_tables.hpp"
#include "orchestrator/reduce/baseline.hpp"
#include "orchestrator/reduce/emissions.hpp"
#include "orchestrator/reduce/figure_data.hpp"
#include "orchestrator/reduce/normalisation.hpp"
#include "orchestrator/reduce/quantities.hpp"
#include "orchestrator/reduce/setups.hpp"
#include "orchestrator/reduce/step_accuracy.hpp"

namespace joulegrid {

namespace {

using reduction::Measured;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

StudySummary study_summary(const StudyResults& r) {
  StudySummary s;
  s.name = r.meta.study;
  s.status = r.meta.status;
  s.job_ids = r.meta.job_ids;
  s.merged_from = r.meta.sources;
  std::istringstream lines(r.meta.sources);
  for (std::string line; std::getline(lines, line);) s.sources.push_back(line);
  s.spec_file = r.meta.spec_file;
  s.created_utc = r.meta.created_utc;
  s.updated_utc = r.meta.updated_utc;
  s.program_version = r.meta.program_version;
  s.cells = static_cast<int>(r.cells.size());
  for (const auto& c : r.cells) {
    if (c.status == StatusValue::done) ++s.done;
    else if (c.status == StatusValue::failed) ++s.failed;
    else ++s.pending;
    if (!c.model.empty() && std::find(s.imported_models.begin(), s.imported_models.end(), c.architecture) ==
                                s.imported_models.end())
      s.imported_models.push_back(c.architecture);
  }
  return s;
}

// The settled, finished runs, in grid order (and replica order within a
// cell), with their energy on the basis and normalised by their node.
std::vector<Measured> measured_runs(const StudyResults& results, const std::vector<NodeRow>& nodes, EnergyBasis basis,
                                    const std::map<std::string, std::vector<const RunResult*>>& settled,
                                    const std::set<const RunResult*>& on_shared_cards) {
  std::map<std::string, double> factor;
  std::map<std::string, bool> reliable;
  for (const auto& n : nodes) {
    factor[n.node.key()] = n.factor;  // each run by the measurement in force when it ran
    reliable[n.node.key()] = n.net_reliable;
  }
  std::vector<Measured> done;
  for (const auto& c : results.cells) {
    auto it = settled.find(c.id);
    if (it == settled.end()) continue;
    for (const RunResult* r : it->second) {
      if (r->status != StatusValue::done) continue;
      const double e = reduction::run_joules(*r, basis);
      reduction::EnergyParts parts = reduction::energy_by_node(*r, basis);
      const auto [train_ps, eval_ps] = reduction::joules_per_sample(*r, basis);
      bool net_reliable = true;
      for (const auto& part : parts)
        if (const auto ok = reliable.find(part.first); ok != reliable.end()) net_reliable = net_reliable && ok->second;
      const double normalised = reduction::normalised_joules(parts, factor);
      done.push_back({&c, r, e, normalised, train_ps, eval_ps, net_reliable, std::move(parts),
                      r->gpu_shared || on_shared_cards.count(r) > 0});
    }
  }
  return done;
}

// Every cell of the grid: one row per replica that settled it, or one
// without a run while it is pending.
std::vector<CellResult> cell_results(const StudyResults& results, const std::vector<NodeRow>& nodes, EnergyBasis basis,
                                     const std::map<std::string, std::vector<const RunResult*>>& settled,
                                     const std::vector<Measured>& done,
                                     const std::set<const RunResult*>& on_shared_cards) {
  std::map<const RunResult*, const Measured*> measured_by_run;
  for (const auto& m : done) measured_by_run[m.run] = &m;
  std::vector<CellResult> out;
  for (const auto& c : results.cells) {
    CellResult cr;
    cr.id = c.id;
    cr.index = c.index;
    cr.dataset = c.dataset;
    cr.architecture = c.architecture;
    cr.kind = reduction::model_kind(c);
    cr.criterion = c.criterion;
    cr.size = c.size;
    cr.fold = c.fold;
    cr.repeat = c.repeat;
    cr.status = c.status;
    cr.attempts = c.attempts;
    cr.role = c.role;
    cr.selection = c.selection;
    cr.energy_basis = basis;
    auto it = settled.find(c.id);
    if (it == settled.end()) {
      out.push_back(cr);
      continue;
    }
    for (const RunResult* r : it->second) {
      CellResult row = cr;
      if (it->second.size() > 1) row.status = r->status;
      row.run = r;
      row.stop_reason = r->stop_reason;
      row.epochs = r->epochs;
      row.accuracy = r->test_acc;
      row.energy_method = r->energy_method;
      row.node = r->node;
      row.failure = r->failure;
      row.detail = r->detail;
      row.gpu_util = r->gpu_util;
      row.cpu_util = r->cpu_util;
      row.gpu = r->gpu;
      row.gpu_shared = r->gpu_shared || on_shared_cards.count(r) > 0;
      row.gpu_unmetered = r->gpu_unmetered;
      for (const auto& g : r->segments)
        row.segments += (row.segments.empty() ? "" : ", ") + g.node_key() + " epochs " + std::to_string(g.first_epoch) +
                        "-" + std::to_string(g.first_epoch + g.epochs - 1);
      for (const auto& n : nodes)
        if (n.node.key() == r->node_key()) row.net_reliable = n.net_reliable;
      if (auto m = measured_by_run.find(r); m != measured_by_run.end()) {
        row.energy_j = m->second->energy_j;
        row.energy_norm_j = m->second->energy_norm_j;
        row.efficiency = row.energy_j > 0 ? row.accuracy / row.energy_j : kNaN;
        row.efficiency_norm = row.energy_norm_j > 0 ? row.accuracy / row.energy_norm_j : kNaN;
        row.train_j_per_sample = m->second->train_j_per_sample;
        row.eval_j_per_sample = m->second->eval_j_per_sample;
      }
      out.push_back(row);
    }
  }
  return out;
}

// Comparisons and figures use normalised energy where every architecture has it.
bool compares_normalised(const std::vector<ArchitectureRow>& architectures) {
  bool normalised = !architectures.empty();
  for (const auto& a : architectures) normalised = normalised && std::isfinite(a.efficiency_norm);
  return normalised;
}

}  // namespace

// Each step is a function of what it reads and returns what it adds, so
// the order below is the order the figures depend on each other.
Reduction reduce(const StudyResults& results, const std::string& energy_choice) {
  Reduction red;
  red.energy = energy_choice.empty() ? results.meta.report_energy : EnergyBasis(energy_choice);
  red.study = study_summary(results);
  reduction::Normalisation norm = reduction::normalisation(results, red.energy);
  norm.nodes = reduction::judge_net_energy(results, std::move(norm.nodes));
  red.nodes = norm.nodes;
  red.reference = norm.reference;
  red.reference_node = norm.reference_node;
  red.reference_j = norm.reference_j;

  const auto settled = results.settled();
  const std::set<const RunResult*> on_shared_cards = reduction::shared_card_runs(results);
  const std::vector<Measured> done = measured_runs(results, red.nodes, red.energy, settled, on_shared_cards);
  for (const auto& m : done) {
    red.energy_method = weakest_method(red.energy_method, m.run->energy_method);
    red.study.gpu_shared_runs += m.gpu_shared;
    red.study.gpu_unmetered_runs += m.run->gpu_unmetered;
    red.study.segmented_runs += m.run->segments.size() > 1;
  }
  red.cells = cell_results(results, red.nodes, red.energy, settled, done, on_shared_cards);

  const reduction::GridShape grid(results);
  red.models = reduction::models_of(done);
  red.criteria = grid.marked(efficiency_by_criterion(red.models));
  red.architectures = grid.marked(efficiency_by_architecture(red.criteria), red.criteria);
  red.ratios = efficiency_ratios(red.architectures);
  red.by_node = reduction::by_node(done, results, grid);
  red.compare_normalised = compares_normalised(red.architectures);
  red.overtraining = reduction::overtraining(done, results.meta);
  reduction::Statistics stats = reduction::intervals_and_comparisons(done, red.architectures, norm);
  red.resamples = stats.resamples;
  red.intervals = std::move(stats.intervals);
  red.comparisons = std::move(stats.comparisons);
  red.step = reduction::step_accuracy(done);
  red.setups = reduction::setups(done, results);
  red.finetune = reduction::finetuning(done, results);
  reduction::Emissions carbon = reduction::emissions(results);
  red.emissions = std::move(carbon.rows);
  red.emissions_g = carbon.grams;

  red.grid = reduction::grid_axes(results);
  red.eq2 = reduction::eq2_figures(done, red.energy);
  reduction::RunPoints points = reduction::run_points(done);
  red.runs = std::move(points.runs);
  red.utilisation_device = std::move(points.utilisation_device);
  red.phases = reduction::phases(done, red.energy);
  red.node_energy = reduction::node_energy(red.cells, results);
  return red;
}

Reduction reduce_for_file(const StudyResults& results) { return reduce(results); }

}  // namespace joulegrid
