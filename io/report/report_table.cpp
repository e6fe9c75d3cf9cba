// `--format table`: the paper's tables for people, one function per table.

#include <algorithm>
#include <cmath>
#include <ostream>

#include "io/report/report.hpp"
#include "io/report/text_table.hpp"
#include "io/spec/suggest.hpp"

namespace joulegrid {

namespace {

std::string num(double v, int digits = 4) { return std::isfinite(v) ? format_number(v, digits) : "n/a"; }
std::string percent(double fraction) { return num(100 * fraction, 3) + " %"; }
std::string model(const std::string& architecture, int size) { return architecture + "-" + std::to_string(size); }
// A model's method, and that its net figures are in doubt when they are.
std::string method_of(const Reduction& red, const ModelRow& m) { return method_and_doubts(m, red.energy); }
std::string of(int part, int whole) { return std::to_string(part) + " of " + std::to_string(whole); }
// "2", or "2 of 3" where the grid has more than finished.
std::string of_grid(int have, int grid) { return grid > have ? of(have, grid) : std::to_string(have); }

void study_header(const Reduction& red, std::ostream& out) {
  const StudySummary& s = red.study;
  out << "study " << s.name << " (" << s.status << "): " << s.cells << " cells, " << s.done << " done, " << s.failed
      << " failed, " << s.pending << " not run\n";
  if (!s.sources.empty()) {
    out << "merged from (replica 0, 1, …):\n";
    for (const auto& line : s.sources) out << "  " << line << "\n";
  }
  const std::string method =
      red.energy_method == EnergyMethodValue::none ? "none measured yet" : method_in_words(red.energy_method);
  if (red.energy_method == EnergyMethodValue::estimated || red.energy_method == EnergyMethodValue::placeholder)
    out << "NOTE: the energy of this study is " << method << ": compare architectures with care.\n";
  out << "energy: " << red.energy << " ("
      << (red.energy == EnergyBasisValue::net ? "less idle power" : "including idle power") << "), joules, " << method
      << "; normalised to " << red.reference << "\n";
  if (s.gpu_shared_runs > 0)
    out << "NOTE: " << s.gpu_shared_runs << " run" << (s.gpu_shared_runs == 1 ? "" : "s")
        << " trained on a GPU other ranks shared ([train] share_gpus): each counts the card's whole energy, "
           "so their joules are too high (marked \"shared GPU\").\n";
  if (s.gpu_unmetered_runs > 0)
    out << "NOTE: " << s.gpu_unmetered_runs << " run" << (s.gpu_unmetered_runs == 1 ? "" : "s")
        << " trained on a GPU no meter read ([meters] allow_unmetered_gpu): their joules are the CPU's and RAM's "
           "alone, far too low (marked \"GPU not measured\").\n";
  if (s.segmented_runs > 0) {
    out << "NOTE: " << s.segmented_runs << " run" << (s.segmented_runs == 1 ? " was" : "s were")
        << " continued from a checkpoint (a stop, a time limit or a killed job in between); each stretch is "
           "normalised by the calibration of the node it ran on:\n";
    for (const auto& c : red.cells)
      if (!c.segments.empty()) out << "  cell " << c.index << " " << c.architecture << "-" << c.size << " " << c.criterion << ": " << c.segments << "\n";
  }
  if (!s.imported_models.empty())
    out << "NOTE: FLOPs of " << join(s.imported_models) << " (TorchScript, [models]) were counted from a forward "
           "pass: " << kCountedFlopsInWords << ".\n";
  std::vector<std::string> on_test;
  for (const auto& c : red.criteria)
    if (c.selection == "test" && std::find(on_test.begin(), on_test.end(), c.criterion) == on_test.end())
      on_test.push_back(c.criterion);
  for (const auto& c : on_test)
    out << "NOTE: criterion " << c << " chose when to stop on the test set ([data] validation = \"test\", the "
           "paper's choice): its test accuracies are optimistic.\n";
  for (const auto& n : red.nodes)
    if (!n.net_reliable)
      out << (red.energy == EnergyBasisValue::net ? "NOTE: net energy is unreliable on node " : "note: net energy would be unreliable on node ")
          << n.node.key() << ": " << n.net_doubt << "\n";
  for (const auto& n : red.nodes)
    if (!n.node.warnings.empty()) out << "note: node " << n.node.key() << "'s meters warned: " << n.node.warnings << "\n";
  for (const auto& n : red.nodes)
    if (n.measurements > 1 && std::isfinite(n.e_ref_change))
      out << "NOTE: node " << n.node.name << " was measured by " << n.measurements
          << " jobs (a resume measures again); " << n.node.key() << " (" << n.node.job << ", " << n.node.measured_utc
          << ") has E_ref " << num(n.e_ref_j) << " J, " << (n.e_ref_change >= 0 ? "+" : "")
          << num(100 * n.e_ref_change, 3) << " % against the first; each run is normalised by the measurement in "
          "force when it ran.\n";
  out << "\n";
}

// "12.3 s, 45.6 J (estimated)": a node's time and energy outside its cells' epochs.
std::string outside_cells(const NodeRow& row) {
  if (!std::isfinite(row.overhead_s)) return "not recorded";
  return num(row.overhead_s, 3) + " s, " + num(row.overhead_j, 3) + " J (" + row.node.energy_method.str() + ")";
}

void nodes_table(const Reduction& red, std::ostream& out) {
  out << "Nodes (E_ref: the median of the calibration's repetitions, " << red.energy
      << "; spread: (max − min) / median; outside cells: its attempts' seconds and gross joules outside their "
         "epochs, starting trainers and reading data, charged to no cell; warm: attempts a kept trainer took)\n";
  TextTable t({"node", "energy method", "idle W", "idle busy", "net", "E_ref J", "spread", "calibration s",
               "normalisation ×", "outside cells", "warm"});
  for (const auto& row : red.nodes) {
    const NodeRecord& n = row.node;
    const bool calibrated = std::isfinite(row.e_ref_j);
    const double busy = n.idle_other_cpu();
    t.add({n.key(), n.energy_method.str(), num(n.idle_w), std::isfinite(busy) ? num(busy, 3) + " %" : "-",
           row.net_reliable ? "reliable" : "unreliable", calibrated ? num(row.e_ref_j) : "none",
           calibrated ? percent(row.e_ref_spread) + " of " + std::to_string(n.calibration_runs.size()) +
                            (n.calibrated_cards() > 1 ? " on " + std::to_string(n.calibrated_cards()) + " cards" : "")
                      : "-",
           calibrated ? num(n.calibration_s, 3) : "-", num(row.factor, 3), outside_cells(row),
           std::to_string(row.warm_attempts) + " of " + std::to_string(row.attempts)});
  }
  t.print(out);
}

// The setup column only where the grid has more than one (else it is in every row alike).
struct SetupColumn {
  bool shown = false;
  std::vector<std::string> operator()(std::vector<std::string> row, const std::string& setup) const {
    if (shown) row.insert(row.begin() + 3, setup);
    return row;
  }
};

SetupColumn setup_column(const Reduction& red) {
  SetupColumn c;
  for (const auto& m : red.models) c.shown = c.shown || m.setup != red.models.front().setup;
  return c;
}

void models_table(const Reduction& red, const SetupColumn& with_setup, std::ostream& out) {
  out << "\nPer model (the paper's Tables 3-10): folds and repeats combined as mean accuracy / mean energy\n";
  TextTable t(with_setup({"dataset", "architecture", "kind", "init", "size", "criterion", "runs", "met criterion", "epochs",
                          "test acc", "energy J", "normalised J", "efficiency 1/J", "normalised 1/J", "method"},
                         "setup"));
  for (const auto& m : red.models)
    t.add(with_setup({m.dataset, m.architecture, m.kind, m.init, std::to_string(m.size), m.criterion, std::to_string(m.runs),
                      of(m.met, m.runs), num(m.epochs, 3), num(m.accuracy, 3), num(m.energy_j), num(m.energy_norm_j),
                      num(m.efficiency), num(m.efficiency_norm), method_of(red, m)},
                     m.setup));
  t.print(out);
}

void criteria_table(const Reduction& red, const SetupColumn& with_setup, std::ostream& out) {
  out << "\nPer architecture and criterion (Eq. 3: mean over sizes; met criterion: runs that met it, the rest hit "
         "the epoch cap)\n";
  TextTable t(with_setup({"dataset", "architecture", "kind", "criterion", "sizes", "met criterion", "watched",
                          "efficiency 1/J", "normalised 1/J", "method"},
                         "setup"));
  for (const auto& c : red.criteria)
    t.add(with_setup({c.dataset, c.architecture, c.kind, c.criterion, of_grid(c.sizes, c.grid_sizes), of(c.met, c.runs),
                      c.selection.empty() ? "-" : c.selection, num(c.efficiency), num(c.efficiency_norm),
                      method_and_doubts(c.doubts, red.energy)},
                     c.setup));
  t.print(out);
}

void architectures_table(const Reduction& red, std::ostream& out) {
  out << "\nPer architecture (Eq. 4: mean over criteria)\n";
  TextTable t({"dataset", "architecture", "kind", "setup", "criteria", "efficiency 1/J", "normalised 1/J", "method", ""});
  bool incomplete = false;
  for (const auto& a : red.architectures) {
    t.add({a.dataset, a.architecture, a.kind, a.setup, of_grid(a.criteria, a.grid_criteria), num(a.efficiency),
           num(a.efficiency_norm), method_and_doubts(a.doubts, red.energy), a.complete ? "" : "incomplete"});
    incomplete = incomplete || !a.complete;
  }
  t.print(out);
  if (incomplete)
    out << "NOTE: an incomplete row averages fewer sizes or criteria than the grid has (every run of a size failed, "
           "or has not run): it does not compare with a complete one.\n";
}

void by_node_table(const Reduction& red, std::ostream& out) {
  if (red.by_node.empty()) return;
  out << "\nPer node (Eq. 4 over the runs each node made: raw differs with the hardware, normalised should agree)\n";
  TextTable t({"node", "dataset", "architecture", "kind", "setup", "criteria", "efficiency 1/J", "normalised 1/J"});
  for (const auto& a : red.by_node)
    t.add({a.node, a.dataset, a.architecture, a.kind, a.setup, std::to_string(a.criteria), num(a.efficiency),
           num(a.efficiency_norm)});
  t.print(out);
}

void ratios_table(const Reduction& red, std::ostream& out) {
  if (red.ratios.empty()) return;
  out << "\nRatios (the more efficient over the less)\n";
  TextTable t({"kind", "within", "ratio", "raw", "normalised", "method", ""});
  for (const auto& q : red.ratios)
    t.add({q.kind, q.within, q.numerator + " / " + q.denominator, num(q.ratio, 3) + "×", num(q.ratio_norm, 3) + "×",
           method_and_doubts(q.doubts, red.energy), q.complete ? "" : "incomplete: unlike sets"});
  t.print(out);
}

void comparisons_table(const Reduction& red, std::ostream& out) {
  if (red.comparisons.empty()) return;
  out << "\nArchitecture against architecture on matched cells (the same size, criterion, fold and repeat): Eq. 4 "
         "ratio, its 95 % bootstrap interval (every criterion and size kept, matched cells drawn within each), and "
         "the Wilcoxon signed-rank test of the cells' log efficiency ratios (two-sided; exact up to 50 pairs, ties "
         "included)\n";
  TextTable t({"dataset", "setup", "architectures", "kinds", "basis", "ratio", "95 % interval", "matched cells", "W", "p", "",
               "method"});
  for (const auto& c : red.comparisons)
    t.add({c.dataset, c.setup, c.numerator + " / " + c.denominator, c.numerator_kind + " / " + c.denominator_kind, c.basis, num(c.ratio, 3) + "×",
           std::isfinite(c.low) ? num(c.low, 3) + "–" + num(c.high, 3) + "×" : kNoInterval, matched_cells_in_words(c), num(c.w), num(c.p, 3),
           std::string(c.exact ? "exact" : "approximate") + (c.complete ? "" : "; incomplete: unlike sets"),
           method_and_doubts(c.doubts, red.energy)});
  t.print(out);
}

void overtraining_table(const Reduction& red, std::ostream& out) {
  if (red.overtraining.empty()) return;
  out << "\nOvertraining (fixed-epoch runs: A = test gain from epoch a to b, B = growth of the train-test gap;"
         " overtrained when A < 0.005 or B >= A/2; did not learn: test accuracy never 0.05 above chance)\n";
  TextTable t({"dataset", "architecture", "kind", "size", "fold", "a", "b", "A", "B", "train acc", "verdict"});
  for (const auto& o : red.overtraining)
    t.add({o.dataset, o.architecture, o.kind, std::to_string(o.size), std::to_string(o.fold), std::to_string(o.epoch_a),
           std::to_string(o.epoch_b), num(o.gain_a, 3), num(o.gap_growth_b, 3), o.train_accuracy,
           o.verdict()});
  t.print(out);
}

void step_table(const Reduction& red, std::ostream& out) {
  if (red.step.empty()) return;
  out << "\nSTEP projections against what the runs then measured (finished runs of their planned epochs)\n";
  TextTable t({"architecture", "kind", "runs", "projected after epoch", "energy error", "time error"});
  for (const auto& s : red.step)
    t.add({s.architecture, s.kind, std::to_string(s.runs), num(s.mean_at_epoch, 3), percent(s.energy_error),
           percent(s.seconds_error)});
  t.print(out);
}

void setups_table(const Reduction& red, std::ostream& out) {
  if (red.setups.empty()) return;
  out << "\nTraining setups: energy to reach each accuracy target (mean over the runs that reached it; "
         "best = least energy among the setups that always reached it)\n";
  TextTable t({"dataset", "architecture", "kind", "criterion", "setup", "reached", "epochs", "energy J", "saving", ""});
  for (const auto& s : red.setups)
    t.add({s.dataset, s.architecture, s.kind, s.criterion, s.setup, std::to_string(s.reached) + " of " + std::to_string(s.runs),
           num(s.epochs, 3), num(s.energy_j), std::isnan(s.saving) ? "" : percent(s.saving), s.best ? "best" : ""});
  t.print(out);
}

void finetune_table(const Reduction& red, std::ostream& out) {
  if (red.finetune.empty()) return;
  out << "\nFine-tuning from a pretrained encoder against training from scratch (mean per finished run, "
      << red.energy << " J, " << method_in_words(red.energy_method)
      << "; pretraining reported apart: it is paid once and shared by its fine-tunings)\n";
  TextTable t({"dataset", "model", "kind", "criterion", "frozen", "scratch J", "fine-tuned J", "pretraining J", "saving",
               "saving incl. pretraining", "break-even", "acc scratch", "acc fine-tuned"});
  for (const auto& f : red.finetune)
    t.add({f.dataset, model(f.architecture, f.size), f.kind, f.criterion, f.freeze, num(f.scratch_j), num(f.finetune_j),
           num(f.pretrain_j), std::isnan(f.saving) ? "" : percent(f.saving),
           std::isnan(f.saving_with_pretraining) ? "" : percent(f.saving_with_pretraining),
           std::isnan(f.break_even) ? "never" : num(f.break_even, 3) + " runs", num(f.scratch_acc, 3),
           num(f.finetune_acc, 3)});
  t.print(out);
}

void emissions_table(const Reduction& red, std::ostream& out) {
  if (red.emissions.empty()) return;
  out << "\nEmissions (estimated: gross energy of every attempt × the spec's carbon intensity): "
      << num(red.emissions_g) << " g CO2e in all\n";
  TextTable t({"by", "name", "attempts", "energy J", "g CO2e/kWh", "g CO2e"});
  for (const auto& e : red.emissions)
    t.add({e.kind, e.name, std::to_string(e.runs), num(e.energy_j), std::isnan(e.g_per_kwh) ? "" : num(e.g_per_kwh),
           num(e.grams)});
  t.print(out);
}

void failed_table(const Reduction& red, std::ostream& out) {
  if (red.study.failed == 0) return;
  out << "\nFailed cells\n";
  TextTable t({"cell", "id", "model", "criterion", "fold", "attempts", "cause", "detail"});
  for (const auto& c : red.cells)
    if (c.status == StatusValue::failed)
      t.add({std::to_string(c.index), c.id, model(c.architecture, c.size), c.criterion, std::to_string(c.fold),
             std::to_string(c.attempts), c.failure.str(), c.detail});
  t.print(out);
}

}  // namespace

void write_table(const Reduction& red, std::ostream& out) {
  study_header(red, out);
  nodes_table(red, out);
  const SetupColumn with_setup = setup_column(red);
  models_table(red, with_setup, out);
  criteria_table(red, with_setup, out);
  architectures_table(red, out);
  by_node_table(red, out);
  ratios_table(red, out);
  comparisons_table(red, out);
  overtraining_table(red, out);
  step_table(red, out);
  setups_table(red, out);
  finetune_table(red, out);
  emissions_table(red, out);
  failed_table(red, out);
}

}  // namespace joulegrid
