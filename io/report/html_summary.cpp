// The HTML report's summary: the answer in words, then the numbers behind
// it, the grid and the hardware. One function per block.

#include <algorithm>

#include "io/report/html_parts.hpp"
#include "io/report/report.hpp"

namespace joulegrid::html {

namespace {

using svg::escape;
using svg::number;

void study_line(const Reduction& red, std::ostream& out) {
  const StudySummary& s = red.study;
  out << "<p>Study <b>" << escape(s.name) << "</b>, " << escape(s.status.str()) << ": " << s.cells << " cells, "
      << s.done << " done, " << s.failed << " failed, " << s.pending << " not run. Energy: "
      << escape(energy_label(red)) << "; normalised to " << escape(red.reference) << ".</p>";
  if (!s.sources.empty()) {
    out << "<p>Merged from (replica 0, 1, …):</p><ul>";
    for (const auto& line : s.sources) out << "<li>" << escape(line) << "</li>";
    out << "</ul>";
  }
}

// The energy method of a row and what makes it less certain, marked when it is.
std::string doubts_cell(const Doubts& d, EnergyBasis basis) {
  return has_doubts(d, basis) ? "<td class=\"t bad\">" + escape(method_and_doubts(d, basis)) + "</td>"
                              : td(method_and_doubts(d, basis));
}

// A bootstrap interval, or why there is none.
std::string bootstrap_interval(double low, double high, const std::string& unit = "") {
  return std::isfinite(low) && std::isfinite(high) ? interval(low, high) + unit : kNoInterval;
}

void answer(const Reduction& red, std::ostream& out) {
  out << "<div class=\"answer\" id=\"answer\">";
  if (red.comparisons.empty()) out << "No two architectures have finished runs to compare yet.";
  for (const auto& c : red.comparisons) {
    out << "<p><b>" << escape(c.numerator) << "</b> is <b>" << number(c.ratio, 3) << "×</b> as efficient as <b>"
        << escape(c.denominator) << "</b> on " << escape(c.dataset) << " (Eq. 4, " << c.basis
        << " energy; "
        << (std::isfinite(c.low) ? "95 % bootstrap interval " + interval(c.low, c.high) + "× over matched cells, " +
                                       std::to_string(red.resamples) + " resamples"
                                 : "bootstrap interval " + bootstrap_interval(c.low, c.high))
        << "). " << escape(c.test) << " (the same size, criterion, fold and repeat, "
        << escape(matched_cells_in_words(c)) << " pairs of " << c.n_a << " and " << c.n_b << " runs): W = "
        << number(c.w, 4) << ", p = " << number(c.p, 3) << " (two-sided, "
        << (c.exact ? "exact" : "normal approximation") << ")"
        << (c.test_pairs < 6 ? ": too few matched cells for any test to find a difference at 5 %."
                        : c.p < 0.05 ? "." : ": not significant at 5 %.")
        << (c.complete ? "" : " <b class=\"bad\">Incomplete:</b> a size or criterion of the grid has no finished run "
                              "for one of them, so the two means are not over the same sets.")
        << (has_doubts(c.doubts, red.energy)
                ? " <b class=\"bad\">Less certain:</b> energy " + escape(method_and_doubts(c.doubts, red.energy)) + "."
                : std::string())
        << " <span class=\"muted\">" << escape(c.setup) << "</span></p>";
  }
  out << "</div>";
}

void intervals_table(const Reduction& red, std::ostream& out) {
  out << "<h3>Efficiency per architecture (Eq. 4)</h3><table id=\"table-answer\"><caption>"
         "Accuracy per joule [1/J], the mean over criteria of the mean over sizes; 95 % percentile bootstrap "
         "intervals that keep every criterion and size once and draw its runs (folds, repeats, replicas), the "
         "normalised ones also over each node's calibration "
         "repetitions ("
      << red.resamples << " resamples). Energy " << escape(energy_label(red)) << ".</caption>"
      << header_row({"dataset", "architecture", "kind", "setup", "runs", "raw 1/J", "95 % interval", "normalised 1/J",
                     "95 % interval", "energy"});
  for (const auto& i : red.intervals)
    out << "<tr>" << td(i.dataset) << td(i.architecture) << td(i.kind) << td(i.setup) << ti(i.runs) << tn(i.efficiency) << "<td>"
        << bootstrap_interval(i.low, i.high) << "</td>" << tn(i.efficiency_norm) << "<td>"
        << bootstrap_interval(i.low_norm, i.high_norm) << "</td>" << doubts_cell(i.doubts, red.energy) << "</tr>";
  out << "</table>";
}

void comparisons_table(const Reduction& red, const Basis& basis, std::ostream& out) {
  out << "<h3>Architecture against architecture</h3><table id=\"table-comparisons\"><caption>Ratio of Eq. 4 ("
      << basis.word()
      << "), the more efficient first. Both are compared on matched cells only (the same size, criterion, fold, "
         "repeat and replica): the interval is a bootstrap that keeps every criterion and size once and draws "
         "the same cells for both, the test a Wilcoxon signed-rank test of the cells' log efficiency ratios (W = the smaller "
         "rank sum; p two-sided, exact up to 50 pairs, ties included, else the tie-corrected normal approximation; "
         "pairs of equal efficiency have no sign and are left out, and so are pairs without a finite efficiency, "
         "from the ratio too). "
         "Pooling runs of different sizes or criteria would treat unlike runs as exchangeable.</caption>"
      << header_row({"dataset", "setup", "architectures", "kinds", "ratio", "95 % interval", "basis", "matched cells",
                     "runs", "W", "z", "p", "p is", "energy"});
  for (const auto& c : red.comparisons)
    out << "<tr>" << td(c.dataset) << td(c.setup) << td(c.numerator + " / " + c.denominator)
        << td(c.numerator_kind + " / " + c.denominator_kind) << "<td>"
        << number(c.ratio, 3) << "×</td><td>"
        << bootstrap_interval(c.low, c.high, "×") << "</td>" << td(c.basis) << td(matched_cells_in_words(c))
        << "<td>" << c.n_a << " / " << c.n_b << "</td>" << tn(c.w) << tn(c.z, 3) << tn(c.p, 3)
        << td(c.exact ? "exact" : "approximate") << doubts_cell(c.doubts, red.energy) << "</tr>";
  out << "</table>";
}

void setups(const Reduction& red, std::ostream& out) {
  if (red.setups.empty()) return;
  out << "<h3>Training setups</h3><div id=\"setups\">";
  for (const auto& s : red.setups)
    if (s.best)
      out << "<p>" << escape(s.architecture) << " under " << escape(s.criterion) << " (" << escape(s.dataset)
          << "): <b>" << escape(s.setup) << "</b> reached the target in every run (" << s.runs << ") with the "
          << "least energy, " << number(s.energy_j) << " J (" << escape(red.energy.str()) << ", "
          << escape(red.energy_method.str()) << ") in " << number(s.epochs, 3) << " epochs, "
          << number(100 * s.saving, 3) << " % less than the costliest setup that reached it.</p>";
  out << "</div><table id=\"table-setups\"><caption>Energy to reach each accuracy target, the mean over the "
         "runs that reached it.</caption>"
      << header_row({"dataset", "architecture", "kind", "criterion", "setup", "reached", "epochs", "energy J", "saving", ""});
  for (const auto& s : red.setups)
    out << "<tr>" << td(s.dataset) << td(s.architecture) << td(s.kind) << td(s.criterion) << td(s.setup)
        << td(std::to_string(s.reached) + " of " + std::to_string(s.runs)) << tn(s.epochs, 3) << tn(s.energy_j)
        << percent_cell(s.saving) << td(s.best ? "best" : "") << "</tr>";
  out << "</table>";
}

void finetuning(const Reduction& red, std::ostream& out) {
  if (red.finetune.empty()) return;
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
  out << "</div><table id=\"table-finetune\"><caption>Mean energy per finished run (" << escape(red.energy.str())
      << ", " << escape(red.energy_method.str())
      << "). Saving = 1 − fine-tuned / scratch; including pretraining, one "
         "fine-tuning carries the whole pretraining run; break-even = pretraining ÷ (scratch − fine-tuned).</caption>"
      << header_row({"dataset", "model", "kind", "criterion", "frozen", "pretrained on", "scratch J", "fine-tuned J",
                     "pretraining J", "saving", "saving incl. pretraining", "break-even runs", "acc scratch",
                     "acc fine-tuned", "runs (scratch / fine-tuned / pretraining)"});
  for (const auto& f : red.finetune)
    out << "<tr>" << td(f.dataset) << td(model_name(f.architecture, f.size)) << td(f.kind) << td(f.criterion) << td(f.freeze)
        << td(f.pretrain_dataset + ", " + f.pretrain_criterion) << tn(f.scratch_j) << tn(f.finetune_j)
        << tn(f.pretrain_j) << percent_cell(f.saving) << percent_cell(f.saving_with_pretraining)
        << tn(f.break_even, 3) << tn(f.scratch_acc, 3) << tn(f.finetune_acc, 3)
        << td(std::to_string(f.scratch_runs) + " / " + std::to_string(f.finetune_runs) + " / " +
              std::to_string(f.pretrain_runs))
        << "</tr>";
  out << "</table>";
}

void emissions(const Reduction& red, std::ostream& out) {
  if (red.emissions.empty()) return;
  out << "<h3>Emissions</h3><p id=\"emissions\">The study emitted about <b>" << number(red.emissions_g, 3)
      << " g CO2e</b>: <i>estimated</i>, the gross energy of every attempt (failed ones too) times the carbon "
         "intensity the spec gives for the node it ran on.</p><table id=\"table-emissions\">"
      << header_row({"by", "name", "attempts", "energy J", "g CO2e/kWh", "g CO2e"});
  for (const auto& e : red.emissions)
    out << "<tr>" << td(e.kind) << td(e.name) << ti(e.runs) << tn(e.energy_j)
        << (std::isnan(e.g_per_kwh) ? td("") : tn(e.g_per_kwh)) << tn(e.grams, 3) << "</tr>";
  out << "</table>";
}

std::string integers(const std::vector<int>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s;
}

// How many folds or repeats a grid has: "1" for one fold, numbered 0
// (listing the numbers read "0" as none), and the numbers only where they
// are not 0 … n − 1.
std::string how_many(const std::vector<int>& numbered) {
  bool from_zero = true;
  for (size_t i = 0; i < numbered.size(); ++i) from_zero = from_zero && numbered[i] == static_cast<int>(i);
  return std::to_string(numbered.size()) + (from_zero ? "" : " (numbered " + integers(numbered) + ")");
}

void grid(const Reduction& red, std::ostream& out) {
  const GridAxes& g = red.grid;
  out << "<h3>Grid</h3><table id=\"table-grid\">" << header_row({"axis", "values"}) << "<tr>" << td("dataset")
      << td(join_words(g.datasets)) << "</tr>"
      << "<tr>" << td("architectures") << td(join_words(g.architectures)) << "</tr>"
      << "<tr>" << td("sizes") << td(integers(g.sizes)) << "</tr>"
      << "<tr>" << td("stopping criteria") << td(join_words(g.criteria)) << "</tr>"
      << "<tr>" << td("folds") << td(how_many(g.folds)) << "</tr>"
      << "<tr>" << td("repeats") << td(how_many(g.repeats)) << "</tr>"
      << "<tr>" << td("setups") << td(join_words(g.setups)) << "</tr>"
      << "<tr>" << td("cells") << td(std::to_string(g.cells)) << "</tr></table>";
}

void hardware(const Reduction& red, std::ostream& out) {
  out << "<h3>Hardware</h3><table id=\"table-hardware\"><caption>Per node: its meters, how its energy was "
         "obtained, its idle power, and the calibration energy E_ref that normalises it ("
      << escape(red.energy.str())
      << "): the median of the reference workload's repetitions, with their spread, (max − min) / median, which "
         "the normalised figures' intervals carry. Idle CPU busy: the most of its CPU time other processes kept "
         "busy in an idle window; its net energy is unreliable above 5 %, when its idle windows differ by more "
         "than 10 %, or when processes outside the job took more than 10 % of its CPU time while its cells ran "
         "(docs/meters.md). Outside cells: its attempts' seconds and gross joules outside their epochs (starting "
         "trainers, reading data, building models), charged to no cell; warm: the attempts a kept trainer took.</caption>"
      << header_row({"node", "devices", "energy method", "idle W", "idle CPU busy", "net energy", "E_ref J", "spread",
                     "repetitions", "calibration s", "normalisation ×", "outside cells s", "outside cells J",
                     "warm"});
  for (const auto& row : red.nodes) {
    const NodeRecord& n = row.node;
    const bool calibrated = std::isfinite(row.e_ref_j);
    out << "<tr>" << td(n.key()) << td(n.devices) << td(n.energy_method.str() + ": " + method_in_words(n.energy_method))
        << tn(n.idle_w) << "<td>" << (std::isfinite(n.idle_other_cpu()) ? number(n.idle_other_cpu(), 3) + " %" : "-")
        << "</td>"
        << (row.net_reliable ? td("reliable") : "<td class=\"t bad\">unreliable: " + escape(row.net_doubt) + "</td>")
        << (calibrated ? tn(row.e_ref_j) : td("none")) << percent_cell(calibrated ? row.e_ref_spread : NAN)
        << ti(static_cast<long long>(n.calibration_runs.size())) << tn(n.calibration_s, 3) << tn(row.factor, 3)
        << tn(row.overhead_s, 3) << tn(row.overhead_j, 3)
        << td(std::to_string(row.warm_attempts) + " of " + std::to_string(row.attempts)) << "</tr>";
  }
  out << "</table>";
}

// How the figures were made, in one place a reviewer reads: what each node
// metered, how far its idle baseline and its calibration can be trusted,
// what each criterion watched, and which statistics the page uses.
void method(const Reduction& red, std::ostream& out) {
  out << "<h3>Method</h3><ul id=\"method\">";
  for (const auto& row : red.nodes) {
    const NodeRecord& n = row.node;
    out << "<li>Node <b>" << escape(n.key()) << "</b>"
        << (row.measurements > 1 ? " (measured by job " + escape(n.job) + " at " + escape(n.measured_utc) + ", one of " +
                                       std::to_string(row.measurements) + " measurements of the node)"
                                 : "")
        << " metered " << escape(n.devices) << ". Idle baseline "
        << number(n.idle_w) << " W over " << n.idle_windows.size() << " window(s)";
    if (std::isfinite(n.idle_other_cpu())) out << ", other processes up to " << number(n.idle_other_cpu(), 3) << " % of its CPU";
    out << ": net energy " << (row.net_reliable ? "reliable" : "<b class=\"bad\">unreliable</b> (" + escape(row.net_doubt) + ")")
        << ". ";
    if (!n.warnings.empty()) out << "Its meters warned: " << escape(n.warnings) << ". ";
    if (std::isfinite(row.e_ref_j))
      out << "Calibration E_ref " << number(row.e_ref_j) << " J (" << escape(red.energy.str()) << "), the median of "
          << n.calibration_runs.size() << " repetition(s)"
          << (n.calibrated_cards() > 1 ? " on " + std::to_string(n.calibrated_cards()) + " cards" : "")
          << ", spread " << number(100 * row.e_ref_spread, 3) << " %"
          << (std::isfinite(row.e_ref_change)
                  ? ", " + number(100 * row.e_ref_change, 3) + " % against the node's first; its runs are normalised by it"
                  : "")
          << ".";
    else
      out << "Not calibrated: no normalised figures.";
    out << "</li>";
  }
  std::vector<std::string> seen;
  for (const auto& c : red.criteria) {
    if (std::find(seen.begin(), seen.end(), c.criterion) != seen.end()) continue;
    seen.push_back(c.criterion);
    out << "<li>Criterion <b>" << escape(c.criterion) << "</b> "
        << (c.selection.empty() ? std::string("stops at a fixed point (no split chooses its epoch)")
            : c.selection == "test" ? "<b class=\"bad\">chose when to stop on the test set</b> (the paper's choice): "
                                      "its test accuracies are optimistic"
                                    : "chose when to stop on the " + escape(c.selection) + " split")
        << ".</li>";
  }
  out << "<li>Intervals: 95 % percentile bootstrap, " << red.resamples
      << " resamples, every criterion and size kept once and its runs drawn within it, so an interval is the "
         "uncertainty of the Eq. 4 estimate (none where no criterion and size has two runs); normalised figures "
         "also draw each node's calibration repetitions, every card's. Comparisons: the same bootstrap on matched "
         "cells, and the Wilcoxon signed-rank test of their log efficiency ratios (two-sided; exact up to 50 "
         "pairs, ties included).</li>"
         "<li>Flags. Every figure says how its energy was had and what makes it less certain, as the worst case "
         "over the runs it is made of: the method (<i>counter</i>: a hardware energy counter; <i>power</i>: "
         "integrated from power readings; <i>estimated</i>: from utilisation and a rated power, not measured); "
         "<i>net unreliable</i> (its node's idle baseline is in doubt, for the reason given with the node above; "
         "net figures only); <i>shared GPU: the card's whole energy</i> (a card that several ranks metered whole, "
         "a MIG slice's card, or one that another job computed on meanwhile); <i>GPU not measured</i> (it "
         "trained on a GPU that no meter read, so CPU and RAM joules alone); <i>incomplete</i> (fewer sizes or "
         "criteria than the grid has). They appear in the answer's <i>Less certain</i> line, in the method "
         "column of every table, and as columns (<code>energy_method</code>, <code>net_reliable</code>, "
         "<code>gpu_shared</code>, <code>gpu_unmetered</code>, <code>complete</code>) of every row in the CSV, the "
         "JSON and <code>/reduced</code> (docs/meters.md, docs/reduction.md).</li></ul>";
}

}  // namespace

void write_summary(const Reduction& red, const Basis& basis, std::ostream& out) {
  out << "<section id=\"summary\"><h2>Summary</h2>";
  study_line(red, out);
  answer(red, out);
  intervals_table(red, out);
  comparisons_table(red, basis, out);
  setups(red, out);
  finetuning(red, out);
  emissions(red, out);
  grid(red, out);
  hardware(red, out);
  method(red, out);
  out << "</section>";
}

}  // namespace joulegrid::html
