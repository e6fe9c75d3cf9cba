// The report of a results file that an earlier joulegrid wrote, against the
// reports that joulegrid printed of it then (tests/data/golden/README.md):
// every format, byte for byte. The JSON may differ only by the keys renamed
// since (docs/results-file.md, "Names"), which the test applies to the old
// report before it compares. The same study left as a crash leaves it (a
// snapshot and a journal in the older JSON) must read the same.

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/datasets/datasets.hpp"
#include "io/store/store.hpp"
#include "tests/support/run_command.hpp"

namespace joulegrid {
namespace {

using nlohmann::json;
using testing::quote;
using testing::run_command;
using testing::slurp;

const std::string kGolden = std::string(JOULEGRID_SOURCE_DIR) + "/tests/data/golden/";

// Report JSON keys renamed to the one name the results file, the CSV and
// the /reduced tables use, per top-level table ("" for the table itself).
const std::map<std::string, std::map<std::string, std::string>>& renamed_keys() {
  static const std::map<std::string, std::string> efficiency{
      {"efficiency", "efficiency_per_j"}, {"normalised_efficiency", "normalised_efficiency_per_j"}};
  auto with = [&](std::map<std::string, std::string> more) {
    more.insert(efficiency.begin(), efficiency.end());
    return more;
  };
  static const std::map<std::string, std::map<std::string, std::string>> renames{
      {"architectures", with({{"name", "architecture"}})},
      {"by_node", with({{"name", "architecture"}})},
      {"cells", with({{"index", "cell"}, {"accuracy", "test_acc"}})},
      {"criteria", efficiency},
      {"models", efficiency},
      {"energy", {{"basis", "energy_basis"}, {"method", "energy_method"}}},
  };
  return renames;
}

// Keys added to the report's JSON since, per table, with how to compute
// them from the old row.
using Addition = std::function<json(const json& old_row, const json& whole)>;
const std::map<std::string, std::map<std::string, Addition>>& added_keys() {
  static const std::map<std::string, std::map<std::string, Addition>> added{
      // A cell's row says its basis, as the CSV always did.
      {"cells", {{"energy_basis", [](const json&, const json& whole) { return whole["energy"]["basis"]; }}}},
  };
  return added;
}

json rename_rows(const std::string& table, json rows, const json& whole) {
  auto fix = [&](json& row) {
    if (!row.is_object()) return;
    json out = json::object();
    const auto renames = renamed_keys().find(table);
    for (auto& [key, value] : row.items()) {
      std::string name = key;
      if (renames != renamed_keys().end())
        if (auto r = renames->second.find(key); r != renames->second.end()) name = r->second;
      out[name] = value;
    }
    if (auto a = added_keys().find(table); a != added_keys().end())
      for (const auto& [key, compute] : a->second) out[key] = compute(row, whole);
    row = std::move(out);
  };
  if (rows.is_array())
    for (auto& row : rows) fix(row);
  else
    fix(rows);
  return rows;
}

json renamed(const json& old) {
  json out = json::object();
  for (auto& [table, rows] : old.items()) out[table] = rename_rows(table, rows, old);
  return out;
}

// The first line where two texts part, for a failure message.
std::string first_difference(const std::string& want, const std::string& got) {
  std::istringstream a(want), b(got);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) return "the texts are equal line by line (a final newline differs)";
    if (la != lb || more_a != more_b)
      return "line " + std::to_string(line) + ":\n  expected: " + (more_a ? la : "<end>") + "\n  actual:   " +
             (more_b ? lb : "<end>");
  }
}

