// `joulegrid report FILE --format html`: one self-contained page — inline
// CSS and SVG, no scripts, fonts or links outside it — with the answer
// first, then the paper's figures and tables, statistics with their sample
// sizes, and the energy method named wherever an energy appears.

#include "io/report/html.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "io/report/report.hpp"
#include "io/report/svg.hpp"

namespace joulegrid {

namespace {

using svg::escape;
using svg::number;

const char* kStyle = R"(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;max-width:1180px;margin:0 auto;padding:0 24px 48px}
h1{font-size:26px;margin:24px 0 4px}h2{font-size:20px;margin:36px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:16px;margin:20px 0 6px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f4f4f6}td.t,th.t{text-align:left}caption{caption-side:top;text-align:left;color:#555;padding:2px 0}
.warning{background:#fff4e5;border:1px solid #f0a020;padding:10px 14px;border-radius:6px;font-weight:600}
.answer{font-size:17px;background:#eef6ff;border:1px solid #9cc3ef;padding:10px 14px;border-radius:6px}
figure{margin:16px 0 28px}figcaption{color:#444;font-size:13px;max-width:720px}
svg.chart{max-width:100%;height:auto;background:#fff}svg .plot{fill:#fbfbfd;stroke:#ccc}svg .grid{stroke:#e6e6ea}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .axis{font-size:12px}svg .legend{font-size:11px}svg .n{font-size:9px;fill:#777}
.muted{color:#666}.bad{color:#b00020}
)";

std::string td(const std::string& text) { return "<td class=\"t\">" + escape(text) + "</td>"; }
std::string tn(double v, int digits = 4) { return "<td>" + number(v, digits) + "</td>"; }
std::string ti(long long v) { return "<td>" + std::to_string(v) + "</td>"; }

std::string header_row(const std::vector<std::string>& names) {
  std::string s = "<tr>";
  for (const auto& n : names) s += "<th>" + escape(n) + "</th>";
  return s + "</tr>";
}

std::string interval(double lo, double hi, int digits = 3) {
  return std::isfinite(lo) && std::isfinite(hi) ? number(lo, digits) + "–" + number(hi, digits) : "n/a";
}

bool measured(const std::string& method) { return method == "counter" || method == "power"; }

// "J, gross, estimated (not measured)": what every energy figure says of itself.
std::string energy_label(const Reduction& red) {
  return std::string("J, ") + red.energy + (red.energy == "net" ? " (less idle power)" : " (including idle power)") +
         ", " + method_in_words(red.energy_method);
}

// The efficiency the page compares by: normalised where every node has a
// calibration, raw otherwise; it says which.
struct Basis {
  bool normalised = false;
  std::string word() const { return normalised ? "normalised" : "raw"; }
  double of(double raw, double norm) const { return normalised ? norm : raw; }
};

Basis basis_of(const Reduction& red) {
  Basis b;
  b.normalised = !red.architectures.empty();
  for (const auto& a : red.architectures) b.normalised = b.normalised && std::isfinite(a.efficiency_norm);
  return b;
}

template <class T>
std::vector<T> unique_in_order(std::vector<T> v) {
  std::vector<T> out;
  for (auto& x : v)
    if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(std::move(x));
  return out;
}

std::string join_words(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

double epoch_energy(const EpochRecord& e, const std::string& basis) {
  return basis == "net" ? e.train_energy.net_joules + e.eval_energy.net_joules
                        : e.train_energy.joules + e.eval_energy.joules;
}

// ---- summary -----------------------------------------------------------------

void write_summary(const StudyResults& r, const Reduction& red, const Basis& basis, std::ostream& out) {
  int done = 0, failed = 0, pending = 0;
  for (const auto& c : r.cells) (c.status == "done" ? done : c.status == "failed" ? failed : pending) += 1;
  out << "<section id=\"summary\"><h2>Summary</h2>";
  out << "<p>Study <b>" << escape(r.meta.study) << "</b>, " << escape(r.meta.status) << ": " << r.cells.size()
      << " cells, " << done << " done, " << failed << " failed, " << pending << " not run. Energy: "
      << escape(energy_label(red)) << "; normalised to " << escape(red.reference) << ".</p>";
  if (!r.meta.sources.empty()) {
    out << "<p>Merged from (replica 0, 1, …):</p><ul>";
    std::istringstream lines(r.meta.sources);
    for (std::string line; std::getline(lines, line);) out << "<li>" << escape(line) << "</li>";
    out << "</ul>";
  }

  // The answer in words, then the numbers behind it.
  out << "<div class=\"answer\" id=\"answer\">";
  if (red.comparisons.empty()) out << "No two architectures have finished runs to compare yet.";
  for (const auto& c : red.comparisons) {
    out << "<p><b>" << escape(c.numerator) << "</b> is <b>" << number(c.ratio, 3) << "×</b> as efficient as <b>"
        << escape(c.denominator) << "</b> on " << escape(c.dataset) << " (Eq. 4, " << c.basis
        << " energy; 95 % bootstrap interval " << interval(c.low, c.high) << "×, " << red.resamples
        << " resamples). Mann–Whitney U = " << number(c.u, 4) << ", p = " << number(c.p, 3) << " (two-sided, n = "
        << c.n_a << " and " << c.n_b << " runs)" << (c.p < 0.05 ? "." : ": not significant at 5 %.")
        << " <span class=\"muted\">" << escape(c.setup) << "</span></p>";
  }
  out << "</div>";

  out << "<h3>Efficiency per architecture (Eq. 4)</h3><table id=\"table-answer\"><caption>"
         "Accuracy per joule [1/J], the mean over criteria of the mean over sizes; 95 % percentile bootstrap "
         "intervals over sizes, folds, repeats and replicas ("
      << red.resamples << " resamples). Energy " << escape(energy_label(red)) << ".</caption>"
      << header_row({"dataset", "architecture", "setup", "runs", "raw 1/J", "95 % interval", "normalised 1/J",
                     "95 % interval"});
  for (const auto& i : red.intervals)
    out << "<tr>" << td(i.dataset) << td(i.architecture) << td(i.setup) << ti(i.runs) << tn(i.efficiency)
        << "<td>" << interval(i.low, i.high) << "</td>" << tn(i.efficiency_norm) << "<td>"
        << interval(i.low_norm, i.high_norm) << "</td></tr>";
  out << "</table>";

  out << "<h3>Architecture against architecture</h3><table id=\"table-comparisons\"><caption>Ratio of Eq. 4 ("
      << basis.word() << "), the more efficient first; Mann–Whitney U over the runs' efficiencies (U of the first; "
         "z with tie and continuity corrections; two-sided p).</caption>"
      << header_row({"dataset", "setup", "architectures", "ratio", "95 % interval", "basis", "n", "U", "z", "p"});
  for (const auto& c : red.comparisons)
    out << "<tr>" << td(c.dataset) << td(c.setup) << td(c.numerator + " / " + c.denominator)
        << "<td>" << number(c.ratio, 3) << "×</td><td>" << interval(c.low, c.high) << "×</td>" << td(c.basis)
        << "<td>" << c.n_a << " / " << c.n_b << "</td>" << tn(c.u) << tn(c.z, 3) << tn(c.p, 3) << "</tr>";
  out << "</table>";

  // The grid.
  std::vector<std::string> archs, criteria, datasets, setups;
  std::vector<int> sizes, folds, repeats;
  for (const auto& c : r.cells) {
    archs.push_back(c.architecture);
    criteria.push_back(c.criterion);
    datasets.push_back(c.dataset);
    sizes.push_back(c.size);
    folds.push_back(c.fold);
    repeats.push_back(c.repeat);
    std::ostringstream s;
    s << "batch " << c.batch_size << ", lr " << c.learning_rate << ", " << c.optimizer;
    setups.push_back(s.str());
  }
  auto ints = [](std::vector<int> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s;
  };
  if (!red.setups.empty()) {
    out << "<h3>Training setups</h3><div id=\"setups\">";
    for (const auto& s : red.setups)
      if (s.best)
        out << "<p>" << escape(s.architecture) << " under " << escape(s.criterion) << " (" << escape(s.dataset)
            << "): <b>" << escape(s.setup) << "</b> reached the target in every run (" << s.runs << ") with the "
            << "least energy, " << number(s.energy_j) << " J (" << escape(red.energy) << ", "
            << escape(red.energy_method) << ") in " << number(s.epochs, 3) << " epochs, "
            << number(100 * s.saving, 3) << " % less than the costliest setup that reached it.</p>";
    out << "</div><table id=\"table-setups\"><caption>Energy to reach each accuracy target, the mean over the "
           "runs that reached it.</caption>"
        << header_row({"dataset", "architecture", "criterion", "setup", "reached", "epochs", "energy J", "saving",
                       ""});
    for (const auto& s : red.setups)
      out << "<tr>" << td(s.dataset) << td(s.architecture) << td(s.criterion) << td(s.setup)
          << td(std::to_string(s.reached) + " of " + std::to_string(s.runs)) << tn(s.epochs, 3) << tn(s.energy_j)
          << (std::isnan(s.saving) ? td("") : "<td>" + number(100 * s.saving, 3) + " %</td>")
          << td(s.best ? "best" : "") << "</tr>";
    out << "</table>";
  }

  if (!red.finetune.empty()) {
    auto percent = [](double v) { return std::isnan(v) ? td("") : "<td>" + number(100 * v, 3) + " %</td>"; };
    out << "<h3>Fine-tuning against training from scratch</h3><div id=\"finetune\">";
    for (const auto& f : red.finetune)
      if (std::isfinite(f.saving))
        out << "<p>" << escape(f.architecture) << "-" << f.size << " under " << escape(f.criterion) << " ("
            << escape(f.dataset) << "): starting from weights pretrained on " << escape(f.pretrain_dataset)
            << " with its " << escape(f.freeze) << " layers frozen took <b>" << number(f.finetune_j) << " J</b> against "
            << number(f.scratch_j) << " J from scratch, " << (f.saving >= 0 ? "a saving of " : "a cost of ")
            << number(100 * std::fabs(f.saving), 3) << " %; test accuracy " << number(f.finetune_acc, 3)
            << " against " << number(f.scratch_acc, 3) << ". The pretraining itself took " << number(f.pretrain_j)
            << " J, reported apart: "
            << (std::isnan(f.break_even) ? std::string("fine-tuning saves nothing to repay it")
                                         : "it pays for itself after " + number(f.break_even, 3) + " fine-tunings")
            << ".</p>";
    out << "</div><table id=\"table-finetune\"><caption>Mean energy per finished run (" << escape(red.energy)
        << ", " << escape(red.energy_method) << "). Saving = 1 − fine-tuned / scratch; including pretraining, one "
           "fine-tuning carries the whole pretraining run; break-even = pretraining ÷ (scratch − fine-tuned).</caption>"
        << header_row({"dataset", "model", "criterion", "frozen", "pretrained on", "scratch J", "fine-tuned J",
                       "pretraining J", "saving", "saving incl. pretraining", "break-even runs", "acc scratch",
                       "acc fine-tuned", "runs (scratch / fine-tuned / pretraining)"});
    for (const auto& f : red.finetune)
      out << "<tr>" << td(f.dataset) << td(f.architecture + "-" + std::to_string(f.size)) << td(f.criterion)
          << td(f.freeze) << td(f.pretrain_dataset + ", " + f.pretrain_criterion) << tn(f.scratch_j) << tn(f.finetune_j)
          << tn(f.pretrain_j) << percent(f.saving) << percent(f.saving_with_pretraining) << tn(f.break_even, 3)
          << tn(f.scratch_acc, 3) << tn(f.finetune_acc, 3)
          << td(std::to_string(f.scratch_runs) + " / " + std::to_string(f.finetune_runs) + " / " +
                std::to_string(f.pretrain_runs))
          << "</tr>";
    out << "</table>";
  }

  if (!red.emissions.empty()) {
    out << "<h3>Emissions</h3><p id=\"emissions\">The study emitted about <b>" << number(red.emissions_g, 3)
        << " g CO2e</b>: <i>estimated</i>, the gross energy of every attempt (failed ones too) times the carbon "
           "intensity the spec gives for the node it ran on.</p><table id=\"table-emissions\">"
        << header_row({"by", "name", "attempts", "energy J", "g CO2e/kWh", "g CO2e"});
    for (const auto& e : red.emissions)
      out << "<tr>" << td(e.kind) << td(e.name) << ti(e.runs) << tn(e.energy_j)
          << (std::isnan(e.g_per_kwh) ? td("") : tn(e.g_per_kwh)) << tn(e.grams, 3) << "</tr>";
    out << "</table>";
  }

  out << "<h3>Grid</h3><table id=\"table-grid\">" << header_row({"axis", "values"})
      << "<tr>" << td("dataset") << td(join_words(unique_in_order(datasets))) << "</tr>"
      << "<tr>" << td("architectures") << td(join_words(unique_in_order(archs))) << "</tr>"
      << "<tr>" << td("sizes") << td(ints(sizes)) << "</tr>"
      << "<tr>" << td("stopping criteria") << td(join_words(unique_in_order(criteria))) << "</tr>"
      << "<tr>" << td("folds") << td(ints(folds)) << "</tr>"
      << "<tr>" << td("repeats") << td(ints(repeats)) << "</tr>"
      << "<tr>" << td("setups") << td(join_words(unique_in_order(setups))) << "</tr>"
      << "<tr>" << td("cells") << td(std::to_string(r.cells.size())) << "</tr></table>";

  out << "<h3>Hardware</h3><table id=\"table-hardware\"><caption>Per node: its meters, how its energy was "
         "obtained, its idle power, and the calibration energy E_ref that normalises it.</caption>"
      << header_row({"node", "devices", "energy method", "idle W", "E_ref J", "calibration s", "normalisation ×"});
  for (const auto& n : r.nodes) {
    double factor = NAN;
    for (const auto& f : red.nodes)
      if (f.node == n.name) factor = f.factor;
    out << "<tr>" << td(n.name) << td(n.devices) << td(n.energy_method + ": " + method_in_words(n.energy_method))
        << tn(n.idle_w) << (n.calibration_steps > 0 ? tn(n.calibration_j) : td("none")) << tn(n.calibration_s, 3)
        << tn(factor, 3) << "</tr>";
  }
  out << "</table></section>";
}

// ---- figures -------------------------------------------------------------------

std::string figure(const svg::Chart& chart, const std::string& svg, const std::string& caption) {
  return "<figure id=\"figure-" + escape(chart.id) + "\"><h3>" + escape(chart.title) + "</h3>" + svg +
         "<figcaption>" + escape(caption) + "</figcaption></figure>";
}

// The settled, finished runs with their cells.
struct DoneRun {
  const CellRow* cell;
  const RunResult* run;
};

std::vector<DoneRun> done_runs(const StudyResults& r) {
  const auto settled = r.settled();
  std::vector<DoneRun> out;
  for (const auto& c : r.cells) {
    auto it = settled.find(c.id);
    if (it == settled.end()) continue;
    for (const RunResult* run : it->second)
      if (run->status == "done") out.push_back({&c, run});
  }
  return out;
}

std::string model_name(const CellRow& c) { return c.architecture + "-" + std::to_string(c.size); }

void write_figures(const StudyResults& r, const Reduction& red, const Basis& basis, std::ostream& out) {
  const std::vector<DoneRun> runs = done_runs(r);
  const std::string method = method_in_words(red.energy_method);
  out << "<section id=\"figures\"><h2>Figures</h2>";

  // Eq. 2 per epoch (the paper's Figs. 5–6): each dataset's longest fixed-epoch criterion.
  std::vector<std::string> datasets;
  for (const auto& d : runs) datasets.push_back(d.cell->dataset);
  datasets = unique_in_order(datasets);
  for (size_t di = 0; di < datasets.size(); ++di) {
    std::string criterion;
    int cap = -1;
    for (const auto& d : runs)
      if (d.cell->dataset == datasets[di] && (d.cell->criterion_kind == "epochs") && d.cell->epoch_cap > cap) {
        cap = d.cell->epoch_cap;
        criterion = d.cell->criterion;
      }
    if (criterion.empty())
      for (const auto& d : runs)
        if (d.cell->dataset == datasets[di] && d.cell->epoch_cap > cap) {
          cap = d.cell->epoch_cap;
          criterion = d.cell->criterion;
        }
    std::map<std::string, std::map<int, std::vector<double>>> by_model;  // model → epoch → efficiencies
    std::vector<std::string> order;
    for (const auto& d : runs) {
      if (d.cell->dataset != datasets[di] || d.cell->criterion != criterion) continue;
      order.push_back(model_name(*d.cell));
      double cumulative = 0;
      for (const auto& e : d.run->epoch_records) {
        cumulative += epoch_energy(e, red.energy);
        by_model[model_name(*d.cell)][e.epoch].push_back(cumulative > 0 ? e.test_acc / cumulative : NAN);
      }
    }
    std::vector<svg::Series> series;
    for (const auto& name : unique_in_order(order)) {
      svg::Series s{name, {}, {}, {}};
      for (const auto& [epoch, v] : by_model[name]) {
        double sum = 0;
        for (double x : v) sum += x;
        s.x.push_back(epoch);
        s.y.push_back(sum / static_cast<double>(v.size()));
        s.notes.push_back("mean of " + std::to_string(v.size()) + " runs");
      }
      series.push_back(std::move(s));
    }
    const svg::Chart eq2{"fig-eq2-" + std::to_string(di),
                         "Efficiency per epoch (Eq. 2), " + datasets[di] + ", criterion " + criterion,
                         {"epoch", false},
                         {"test accuracy / cumulative energy [1/J]", false}};
    out << figure(eq2, svg::line_chart(eq2, series),
                  "Efficiency per epoch (Eq. 2: test accuracy over the energy used up to the end of the epoch, "
                  "1/J) for every model on " + datasets[di] + " under " + criterion +
                      ", the mean over folds and repeats. Energy " + energy_label(red) + ".");
  }

  // Efficiency by stopping criterion across sizes (Figs. 8–9).
  std::vector<svg::Box> boxes;
  for (const auto& m : red.models) {
    const std::string category = datasets.size() > 1 ? m.dataset + " " + m.criterion : m.criterion;
    auto it = std::find_if(boxes.begin(), boxes.end(), [&](const svg::Box& b) {
      return b.category == category && b.series == m.architecture;
    });
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

  // Architecture against architecture by criterion (Fig. 7): Eq. 3.
  std::vector<svg::Bar> bars;
  for (const auto& c : red.criteria)
    bars.push_back({datasets.size() > 1 ? c.dataset + " " + c.criterion : c.criterion, c.architecture,
                    basis.of(c.efficiency, c.efficiency_norm), 0, 0});
  const svg::Chart versus{"fig-arch-vs-arch", "Architecture against architecture by criterion (Eq. 3)",
                          {"stopping criterion", false},
                          {basis.word() + " efficiency [1/J]", false}};
  out << figure(versus, svg::bar_chart(versus, bars),
                "Eq. 3 (" + basis.word() + ", 1/J): each architecture's efficiency under each criterion, the mean "
                "over sizes. Energy " + energy_label(red) + ".");

  // Energy against parameters and FLOPs (the SED study).
  std::map<std::string, svg::Series> by_params, by_flops, by_util;
  std::vector<std::string> arch_order;
  // Utilisation: the GPUs' where any run recorded it, else the CPU's.
  const bool gpu_util = std::any_of(runs.begin(), runs.end(), [](const auto& d) { return std::isfinite(d.run->gpu_util); });
  for (const auto& d : runs) {
    const std::string& a = d.cell->architecture;
    arch_order.push_back(a);
    const double e = red.energy == "net" ? [&] {
      double s = 0;
      for (const auto& ep : d.run->epoch_records) s += ep.train_energy.net_joules + ep.eval_energy.net_joules;
      return s;
    }() : d.run->energy_j;
    auto& p = by_params[a];
    p.name = a;
    p.x.push_back(static_cast<double>(d.run->parameters));
    p.y.push_back(e);
    p.notes.push_back(model_name(*d.cell) + ", " + d.cell->criterion + ", fold " + std::to_string(d.cell->fold));
    auto& f = by_flops[a];
    f.name = a;
    double samples = 0;
    for (const auto& ep : d.run->epoch_records) samples += static_cast<double>(ep.batches) * d.cell->batch_size;
    f.x.push_back(static_cast<double>(d.run->flops_per_sample) * samples);
    f.y.push_back(e);
    f.notes.push_back(p.notes.back());
    const double util = gpu_util ? d.run->gpu_util : d.run->cpu_util;
    if (std::isfinite(util)) {
      auto& u = by_util[a];
      u.name = a;
      u.x.push_back(util);
      u.y.push_back(e);
      u.notes.push_back(p.notes.back());
    }
  }
  std::vector<svg::Series> params_series, flops_series, util_series;
  for (const auto& a : unique_in_order(arch_order)) {
    params_series.push_back(by_params[a]);
    flops_series.push_back(by_flops[a]);
    if (by_util.count(a)) util_series.push_back(by_util[a]);
  }
  const std::string energy_axis = "energy per run [J, " + red.energy + "]";
  const svg::Chart params{"fig-energy-params", "Energy against parameters", {"parameters", true}, {energy_axis, true}};
  out << figure(params, svg::scatter_chart(params, params_series),
                "Energy of every finished run (training and evaluation) against its model's parameters (log-log). Energy " + energy_label(red) +
                    ".");
  const svg::Chart flops{"fig-energy-flops", "Energy against training FLOPs",
                         {"forward FLOPs × training samples seen", true}, {energy_axis, true}};
  out << figure(flops, svg::scatter_chart(flops, flops_series),
                "Energy of every finished run against the forward FLOPs of one sample times the training samples "
                "it saw (log-log). Energy " + energy_label(red) + ".");
  if (util_series.empty()) {
    out << "<p class=\"muted\" id=\"fig-energy-utilisation\">Energy against device utilisation: no run in this "
           "results file recorded utilisation (older files, or [meters] utilisation = false), so there is no "
           "figure for it.</p>";
  } else {
    const std::string device = gpu_util ? "GPU" : "CPU";
    const svg::Chart util{"fig-energy-utilisation", "Energy against " + device + " utilisation",
                          {"mean " + device + " utilisation over the run [%]", false}, {energy_axis, true}};
    out << figure(util, svg::scatter_chart(util, util_series),
                  "Energy of every finished run against the mean " + device + " utilisation it kept (" +
                      (gpu_util ? "the busy percentage of its GPUs, from NVML or amdgpu"
                                : "the node's busy CPU time, from /proc/stat; no run recorded a GPU's") +
                      "), time-weighted over its training and evaluation. Utilisation is sampled beside the energy "
                      "and never added to it. Energy " + energy_label(red) + ".");
  }

  // Training against evaluation energy per model.
  std::map<std::string, std::pair<double, double>> phase;
  std::map<std::string, int> phase_runs;
  std::vector<std::string> models;
  for (const auto& d : runs) {
    const std::string m = model_name(*d.cell);
    models.push_back(m);
    for (const auto& e : d.run->epoch_records) {
      phase[m].first += red.energy == "net" ? e.train_energy.net_joules : e.train_energy.joules;
      phase[m].second += red.energy == "net" ? e.eval_energy.net_joules : e.eval_energy.joules;
    }
    ++phase_runs[m];
  }
  std::vector<svg::Bar> phase_bars;
  for (const auto& m : unique_in_order(models)) {
    phase_bars.push_back({m, "training", phase[m].first / phase_runs[m], 0, 0});
    phase_bars.push_back({m, "evaluation", phase[m].second / phase_runs[m], 0, 0});
  }
  const svg::Chart phases{"fig-train-eval", "Training against evaluation energy per model", {"model", false},
                          {"energy per run [J, " + red.energy + "]", false}};
  out << figure(phases, svg::bar_chart(phases, phase_bars),
                "Mean energy per run spent training and evaluating (test, validation and the per-epoch "
                "accuracies), per model. Energy " + energy_label(red) + ".");

  // Raw against normalised per node, where several nodes ran cells.
  std::set<std::string> nodes_used;
  for (const auto& c : red.cells)
    if (c.status == "done" && !c.node.empty()) nodes_used.insert(c.node);
  if (nodes_used.size() > 1) {
    std::vector<svg::Bar> node_bars;
    for (const auto& n : r.nodes) {
      if (!nodes_used.count(n.name)) continue;
      double raw = 0, norm = 0;
      int k = 0;
      for (const auto& c : red.cells)
        if (c.status == "done" && c.node == n.name) {
          raw += c.energy_j;
          norm += c.energy_norm_j;
          ++k;
        }
      node_bars.push_back({n.name, "raw", raw / k, 0, 0});
      node_bars.push_back({n.name, "normalised", norm / k, 0, 0});
    }
    const svg::Chart per_node{"fig-nodes", "Raw against normalised energy per node", {"node", false},
                              {"mean energy per run [J, " + red.energy + "]", false}};
    out << figure(per_node, svg::bar_chart(per_node, node_bars),
                  "Mean energy per finished run on each node, raw and normalised by the node's calibration. Raw "
                  "energies differ with the hardware; normalised ones should agree where the nodes ran the same "
                  "cells. Energy " + energy_label(red) + ".");
  }
  out << "</section>";
}

// ---- tables ------------------------------------------------------------------------

void write_tables(const StudyResults& r, const Reduction& red, std::ostream& out) {
  const std::string unit = "Energy " + energy_label(red) + ".";
  out << "<section id=\"tables\"><h2>Tables</h2>";
  out << "<h3>Per model (the paper's Tables 3–10)</h3><table id=\"table-models\"><caption>Folds, repeats and "
         "replicas combined as mean accuracy over mean energy; ± SD is their spread (sample standard deviation). " << escape(unit) << "</caption>"
      << header_row({"dataset", "architecture", "size", "criterion", "setup", "runs", "epochs", "test acc",
                     "± SD", "energy J", "± SD", "normalised J", "efficiency 1/J", "normalised 1/J",
                     "J / training sample", "J / evaluated sample", "GPU util %", "CPU util %", "method"});
  for (const auto& m : red.models)
    out << "<tr>" << td(m.dataset) << td(m.architecture) << ti(m.size) << td(m.criterion) << td(m.setup) << ti(m.runs)
        << tn(m.epochs, 3) << tn(m.accuracy, 3) << tn(m.accuracy_sd, 2) << tn(m.energy_j) << tn(m.energy_sd, 3)
        << tn(m.energy_norm_j) << tn(m.efficiency)
        << tn(m.efficiency_norm) << tn(m.train_j_per_sample, 3) << tn(m.eval_j_per_sample, 3)
        << tn(m.gpu_util, 3) << tn(m.cpu_util, 3) << td(m.energy_method) << "</tr>";
  out << "</table>";

  out << "<h3>Per architecture and criterion (Eq. 3, Table 11)</h3><table id=\"table-criteria\"><caption>The mean "
         "over sizes. " << escape(unit) << "</caption>"
      << header_row({"dataset", "architecture", "criterion", "setup", "sizes", "efficiency 1/J", "normalised 1/J"});
  for (const auto& c : red.criteria)
    out << "<tr>" << td(c.dataset) << td(c.architecture) << td(c.criterion) << td(c.setup) << ti(c.sizes)
        << tn(c.efficiency) << tn(c.efficiency_norm) << "</tr>";
  out << "</table>";

  out << "<h3>Per architecture (Eq. 4)</h3><table id=\"table-architectures\"><caption>The mean over criteria. "
      << escape(unit) << "</caption>"
      << header_row({"dataset", "architecture", "setup", "criteria", "efficiency 1/J", "normalised 1/J"});
  for (const auto& a : red.architectures)
    out << "<tr>" << td(a.dataset) << td(a.architecture) << td(a.setup) << ti(a.criteria) << tn(a.efficiency)
        << tn(a.efficiency_norm) << "</tr>";
  out << "</table>";

  if (!red.by_node.empty()) {
    out << "<h3>Per node (Eq. 4 over each node's runs)</h3><table id=\"table-by-node\"><caption>Raw differs with the "
           "hardware; normalised should agree. " << escape(unit) << "</caption>"
        << header_row({"node", "dataset", "architecture", "setup", "criteria", "efficiency 1/J", "normalised 1/J"});
    for (const auto& a : red.by_node)
      out << "<tr>" << td(a.node) << td(a.dataset) << td(a.architecture) << td(a.setup) << ti(a.criteria)
          << tn(a.efficiency) << tn(a.efficiency_norm) << "</tr>";
    out << "</table>";
  }

  out << "<h3>Ratios (Table 12)</h3><table id=\"table-ratios\"><caption>The more efficient over the less, by "
         "Eq. 4.</caption>" << header_row({"kind", "within", "ratio", "raw", "normalised"});
  for (const auto& q : red.ratios)
    out << "<tr>" << td(q.kind) << td(q.within) << td(q.numerator + " / " + q.denominator) << "<td>"
        << number(q.ratio, 3) << "×</td><td>" << number(q.ratio_norm, 3) << "×</td></tr>";
  out << "</table>";

  out << "<h3>Overtraining</h3><table id=\"table-overtraining\"><caption>Fixed-epoch runs: A is the test accuracy "
         "gained from epoch a to b, B the growth of the train–test gap; overtrained when A &lt; 0.005 or B ≥ A/2."
         "</caption>" << header_row({"dataset", "architecture", "size", "fold", "a", "b", "A", "B", "verdict"});
  for (const auto& o : red.overtraining)
    out << "<tr>" << td(o.dataset) << td(o.architecture) << ti(o.size) << ti(o.fold) << ti(o.epoch_a) << ti(o.epoch_b)
        << tn(o.gain_a, 3) << tn(o.gap_growth_b, 3) << td(o.overtrained ? "overtrained" : "still learning") << "</tr>";
  out << "</table>";

  if (!red.step.empty()) {
    out << "<h3>STEP projections</h3><table id=\"table-step\"><caption>Each run's energy and time projected "
           "from its first stable epochs (STEP), against what it then measured: the mean absolute error over the "
           "finished runs of their planned epochs.</caption>"
        << header_row({"architecture", "runs", "projected after epoch", "energy error", "time error"});
    for (const auto& s : red.step)
      out << "<tr>" << td(s.architecture) << ti(s.runs) << tn(s.mean_at_epoch, 3) << "<td>"
          << number(100 * s.energy_error, 3) << " %</td><td>" << number(100 * s.seconds_error, 3) << " %</td></tr>";
    out << "</table>";
  }

  out << "<h3>Failed cells</h3><table id=\"table-failed\">"
      << header_row({"cell", "id", "model", "criterion", "fold", "attempts", "cause", "detail"});
  int failed = 0;
  for (const auto& c : red.cells)
    if (c.status == "failed") {
      ++failed;
      out << "<tr>" << ti(c.index) << td(c.id) << td(c.architecture + "-" + std::to_string(c.size)) << td(c.criterion)
          << ti(c.fold) << ti(c.attempts) << "<td class=\"t bad\">" << escape(c.failure) << "</td>" << td(c.detail)
          << "</tr>";
    }
  if (failed == 0) out << "<tr><td class=\"t\" colspan=\"8\">none</td></tr>";
  out << "</table>";
  (void)r;
  out << "</section>";
}

}  // namespace

void write_html(const StudyResults& r, const Reduction& red, std::ostream& out) {
  const Basis basis = basis_of(red);
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<meta name=\"generator\" content=\""
      << escape(r.meta.program_version) << "\"><title>joulegrid: " << escape(r.meta.study) << "</title><style>"
      << kStyle << "</style></head><body>";
  out << "<header><h1>" << escape(r.meta.study) << "</h1><p class=\"muted\">Accuracy per joule of training energy. "
      << "Spec " << escape(r.meta.spec_file) << "; created " << escape(r.meta.created_utc) << ", updated "
      << escape(r.meta.updated_utc) << "; jobs " << escape(r.meta.job_ids.empty() ? "local" : r.meta.job_ids)
      << ".</p>";
  if (!measured(red.energy_method))
    out << "<p class=\"warning\" id=\"energy-warning\">The energy of this study is "
        << escape(red.energy_method.empty() ? "not yet known: no run has finished"
                                            : method_in_words(red.energy_method))
        << ". Every joule on this page is " << escape(red.energy_method.empty() ? "missing" : red.energy_method)
        << ", so compare architectures with care.</p>";
  if (r.meta.status != "complete")
    out << "<p class=\"warning\" id=\"status-warning\">The study is " << escape(r.meta.status)
        << ": the figures cover only the cells that finished.</p>";
  out << "</header>";
  write_summary(r, red, basis, out);
  write_figures(r, red, basis, out);
  write_tables(r, red, out);
  out << "<footer class=\"muted\"><p>Written by " << escape(r.meta.program_version)
      << " from the results file's rows; the equations are in docs/reduction.md.</p></footer></body></html>\n";
}

}  // namespace joulegrid
