#include "orchestrator/reduce/efficiency.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

namespace joulegrid {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The mean raw and normalised efficiency of a group of rows.
template <class Row>
std::pair<double, double> mean_efficiencies(const std::vector<const Row*>& group) {
  std::vector<double> eff, norm;
  for (const Row* r : group) {
    eff.push_back(r->efficiency);
    norm.push_back(r->efficiency_norm);
  }
  return {reduction::mean_of(eff), reduction::mean_of(norm)};
}

}  // namespace

std::vector<CriterionRow> efficiency_by_criterion(const std::vector<ModelRow>& models) {
  std::vector<CriterionRow> out;
  for (const auto& g : reduction::group_by(models, [](const ModelRow& m) {
         return reduction::key({m.dataset, m.architecture, m.criterion, m.setup});
       })) {
    CriterionRow row;
    row.dataset = g.front()->dataset;
    row.architecture = g.front()->architecture;
    row.kind = g.front()->kind;
    row.criterion = g.front()->criterion;
    row.setup = g.front()->setup;
    row.sizes = static_cast<int>(g.size());
    for (const ModelRow* m : g) {
      row.runs += m->runs;
      row.met += m->met;
      row.doubts.add(doubts_of(*m));
    }
    std::tie(row.efficiency, row.efficiency_norm) = mean_efficiencies(g);
    out.push_back(row);
  }
  return out;
}

std::vector<ArchitectureRow> efficiency_by_architecture(const std::vector<CriterionRow>& criteria) {
  std::vector<ArchitectureRow> out;
  for (const auto& g : reduction::group_by(criteria, [](const CriterionRow& c) {
         return reduction::key({c.dataset, c.architecture, c.setup});
       })) {
    ArchitectureRow row;
    row.dataset = g.front()->dataset;
    row.architecture = g.front()->architecture;
    row.kind = g.front()->kind;
    row.setup = g.front()->setup;
    row.criteria = static_cast<int>(g.size());
    for (const CriterionRow* c : g) {
      row.complete = row.complete && c->complete();
      row.doubts.add(c->doubts);
    }
    std::tie(row.efficiency, row.efficiency_norm) = mean_efficiencies(g);
    out.push_back(row);
  }
  return out;
}

std::vector<RatioRow> efficiency_ratios(const std::vector<ArchitectureRow>& archs) {
  std::vector<RatioRow> out;
  auto pairs = [&](const std::string& kind, auto within_key, auto member) {
    for (const auto& g : reduction::group_by(archs, within_key)) {
      for (size_t i = 0; i < g.size(); ++i)
        for (size_t j = i + 1; j < g.size(); ++j) {
          const ArchitectureRow* a = g[i];
          const ArchitectureRow* b = g[j];
          if (a->efficiency < b->efficiency) std::swap(a, b);
          RatioRow r;
          r.kind = kind;
          r.within = kind == "architecture" ? a->dataset : a->architecture;
          if (!a->setup.empty()) r.within += " (" + a->setup + ")";
          r.numerator = member(*a);
          r.denominator = member(*b);
          r.ratio = a->efficiency / b->efficiency;
          r.ratio_norm = a->efficiency_norm / b->efficiency_norm;
          r.complete = a->complete && b->complete;
          r.doubts.add(a->doubts);
          r.doubts.add(b->doubts);
          out.push_back(r);
        }
    }
  };
  pairs("architecture", [](const ArchitectureRow& a) { return reduction::key({a.dataset, a.setup}); },
        [](const ArchitectureRow& a) { return a.architecture; });
  pairs("dataset", [](const ArchitectureRow& a) { return reduction::key({a.architecture, a.setup}); },
        [](const ArchitectureRow& a) { return a.dataset; });
  return out;
}

