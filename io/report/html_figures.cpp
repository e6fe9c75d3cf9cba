// The HTML report's figures, one function each; their data are the
// reduction's (Reduction::eq2, runs, phases, node_energy and its tables).

#include <algorithm>
#include <map>

#include "io/report/html_parts.hpp"

namespace joulegrid::html {

namespace {

using svg::escape;

std::string figure(const svg::Chart& chart, const std::string& drawing, const std::string& caption) {
  return "<figure id=\"figure-" + escape(chart.id) + "\"><h3>" + escape(chart.title) + "</h3>" + drawing +
         "<figcaption>" + escape(caption) + "</figcaption></figure>";
}

std::string energy_axis(const Reduction& red) { return "energy per run [J, " + red.energy.str() + "]"; }

// Eq. 2 per epoch (the paper's Figs. 5–6).
void eq2_figures(const Reduction& red, std::ostream& out) {
  for (size_t i = 0; i < red.eq2.size(); ++i) {
    const Eq2Figure& fig = red.eq2[i];
    std::vector<svg::Series> series;
    for (const auto& s : fig.series) {
      svg::Series line{s.model, {}, s.efficiency, {}};
      for (size_t k = 0; k < s.epochs.size(); ++k) {
        line.x.push_back(s.epochs[k]);
        line.notes.push_back("mean of " + std::to_string(s.runs[k]) + " runs");
      }
      series.push_back(std::move(line));
    }
    const svg::Chart eq2{"fig-eq2-" + std::to_string(i),
                         "Efficiency per epoch (Eq. 2), " + fig.dataset + ", criterion " + fig.criterion,
                         {"epoch", false},
                         {"test accuracy / cumulative energy [1/J]", false}};
    out << figure(eq2, svg::line_chart(eq2, series),
                  "Efficiency per epoch (Eq. 2: test accuracy over the energy used up to the end of the epoch, "
                  "1/J) for every model on " + fig.dataset + " under " + fig.criterion +
                      ", the mean over folds and repeats. Energy " + energy_label(red) + ".");
  }
}

// Efficiency by stopping criterion across sizes (Figs. 8–9).
void criteria_box_figure(const Reduction& red, const Basis& basis, std::ostream& out) {
  const bool several_datasets = red.eq2.size() > 1;
  std::vector<svg::Box> boxes;
  for (const auto& m : red.models) {
    const std::string category = several_datasets ? m.dataset + " " + m.criterion : m.criterion;
    auto it = std::find_if(boxes.begin(), boxes.end(),
                           [&](const svg::Box& b) { return b.category == category && b.series == m.architecture; });
    if (it == boxes.end()) {
      boxes.push_back({category, m.architecture, {}});
      it = boxes.end() - 1;
    }
    it->values.push_back(basis.of(m.efficiency, m.efficiency_norm));
  }
  const svg::Chart box{"fig-criteria-box", "Efficiency by stopping criterion across sizes",
                       {"stopping criterion", false},
                       {basis.word() + " efficiency [1/J]", false}};
  out << figure(box, svg::box_chart(box, boxes),
                "Efficiency (" + basis.word() + ", 1/J) of every model size under each stopping criterion: the box "
                "spans the quartiles, the bar is the median, whiskers reach 1.5 IQR, n is the number of sizes. "
                "Energy " + energy_label(red) + ".");
}

// Architecture against architecture by criterion (Fig. 7): Eq. 3.
void arch_vs_arch_figure(const Reduction& red, const Basis& basis, std::ostream& out) {
  const bool several_datasets = red.eq2.size() > 1;
  std::vector<svg::Bar> bars;
  for (const auto& c : red.criteria)
    bars.push_back({several_datasets ? c.dataset + " " + c.criterion : c.criterion, c.architecture,
                    basis.of(c.efficiency, c.efficiency_norm), 0, 0});
  const svg::Chart versus{"fig-arch-vs-arch", "Architecture against architecture by criterion (Eq. 3)",
                          {"stopping criterion", false},
                          {basis.word() + " efficiency [1/J]", false}};
  out << figure(versus, svg::bar_chart(versus, bars),
                "Eq. 3 (" + basis.word() + ", 1/J): each architecture's efficiency under each criterion, the mean "
                "over sizes. Energy " + energy_label(red) + ".");
}

// Energy of every run against a property of it, one series per architecture.
template <class X>
std::vector<svg::Series> by_architecture(const Reduction& red, X x) {
  std::map<std::string, svg::Series> series;
  std::vector<std::string> order;
  for (const auto& p : red.runs) {
    const double v = x(p);
    if (!std::isfinite(v)) continue;
    auto [it, fresh] = series.try_emplace(p.architecture);
    if (fresh) order.push_back(p.architecture);
    it->second.name = p.architecture;
    it->second.x.push_back(v);
    it->second.y.push_back(p.energy_j);
    it->second.notes.push_back(p.model + ", " + p.criterion + ", fold " + std::to_string(p.fold));
  }
  std::vector<svg::Series> out;
  for (const auto& a : order) out.push_back(series[a]);
  return out;
}

// Energy against parameters and FLOPs (the SED study).
void energy_against_size_figures(const Reduction& red, std::ostream& out) {
  const svg::Chart params{"fig-energy-params", "Energy against parameters", {"parameters", true},
                          {energy_axis(red), true}};
  out << figure(params, svg::scatter_chart(params, by_architecture(red, [](const RunPoint& p) { return p.parameters; })),
                "Energy of every finished run (training and evaluation) against its model's parameters (log-log). "
                "Energy " + energy_label(red) + ".");
  const svg::Chart flops{"fig-energy-flops", "Energy against training FLOPs",
                         {"forward FLOPs × training samples seen", true}, {energy_axis(red), true}};
  out << figure(flops,
                svg::scatter_chart(flops, by_architecture(red, [](const RunPoint& p) { return p.flops_trained; })),
                "Energy of every finished run against the forward FLOPs of one sample times the training samples "
                "it saw (log-log). Energy " + energy_label(red) + ".");
}

void energy_against_utilisation_figure(const Reduction& red, std::ostream& out) {
  const auto series = by_architecture(red, [](const RunPoint& p) { return p.utilisation; });
  if (series.empty()) {
    out << "<p class=\"muted\" id=\"fig-energy-utilisation\">Energy against device utilisation: no run in this "
           "results file recorded utilisation (older files, or [meters] utilisation = false), so there is no "
           "figure for it.</p>";
    return;
  }
  const std::string& device = red.utilisation_device;
  const bool gpu = device == "GPU";
  const svg::Chart util{"fig-energy-utilisation", "Energy against " + device + " utilisation",
                        {"mean " + device + " utilisation over the run [%]", false}, {energy_axis(red), true}};
  out << figure(util, svg::scatter_chart(util, series),
                "Energy of every finished run against the mean " + device + " utilisation it kept (" +
                    (gpu ? "the busy percentage of its GPUs, from NVML or amdgpu"
                         : "the node's busy CPU time, from /proc/stat; no run recorded a GPU's") +
                    "), time-weighted over its training and evaluation. Utilisation is sampled beside the energy "
                    "and never added to it. Energy " + energy_label(red) + ".");
}

// Training against evaluation energy per model.
void phases_figure(const Reduction& red, std::ostream& out) {
  std::vector<svg::Bar> bars;
  for (const auto& p : red.phases) {
    bars.push_back({p.model, "training", p.train_j, 0, 0});
    bars.push_back({p.model, "evaluation", p.eval_j, 0, 0});
  }
  const svg::Chart phases{"fig-train-eval", "Training against evaluation energy per model", {"model", false},
                          {energy_axis(red), false}};
  out << figure(phases, svg::bar_chart(phases, bars),
                "Mean energy per run spent training and evaluating (test, validation and the per-epoch "
                "accuracies), per model. Energy " + energy_label(red) + ".");
}

// Raw against normalised per node, where several nodes ran cells.
void nodes_figure(const Reduction& red, std::ostream& out) {
  if (red.node_energy.empty()) return;
  std::vector<svg::Bar> bars;
  for (const auto& n : red.node_energy) {
    bars.push_back({n.node, "raw", n.raw_j, 0, 0});
    bars.push_back({n.node, "normalised", n.normalised_j, 0, 0});
  }
  const svg::Chart per_node{"fig-nodes", "Raw against normalised energy per node", {"node", false},
                            {"mean energy per run [J, " + red.energy.str() + "]", false}};
  out << figure(per_node, svg::bar_chart(per_node, bars),
                "Mean energy per finished run on each node, raw and normalised by the node's calibration. Raw "
                "energies differ with the hardware; normalised ones should agree where the nodes ran the same "
                "cells. Energy " + energy_label(red) + ".");
}

}  // namespace

void write_figures(const Reduction& red, const Basis& basis, std::ostream& out) {
  out << "<section id=\"figures\"><h2>Figures</h2>";
  eq2_figures(red, out);
  criteria_box_figure(red, basis, out);
  arch_vs_arch_figure(red, basis, out);
  energy_against_size_figures(red, out);
  energy_against_utilisation_figure(red, out);
  phases_figure(red, out);
  nodes_figure(red, out);
  out << "</section>";
}

}  // namespace joulegrid::html
