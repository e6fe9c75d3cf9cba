// `joulegrid report --format html`: a results file built in the test is
// rendered, opened in headless Chromium with no network, and the DOM it
// dumps must hold the summary, every figure and table, and the study's own
// numbers; a screenshot is kept in build/tests/artifacts/ for people.

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/report/svg.hpp"
#include "io/store/store.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/synthetic_results.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

using namespace joulegrid::testing;

class HtmlReport : public ::testing::Test {
 protected:
  std::string write_study(const SyntheticOptions& o) {
    const std::string file = dir_.file("study.h5");
    write_new_results(file, synthetic_study(o));
    return file;
  }

  CommandResult report(const std::string& file, const std::string& format, const std::string& out) {
    return run_command(std::string(JOULEGRID_BINARY) + " report " + quote(file) + " --format " + format + " -o " +
                       quote(out));
  }

  // Chromium with no network and no profile left behind.
  static bool have_chromium() { return run_command("command -v chromium").exit_code == 0; }
  CommandResult chromium(const std::string& args) {
    return run_command("timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run "
                       "--disable-background-networking --proxy-server=127.0.0.1:9 --user-data-dir=" +
                       quote(dir_.file("profile")) + " " + args);
  }

  TempDir dir_;
};

TEST_F(HtmlReport, ThePageIsSelfContainedAndItsDomCarriesTheStudysNumbers) {
  SyntheticOptions o;
  o.carbon_g_per_kwh = 400;
  const std::string file = write_study(o);
  const std::string page = dir_.file("report.html");
  const CommandResult r = report(file, "html", page);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = slurp(page);

  // Offline: nothing is fetched. The only URL is the SVG namespace.
  for (const char* outside : {"<script", "<link", " src=", "@import", "url("})
    EXPECT_EQ(html.find(outside), std::string::npos) << outside;
  size_t at = 0;
  while ((at = html.find("http", at)) != std::string::npos) {
    EXPECT_EQ(html.compare(at, 26, "http://www.w3.org/2000/svg"), 0) << html.substr(at, 60);
    at += 4;
  }

  if (!have_chromium()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps installs it)";
  const CommandResult dom = chromium("--dump-dom " + quote("file://" + page));
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  const std::string& d = dom.out;
  ASSERT_NE(d.find("</html>"), std::string::npos) << "Chromium rendered the whole page";
  for (const char* id : {"summary", "answer", "table-answer", "table-comparisons", "table-grid", "table-hardware",
                         "fig-eq2-0", "fig-criteria-box", "fig-arch-vs-arch", "fig-energy-params", "fig-energy-flops",
                         "fig-energy-utilisation", "fig-train-eval", "fig-nodes", "table-models", "table-criteria",
                         "table-architectures", "table-by-node", "table-ratios", "table-overtraining", "table-failed",
                         "table-emissions"})
    EXPECT_NE(d.find("id=\"" + std::string(id) + "\""), std::string::npos) << id;

  // Estimated energy is said at the top, in words, before any number.
  const size_t warning = d.find("id=\"energy-warning\"");
  ASSERT_NE(warning, std::string::npos);
  EXPECT_LT(warning, d.find("id=\"summary\""));
  EXPECT_NE(d.find("estimated from CPU utilisation and TDP (not measured)", warning), std::string::npos);

  // The study's numbers, as `report --format json` computes them.
  const CommandResult js = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(file) + " --format json");
  ASSERT_EQ(js.exit_code, 0) << js.err;
  const auto j = nlohmann::json::parse(js.out);
  const std::string answer = d.substr(d.find("id=\"table-answer\""));
  for (const auto& a : j["architectures"]) {
    EXPECT_NE(answer.find(svg::number(a["efficiency_per_j"].get<double>())), std::string::npos) << a.dump();
    EXPECT_NE(answer.find(svg::number(a["normalised_efficiency_per_j"].get<double>())), std::string::npos) << a.dump();
  }
  const std::string summary = d.substr(d.find("id=\"answer\""), 2000);
  ASSERT_EQ(j["comparisons"].size(), 1u);
  for (const auto& c : j["comparisons"]) {
    EXPECT_NE(summary.find("<b>" + c["numerator"].get<std::string>() + "</b> is <b>" +
                           svg::number(c["ratio"].get<double>(), 3) + "×</b>"),
              std::string::npos)
        << summary;
    EXPECT_NE(summary.find("p = " + svg::number(c["p"].get<double>(), 3)), std::string::npos) << summary;
  }
  EXPECT_NE(summary.find("11 pairs of 11 and 12 runs"), std::string::npos) << "the sample sizes are stated: " << summary;
  EXPECT_NE(summary.find("Wilcoxon signed-rank on matched cells"), std::string::npos);
  const std::string emissions = d.substr(d.find("id=\"emissions\""), 400);
  EXPECT_NE(emissions.find(svg::number(j["emissions"]["grams_co2e"].get<double>(), 3) + " g CO2e"), std::string::npos)
      << emissions;
  EXPECT_NE(emissions.find("estimated"), std::string::npos) << emissions;
  const std::string failed = d.substr(d.find("id=\"table-failed\""));
  EXPECT_NE(failed.find("lenet-2-c0-f1-r0"), std::string::npos) << "the failed cell and its cause";
  EXPECT_NE(failed.find("nonfinite_loss"), std::string::npos);
  // One box per criterion and architecture, each stating n; every run a point.
  EXPECT_EQ(std::count_if(j["cells"].begin(), j["cells"].end(), [](const auto& c) { return c["status"] == "done"; }),
            23);
  size_t points = 0;
  const std::string params = d.substr(d.find("id=\"fig-energy-params\""));
  for (size_t p = params.find("<circle"); p != std::string::npos && p < params.find("</svg>"); p = params.find("<circle", p + 1))
    ++points;
  EXPECT_EQ(points, 23u);
  points = 0;
  const std::string util = d.substr(d.find("id=\"fig-energy-utilisation\""));
  ASSERT_NE(d.find("<figure id=\"figure-fig-energy-utilisation\""), std::string::npos)
      << "drawn: the runs recorded GPU utilisation";
  EXPECT_NE(util.find("GPU utilisation"), std::string::npos);
  for (size_t p = util.find("<circle"); p != std::string::npos && p < util.find("</svg>"); p = util.find("<circle", p + 1))
    ++points;
  EXPECT_EQ(points, 23u);

  // A screenshot for people, kept with the build.
  const auto artifacts = std::filesystem::path(JOULEGRID_BINARY).parent_path() / "tests" / "artifacts";
  std::filesystem::create_directories(artifacts);
  const std::string png = (artifacts / "report.png").string();
  std::filesystem::remove(png);
  const CommandResult shot =
      chromium("--hide-scrollbars --window-size=1200,3000 --screenshot=" + quote(png) + " " + quote("file://" + page));
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  ASSERT_TRUE(std::filesystem::exists(png));
  EXPECT_GT(std::filesystem::file_size(png), 20000u) << "a blank page compresses to almost nothing";
}

