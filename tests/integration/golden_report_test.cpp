// The report of a results file that an earlier joulegrid wrote, against the
// reports kept beside it (tests/data/golden/README.md): every format, byte
// for byte, so that a change to the reduction or a writer that changes what
// users read fails here until the goldens are written again on purpose
// (tests/data/golden/regenerate) and the commit says why. The same study
// left as a crash leaves it (a snapshot and a journal in the older JSON)
// must read the same.

#include <gtest/gtest.h>

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

class GoldenReport : public ::testing::TestWithParam<Case> {};

TEST_P(GoldenReport, MatchesWhatTheEarlierJoulegridPrinted) {
  const Case& c = GetParam();
  const std::string got = report(c.file, c.format, c.energy);
  const std::string want = slurp(kGolden + c.golden);
  ASSERT_FALSE(want.empty()) << c.golden << " is missing";
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
