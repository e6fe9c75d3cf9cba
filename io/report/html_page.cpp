// `joulegrid report FILE --format html`: one self-contained page — inline
// CSS and SVG, no scripts, fonts or links outside it — with the answer
// first (html_summary.cpp), then the paper's figures (html_figures.cpp) and
// tables (html_tables.cpp), statistics with their sample sizes, and the
// energy method named wherever an energy appears. docs/report.md describes it.

#include "io/report/html_parts.hpp"
#include "io/report/report.hpp"
#include "io/spec/suggest.hpp"

namespace joulegrid {

namespace {

using svg::escape;

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

void write_header(const Reduction& red, std::ostream& out) {
  const StudySummary& s = red.study;
  out << "<header><h1>" << escape(s.name) << "</h1><p class=\"muted\">Accuracy per joule of training energy. "
      << "Spec " << escape(s.spec_file) << "; created " << escape(s.created_utc) << ", updated "
      << escape(s.updated_utc) << "; jobs " << escape(s.job_ids.empty() ? "local" : s.job_ids) << ".</p>";
  if (!measured(red.energy_method))
    out << "<p class=\"warning\" id=\"energy-warning\">The energy of this study is "
        << escape(red.energy_method == EnergyMethodValue::none ? "not yet known: no run has finished"
                                                               : method_in_words(red.energy_method))
        << ". Every joule on this page is "
        << escape(red.energy_method == EnergyMethodValue::none ? "missing" : red.energy_method.str())
        << ", so compare architectures with care.</p>";
  std::string on_test;
  for (const auto& c : red.criteria)
    if (c.selection == "test" && on_test.find(c.criterion) == std::string::npos)
      on_test += (on_test.empty() ? "" : ", ") + c.criterion;
  if (!on_test.empty())
    out << "<p class=\"warning\" id=\"selection-warning\">Stopping on the test set: " << escape(on_test)
        << " chose when to stop by the test accuracy ([data] validation = \"test\", the paper's choice), so "
           "their test accuracies are optimistic.</p>";
  if (s.gpu_shared_runs > 0)
    out << "<p class=\"warning\" id=\"shared-gpu-warning\">Shared GPU: " << s.gpu_shared_runs
        << " run" << (s.gpu_shared_runs == 1 ? "" : "s")
        << " trained on a card other ranks used at the same time ([train] share_gpus); each counts the card's whole "
           "energy, so their joules are too high. Their models are marked.</p>";
  if (s.gpu_unmetered_runs > 0)
    out << "<p class=\"warning\" id=\"unmetered-gpu-warning\">GPU not measured: " << s.gpu_unmetered_runs
        << " run" << (s.gpu_unmetered_runs == 1 ? "" : "s")
        << " trained on a GPU that no meter read ([meters] allow_unmetered_gpu); their joules are the CPU's and "
           "RAM's alone, far too low. Their models are marked.</p>";
  if (!s.imported_models.empty())
    out << "<p class=\"note\" id=\"imported-models\">FLOPs of " << escape(join(s.imported_models))
        << " (TorchScript, [models]) were counted from a forward pass: " << kCountedFlopsInWords << ".</p>";
  if (s.segmented_runs > 0) {
    out << "<p class=\"note\" id=\"segmented-runs\">Continued from a checkpoint: " << s.segmented_runs << " run"
        << (s.segmented_runs == 1 ? "" : "s")
        << " ran in stretches (a stop, a time limit or a killed job in between); each stretch is normalised by the "
           "calibration of the node it ran on:";
    for (const auto& c : red.cells)
      if (!c.segments.empty())
        out << " cell " << c.index << " (" << escape(c.architecture + "-" + std::to_string(c.size) + " " + c.criterion)
            << "): " << escape(c.segments) << ";";
    out << "</p>";
  }
  for (const auto& n : red.nodes)
    if (!n.net_reliable && red.energy == EnergyBasisValue::net)
      out << "<p class=\"warning\" id=\"net-warning-" << escape(n.node.name) << "\">Net energy is unreliable on node "
          << escape(n.node.name) << ": " << escape(n.net_doubt)
          << ". Its net figures are marked; its gross figures are unaffected.</p>";
  if (s.status != StudyStatusValue::complete)
    out << "<p class=\"warning\" id=\"status-warning\">The study is " << escape(s.status.str())
        << ": the figures cover only the cells that finished.</p>";
  out << "</header>";
}

}  // namespace

void write_html(const Reduction& red, std::ostream& out) {
  const html::Basis basis{red.compare_normalised};
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<meta name=\"generator\" content=\""
      << escape(red.study.program_version) << "\"><title>joulegrid: " << escape(red.study.name) << "</title><style>"
      << kStyle << "</style></head><body>";
  write_header(red, out);
  html::write_summary(red, basis, out);
  html::write_figures(red, basis, out);
  html::write_tables(red, out);
  out << "<footer class=\"muted\"><p>Written by " << escape(red.study.program_version)
      << " from the results file's rows; the equations are in docs/reduction.md.</p></footer></body></html>\n";
}

}  // namespace joulegrid