std::string report(const std::string& file, const std::string& format, const std::string& energy) {
  const auto r = run_command(std::string(JOULEGRID_BINARY) + " report " + quote(kGolden + file) + " --format " +
                             format + (energy.empty() ? "" : " --energy " + energy));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

struct Case {
  std::string file, format, energy, golden;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.file << " --format " << c.format << " " << c.energy; }

// The one figure of the HTML page that changed on purpose: its x axis,
// forward FLOPs × the samples trained, counted the samples as batches × the
// batch size (a partial last batch counted whole), where every other figure
// and PRE counted the samples the epochs recorded. The samples trained are
// now defined once (orchestrator/reduce/quantities.hpp); the figure as drawn
// since is kept beside the old page.
const std::string kChangedFigure = "<figure id=\"figure-fig-energy-flops\">";

// The page without the changed figure, and the figure alone.
std::pair<std::string, std::string> cut_figure(const std::string& page) {
  const size_t at = page.find(kChangedFigure);
  if (at == std::string::npos) return {page, ""};
  const size_t end = page.find("</figure>", at) + std::string("</figure>").size();
  return {page.substr(0, at) + page.substr(end), page.substr(at, end - at)};
}

class GoldenReport : public ::testing::TestWithParam<Case> {};

TEST_P(GoldenReport, MatchesWhatTheEarlierJoulegridPrinted) {
  const Case& c = GetParam();
  const std::string got = report(c.file, c.format, c.energy);
  std::string want = slurp(kGolden + c.golden);
  ASSERT_FALSE(want.empty()) << c.golden << " is missing";
  if (c.format == "json") want = renamed(json::parse(want)).dump(2) + "\n";
  if (c.format == "html") {
    const auto [want_page, old_figure] = cut_figure(want);
    const auto [got_page, figure] = cut_figure(got);
    ASSERT_FALSE(old_figure.empty());
    EXPECT_TRUE(got_page == want_page) << c.golden << ", but for the FLOPs figure, differs at "
                                       << first_difference(want_page, got_page);
    const std::string figure_golden = c.golden.substr(0, c.golden.rfind('.')) + ".flops-figure.html";
    const std::string want_figure = slurp(kGolden + figure_golden);
    EXPECT_TRUE(figure == want_figure) << figure_golden << " differs at " << first_difference(want_figure, figure);
    return;
  }
  EXPECT_TRUE(got == want) << c.file << " --format " << c.format << " " << c.energy << " differs from "
                           << c.golden << " at " << first_difference(want, got);
}

std::vector<Case> cases() {
  std::vector<Case> out;
  const std::vector<std::pair<std::string, std::string>> formats{
      {"table", "table"}, {"csv", "csv"}, {"csv-epochs", "epochs.csv"}, {"json", "json"}, {"html", "html"}};
  for (const auto& [format, ext] : formats) {
    out.push_back({"golden.h5", format, "", "report." + ext});
    out.push_back({"golden.h5", format, "net", "report-net." + ext});
  }
  // A snapshot of the first 50 runs and a journal of the other 25 and the
  // second node, written by the older joulegrid: the same study, running.
  out.push_back({"crashed.h5", "table", "", "crashed.table"});
  out.push_back({"crashed.h5", "json", "", "crashed.json"});
  return out;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.file.substr(0, info.param.file.find('.')) + "_" + info.param.format +
                  (info.param.energy.empty() ? "" : "_" + info.param.energy);
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, GoldenReport, ::testing::ValuesIn(cases()), case_name);

// A cell's id hashes its parameters: the spec that made the golden study
// must still expand to the cells, ids and order the file holds, or every
// stored study would stop resuming.
TEST(GoldenGrid, TheSpecStillExpandsToTheCellIdsTheFileHolds) {
  DataSpec fashion;
  fashion.path = default_dataset_dir();
  if (!check_dataset_files(fashion).empty()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto r = run_command("JOULEGRID_FASHION_MNIST_DIR=" + quote(default_dataset_dir()) + " " +
                             std::string(JOULEGRID_BINARY) + " plan --json " + quote(kGolden + "golden.toml"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json planned = json::parse(r.out);
  const StudyResults file = load_results(kGolden + "golden.h5");
  ASSERT_EQ(planned.size(), file.cells.size());
  for (size_t i = 0; i < file.cells.size(); ++i) {
    EXPECT_EQ(planned[i]["id"], file.cells[i].id) << "cell " << i;
    EXPECT_EQ(planned[i]["index"], file.cells[i].index) << "cell " << i;
  }
}

}  // namespace
}  // namespace joulegrid
