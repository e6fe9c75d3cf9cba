#include "io/report/report.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "io/errors.hpp"
#include "io/report/html.hpp"
#include "io/report/text_table.hpp"
#include "io/spec/suggest.hpp"

namespace joulegrid {

namespace {

using nlohmann::json;

std::string num(double v, int digits = 4) { return std::isfinite(v) ? format_number(v, digits) : "n/a"; }

// JSON has no NaN: absent figures are null.
json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

struct Counts {
  int done = 0, failed = 0, pending = 0;
};

Counts count_cells(const StudyResults& r) {
  Counts c;
  for (const auto& cell : r.cells) {
    if (cell.status == "done") ++c.done;
    else if (cell.status == "failed") ++c.failed;
    else ++c.pending;
  }
  return c;
}

void write_table(const StudyResults& r, const Reduction& red, std::ostream& out) {
  const Counts n = count_cells(r);
  out << "study " << r.meta.study << " (" << r.meta.status << "): " << r.cells.size() << " cells, " << n.done
      << " done, " << n.failed << " failed, " << n.pending << " not run\n";
  if (!r.meta.sources.empty()) {
    out << "merged from (replica 0, 1, …):\n";
    std::istringstream lines(r.meta.sources);
    for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
  }
  const std::string method = red.energy_method.empty() ? "none measured yet" : method_in_words(red.energy_method);
  if (red.energy_method == "estimated" || red.energy_method == "placeholder")
    out << "NOTE: the energy of this study is " << method << ": compare architectures with care.\n";
  out << "energy: " << red.energy << " (" << (red.energy == "net" ? "less idle power" : "including idle power")
      << "), joules, " << method << "; normalised to " << red.reference << "\n\n";

  out << "Nodes\n";
  TextTable nodes({"node", "energy method", "idle W", "E_ref J", "calibration s", "normalisation ×"});
  for (const auto& node : r.nodes) {
    double factor = NAN;
    for (const auto& f : red.nodes)
      if (f.node == node.name) factor = f.factor;
    nodes.add({node.name, node.energy_method, num(node.idle_w),
               node.calibration_steps > 0 ? num(node.calibration_j) : "none",
               node.calibration_steps > 0 ? num(node.calibration_s, 3) : "-", num(factor, 3)});
  }
  nodes.print(out);

  out << "\nPer model (the paper's Tables 3-10): folds and repeats combined as mean accuracy / mean energy\n";
  // The setup column only where the grid has more than one (else it is in every row alike).
  bool several_setups = false;
  for (const auto& m : red.models) several_setups = several_setups || m.setup != red.models.front().setup;
  auto with_setup = [&](std::vector<std::string> row, const std::string& setup) {
    if (several_setups) row.insert(row.begin() + 3, setup);
    return row;
  };
  TextTable models(with_setup({"dataset", "architecture", "size", "criterion", "runs", "epochs", "test acc",
                               "energy J", "normalised J", "efficiency 1/J", "normalised 1/J", "method"},
                              "setup"));
  for (const auto& m : red.models)
    models.add(with_setup({m.dataset, m.architecture, std::to_string(m.size), m.criterion, std::to_string(m.runs),
                           num(m.epochs, 3), num(m.accuracy, 3), num(m.energy_j), num(m.energy_norm_j),
                           num(m.efficiency), num(m.efficiency_norm), m.energy_method},
                          m.setup));
  models.print(out);

  out << "\nPer architecture and criterion (Eq. 3: mean over sizes)\n";
  TextTable crit(with_setup({"dataset", "architecture", "criterion", "sizes", "efficiency 1/J", "normalised 1/J"},
                            "setup"));
  for (const auto& c : red.criteria)
    crit.add(with_setup({c.dataset, c.architecture, c.criterion, std::to_string(c.sizes), num(c.efficiency),
                         num(c.efficiency_norm)},
                        c.setup));
  crit.print(out);

  out << "\nPer architecture (Eq. 4: mean over criteria)\n";
  TextTable arch({"dataset", "architecture", "setup", "criteria", "efficiency 1/J", "normalised 1/J"});
  for (const auto& a : red.architectures)
    arch.add({a.dataset, a.architecture, a.setup, std::to_string(a.criteria), num(a.efficiency),
              num(a.efficiency_norm)});
  arch.print(out);

  if (!red.by_node.empty()) {
    out << "\nPer node (Eq. 4 over the runs each node made: raw differs with the hardware, normalised should agree)\n";
    TextTable by_node({"node", "dataset", "architecture", "setup", "criteria", "efficiency 1/J", "normalised 1/J"});
    for (const auto& a : red.by_node)
      by_node.add({a.node, a.dataset, a.architecture, a.setup, std::to_string(a.criteria), num(a.efficiency),
                   num(a.efficiency_norm)});
    by_node.print(out);
  }

  if (!red.ratios.empty()) {
    out << "\nRatios (the more efficient over the less)\n";
    TextTable ratios({"kind", "within", "ratio", "raw", "normalised"});
    for (const auto& q : red.ratios)
      ratios.add({q.kind, q.within, q.numerator + " / " + q.denominator, num(q.ratio, 3) + "×",
                  num(q.ratio_norm, 3) + "×"});
    ratios.print(out);
  }

  if (!red.overtraining.empty()) {
    out << "\nOvertraining (fixed-epoch runs: A = test gain from epoch a to b, B = growth of the train-test gap;"
           " overtrained when A < 0.005 or B >= A/2)\n";
    TextTable ot({"dataset", "architecture", "size", "fold", "a", "b", "A", "B", "verdict"});
    for (const auto& o : red.overtraining)
      ot.add({o.dataset, o.architecture, std::to_string(o.size), std::to_string(o.fold), std::to_string(o.epoch_a),
              std::to_string(o.epoch_b), num(o.gain_a, 3), num(o.gap_growth_b, 3),
              o.overtrained ? "overtrained" : "still learning"});
    ot.print(out);
  }

  if (!red.step.empty()) {
    out << "\nSTEP projections against what the runs then measured (finished runs of their planned epochs)\n";
    TextTable st({"architecture", "runs", "projected after epoch", "energy error", "time error"});
    for (const auto& s : red.step)
      st.add({s.architecture, std::to_string(s.runs), num(s.mean_at_epoch, 3), num(100 * s.energy_error, 3) + " %",
              num(100 * s.seconds_error, 3) + " %"});
    st.print(out);
  }

  if (!red.setups.empty()) {
    out << "\nTraining setups: energy to reach each accuracy target (mean over the runs that reached it; "
           "best = least energy among the setups that always reached it)\n";
    TextTable st({"dataset", "architecture", "criterion", "setup", "reached", "epochs", "energy J", "saving", ""});
    for (const auto& s : red.setups)
      st.add({s.dataset, s.architecture, s.criterion, s.setup,
              std::to_string(s.reached) + " of " + std::to_string(s.runs), num(s.epochs, 3), num(s.energy_j),
              std::isnan(s.saving) ? "" : num(100 * s.saving, 3) + " %", s.best ? "best" : ""});
    st.print(out);
  }

  if (!red.finetune.empty()) {
    out << "\nFine-tuning from a pretrained encoder against training from scratch (mean per finished run, "
        << red.energy << " J, " << method_in_words(red.energy_method)
        << "; pretraining reported apart: it is paid once and shared by its fine-tunings)\n";
    TextTable ft({"dataset", "model", "criterion", "frozen", "scratch J", "fine-tuned J", "pretraining J",
                  "saving", "saving incl. pretraining", "break-even", "acc scratch", "acc fine-tuned"});
    for (const auto& f : red.finetune)
      ft.add({f.dataset, f.architecture + "-" + std::to_string(f.size), f.criterion, f.freeze, num(f.scratch_j),
              num(f.finetune_j), num(f.pretrain_j), std::isnan(f.saving) ? "" : num(100 * f.saving, 3) + " %",
              std::isnan(f.saving_with_pretraining) ? "" : num(100 * f.saving_with_pretraining, 3) + " %",
              std::isnan(f.break_even) ? "never" : num(f.break_even, 3) + " runs", num(f.scratch_acc, 3),
              num(f.finetune_acc, 3)});
    ft.print(out);
  }

  if (!red.emissions.empty()) {
    out << "\nEmissions (estimated: gross energy of every attempt × the spec's carbon intensity): "
        << num(red.emissions_g) << " g CO2e in all\n";
    TextTable em({"by", "name", "attempts", "energy J", "g CO2e/kWh", "g CO2e"});
    for (const auto& e : red.emissions)
      em.add({e.kind, e.name, std::to_string(e.runs), num(e.energy_j), std::isnan(e.g_per_kwh) ? "" : num(e.g_per_kwh),
              num(e.grams)});
    em.print(out);
  }

  if (n.failed > 0) {
    out << "\nFailed cells\n";
    TextTable failed({"cell", "id", "model", "criterion", "fold", "attempts", "cause", "detail"});
    for (const auto& c : red.cells)
      if (c.status == "failed")
        failed.add({std::to_string(c.index), c.id, c.architecture + "-" + std::to_string(c.size), c.criterion,
                    std::to_string(c.fold), std::to_string(c.attempts), c.failure, c.detail});
    failed.print(out);
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void write_csv(const Reduction& red, std::ostream& out) {
  out << "cell,id,dataset,architecture,size,criterion,fold,repeat,status,attempts,epochs,test_acc,energy_j,"
         "normalised_energy_j,efficiency_per_j,normalised_efficiency_per_j,train_j_per_sample,eval_j_per_sample,"
         "energy_basis,energy_method,node,failure,role,gpu_util_percent,cpu_util_percent\n";
  for (const auto& c : red.cells)
    out << c.index << ',' << c.id << ',' << csv_field(c.dataset) << ',' << c.architecture << ',' << c.size << ','
        << csv_field(c.criterion) << ',' << c.fold << ',' << c.repeat << ',' << c.status << ',' << c.attempts << ','
        << c.epochs << ',' << csv_number(c.accuracy) << ',' << csv_number(c.energy_j) << ','
        << csv_number(c.energy_norm_j) << ',' << csv_number(c.efficiency) << ',' << csv_number(c.efficiency_norm)
        << ',' << csv_number(c.train_j_per_sample) << ',' << csv_number(c.eval_j_per_sample) << ',' << red.energy
        << ',' << c.energy_method << ',' << csv_field(c.node) << ',' << c.failure << ',' << c.role << ','
        << csv_number(c.gpu_util) << ',' << csv_number(c.cpu_util) << '\n';
}

// One tidy row per epoch of every settled attempt, with its cell's axes.
void write_csv_epochs(const StudyResults& r, const Reduction& red, std::ostream& out) {
  out << "cell,id,dataset,architecture,size,criterion,fold,repeat,replica,attempt,node,epoch,partial,batches,"
         "train_samples,eval_samples,loss,"
         "train_acc,val_acc,test_acc,train_s,eval_s,train_j,eval_j,train_net_j,eval_net_j,train_cpu_j,train_ram_j,"
         "train_gpu_j,eval_cpu_j,eval_ram_j,eval_gpu_j,cumulative_j,efficiency_per_j,energy_method,parameters,"
         "flops_per_sample,train_gpu_util_percent,train_cpu_util_percent,eval_gpu_util_percent,eval_cpu_util_percent\n";
  const auto settled = r.settled();
  for (const auto& c : r.cells) {
    auto it = settled.find(c.id);
    if (it == settled.end()) continue;
    for (const RunResult* run : it->second)
      for (const auto& e : run->epoch_records)
        out << c.index << ',' << c.id << ',' << csv_field(c.dataset) << ',' << c.architecture << ',' << c.size << ','
            << csv_field(c.criterion) << ',' << c.fold << ',' << c.repeat << ',' << run->replica << ','
            << run->attempt << ',' << csv_field(run->node) << ',' << e.epoch << ',' << (e.partial ? 1 : 0) << ','
            << e.batches << ',' << e.train_samples << ',' << e.eval_samples << ',' << csv_number(e.loss) << ',' << csv_number(e.train_acc) << ','
            << csv_number(e.val_acc) << ',' << csv_number(e.test_acc) << ',' << csv_number(e.train_s) << ','
            << csv_number(e.eval_s) << ',' << csv_number(e.train_energy.joules) << ','
            << csv_number(e.eval_energy.joules) << ',' << csv_number(e.train_energy.net_joules) << ','
            << csv_number(e.eval_energy.net_joules) << ',' << csv_number(e.train_energy.cpu_j) << ','
            << csv_number(e.train_energy.ram_j) << ',' << csv_number(e.train_energy.gpu_j) << ','
            << csv_number(e.eval_energy.cpu_j) << ',' << csv_number(e.eval_energy.ram_j) << ','
            << csv_number(e.eval_energy.gpu_j) << ',' << csv_number(e.cumulative_j) << ','
            << csv_number(e.efficiency) << ',' << e.train_energy.method << ',' << run->parameters << ','
            << run->flops_per_sample << ',' << csv_number(e.train_energy.gpu_util) << ','
            << csv_number(e.train_energy.cpu_util) << ',' << csv_number(e.eval_energy.gpu_util) << ','
            << csv_number(e.eval_energy.cpu_util) << '\n';
  }
  (void)red;
}

void write_json(const StudyResults& r, const Reduction& red, std::ostream& out) {
  json j;
  const Counts n = count_cells(r);
  j["study"] = {{"name", r.meta.study}, {"status", r.meta.status}, {"cells", r.cells.size()},
                {"done", n.done}, {"failed", n.failed}, {"pending", n.pending}, {"job_ids", r.meta.job_ids},
                {"merged_from", r.meta.sources}};
  j["energy"] = {{"basis", red.energy}, {"unit", "J"}, {"method", red.energy_method},
                 {"method_in_words", method_in_words(red.energy_method)},
                 {"measured", red.energy_method == "counter" || red.energy_method == "power"},
                 {"normalised_to", red.reference}};
  j["nodes"] = json::array();
  for (const auto& node : r.nodes) {
    double factor = NAN;
    for (const auto& f : red.nodes)
      if (f.node == node.name) factor = f.factor;
    j["nodes"].push_back({{"name", node.name}, {"energy_method", node.energy_method}, {"devices", node.devices},
                          {"idle_w", node.idle_w}, {"calibration_j", number_or_null(node.calibration_steps > 0 ? node.calibration_j : NAN)},
                          {"calibration_s", node.calibration_s}, {"normalisation_factor", number_or_null(factor)}});
  }
  j["cells"] = json::array();
  for (const auto& c : red.cells)
    j["cells"].push_back({{"index", c.index}, {"id", c.id}, {"dataset", c.dataset}, {"architecture", c.architecture},
                          {"size", c.size}, {"criterion", c.criterion}, {"fold", c.fold}, {"repeat", c.repeat},
                          {"status", c.status}, {"attempts", c.attempts}, {"epochs", c.epochs},
                          {"accuracy", c.accuracy}, {"energy_j", number_or_null(c.status == "done" ? c.energy_j : NAN)},
                          {"normalised_energy_j", number_or_null(c.energy_norm_j)},
                          {"efficiency", number_or_null(c.status == "done" ? c.efficiency : NAN)},
                          {"normalised_efficiency", number_or_null(c.efficiency_norm)},
                          {"train_j_per_sample", number_or_null(c.train_j_per_sample)},
                          {"eval_j_per_sample", number_or_null(c.eval_j_per_sample)},
                          {"energy_method", c.energy_method}, {"node", c.node}, {"failure", c.failure},
                          {"detail", c.detail}, {"role", c.role}, {"gpu_util_percent", number_or_null(c.gpu_util)},
                          {"cpu_util_percent", number_or_null(c.cpu_util)}});
  j["models"] = json::array();
  for (const auto& m : red.models)
    j["models"].push_back({{"dataset", m.dataset}, {"architecture", m.architecture}, {"size", m.size},
                           {"criterion", m.criterion}, {"setup", m.setup}, {"runs", m.runs}, {"epochs", m.epochs},
                           {"accuracy", m.accuracy}, {"energy_j", number_or_null(m.energy_j)},
                           {"normalised_energy_j", number_or_null(m.energy_norm_j)},
                           {"efficiency", number_or_null(m.efficiency)},
                           {"normalised_efficiency", number_or_null(m.efficiency_norm)},
                           {"energy_sd", number_or_null(m.energy_sd)},
                           {"accuracy_sd", number_or_null(m.accuracy_sd)},
                           {"train_j_per_sample", number_or_null(m.train_j_per_sample)},
                           {"eval_j_per_sample", number_or_null(m.eval_j_per_sample)},
                           {"gpu_util_percent", number_or_null(m.gpu_util)},
                           {"cpu_util_percent", number_or_null(m.cpu_util)},
                           {"energy_method", m.energy_method}});
  j["criteria"] = json::array();
  for (const auto& c : red.criteria)
    j["criteria"].push_back({{"dataset", c.dataset}, {"architecture", c.architecture}, {"criterion", c.criterion},
                             {"setup", c.setup}, {"sizes", c.sizes}, {"efficiency", number_or_null(c.efficiency)},
                             {"normalised_efficiency", number_or_null(c.efficiency_norm)}});
  j["architectures"] = json::array();
  for (const auto& a : red.architectures)
    j["architectures"].push_back({{"name", a.architecture}, {"dataset", a.dataset}, {"setup", a.setup},
                                  {"criteria", a.criteria}, {"efficiency", number_or_null(a.efficiency)},
                                  {"normalised_efficiency", number_or_null(a.efficiency_norm)}});
  j["by_node"] = json::array();
  for (const auto& a : red.by_node)
    j["by_node"].push_back({{"node", a.node}, {"name", a.architecture}, {"dataset", a.dataset}, {"setup", a.setup},
                            {"criteria", a.criteria}, {"efficiency", number_or_null(a.efficiency)},
                            {"normalised_efficiency", number_or_null(a.efficiency_norm)}});
  j["ratios"] = json::array();
  for (const auto& q : red.ratios)
    j["ratios"].push_back({{"kind", q.kind}, {"within", q.within}, {"numerator", q.numerator},
                           {"denominator", q.denominator}, {"ratio", number_or_null(q.ratio)},
                           {"normalised_ratio", number_or_null(q.ratio_norm)}});
  j["step"] = json::array();
  for (const auto& s : red.step)
    j["step"].push_back({{"architecture", s.architecture}, {"runs", s.runs}, {"at_epoch", number_or_null(s.mean_at_epoch)},
                         {"energy_error", number_or_null(s.energy_error)},
                         {"seconds_error", number_or_null(s.seconds_error)}});
  j["setups"] = json::array();
  for (const auto& s : red.setups)
    j["setups"].push_back({{"dataset", s.dataset}, {"architecture", s.architecture}, {"criterion", s.criterion},
                           {"setup", s.setup}, {"runs", s.runs}, {"reached", s.reached},
                           {"energy_j", number_or_null(s.energy_j)}, {"epochs", number_or_null(s.epochs)},
                           {"saving", number_or_null(s.saving)}, {"best", s.best}});
  j["finetune"] = json::array();
  for (const auto& f : red.finetune)
    j["finetune"].push_back({{"dataset", f.dataset}, {"architecture", f.architecture}, {"size", f.size},
                             {"criterion", f.criterion}, {"setup", f.setup}, {"freeze", f.freeze},
                             {"pretrain_dataset", f.pretrain_dataset}, {"pretrain_criterion", f.pretrain_criterion},
                             {"scratch_runs", f.scratch_runs}, {"finetune_runs", f.finetune_runs},
                             {"pretrain_runs", f.pretrain_runs}, {"scratch_j", number_or_null(f.scratch_j)},
                             {"finetune_j", number_or_null(f.finetune_j)}, {"pretrain_j", number_or_null(f.pretrain_j)},
                             {"scratch_accuracy", number_or_null(f.scratch_acc)},
                             {"finetune_accuracy", number_or_null(f.finetune_acc)},
                             {"saving", number_or_null(f.saving)},
                             {"saving_with_pretraining", number_or_null(f.saving_with_pretraining)},
                             {"break_even_runs", number_or_null(f.break_even)}});
  j["emissions"] = {{"grams_co2e", number_or_null(red.emissions_g)},
                    {"method", "estimated: gross energy of every attempt × the spec's carbon intensity"},
                    {"rows", json::array()}};
  for (const auto& e : red.emissions)
    j["emissions"]["rows"].push_back({{"kind", e.kind}, {"name", e.name}, {"attempts", e.runs},
                                      {"energy_j", e.energy_j}, {"g_per_kwh", number_or_null(e.g_per_kwh)},
                                      {"grams_co2e", e.grams}});
  j["overtraining"] = json::array();
  for (const auto& o : red.overtraining)
    j["overtraining"].push_back({{"cell_id", o.cell_id}, {"dataset", o.dataset}, {"architecture", o.architecture},
                                 {"size", o.size}, {"fold", o.fold}, {"epoch_a", o.epoch_a}, {"epoch_b", o.epoch_b},
                                 {"A", o.gain_a}, {"B", o.gap_growth_b}, {"overtrained", o.overtrained}});
  out << j.dump(2) << "\n";
}

}  // namespace

std::string method_in_words(const std::string& method) {
  if (method == "counter") return "measured by energy counters";
  if (method == "power") return "measured, integrated from power readings";
  if (method == "estimated") return "estimated from CPU utilisation and TDP (not measured)";
  if (method == "placeholder") return "a placeholder of fixed watts × time (not a measurement)";
  return method.empty() ? "unknown" : method;
}

size_t write_report_file(const std::string& format, const StudyResults& results, const Reduction& reduction,
                         const std::string& path) {
  std::ostringstream page;
  write_report(format, results, reduction, page);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path + ": cannot write " + tmp + ": " + std::strerror(errno));
    out << page.str();
    if (!out.flush()) {
      std::remove(tmp.c_str());
      throw InputError(path + ": cannot write " + tmp + ": " + std::strerror(errno));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw InputError(path + ": cannot replace it: " + why);
  }
  return page.str().size();
}

std::string report_path(const std::string& results_path, const std::string& format) {
  std::string stem = results_path;
  const size_t slash = stem.rfind('/'), dot = stem.rfind('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) stem.resize(dot);
  if (format == "csv-epochs") return stem + ".epochs.csv";
  if (format == "table") return stem + ".txt";
  return stem + "." + format;
}

const std::vector<std::string>& report_formats() {
  static const std::vector<std::string> formats{"table", "csv", "csv-epochs", "json", "html"};
  return formats;
}

void write_report(const std::string& format, const StudyResults& results, const Reduction& reduction,
                  std::ostream& out) {
  if (format == "table") write_table(results, reduction, out);
  else if (format == "csv") write_csv(reduction, out);
  else if (format == "csv-epochs") write_csv_epochs(results, reduction, out);
  else if (format == "html") write_html(results, reduction, out);
  else if (format == "json") write_json(results, reduction, out);
  else
    throw InputError("--format: unknown format '" + format + "'" + did_you_mean(format, report_formats()) +
                     "; known: " + join(report_formats(), ", "));
}

}  // namespace joulegrid
