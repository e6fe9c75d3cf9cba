#include "orchestrator/reduce/figure_data.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace joulegrid::reduction {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class T>
std::vector<T> unique_in_order(std::vector<T> v) {
  std::vector<T> out;
  for (auto& x : v)
    if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(std::move(x));
  return out;
}

std::vector<int> sorted_unique(std::vector<int> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// The criterion a dataset's Eq. 2 figure shows.
std::string longest_criterion(const std::vector<Measured>& done, const std::string& dataset) {
  std::string criterion;
  int cap = -1;
  for (const auto& m : done)
    if (m.cell->dataset == dataset && m.cell->criterion_kind == CriterionKindValue::epochs && m.cell->epoch_cap > cap) {
      cap = m.cell->epoch_cap;
      criterion = m.cell->criterion;
    }
  if (criterion.empty())
    for (const auto& m : done)
      if (m.cell->dataset == dataset && m.cell->epoch_cap > cap) {
        cap = m.cell->epoch_cap;
        criterion = m.cell->criterion;
      }
  return criterion;
}

}  // namespace

std::vector<Eq2Figure> eq2_figures(const std::vector<Measured>& done, EnergyBasis basis) {
  std::vector<std::string> datasets;
  for (const auto& m : done) datasets.push_back(m.cell->dataset);
  std::vector<Eq2Figure> out;
  for (const auto& dataset : unique_in_order(datasets)) {
    Eq2Figure fig{dataset, longest_criterion(done, dataset), {}};
    std::map<std::string, std::map<int, std::vector<double>>> by_model;  // model → epoch → efficiencies
    std::vector<std::string> order;
    for (const auto& m : done) {
      if (m.cell->dataset != dataset || m.cell->criterion != fig.criterion) continue;
      order.push_back(model_label(*m.cell));
      double cumulative = 0;
      for (const auto& e : m.run->epoch_records) {
        cumulative += phase_joules(e.train_energy, basis) + phase_joules(e.eval_energy, basis);
        by_model[model_label(*m.cell)][e.epoch].push_back(cumulative > 0 ? e.test_acc / cumulative : kNaN);
      }
    }
    for (const auto& name : unique_in_order(order)) {
      Eq2Series s{name, {}, {}, {}};
      for (const auto& [epoch, v] : by_model[name]) {
        double sum = 0;
        for (double x : v) sum += x;
        s.epochs.push_back(epoch);
        s.efficiency.push_back(sum / static_cast<double>(v.size()));
        s.runs.push_back(static_cast<int>(v.size()));
      }
      fig.series.push_back(std::move(s));
    }
    out.push_back(std::move(fig));
  }
  return out;
}

// Utilisation: the GPUs' where any run recorded it, else the CPU's.
RunPoints run_points(const std::vector<Measured>& done) {
  RunPoints out;
  const bool gpu = std::any_of(done.begin(), done.end(), [](const Measured& m) { return std::isfinite(m.run->gpu_util); });
  const bool any = gpu || std::any_of(done.begin(), done.end(), [](const Measured& m) { return std::isfinite(m.run->cpu_util); });
  out.utilisation_device = any ? (gpu ? "GPU" : "CPU") : "";
  for (const auto& m : done) {
    RunPoint p;
    p.architecture = m.cell->architecture;
    p.model = model_label(*m.cell);
    p.criterion = m.cell->criterion;
    p.fold = m.cell->fold;
    p.energy_j = m.energy_j;
    p.parameters = static_cast<double>(m.run->parameters);
    p.flops_trained = static_cast<double>(m.run->flops_per_sample) * samples_trained(*m.run, m.cell->batch_size);
    p.utilisation = gpu ? m.run->gpu_util : m.run->cpu_util;
    out.runs.push_back(p);
  }
  return out;
}

std::vector<PhaseRow> phases(const std::vector<Measured>& done, EnergyBasis basis) {
  std::map<std::string, std::pair<double, double>> joules;
  std::map<std::string, int> runs;
  std::vector<std::string> models;
  for (const auto& m : done) {
    const std::string model = model_label(*m.cell);
    models.push_back(model);
    for (const auto& e : m.run->epoch_records) {
      joules[model].first += phase_joules(e.train_energy, basis);
      joules[model].second += phase_joules(e.eval_energy, basis);
    }
    ++runs[model];
  }
  std::vector<PhaseRow> out;
  for (const auto& model : unique_in_order(models))
    out.push_back({model, std::max(0.0, joules[model].first) / runs[model],
                   std::max(0.0, joules[model].second) / runs[model]});  // net phases are signed
  return out;
}

std::vector<NodeEnergyRow> node_energy(const std::vector<CellResult>& cells, const StudyResults& results) {
  std::set<std::string> used;
  for (const auto& c : cells)
    if (c.status == StatusValue::done && !c.node.empty()) used.insert(c.node);
  std::vector<NodeEnergyRow> out;
  if (used.size() < 2) return out;
  for (const auto& n : results.nodes) {
    if (!used.count(n.name)) continue;
    double raw = 0, norm = 0;
    int k = 0;
    for (const auto& c : cells)
      if (c.status == StatusValue::done && c.node == n.name) {
        raw += c.energy_j;
        norm += c.energy_norm_j;
        ++k;
      }
    out.push_back({n.name, raw / k, norm / k});
  }
  return out;
}

GridAxes grid_axes(const StudyResults& results) {
  GridAxes g;
  for (const auto& c : results.cells) {
    g.architectures.push_back(c.architecture);
    g.criteria.push_back(c.criterion);
    g.datasets.push_back(c.dataset);
    g.sizes.push_back(c.size);
    g.folds.push_back(c.fold);
    g.repeats.push_back(c.repeat);
    g.setups.push_back(base_setup_label(c));
  }
  g.architectures = unique_in_order(g.architectures);
  g.criteria = unique_in_order(g.criteria);
  g.datasets = unique_in_order(g.datasets);
  g.setups = unique_in_order(g.setups);
  g.sizes = sorted_unique(g.sizes);
  g.folds = sorted_unique(g.folds);
  g.repeats = sorted_unique(g.repeats);
  g.cells = static_cast<int>(results.cells.size());
  return g;
}

}  // namespace joulegrid::reduction