namespace reduction {

std::vector<ModelRow> models_of(const std::vector<Measured>& done) {
  std::vector<ModelRow> models;
  for (const auto& g : group_by(done, [](const Measured& m) {
         const CellRow& c = *m.cell;
         return key({c.dataset, c.architecture, std::to_string(c.size), c.criterion, setup_label(c)});
       })) {
    const CellRow& c = *g.front()->cell;
    ModelRow m;
    m.dataset = c.dataset;
    m.architecture = c.architecture;
    m.kind = model_kind(c);
    m.criterion = c.criterion;
    m.setup = setup_label(c);
    m.size = c.size;
    std::vector<double> epochs, acc, e, en, train_ps, eval_ps, gpu, cpu;
    std::set<std::string> inits;
    for (const Measured* x : g) {
      inits.insert(x->run->init.empty() ? "-" : x->run->init);
      gpu.push_back(x->run->gpu_util);
      cpu.push_back(x->run->cpu_util);
      epochs.push_back(x->run->epochs);
      acc.push_back(x->run->test_acc);
      e.push_back(x->energy_j);
      en.push_back(x->energy_norm_j);
      train_ps.push_back(x->train_j_per_sample);
      eval_ps.push_back(x->eval_j_per_sample);
      m.energy_method = weakest_method(m.energy_method, x->run->energy_method);
      m.met += x->run->stop_reason == StopReasonValue::criterion_met;
      m.net_reliable = m.net_reliable && x->net_reliable;
      m.gpu_shared += x->gpu_shared;
      m.gpu_unmetered += x->run->gpu_unmetered;
    }
    m.runs = static_cast<int>(g.size());
    for (const auto& i : inits) m.init += (m.init.empty() ? "" : "+") + i;
    m.epochs = mean_of(epochs);
    m.accuracy = mean_of(acc);
    m.energy_j = mean_of(e);
    m.energy_norm_j = mean_of(en);
    m.energy_sd = sd_of(e);
    m.accuracy_sd = sd_of(acc);
    m.train_j_per_sample = mean_of(train_ps);
    m.eval_j_per_sample = mean_of(eval_ps);
    m.gpu_util = finite_mean(gpu);
    m.cpu_util = finite_mean(cpu);
    m.efficiency = m.energy_j > 0 ? m.accuracy / m.energy_j : kNaN;
    m.efficiency_norm = m.energy_norm_j > 0 ? m.accuracy / m.energy_norm_j : kNaN;
    models.push_back(m);
  }
  return models;
}

// Raw figures differ with the hardware; normalised ones agree as far as the
// calibration captures the difference.
std::vector<ArchitectureRow> by_node(const std::vector<Measured>& done, const StudyResults& results,
                                     const GridShape& grid) {
  std::map<std::string, std::vector<Measured>> per_node;
  for (const auto& m : done) per_node[m.run->node].push_back(m);
  std::vector<ArchitectureRow> out;
  if (per_node.size() < 2) return out;
  for (const auto& node : results.nodes) {
    auto it = per_node.find(node.name);
    if (it == per_node.end()) continue;
    const auto criteria = grid.marked(efficiency_by_criterion(models_of(it->second)));
    for (ArchitectureRow a : grid.marked(efficiency_by_architecture(criteria), criteria)) {
      a.node = node.name;
      out.push_back(a);
    }
  }
  return out;
}

GridShape::GridShape(const StudyResults& results) {
  for (const auto& c : results.cells) {
    sizes_[key({c.dataset, c.architecture, c.criterion, setup_label(c)})].insert(c.size);
    selection_[key({c.dataset, c.architecture, c.criterion, setup_label(c)})] = c.selection;
    criteria_[key({c.dataset, c.architecture, setup_label(c)})].insert(c.criterion);
  }
}

void GridShape::mark(CriterionRow& row) const {
  const std::string k = key({row.dataset, row.architecture, row.criterion, row.setup});
  if (auto it = sizes_.find(k); it != sizes_.end()) row.grid_sizes = static_cast<int>(it->second.size());
  if (auto it = selection_.find(k); it != selection_.end()) row.selection = it->second;
}

void GridShape::mark(ArchitectureRow& row, const std::vector<CriterionRow>& criteria) const {
  if (auto it = criteria_.find(key({row.dataset, row.architecture, row.setup})); it != criteria_.end())
    row.grid_criteria = static_cast<int>(it->second.size());
  row.complete = row.grid_criteria == 0 || row.criteria == row.grid_criteria;
  for (const auto& c : criteria)
    if (c.dataset == row.dataset && c.architecture == row.architecture && c.setup == row.setup)
      row.complete = row.complete && c.complete();
}

std::vector<CriterionRow> GridShape::marked(std::vector<CriterionRow> criteria) const {
  for (auto& c : criteria) mark(c);
  return criteria;
}

std::vector<ArchitectureRow> GridShape::marked(std::vector<ArchitectureRow> architectures,
                                               const std::vector<CriterionRow>& criteria) const {
  for (auto& a : architectures) mark(a, criteria);
  return architectures;
}

}  // namespace reduction

}  // namespace joulegrid
