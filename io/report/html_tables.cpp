// The HTML report's tables (the paper's Tables 3–13 and what joulegrid adds),
// one function each.

#include "io/report/html_parts.hpp"

namespace joulegrid::html {

namespace {

using svg::escape;
using svg::number;

std::string unit_caption(const Reduction& red) { return "Energy " + energy_label(red) + "."; }

void models_table(const Reduction& red, std::ostream& out) {
  out << "<h3>Per model (the paper's Tables 3–10)</h3><table id=\"table-models\"><caption>Folds, repeats and "
         "replicas combined as mean accuracy over mean energy; ± SD is their spread (sample standard deviation). "
      << escape(unit_caption(red)) << "</caption>"
      << header_row({"dataset", "architecture", "kind", "init", "size", "criterion", "setup", "runs", "met criterion", "epochs",
                     "test acc", "± SD",
                     "energy J", "± SD", "normalised J", "efficiency 1/J", "normalised 1/J", "J / training sample",
                     "J / evaluated sample", "GPU util %", "CPU util %", "method"});
  for (const auto& m : red.models)
    out << "<tr>" << td(m.dataset) << td(m.architecture) << td(m.kind) << td(m.init) << ti(m.size) << td(m.criterion) << td(m.setup) << ti(m.runs)
        << td(of(m.met, m.runs)) << tn(m.epochs, 3) << tn(m.accuracy, 3) << tn(m.accuracy_sd, 2) << tn(m.energy_j) << tn(m.energy_sd, 3)
        << tn(m.energy_norm_j) << tn(m.efficiency) << tn(m.efficiency_norm) << tn(m.train_j_per_sample, 3)
        << tn(m.eval_j_per_sample, 3) << tn(m.gpu_util, 3) << tn(m.cpu_util, 3)
        << (has_doubts(m, red.energy) ? "<td class=\"t bad\">" + escape(method_and_doubts(m, red.energy)) + "</td>"
                                      : td(m.energy_method.str()))
        << "</tr>";
  out << "</table>";
}

void criteria_table(const Reduction& red, std::ostream& out) {
  out << "<h3>Per architecture and criterion (Eq. 3, Table 11)</h3><table id=\"table-criteria\"><caption>The mean "
         "over sizes; “2 of 3” sizes: a size of the grid has no finished run, so the mean is incomplete. Met "
         "criterion: the runs that met it; the others hit the epoch cap. "
      << escape(unit_caption(red)) << "</caption>"
      << header_row({"dataset", "architecture", "kind", "criterion", "setup", "sizes", "met criterion", "watched",
                     "efficiency 1/J", "normalised 1/J"});
  for (const auto& c : red.criteria)
    out << "<tr>" << td(c.dataset) << td(c.architecture) << td(c.kind) << td(c.criterion) << td(c.setup)
        << (c.complete() ? td(of_grid(c.sizes, c.grid_sizes)) : "<td class=\"t bad\">" + of_grid(c.sizes, c.grid_sizes) + "</td>")
        << td(of(c.met, c.runs))
        << (c.selection == "test" ? "<td class=\"t bad\">test set</td>" : td(c.selection.empty() ? "-" : c.selection))
        << tn(c.efficiency) << tn(c.efficiency_norm) << "</tr>";
  out << "</table>";
}

void architectures_table(const Reduction& red, std::ostream& out) {
  out << "<h3>Per architecture (Eq. 4)</h3><table id=\"table-architectures\"><caption>The mean over criteria. "
      << escape(unit_caption(red)) << "</caption>"
      << header_row({"dataset", "architecture", "kind", "setup", "criteria", "efficiency 1/J", "normalised 1/J", ""});
  for (const auto& a : red.architectures)
    out << "<tr>" << td(a.dataset) << td(a.architecture) << td(a.kind) << td(a.setup) << td(of_grid(a.criteria, a.grid_criteria))
        << tn(a.efficiency) << tn(a.efficiency_norm)
        << (a.complete ? td("") : "<td class=\"t bad\">incomplete: fewer sizes or criteria than the grid</td>")
        << "</tr>";
  out << "</table>";
}

void by_node_table(const Reduction& red, std::ostream& out) {
  if (red.by_node.empty()) return;
  out << "<h3>Per node (Eq. 4 over each node's runs)</h3><table id=\"table-by-node\"><caption>Raw differs with the "
         "hardware; normalised should agree. "
      << escape(unit_caption(red)) << "</caption>"
      << header_row({"node", "dataset", "architecture", "kind", "setup", "criteria", "efficiency 1/J", "normalised 1/J"});
  for (const auto& a : red.by_node)
    out << "<tr>" << td(a.node) << td(a.dataset) << td(a.architecture) << td(a.kind) << td(a.setup) << ti(a.criteria)
        << tn(a.efficiency) << tn(a.efficiency_norm) << "</tr>";
  out << "</table>";
}

void ratios_table(const Reduction& red, std::ostream& out) {
  out << "<h3>Ratios (Table 12)</h3><table id=\"table-ratios\"><caption>The more efficient over the less, by "
         "Eq. 4.</caption>"
      << header_row({"kind", "within", "ratio", "raw", "normalised", ""});
  for (const auto& q : red.ratios)
    out << "<tr>" << td(q.kind) << td(q.within) << td(q.numerator + " / " + q.denominator) << "<td>"
        << number(q.ratio, 3) << "×</td><td>" << number(q.ratio_norm, 3) << "×</td>"
        << (q.complete ? td("") : "<td class=\"t bad\">incomplete: unlike sets</td>") << "</tr>";
  out << "</table>";
}

void overtraining_table(const Reduction& red, std::ostream& out) {
  out << "<h3>Overtraining</h3><table id=\"table-overtraining\"><caption>Fixed-epoch runs: A is the test accuracy "
         "gained from epoch a to b, B the growth of the train–test gap; overtrained when A &lt; 0.005 or B ≥ A/2; a run "
         "whose test accuracy never rose 0.05 above chance did not learn, and neither verdict applies. Train accuracy: "
         "the model in evaluation mode ([train] train_accuracy = \"always\"), or the running accuracy of the training "
         "passes, which understates models that train noisily (dropout, sampled weights)."
         "</caption>"
      << header_row({"dataset", "architecture", "kind", "size", "fold", "a", "b", "A", "B", "train accuracy", "verdict"});
  for (const auto& o : red.overtraining)
    out << "<tr>" << td(o.dataset) << td(o.architecture) << td(o.kind) << ti(o.size) << ti(o.fold) << ti(o.epoch_a) << ti(o.epoch_b)
        << tn(o.gain_a, 3) << tn(o.gap_growth_b, 3) << td(o.train_accuracy) << td(o.verdict()) << "</tr>";
  out << "</table>";
}

void step_table(const Reduction& red, std::ostream& out) {
  if (red.step.empty()) return;
  out << "<h3>STEP projections</h3><table id=\"table-step\"><caption>Each run's energy and time projected "
         "from its first stable epochs (STEP), against what it then measured: the mean absolute error over the "
         "finished runs of their planned epochs.</caption>"
      << header_row({"architecture", "kind", "runs", "projected after epoch", "energy error", "time error"});
  for (const auto& s : red.step)
    out << "<tr>" << td(s.architecture) << td(s.kind) << ti(s.runs) << tn(s.mean_at_epoch, 3) << "<td>"
        << number(100 * s.energy_error, 3) << " %</td><td>" << number(100 * s.seconds_error, 3) << " %</td></tr>";
  out << "</table>";
}

void failed_table(const Reduction& red, std::ostream& out) {
  out << "<h3>Failed cells</h3><table id=\"table-failed\">"
      << header_row({"cell", "id", "model", "criterion", "fold", "attempts", "cause", "detail"});
  int failed = 0;
  for (const auto& c : red.cells)
    if (c.status == StatusValue::failed) {
      ++failed;
      out << "<tr>" << ti(c.index) << td(c.id) << td(model_name(c.architecture, c.size)) << td(c.criterion)
          << ti(c.fold) << ti(c.attempts) << "<td class=\"t bad\">" << escape(c.failure.str()) << "</td>"
          << td(c.detail) << "</tr>";
    }
  if (failed == 0) out << "<tr><td class=\"t\" colspan=\"8\">none</td></tr>";
  out << "</table>";
}

}  // namespace

void write_tables(const Reduction& red, std::ostream& out) {
  out << "<section id=\"tables\"><h2>Tables</h2>";
  models_table(red, out);
  criteria_table(red, out);
  architectures_table(red, out);
  by_node_table(red, out);
  ratios_table(red, out);
  overtraining_table(red, out);
  step_table(red, out);
  failed_table(red, out);
  out << "</section>";
}

}  // namespace joulegrid::html