TEST_F(HtmlReport, AStudyWithNothingFinishedYetStillRendersAndSaysSo) {
  StudyResults r = synthetic_study({});
  r.runs.clear();
  for (auto& c : r.cells) {
    c.status = "pending";
    c.attempts = 0;
  }
  r.meta.status = "running";
  const std::string file = dir_.file("early.h5");
  write_new_results(file, r);
  const std::string page = dir_.file("early.html");
  const CommandResult out = report(file, "html", page);
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const std::string html = slurp(page);
  EXPECT_NE(html.find("not yet known: no run has finished"), std::string::npos);
  EXPECT_NE(html.find("id=\"status-warning\""), std::string::npos);
  EXPECT_NE(html.find("No two architectures have finished runs to compare yet"), std::string::npos);
  EXPECT_NE(html.find("no data"), std::string::npos);
  EXPECT_EQ(html.find("nan"), std::string::npos) << "no NaN leaks into the page";
}

TEST_F(HtmlReport, A240CellStudyStaysAFewMegabytes) {
  SyntheticOptions o;
  o.sizes = 5;
  o.criteria = 4;
  o.folds = 3;
  o.repeats = 2;
  o.epochs = 10;
  const std::string file = write_study(o);
  const CommandResult r = report(file, "html", dir_.file("big.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(std::filesystem::file_size(dir_.file("big.html")), 3u << 20);
  EXPECT_EQ(load_results(file).cells.size(), 240u);
}

TEST_F(HtmlReport, CsvEpochsHasOneTidyRowPerEpochOfEverySettledRun) {
  const std::string file = write_study({});
  const CommandResult r = report(file, "csv-epochs", dir_.file("epochs.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string csv = slurp(dir_.file("epochs.csv"));
  size_t epochs = 0;
  for (const auto& run : load_results(file).runs) epochs += run.epoch_records.size();
  EXPECT_EQ(static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')), epochs + 1);
  EXPECT_EQ(csv.rfind("cell,id,dataset,architecture,size,criterion,fold,repeat,replica,attempt,node,epoch,", 0), 0u);
}

TEST_F(HtmlReport, BadArgumentsAreRefusedAndAnOlderReportIsLeftWhole) {
  const std::string file = write_study({});
  const std::string page = dir_.write("report.html", "older report\n");
  CommandResult r = report(file, "htlm", page);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean 'html'"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(page), "older report\n");
  r = report(file, "html", file);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("that is the results file"), std::string::npos) << r.err;
  EXPECT_EQ(load_results(file).cells.size(), 12u * 2);
  r = report(file, "html", dir_.file("no/such/folder/report.html"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no/such/folder/report.html"), std::string::npos) << r.err;
}

// Runs that all kept the GPU 37 % busy give x values equal to the last few
// bits; the axis must be padded around them, not stepped in 1e-15s forever.
TEST(Svg, AnAxisOfNearlyEqualValuesIsPaddedNotEndless) {
  svg::Series s{"lenet", {37.0, 37.0 + 3e-14, 37.0 - 2e-14}, {1.0, 2.0, 3.0}, {}};
  const svg::Chart chart{"fig-near", "near", {"utilisation [%]", false}, {"energy [J]", true}};
  const std::string page = svg::scatter_chart(chart, {s});
  size_t ticks = 0;
  for (size_t p = page.find("class=\"tick\""); p != std::string::npos; p = page.find("class=\"tick\"", p + 1)) ++ticks;
  EXPECT_GT(ticks, 2u);
  EXPECT_LT(ticks, 40u);
  EXPECT_LT(page.size(), 100000u);
}

}  // namespace
}  // namespace joulegrid
