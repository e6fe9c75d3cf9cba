// The HTML report at the size of a real study: a 240-cell study (two
// architectures × 5 sizes × 4 criteria × 3 folds × 2 repeats, 10 epochs)
// reduced — with its 2,000-resample bootstrap — and rendered in memory, against
// the console table of the same reduction. Prints one JSON object per figure.
//   report_speed [--rounds 5]

#include <chrono>
#include <sstream>

#include <CLI/CLI.hpp>

#include "bench/figure.hpp"
#include "io/report/report.hpp"
#include "orchestrator/reduce/reduce.hpp"
#include "tests/support/synthetic_results.hpp"

namespace joulegrid {
namespace {

using bench::figure;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

int run_bench(int argc, char** argv) {
  int rounds = 5;
  CLI::App app{"report speed"};
  app.add_option("--rounds", rounds, "best of");
  CLI11_PARSE(app, argc, argv);
  testing::SyntheticOptions o;
  o.sizes = 5;
  o.criteria = 4;
  o.folds = 3;
  o.repeats = 2;
  o.epochs = 10;
  const StudyResults study = testing::synthetic_study(o);
  double html_s = 1e9, table_s = 1e9, reduce_s = 1e9;
  size_t bytes = 0;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = Clock::now();
    const Reduction red = reduce(study);
    reduce_s = std::min(reduce_s, since(t0));
    std::ostringstream page, table;
    t0 = Clock::now();
    write_html(red, page);
    html_s = std::min(html_s, since(t0));
    t0 = Clock::now();
    write_report("table", red, table);
    table_s = std::min(table_s, since(t0));
    bytes = page.str().size();
  }
  const std::string n = std::to_string(study.cells.size()) + " cells";
  figure("report: reduce + bootstrap + html page, " + n, reduce_s + html_s, "s", "", 1.0, true);
  figure("report: html page alone over the console table, " + n, html_s / table_s, "x",
         "console table " + std::to_string(table_s * 1e3) + " ms", NAN, true);
  figure("report: html page size, " + n, static_cast<double>(bytes) / (1 << 20), "MiB", "", 3.0, true);
  return 0;
}

}  // namespace
}  // namespace joulegrid

int main(int argc, char** argv) { return joulegrid::run_bench(argc, argv); }
