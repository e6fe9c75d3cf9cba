// The reduction against the paper (arXiv 2409.07925): from its printed
// per-model efficiencies, Eq. 3 must give its Table 11 and Eq. 4 its
// Table 12 to the printed precision; the overtraining rule must give its
// 20 verdicts of §5.4 (Table 13).

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/report/report.hpp"
#include "orchestrator/reduce/baseline.hpp"
#include "orchestrator/reduce/reduce.hpp"
#include "orchestrator/reduce/statistics.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/synthetic_results.hpp"

namespace joulegrid {
namespace {

std::vector<std::map<std::string, std::string>> read_tsv(const std::string& name) {
  std::ifstream in(std::string(JOULEGRID_SOURCE_DIR) + "/tests/data/" + name);
  EXPECT_TRUE(in) << name;
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::stringstream s(line);
    std::string cell;
    while (std::getline(s, cell, '\t')) cells.push_back(cell);
    if (header.empty()) {
      header = cells;
      continue;
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size(); ++i) row[header[i]] = i < cells.size() ? cells[i] : "";
    rows.push_back(row);
  }
  return rows;
}

// Half a unit of the last printed digit of `printed` ("2.59e-06" → 5e-9).
double printed_tolerance(const std::string& printed) {
  const size_t e = printed.find_first_of("eE");
  const std::string mantissa = printed.substr(0, e);
  const int exponent = e == std::string::npos ? 0 : std::stoi(printed.substr(e + 1));
  const size_t dot = mantissa.find('.');
  const int decimals = dot == std::string::npos ? 0 : static_cast<int>(mantissa.size() - dot - 1);
  return 0.5 * std::pow(10.0, exponent - decimals) * (1 + 1e-9);
}

std::vector<ModelRow> paper_models() {
  std::vector<ModelRow> models;
  for (const auto& r : read_tsv("paper-tables.tsv")) {
    ModelRow m;
    m.dataset = r.at("dataset");
    m.architecture = r.at("architecture");
    m.criterion = r.at("criterion");
    m.size = std::stoi(r.at("size"));
    m.efficiency = std::stod(r.at("eff_printed"));
    m.efficiency_norm = m.efficiency;
    models.push_back(m);
  }
  return models;
}

TEST(PaperGolden, Eq3ReproducesTable11ToThePrintedPrecision) {
  const auto criteria = efficiency_by_criterion(paper_models());
  int checked = 0;
  for (const auto& r : read_tsv("paper-tables.tsv")) {
    if (r.at("eq3_printed").empty()) continue;
    const CriterionRow* found = nullptr;
    for (const auto& c : criteria)
      if (c.dataset == r.at("dataset") && c.architecture == r.at("architecture") && c.criterion == r.at("criterion"))
        found = &c;
    ASSERT_NE(found, nullptr) << r.at("dataset") << " " << r.at("architecture") << " " << r.at("criterion");
    EXPECT_EQ(found->sizes, 5);
    // The inputs are rounded too: the mean carries the mean of their rounding.
    double input_rounding = 0;
    for (const auto& m : read_tsv("paper-tables.tsv"))
      if (m.at("table") == r.at("table") && m.at("architecture") == r.at("architecture"))
        input_rounding += printed_tolerance(m.at("eff_printed")) / 5;
    EXPECT_NEAR(found->efficiency, std::stod(r.at("eq3_printed")),
                printed_tolerance(r.at("eq3_printed")) + input_rounding)
        << "Table " << r.at("table") << " " << r.at("architecture");
    ++checked;
  }
  EXPECT_EQ(checked, 16);  // 2 datasets × 2 architectures × 4 criteria
}

TEST(PaperGolden, Eq4AndRatiosReproduceTable12) {
  const auto archs = efficiency_by_architecture(efficiency_by_criterion(paper_models()));
  auto eff = [&](const std::string& dataset, const std::string& arch) {
    for (const auto& a : archs)
      if (a.dataset == dataset && a.architecture == arch) return a.efficiency;
    return std::nan("");
  };
  EXPECT_NEAR(eff("mnist", "lenet"), 12.86e-6, 0.005e-6);
  EXPECT_NEAR(eff("mnist", "bcnn"), 2.88e-6, 0.005e-6);
  EXPECT_NEAR(eff("cifar", "lenet"), 7.06e-6, 0.005e-6);
  EXPECT_NEAR(eff("cifar", "bcnn"), 1.36e-6, 0.005e-6);

  const auto ratios = efficiency_ratios(archs);
  auto ratio = [&](const std::string& kind, const std::string& num, const std::string& den, const std::string& within) {
    for (const auto& q : ratios)
      if (q.kind == kind && q.numerator == num && q.denominator == den && q.within.rfind(within, 0) == 0) return q.ratio;
    return std::nan("");
  };
  // A ratio of two Eq. 4 values known to ±0.005e-6 is known to the sum of
  // their relative roundings, plus its own printed rounding.
  auto tolerance = [&](double ratio_value, double a, double b) {
    return ratio_value * (0.005e-6 / a + 0.005e-6 / b) + 0.005;
  };
  EXPECT_NEAR(ratio("architecture", "lenet", "bcnn", "mnist"), 4.46, tolerance(4.46, 12.86e-6, 2.88e-6));
  EXPECT_NEAR(ratio("architecture", "lenet", "bcnn", "cifar"), 5.18, tolerance(5.18, 7.06e-6, 1.36e-6));
  EXPECT_NEAR(ratio("dataset", "mnist", "cifar", "lenet"), 1.82, tolerance(1.82, 12.86e-6, 7.06e-6));
  EXPECT_NEAR(ratio("dataset", "mnist", "cifar", "bcnn"), 2.11, tolerance(2.11, 2.88e-6, 1.36e-6));
}

TEST(PaperGolden, OvertrainingRuleGivesThePapersTwentyVerdicts) {
  int checked = 0, overtrained = 0;
  for (const auto& r : read_tsv("paper-overtraining.tsv")) {
    const OvertrainingRow o = overtraining_verdict(std::stod(r.at("train50")), std::stod(r.at("test50")),
                                                   std::stod(r.at("train100")), std::stod(r.at("test100")));
    EXPECT_EQ(o.overtrained, r.at("verdict_paper") == "overtrained")
        << r.at("dataset") << " " << r.at("architecture") << "-" << r.at("size");
    EXPECT_NEAR(o.gain_a, std::stod(r.at("A_printed")), 0.005 + 1e-9);
    EXPECT_NEAR(o.gap_growth_b, std::stod(r.at("B_printed")), 0.005 + 1e-9);
    overtrained += o.overtrained;
    ++checked;
  }
  EXPECT_EQ(checked, 20);
  EXPECT_EQ(overtrained, 15);
}

// A study file's rows reduce as the equations say: folds combined as mean
// accuracy over mean energy, normalised energy scaled by E_ref(first)/E_ref(node).
TEST(Reduce, CombinesFoldsAndNormalisesByCalibration) {
  StudyResults s;
  s.meta.normalise_to = "first";
  NodeRecord a, b;
  a.name = "a";
  a.calibration_steps = b.calibration_steps = 10;
  a.calibration_j = 100;
  b.name = "b";
  b.calibration_j = 200;
  s.nodes = {a, b};
  auto add = [&](const std::string& id, int fold, const std::string& node, double acc, double joules) {
    CellRow c;
    c.id = id;
    c.dataset = "d";
    c.architecture = "lenet";
    c.size = 1;
    c.criterion = "epochs2";
    c.criterion_kind = "epochs";
    c.fold = fold;
    c.batch_size = 256;
    c.optimizer = "adam";
    c.status = "done";
    c.attempts = 1;
    s.cells.push_back(c);
    RunResult r;
    r.cell_id = id;
    r.status = "done";
    r.settles_cell = true;
    r.node = node;
    r.test_acc = acc;
    r.energy_j = joules;
    r.energy_method = "counter";
    r.epochs = 2;
    s.runs.push_back(r);
  };
  add("c0", 0, "a", 0.8, 100);
  add("c1", 1, "b", 0.6, 300);  // twice the power: 150 J on node a's scale
  const Reduction red = reduce(s, "gross");
  ASSERT_EQ(red.models.size(), 1u);
  EXPECT_EQ(red.models[0].runs, 2);
  EXPECT_DOUBLE_EQ(red.models[0].accuracy, 0.7);
  EXPECT_DOUBLE_EQ(red.models[0].energy_j, 200);
  EXPECT_DOUBLE_EQ(red.models[0].efficiency, 0.7 / 200);
  EXPECT_DOUBLE_EQ(red.models[0].energy_norm_j, 125);
  EXPECT_DOUBLE_EQ(red.models[0].efficiency_norm, 0.7 / 125);
  ASSERT_EQ(red.architectures.size(), 1u);
  EXPECT_DOUBLE_EQ(red.architectures[0].efficiency, 0.7 / 200);
  EXPECT_EQ(red.energy_method, "counter");
}


// ---- statistics --------------------------------------------------------------

TEST(Statistics, MannWhitneyMatchesTheTextbookNormalApproximation) {
  // scipy.stats.mannwhitneyu([1,2,3], [4,5,6], method="asymptotic"): U = 0, p = 0.0809.
  const MannWhitney r = mann_whitney({1, 2, 3}, {4, 5, 6});
  EXPECT_EQ(r.n_a, 3);
  EXPECT_EQ(r.n_b, 3);
  EXPECT_DOUBLE_EQ(r.u, 0.0);
  EXPECT_NEAR(r.z, -4.0 / std::sqrt(5.25), 1e-12);
  EXPECT_NEAR(r.p, 0.0809, 1e-4);
  // Ties take mid-ranks and shrink the variance. By hand: ranks of a are 1, 3,
  // 3, 5.5, so U = 12.5 − 10 = 2.5; Σ(t³ − t) = 24 + 6; var = 16/12 × (9 − 30/56);
  // z = −(8 − 2.5 − 0.5)/√var = −1.4884, p = 0.1367.
  const MannWhitney t = mann_whitney({1, 2, 2, 3}, {2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(t.u, 2.5);
  EXPECT_NEAR(t.z, -5.0 / std::sqrt(16.0 / 12.0 * (9.0 - 30.0 / 56.0)), 1e-12);
  EXPECT_NEAR(t.p, 0.1367, 1e-4);
  // Identical samples: no evidence either way. NaN runs are left out.
  EXPECT_DOUBLE_EQ(mann_whitney({2, 2, 2}, {2, 2, NAN}).p, 1.0);
  EXPECT_EQ(mann_whitney({1, NAN}, {2}).n_a, 1);
}

TEST(Statistics, QuantilesInterpolateLinearly) {
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile({4, 1, 3, 2}, 1.0), 4.0);
  EXPECT_TRUE(std::isnan(quantile({}, 0.5)));
}

TEST(Statistics, BootstrapIntervalsBracketEq4AndTheRatioItsPointValue) {
  testing::SyntheticOptions o;
  o.method = "counter";
  const Reduction red = reduce(testing::synthetic_study(o));
  EXPECT_EQ(red.resamples, 2000);
  ASSERT_EQ(red.intervals.size(), 2u);
  for (const auto& i : red.intervals) {
    EXPECT_LE(i.low_norm, i.efficiency_norm) << i.architecture;
    EXPECT_GE(i.high_norm, i.efficiency_norm) << i.architecture;
    EXPECT_LT(i.low_norm, i.high_norm) << i.architecture << ": sizes and folds differ, so the interval has width";
  }
  ASSERT_EQ(red.comparisons.size(), 1u);
  const ComparisonRow& c = red.comparisons[0];
  EXPECT_EQ(c.numerator, "lenet");
  EXPECT_EQ(c.basis, "normalised");
  EXPECT_NEAR(c.ratio, 2.0, 0.05) << "lenet spends half of bcnn's energy at the same accuracy";
  EXPECT_LE(c.low, c.ratio);
  EXPECT_GE(c.high, c.ratio);
  EXPECT_EQ(c.n_a + c.n_b, 23) << "24 cells, one failed";
  EXPECT_LT(c.p, 0.05);
  // The same file gives the same intervals.
  EXPECT_EQ(reduce(testing::synthetic_study(o)).comparisons[0].low, c.low);
}


TEST(Reduce, EnergyPerSampleIsEachPhasesJoulesOverItsSamples) {
  testing::SyntheticOptions o;
  o.sizes = 1;
  o.criteria = 1;
  o.folds = 1;
  const Reduction red = reduce(testing::synthetic_study(o));
  ASSERT_EQ(red.models.size(), 2u);
  // lenet ran on node-a at 50 J an epoch, bcnn on node-b at 2 × 100 J; 90 % trains.
  EXPECT_DOUBLE_EQ(red.models[0].train_j_per_sample, 0.9 * 50 / 51200);
  EXPECT_DOUBLE_EQ(red.models[0].eval_j_per_sample, 0.1 * 50 / 10000);
  EXPECT_DOUBLE_EQ(red.models[1].train_j_per_sample, 0.9 * 200 / 51200);
  const Reduction net = reduce(testing::synthetic_study(o), "net");
  EXPECT_DOUBLE_EQ(net.models[0].train_j_per_sample, 0.7 * 50 / 51200) << "on the report's energy basis";
}


TEST(Reduce, EmissionsAreEveryAttemptsGrossEnergyTimesItsNodesIntensity) {
  testing::SyntheticOptions o;
  o.carbon_g_per_kwh = 360;  // node-b: 36
  const StudyResults study = testing::synthetic_study(o);
  const Reduction red = reduce(study, "net");
  double expected = 0, node_b_j = 0;
  for (const auto& r : study.runs) {
    expected += r.energy_j / 3.6e6 * (r.node == "node-b" ? 36 : 360);
    if (r.node == "node-b") node_b_j += r.energy_j;
  }
  EXPECT_NEAR(red.emissions_g, expected, 1e-12) << "gross, whatever the report's basis";
  ASSERT_EQ(red.emissions.size(), 4u) << "two nodes, two architectures";
  EXPECT_EQ(red.emissions[1].name, "node-b");
  EXPECT_DOUBLE_EQ(red.emissions[1].g_per_kwh, 36);
  EXPECT_DOUBLE_EQ(red.emissions[1].energy_j, node_b_j);
  EXPECT_EQ(red.emissions[2].kind, "architecture");
  EXPECT_EQ(red.emissions[2].runs + red.emissions[3].runs, 24) << "the failed attempt counts too";
  EXPECT_TRUE(reduce(testing::synthetic_study({})).emissions.empty()) << "no intensity, no emissions";
}


// The synthetic study again with batch 64, each run spending `scale` × the energy.
StudyResults with_second_setup(double scale) {
  testing::SyntheticOptions o;
  StudyResults r = testing::synthetic_study(o);
  const size_t n = r.cells.size();
  for (size_t i = 0; i < n; ++i) {
    CellRow c = r.cells[i];
    RunResult run = r.runs[i];
    c.id += "-b64";
    c.index += static_cast<int>(n);
    c.batch_size = 64;
    run.cell_id = c.id;
    run.energy_j *= scale;
    r.cells.push_back(c);
    r.runs.push_back(run);
  }
  r.meta.grid_hash = grid_hash(r.cells);
  return r;
}

TEST(Reduce, TheSetupThatReachesTheTargetWithTheLeastEnergyIsNamed) {
  const Reduction red = reduce(with_second_setup(0.5));
  ASSERT_EQ(red.setups.size(), 4u) << "2 architectures × 1 accuracy criterion × 2 setups";
  for (const auto& s : red.setups) {
    EXPECT_EQ(s.criterion, "criterion1");
    const bool small = s.setup.find("batch 64") != std::string::npos;
    EXPECT_EQ(s.best, small) << s.architecture << " " << s.setup;
    EXPECT_NEAR(s.saving, small ? 0.5 : 0.0, 1e-12) << s.setup;
    EXPECT_EQ(s.reached, s.runs);
  }
  // 3 sizes × 2 folds; the failed cell is under the epochs criterion.
  EXPECT_EQ(red.setups[0].runs, 6);
  EXPECT_EQ(red.setups[0].reached, 6);
  EXPECT_TRUE(reduce(testing::synthetic_study({})).setups.empty()) << "one setup: nothing to compare";
}

TEST(Reduce, ASetupThatMissedTheTargetOnceIsNotTheBestHoweverCheap) {
  StudyResults r = with_second_setup(0.5);
  for (auto& run : r.runs)
    if (run.cell_id == "bcnn-1-c1-f0-r0-b64") run.stop_reason = "cap_reached";
  const Reduction red = reduce(r);
  for (const auto& s : red.setups)
    if (s.architecture == "bcnn") {
      const bool small = s.setup.find("batch 64") != std::string::npos;
      EXPECT_EQ(s.best, !small) << s.setup;
      if (small) {
        EXPECT_EQ(s.reached, s.runs - 1);
      }
    }
}


TEST(Reduce, EachModelGivesTheSpreadOfItsRepeats) {
  testing::SyntheticOptions o;
  o.sizes = 1;
  o.criteria = 1;
  o.folds = 1;
  o.repeats = 3;
  const Reduction red = reduce(testing::synthetic_study(o));
  ASSERT_EQ(red.models.size(), 2u);
  // lenet's repeats (nodes a, b, a): 200 × (1, 1.05 × 2, 1.1) J.
  const std::vector<double> e{200 * 1.0, 200 * 1.05 * 2, 200 * 1.1};
  const double mean = (e[0] + e[1] + e[2]) / 3;
  double ss = 0;
  for (double x : e) ss += (x - mean) * (x - mean);
  EXPECT_NEAR(red.models[0].energy_sd, std::sqrt(ss / 2), 1e-9);
  EXPECT_NEAR(red.models[0].accuracy_sd, 0.0, 1e-12) << "the synthetic accuracy does not depend on the repeat";
  o.repeats = 1;
  EXPECT_TRUE(std::isnan(reduce(testing::synthetic_study(o)).models[0].energy_sd)) << "one run: no spread";
}

// A run that hit its epoch cap before its accuracy target did not meet the
// criterion, and says so: per model and per criterion.
TEST(Reduce, RunsThatHitTheCapAreCountedAsNotHavingMetTheirCriterion) {
  StudyResults r = testing::synthetic_study({});
  for (auto& run : r.runs)
    if (run.cell_id == "bcnn-1-c1-f0-r0") run.stop_reason = StopReasonValue::cap_reached;
  const Reduction red = reduce(r);
  for (const auto& m : red.models) {
    const bool capped = m.architecture == "bcnn" && m.size == 1 && m.criterion == "criterion1";
    EXPECT_EQ(m.met, capped ? m.runs - 1 : m.runs) << m.architecture << "-" << m.size << " " << m.criterion;
  }
  for (const auto& c : red.criteria)
    if (c.architecture == "bcnn" && c.criterion == "criterion1") {
      EXPECT_EQ(c.runs, 6);
      EXPECT_EQ(c.met, 5);
    }
  for (const auto& c : red.cells)
    if (c.id == "bcnn-1-c1-f0-r0") {
      EXPECT_EQ(c.stop_reason, StopReasonValue::cap_reached);
    }
}

// Every run of one size failed: the Eq. 3 mean over the other sizes is not
// the mean over the grid's sizes, and nothing compares it silently with a
// complete one.
TEST(Reduce, AMeanThatLacksASizeOfTheGridIsMarkedIncompleteAndSoIsWhatComparesIt) {
  StudyResults r = testing::synthetic_study({});
  std::set<std::string> lost;
  for (auto& c : r.cells)
    if (c.architecture == "bcnn" && c.size == 2 && c.criterion == "epochs4") {
      c.status = StatusValue::failed;
      lost.insert(c.id);
    }
  for (auto& run : r.runs)
    if (lost.count(run.cell_id)) {
      run.status = StatusValue::failed;
      run.failure = FailureValue::nonfinite_loss;
    }
  const Reduction red = reduce(r);
  for (const auto& c : red.criteria) {
    EXPECT_EQ(c.grid_sizes, 3) << c.architecture << " " << c.criterion;
    const bool missing = c.architecture == "bcnn" && c.criterion == "epochs4";
    EXPECT_EQ(c.sizes, missing ? 2 : 3) << c.architecture << " " << c.criterion;
    EXPECT_EQ(c.complete(), !missing) << c.architecture << " " << c.criterion;
  }
  for (const auto& a : red.architectures) EXPECT_EQ(a.complete, a.architecture != "bcnn") << a.architecture;
  ASSERT_FALSE(red.ratios.empty());
  for (const auto& q : red.ratios)
    if (q.kind == "architecture") {
      EXPECT_FALSE(q.complete);
    }
  ASSERT_EQ(red.comparisons.size(), 1u);
  EXPECT_FALSE(red.comparisons[0].complete);
  const Reduction whole = reduce(testing::synthetic_study({}));
  for (const auto& a : whole.architectures) EXPECT_TRUE(a.complete) << a.architecture;
  EXPECT_TRUE(whole.comparisons[0].complete);
}

// The spread of a node's calibration reaches the normalised intervals: the
// same runs normalised by a noisy E_ref are less certain, while the point
// figures (the medians) and the raw intervals do not move.
TEST(Reduce, ANoisyCalibrationWidensTheNormalisedIntervalsAndNothingElse) {
  auto with_runs = [](std::vector<double> b_runs) {
    StudyResults r = testing::synthetic_study({});
    for (auto& n : r.nodes) {
      n.calibration_runs.clear();
      const std::vector<double> runs = n.name == "node-b" ? b_runs : std::vector<double>{100, 100, 100};
      for (size_t i = 0; i < runs.size(); ++i)
        n.calibration_runs.push_back({static_cast<int>(i) + 1, runs[i], runs[i] * 0.8, 2.0, ""});
    }
    return reduce(r);
  };
  const Reduction steady = with_runs({200, 200, 200});
  const Reduction noisy = with_runs({140, 200, 260});
  ASSERT_EQ(steady.intervals.size(), noisy.intervals.size());
  for (size_t i = 0; i < steady.intervals.size(); ++i) {
    const auto& s = steady.intervals[i];
    const auto& n = noisy.intervals[i];
    EXPECT_DOUBLE_EQ(s.efficiency_norm, n.efficiency_norm) << "the median is the same";
    EXPECT_DOUBLE_EQ(s.low, n.low) << "raw intervals do not involve the calibration";
    EXPECT_DOUBLE_EQ(s.high, n.high);
    EXPECT_GT(n.high_norm - n.low_norm, 1.05 * (s.high_norm - s.low_norm)) << s.architecture;
  }
  for (const auto& node : noisy.nodes)
    EXPECT_NEAR(node.e_ref_spread, node.node.name == "node-b" ? 120.0 / 200 : 0.0, 1e-12) << node.node.name;
  const Reduction net = reduce([&] {
    StudyResults r = testing::synthetic_study({});
    for (auto& n : r.nodes) n.calibration_net_j = n.calibration_j / 2;
    return r;
  }(), "net");
  EXPECT_DOUBLE_EQ(net.nodes[1].e_ref_j, 100) << "the nodes table shows E_ref on the report's basis";
}

// A node whose idle baseline absorbed other jobs' load: its net energy is
// marked unreliable with the reason, and so is every net figure made of it.
TEST(Reduce, ABusyIdleBaselineMakesANodesNetEnergyUnreliable) {
  auto study = [](std::vector<IdleWindow> b_windows, int b_ranks, double b_other) {
    StudyResults r = testing::synthetic_study({});
    for (auto& n : r.nodes) {
      n.worker_ranks = n.name == "node-b" ? b_ranks : 1;
      n.idle_windows = n.name == "node-b" ? b_windows : std::vector<IdleWindow>{{10, 1, 1}, {10, 1, 1}, {10, 1, 1}};
    }
    for (auto& run : r.runs) run.other_cpu = run.node == "node-b" ? b_other : 2.0;
    return r;
  };
  const std::vector<IdleWindow> quiet{{20, 1, 1}, {20, 1, 2}, {20, 1, 1}};
  const Reduction fine = reduce(study(quiet, 1, 2), "net");
  for (const auto& n : fine.nodes) EXPECT_TRUE(n.net_reliable) << n.node.name << ": " << n.net_doubt;
  const Reduction busy = reduce(study({{20, 1, 1}, {20, 1, 30}, {20, 1, 1}}, 1, 2), "net");
  EXPECT_FALSE(busy.nodes[1].net_reliable);
  EXPECT_NE(busy.nodes[1].net_doubt.find("other processes kept 30 % of its CPU time busy"), std::string::npos)
      << busy.nodes[1].net_doubt;
  EXPECT_TRUE(busy.nodes[0].net_reliable);
  const Reduction moving = reduce(study({{15, 1, 1}, {20, 1, 1}, {25, 1, 1}}, 1, 2), "net");
  EXPECT_NE(moving.nodes[1].net_doubt.find("idle windows differ by 50 %"), std::string::npos) << moving.nodes[1].net_doubt;
  const Reduction shared = reduce(study(quiet, 1, 40), "net");
  EXPECT_NE(shared.nodes[1].net_doubt.find("used 40 % of its CPU time while its cells ran"), std::string::npos);
  const Reduction siblings = reduce(study(quiet, 2, 40), "net");
  EXPECT_TRUE(siblings.nodes[1].net_reliable) << "with two ranks on it the other load is their cells";
  for (const auto& m : busy.models) {
    // Every model has a run on node-b but lenet-2 under epochs4, whose node-b run (the sixth cell) failed.
    const bool only_on_a = m.architecture == "lenet" && m.size == 2 && m.criterion == "epochs4";
    EXPECT_EQ(m.net_reliable, only_on_a) << m.architecture << "-" << m.size << " " << m.criterion;
  }
  for (const auto& c : busy.cells)
    if (c.status == StatusValue::done) {
      EXPECT_EQ(c.net_reliable, c.node != "node-b") << c.id;
    }
  std::ostringstream table;
  write_report("table", busy, table);
  EXPECT_NE(table.str().find("NOTE: net energy is unreliable on node node-b: other processes kept 30 %"),
            std::string::npos)
      << table.str();
  EXPECT_NE(table.str().find("net unreliable"), std::string::npos) << "beside the models' net figures";
}

// Runs on a GPU that several ranks shared ([train] share_gpus) count the
// card's whole energy: every format says so beside their figures.
TEST(Reduce, RunsOnASharedGpuAreMarkedInEveryFormat) {
  StudyResults r = testing::synthetic_study({});
  int shared = 0;
  for (auto& run : r.runs)
    if (run.node == "node-b" && run.status == StatusValue::done) {
      run.device = "cuda:0";
      run.gpu = "nvml gpu0 GPU-aaaa 0000:01:00.0";
      run.gpu_shared = true;
      ++shared;
    }
  ASSERT_GT(shared, 0);
  const Reduction red = reduce(r);
  EXPECT_EQ(red.study.gpu_shared_runs, shared);
  int marked = 0;
  for (const auto& m : red.models) {
    marked += m.gpu_shared;
    if (m.gpu_shared > 0) {
      EXPECT_NE(method_and_doubts(m, red.energy).find("shared GPU: the card's whole energy"), std::string::npos);
    }
  }
  EXPECT_EQ(marked, shared);
  for (const auto& c : red.cells)
    if (c.status == StatusValue::done) {
      EXPECT_EQ(c.gpu_shared, c.node == "node-b") << c.id;
    }
  std::ostringstream table, csv, json, html;
  write_report("table", red, table);
  write_report("csv", red, csv);
  write_report("json", red, json);
  write_report("html", red, html);
  EXPECT_NE(table.str().find("NOTE: " + std::to_string(shared) + " runs trained on a GPU other ranks shared"),
            std::string::npos)
      << table.str();
  EXPECT_NE(table.str().find("shared GPU: the card's whole energy"), std::string::npos) << "beside the models";
  EXPECT_NE(csv.str().find(",gpu,gpu_shared,"), std::string::npos);
  EXPECT_NE(csv.str().find("nvml gpu0 GPU-aaaa 0000:01:00.0"), std::string::npos);
  const auto j = nlohmann::json::parse(json.str());
  EXPECT_EQ(j["study"]["gpu_shared_runs"], shared);
  EXPECT_NE(html.str().find("id=\"shared-gpu-warning\""), std::string::npos);
  EXPECT_EQ(reduce(testing::synthetic_study({})).study.gpu_shared_runs, 0);
}

// A resume measured node-b again and its calibration came out 25 % higher:
// each run is normalised by the measurement in force when it ran, and the
// report says the node was measured twice and how far they differ.
TEST(Reduce, EachRunIsNormalisedByTheMeasurementInForceWhenItRan) {
  StudyResults r = testing::synthetic_study({});
  NodeRecord again = *r.node("node-b");
  again.session = 1;
  again.job = "SLURM_JOB_ID=42";
  again.measured_utc = "2026-12-02T03:00:00Z";
  again.calibration_j *= 1.25;
  for (auto& c : again.calibration_runs) c.joules *= 1.25;
  r.nodes.push_back(again);
  int later = 0;
  for (auto& run : r.runs)
    if (run.node == "node-b" && (later++ % 2)) run.node_session = 1;
  const Reduction red = reduce(r);
  std::map<std::string, double> factor;
  for (const auto& n : red.nodes) factor[n.node.key()] = n.factor;
  ASSERT_EQ(factor.size(), 3u);
  EXPECT_NEAR(factor.at("node-b#1"), factor.at("node-b") / 1.25, 1e-12);
  int checked = 0;
  for (const auto& c : red.cells)
    if (c.status == StatusValue::done && c.node == "node-b") {
      ASSERT_NE(c.run, nullptr);
      EXPECT_NEAR(c.energy_norm_j, c.energy_j * factor.at(c.run->node_key()), 1e-9 * c.energy_j) << c.id;
      checked += c.run->node_session;
    }
  EXPECT_GT(checked, 0);
  for (const auto& n : red.nodes)
    if (n.node.name == "node-b") {
      EXPECT_EQ(n.measurements, 2);
      EXPECT_NEAR(n.e_ref_change, n.node.session == 1 ? 0.25 : 0.0, 1e-12);
    }
  std::ostringstream table;
  write_report("table", red, table);
  EXPECT_NE(table.str().find("NOTE: node node-b was measured by 2 jobs (a resume measures again); node-b#1 "
                             "(SLURM_JOB_ID=42, 2026-12-02T03:00:00Z) has E_ref"),
            std::string::npos)
      << table.str();
  EXPECT_NE(table.str().find("+25 % against the first"), std::string::npos) << table.str();
}

// A run continued from a checkpoint on another node: its first epoch ran
// on node-a, the rest on node-b. Each stretch is normalised by its own
// node's factor (node-b's calibration is twice node-a's), on both bases;
// the bootstrap's factors do the same, and the report says which runs
// ran in stretches, and where.
TEST(Reduce, ARunContinuedOnAnotherNodeIsNormalisedSegmentBySegment) {
  StudyResults r = testing::synthetic_study({});
  RunResult* run = nullptr;
  for (auto& x : r.runs)
    if (x.status == StatusValue::done && x.node == "node-b" && x.epochs >= 2) run = &x;
  ASSERT_NE(run, nullptr);
  RunSegment a, b;
  a.node = "node-a";
  a.epochs = 1;
  a.energy_j = run->epoch_records[0].cumulative_j;
  b.node = "node-b";
  b.first_epoch = 2;
  b.epochs = run->epochs - 1;
  b.energy_j = run->energy_j - a.energy_j;
  run->segments = {a, b};
  for (auto& n : r.nodes) n.calibration_net_j = 0.8 * n.calibration_j;  // the net basis's E_ref
  for (const std::string basis : {"gross", "net"}) {
    const Reduction red = reduce(r, basis);
    std::map<std::string, double> factor;
    for (const auto& n : red.nodes) factor[n.node.key()] = n.factor;
    ASSERT_NEAR(factor.at("node-b"), factor.at("node-a") / 2, 1e-12) << basis;
    auto joules = [&](const EpochRecord& e) {
      return basis == "net" ? e.train_energy.net_joules + e.eval_energy.net_joules
                            : e.train_energy.joules + e.eval_energy.joules;
    };
    double first = joules(run->epoch_records[0]), rest = 0;
    for (size_t i = 1; i < run->epoch_records.size(); ++i) rest += joules(run->epoch_records[i]);
    bool seen = false;
    for (const auto& c : red.cells)
      if (c.run == run) {
        seen = true;
        EXPECT_NEAR(c.energy_j, first + rest, 1e-9 * c.energy_j) << basis;
        EXPECT_NEAR(c.energy_norm_j, first * factor.at("node-a") + rest * factor.at("node-b"), 1e-9 * c.energy_j)
            << basis << ": each stretch by its own node, not all of it by the last node's";
        EXPECT_EQ(c.segments, "node-a epochs 1-1, node-b epochs 2-" + std::to_string(run->epochs));
      }
    EXPECT_TRUE(seen);
    EXPECT_EQ(red.study.segmented_runs, 1);
    std::ostringstream table;
    write_report("table", red, table);
    EXPECT_NE(table.str().find("NOTE: 1 run was continued from a checkpoint"), std::string::npos) << table.str();
  }
}

// An imported model's FLOPs count only some operations: the report says
// which models and what was counted; a study of built-in ones says nothing.
TEST(Reduce, TheFlopsOfAnImportedModelAreLabelledWithWhatWasCounted) {
  StudyResults r = testing::synthetic_study({});
  std::ostringstream plain;
  write_report("table", reduce(r), plain);
  EXPECT_EQ(plain.str().find("TorchScript"), std::string::npos);
  for (auto& c : r.cells)
    if (c.architecture == "bcnn") {
      c.architecture = "tinycnn";
      c.model = "torchscript";
      c.model_hash = "0123456789abcdef";
    }
  const Reduction red = reduce(r);
  EXPECT_EQ(red.study.imported_models, std::vector<std::string>{"tinycnn"});
  std::ostringstream table, page;
  write_report("table", red, table);
  EXPECT_NE(table.str().find("NOTE: FLOPs of tinycnn (TorchScript, [models]) were counted from a forward pass: "
                             "conv/linear/matmul/recurrent counted; other ops not counted."),
            std::string::npos)
      << table.str();
  write_report("html", red, page);
  EXPECT_NE(page.str().find("id=\"imported-models\""), std::string::npos);
}

// A criterion that chose its epoch on the test set is named in the report
// and in its row: its test accuracies are optimistic.
TEST(Reduce, SelectionOnTheTestSetIsLabelled) {
  StudyResults r = testing::synthetic_study({});
  for (auto& c : r.cells) c.selection = c.criterion_kind == CriterionKindValue::accuracy ? "test" : "";
  const Reduction red = reduce(r);
  for (const auto& c : red.criteria) EXPECT_EQ(c.selection, c.criterion == "criterion1" ? "test" : "") << c.criterion;
  std::ostringstream table;
  write_report("table", red, table);
  EXPECT_NE(table.str().find("NOTE: criterion criterion1 chose when to stop on the test set"), std::string::npos)
      << table.str();
  std::ostringstream page;
  write_report("html", red, page);
  EXPECT_NE(page.str().find("id=\"selection-warning\""), std::string::npos);
}

// The exact two-sided p of the signed-rank test by brute force: the rank
// sum of every one of the 2^n sign patterns of the differences' mid-ranks.
double enumerated_p(const std::vector<double>& differences) {
  std::vector<double> d;
  for (double x : differences)
    if (std::isfinite(x) && x != 0) d.push_back(x);
  std::vector<double> rank(d.size());
  double plus = 0, total = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    double below = 0, equal = 0;
    for (double y : d) {
      if (std::abs(y) < std::abs(d[i])) below += 1;
      if (std::abs(y) == std::abs(d[i])) equal += 1;
    }
    rank[i] = below + (equal + 1) / 2;
    total += rank[i];
    if (d[i] > 0) plus += rank[i];
  }
  const double w = std::min(plus, total - plus);
  double at_most = 0;
  const uint64_t patterns = uint64_t{1} << d.size();
  for (uint64_t mask = 0; mask < patterns; ++mask) {
    double sum = 0;
    for (size_t i = 0; i < d.size(); ++i)
      if (mask >> i & 1) sum += rank[i];
    if (sum <= w + 1e-9) at_most += 1;
  }
  return std::min(1.0, 2 * at_most / static_cast<double>(patterns));
}

// The signed-rank test against SciPy's, on fixed data: without ties SciPy's
// exact distribution; past 50 pairs its tie-corrected normal approximation.
TEST(Statistics, WilcoxonSignedRankMatchesSciPy) {
  if (testing::run_command("/usr/bin/python3 -c 'import scipy.stats'").exit_code != 0)
    GTEST_SKIP() << "python3-scipy is not installed";
  const std::vector<double> exact{0.31, -0.12, 0.58, 0.07, 0.44, -0.26, 0.19, 0.72, 0.05, 0.39, -0.61};
  std::vector<double> many;  // 60 pairs in tied groups of three, and a zero
  for (int i = 0; i < 60; ++i) many.push_back((i % 5 == 0 ? -1 : 1) * 0.1 * (1 + i / 3));
  many.push_back(0.0);
  auto list = [](const std::vector<double>& v) {
    std::string s = "[";
    for (double x : v) s += std::to_string(x) + ",";
    return s + "]";
  };
  const auto r = testing::run_command(
      "/usr/bin/python3 -c 'import json, scipy.stats as s; "
      "e = s.wilcoxon(" + list(exact) + ", zero_method=\"wilcox\", correction=False, mode=\"exact\"); "
      "t = s.wilcoxon(" + list(many) + ", zero_method=\"wilcox\", correction=False, mode=\"approx\"); "
      "print(json.dumps([e.statistic, e.pvalue, t.statistic, t.pvalue]))'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto scipy = nlohmann::json::parse(r.out);
  const Wilcoxon e = wilcoxon_signed_rank(exact);
  EXPECT_TRUE(e.exact);
  EXPECT_DOUBLE_EQ(e.w, scipy[0].get<double>());
  EXPECT_NEAR(e.p, scipy[1].get<double>(), 1e-12);
  EXPECT_NEAR(e.p, enumerated_p(exact), 1e-12);
  const Wilcoxon t = wilcoxon_signed_rank(many);
  EXPECT_FALSE(t.exact) << "past 50 pairs: the normal approximation";
  EXPECT_EQ(t.n, 60);
  EXPECT_EQ(t.zeros, 1) << "the zero difference is dropped";
  EXPECT_DOUBLE_EQ(t.w, scipy[2].get<double>());
  EXPECT_NEAR(t.p, scipy[3].get<double>(), 1e-12);
}

// With ties, small samples get the exact permutation p, not the normal
// approximation's: four equal differences are 2 of 16 sign patterns as
// extreme, p = 0.125 (the approximation said 0.046, "significant").
TEST(Statistics, WilcoxonIsExactWithTiesUpToFiftyPairs) {
  const Wilcoxon four = wilcoxon_signed_rank({0.3, 0.3, 0.3, 0.3});
  EXPECT_TRUE(four.exact);
  EXPECT_DOUBLE_EQ(four.w, 0.0);
  EXPECT_DOUBLE_EQ(four.p, 0.125);
  // Tied groups, a zero and both signs: every sign pattern, counted.
  const std::vector<double> ties{0.2, -0.2, 0.4, 0.4, 0.1, 0.0, -0.3, 0.5, 0.2, 0.6, 0.3, -0.1, 0.7, 0.4};
  const Wilcoxon t = wilcoxon_signed_rank(ties);
  EXPECT_TRUE(t.exact);
  EXPECT_EQ(t.n, 13);
  EXPECT_EQ(t.zeros, 1);
  EXPECT_NEAR(t.p, enumerated_p(ties), 1e-12);
  // Up to the cut-off, whatever the ties: 20 differences in pairs of equal size.
  std::vector<double> twenty;
  for (int i = 0; i < 20; ++i) twenty.push_back((i % 3 == 0 ? -1 : 1) * (1 + i / 2));
  const Wilcoxon w20 = wilcoxon_signed_rank(twenty);
  EXPECT_TRUE(w20.exact);
  EXPECT_NEAR(w20.p, enumerated_p(twenty), 1e-12);
  // Non-finite differences (a log ratio of a zero) are left out and counted.
  const Wilcoxon nf = wilcoxon_signed_rank({0.1, NAN, -0.2, INFINITY, 0.3});
  EXPECT_EQ(nf.n, 3);
  EXPECT_EQ(nf.dropped, 2);
}

// Architectures are compared cell by cell: the pairs are the cells both
// finished, and the test is paired, not pooled.
TEST(Statistics, ArchitecturesAreComparedOnMatchedCells) {
  const Reduction red = reduce(testing::synthetic_study({}));
  ASSERT_EQ(red.comparisons.size(), 1u);
  const ComparisonRow& c = red.comparisons[0];
  EXPECT_EQ(c.pairs, 11) << "12 cells a side, lenet's sixth failed: its bcnn twin has no partner";
  EXPECT_EQ(c.test, "Wilcoxon signed-rank on matched cells");
  // lenet is exactly twice as efficient in all 11 pairs: every |difference|
  // is tied, W = 0, and the exact p is the two patterns of all one sign
  // out of 2^11 (the normal approximation said 1.1e-3).
  EXPECT_TRUE(c.exact);
  EXPECT_DOUBLE_EQ(c.w, 0.0);
  EXPECT_DOUBLE_EQ(c.p, 2.0 / 2048);
  EXPECT_EQ(c.test_pairs, 11);
  EXPECT_EQ(c.dropped_pairs, 0);
  EXPECT_NEAR(c.ratio, 2.0, 1e-9) << "the ratio over the matched cells";
  EXPECT_NEAR(c.low, 2.0, 1e-9);
  EXPECT_NEAR(c.high, 2.0, 1e-9) << "every matched pair has the same ratio";
}

// A pair whose run has no finite efficiency (an accuracy of zero) is
// dropped from the test and from the ratio and its interval alike, and
// counted; the ratio over the other pairs is unmoved.
TEST(Statistics, APairWithoutAFiniteEfficiencyIsDroppedFromTestAndRatioAlikeAndCounted) {
  StudyResults r = testing::synthetic_study({});
  for (auto& run : r.runs)
    if (run.cell_id == "lenet-1-c0-f0-r0") {
      run.test_acc = 0;
      run.epoch_records.back().test_acc = 0;
      run.efficiency = 0;
      run.epoch_records.back().efficiency = 0;
    }
  const Reduction red = reduce(r);
  ASSERT_EQ(red.comparisons.size(), 1u);
  const ComparisonRow& c = red.comparisons[0];
  EXPECT_EQ(c.pairs, 11);
  EXPECT_EQ(c.dropped_pairs, 1);
  EXPECT_EQ(c.test_pairs, 10);
  EXPECT_NEAR(c.ratio, 2.0, 1e-9) << "the ratio over the ten usable pairs";
  EXPECT_NEAR(c.low, 2.0, 1e-9) << "and its interval over the same pairs";
  EXPECT_NEAR(c.high, 2.0, 1e-9);
  std::ostringstream table;
  write_report("table", red, table);
  EXPECT_NE(table.str().find("11 (10 tested; 1 without a finite efficiency)"), std::string::npos) << table.str();
}

// The bootstrap keeps every (criterion, size) stratum once and resamples
// runs within it. (Drawing the sizes with replacement gave the interval a
// width from the sizes' differences, which the grid fixed.) With one run a
// stratum there is no run-to-run spread to resample, and no interval.
TEST(Statistics, TheBootstrapKeepsEveryCriterionAndSizeAndResamplesRunsWithinThem) {
  testing::SyntheticOptions o;
  o.criteria = 1;
  o.folds = 2;
  // Fold 1 spends 10 % more than fold 0 in every stratum; strata differ by size.
  const Reduction red = reduce(testing::synthetic_study(o));
  ASSERT_EQ(red.intervals.size(), 2u);
  for (const auto& i : red.intervals) {
    // Only the folds are resampled: each size's mean lies between its two
    // folds' efficiencies, so Eq. 4 lies within about 10 % of itself
    // (normalised: the folds ran on two nodes, node-b drawing twice as much).
    EXPECT_GT(i.low_norm, i.efficiency_norm / 1.12) << i.architecture;
    EXPECT_LT(i.high_norm, i.efficiency_norm * 1.12) << i.architecture;
    EXPECT_LT(i.low_norm, i.high_norm) << i.architecture;
  }
  o.folds = 1;
  for (const auto& i : reduce(testing::synthetic_study(o)).intervals) {
    EXPECT_TRUE(std::isnan(i.low) && std::isnan(i.high)) << i.architecture << ": one run a stratum, no interval";
    EXPECT_TRUE(std::isfinite(i.efficiency));
  }
}

// Each architecture and each comparison draws from a stream of its own:
// adding an architecture to the study moves no other's interval.
TEST(Statistics, AddingAnArchitectureMovesNoOtherIntervalOrComparison) {
  const StudyResults two = testing::synthetic_study({});
  StudyResults three = two;
  const size_t cells = two.cells.size();
  for (size_t i = 0; i < cells; ++i) {
    if (two.cells[i].architecture != "lenet") continue;
    CellRow cell = two.cells[i];
    RunResult run = two.runs[i];
    cell.architecture = "alexnet";  // first in every order
    cell.id = run.cell_id = "alexnet" + cell.id.substr(5);
    cell.index = run.cell_index = static_cast<int>(three.cells.size());
    three.cells.push_back(cell);
    three.runs.push_back(run);
  }
  three.meta.grid_hash = grid_hash(three.cells);
  const Reduction a = reduce(two), b = reduce(three);
  ASSERT_EQ(b.intervals.size(), 3u);
  for (const auto& x : a.intervals)
    for (const auto& y : b.intervals)
      if (x.architecture == y.architecture) {
        EXPECT_DOUBLE_EQ(x.low, y.low) << x.architecture;
        EXPECT_DOUBLE_EQ(x.high_norm, y.high_norm) << x.architecture;
      }
  ASSERT_EQ(a.comparisons.size(), 1u);
  bool found = false;
  for (const auto& c : b.comparisons)
    if (c.numerator == a.comparisons[0].numerator && c.denominator == a.comparisons[0].denominator) {
      found = true;
      EXPECT_DOUBLE_EQ(c.low, a.comparisons[0].low);
      EXPECT_DOUBLE_EQ(c.high, a.comparisons[0].high);
    }
  EXPECT_TRUE(found);
}

// A phase's net is signed: short phases whose net is noise around zero
// must not add up into a positive bias. The run's sum is clamped once.
TEST(Reduce, NetEnergyIsTheSumOfSignedPhasesClampedOncePerRun) {
  StudyResults r = testing::synthetic_study({});
  for (auto& run : r.runs)
    for (auto& e : run.epoch_records) e.eval_energy.net_joules = -1.0;  // a hair below idle power
  const Reduction red = reduce(r, "net");
  const StudyResults plain = testing::synthetic_study({});
  int checked = 0;
  for (const auto& c : red.cells) {
    if (c.status != StatusValue::done) continue;
    for (const auto& run : plain.runs)
      if (run.cell_id == c.id) {
        double train = 0;
        for (const auto& e : run.epoch_records) train += e.train_energy.net_joules;
        EXPECT_NEAR(c.energy_j, train - run.epochs, 1e-9) << c.id << ": every eval phase takes 1 J off";
        ++checked;
      }
  }
  EXPECT_EQ(checked, 23);
  // A run whose phases all drew less than idle power is 0 J, never negative.
  StudyResults below = testing::synthetic_study({});
  for (auto& run : below.runs)
    for (auto& e : run.epoch_records) e.train_energy.net_joules = e.eval_energy.net_joules = -2.0;
  for (const auto& c : reduce(below, "net").cells) {
    if (c.status != StatusValue::done) continue;
    EXPECT_EQ(c.energy_j, 0.0) << c.id;
  }
}

// Phases below idle power are the strongest sign of a bad baseline: a node
// where more than a tenth of them were is unreliable, and says how many.
TEST(Reduce, ANodeWherePhasesDrewLessThanIdlePowerIsUnreliable) {
  StudyResults r = testing::synthetic_study({});
  for (auto& run : r.runs)
    if (run.node == "node-b")
      for (auto& e : run.epoch_records) e.eval_energy.net_joules = -5.0;  // well past rounding
  const Reduction red = reduce(r, "net");
  ASSERT_EQ(red.nodes.size(), 2u);
  EXPECT_TRUE(red.nodes[0].net_reliable) << red.nodes[0].net_doubt;
  EXPECT_EQ(red.nodes[0].net_phases_below_idle, 0);
  EXPECT_FALSE(red.nodes[1].net_reliable);
  EXPECT_EQ(red.nodes[1].net_phases_below_idle * 2, red.nodes[1].net_phases) << "every eval phase of node-b";
  EXPECT_NE(red.nodes[1].net_doubt.find("training and evaluation phases drew less than its idle power"),
            std::string::npos)
      << red.nodes[1].net_doubt;
}

// A node that measured no idle power ([meters] idle_seconds = 0) has no net
// energy: it is unreliable, saying so, and the net basis is refused.
TEST(Reduce, ANodeWithoutAnIdleBaselineHasNoNetEnergy) {
  StudyResults r = testing::synthetic_study({});
  r.nodes[1].idle_s = 0;
  r.nodes[1].idle_w = 0;
  const Reduction red = reduce(r, "net");
  EXPECT_FALSE(red.nodes[1].net_reliable);
  EXPECT_NE(red.nodes[1].net_doubt.find("no idle baseline"), std::string::npos) << red.nodes[1].net_doubt;
  EXPECT_EQ(reduction::missing_idle_baseline(r), "node-b");
  EXPECT_EQ(reduction::missing_idle_baseline(testing::synthetic_study({})), "");
}

// The HTML grid table counts folds and repeats: a study of one fold and
// one repeat (numbered 0) said "folds 0", which reads as none.
TEST(Reduce, TheHtmlGridTableCountsFoldsAndRepeats) {
  testing::SyntheticOptions o;
  o.folds = 1;
  std::ostringstream one;
  write_report("html", reduce(testing::synthetic_study(o)), one);
  EXPECT_NE(one.str().find("<td class=\"t\">folds</td><td class=\"t\">1</td>"), std::string::npos);
  EXPECT_NE(one.str().find("<td class=\"t\">repeats</td><td class=\"t\">1</td>"), std::string::npos);
  o.folds = 3;
  std::ostringstream three;
  write_report("html", reduce(testing::synthetic_study(o)), three);
  EXPECT_NE(three.str().find("<td class=\"t\">folds</td><td class=\"t\">3</td>"), std::string::npos);
}

// Runs on a GPU that no meter read ([meters] allow_unmetered_gpu) lack the
// GPU's joules: every format says "GPU not measured" beside their figures.
TEST(Reduce, RunsOnAnUnmeteredGpuSayGpuNotMeasuredInEveryFormat) {
  StudyResults r = testing::synthetic_study({});
  int unmetered = 0;
  for (auto& run : r.runs)
    if (run.node == "node-b" && run.status == StatusValue::done) {
      run.device = "cuda:0";
      run.gpu_unmetered = true;
      ++unmetered;
    }
  const Reduction red = reduce(r);
  EXPECT_EQ(red.study.gpu_unmetered_runs, unmetered);
  int marked = 0;
  for (const auto& m : red.models) {
    EXPECT_EQ(method_and_doubts(m, red.energy).find("GPU not measured") != std::string::npos, m.gpu_unmetered > 0);
    marked += m.gpu_unmetered;
  }
  EXPECT_EQ(marked, unmetered);
  for (const auto& c : red.cells) {
    if (c.status != StatusValue::done) continue;
    EXPECT_EQ(c.gpu_unmetered, c.node == "node-b") << c.id;
  }
  std::ostringstream table, json, csv, page;
  write_report("table", red, table);
  write_report("json", red, json);
  write_report("csv", red, csv);
  write_report("html", red, page);
  EXPECT_NE(table.str().find("trained on a GPU no meter read"), std::string::npos);
  EXPECT_NE(table.str().find("GPU not measured"), std::string::npos);
  EXPECT_NE(json.str().find("\"gpu_unmetered_runs\": " + std::to_string(unmetered)), std::string::npos);
  EXPECT_NE(csv.str().find("gpu_unmetered"), std::string::npos);
  EXPECT_NE(page.str().find("id=\"unmetered-gpu-warning\""), std::string::npos);
}

// A flag on a run reaches every figure made of it, as the worst case: the
// Eq. 3 and Eq. 4 rows, the ratios, the intervals and the comparisons carry
// the weakest method, net reliability and the shared or unmetered GPU runs,
// in the JSON, /reduced and the tables alike (they reached only the models
// and cells before).
TEST(Reduce, EveryFlagReachesEveryRowMadeOfItsRuns) {
  StudyResults r = testing::synthetic_study({});
  for (auto& run : r.runs)
    if (run.cell_id == "bcnn-1-c0-f0-r0") {  // one run of one bcnn model
      run.device = "cuda:0";
      run.gpu_unmetered = true;
    }
  const Reduction red = reduce(r);
  auto unmetered = [](const Doubts& d) { return d.gpu_unmetered; };
  for (const auto& c : red.criteria)
    EXPECT_EQ(unmetered(c.doubts), c.architecture == "bcnn" && c.criterion == "epochs4") << c.architecture << c.criterion;
  for (const auto& a : red.architectures) EXPECT_EQ(unmetered(a.doubts), a.architecture == "bcnn") << a.architecture;
  ASSERT_FALSE(red.ratios.empty());
  for (const auto& q : red.ratios) EXPECT_EQ(unmetered(q.doubts), 1) << q.numerator << "/" << q.denominator;
  for (const auto& i : red.intervals) EXPECT_EQ(unmetered(i.doubts), i.architecture == "bcnn") << i.architecture;
  ASSERT_EQ(red.comparisons.size(), 1u);
  EXPECT_EQ(unmetered(red.comparisons[0].doubts), 1);
  EXPECT_EQ(red.comparisons[0].doubts.energy_method, "estimated") << "the weakest of both sides";
  std::ostringstream json, table, page;
  write_report("json", red, json);
  write_report("table", red, table);
  write_report("html", red, page);
  const auto j = nlohmann::json::parse(json.str());
  for (const char* rows : {"criteria", "architectures", "ratios", "intervals", "comparisons"}) {
    ASSERT_TRUE(j.contains(rows)) << rows;
    int flagged = 0;
    for (const auto& row : j[rows]) {
      ASSERT_TRUE(row.contains("gpu_unmetered_runs")) << rows;
      flagged += row["gpu_unmetered_runs"].get<int>() > 0;
      EXPECT_TRUE(row.contains("energy_method") && row.contains("net_reliable")) << rows;
    }
    EXPECT_GT(flagged, 0) << rows;
  }
  EXPECT_NE(table.str().find("estimated, GPU not measured"), std::string::npos);
  EXPECT_NE(page.str().find("Less certain:</b> energy estimated, GPU not measured"), std::string::npos);
}

// Two ranks of a node that metered one card (two MIG slices of one A100
// each meter the whole parent GPU) count its whole energy twice: every run
// of theirs is marked shared, though neither rank saw more ranks than cards.
// Judged from the runs' own cards, so no commit order can hide it.
TEST(Reduce, RunsOfRanksThatMeteredOneCardAreMarkedShared) {
  auto study = [](const std::string& card_of_rank_3) {
    StudyResults r = testing::synthetic_study({});
    int i = 0;
    for (auto& run : r.runs)
      if (run.node == "node-b") {
        run.rank = 2 + i++ % 2;  // two ranks on node-b
        run.device = "cuda:0";
        run.gpu = "nvml gpu1 (a MIG slice's GPU: the whole GPU's energy) " +
                  (run.rank == 2 ? std::string("GPU-bbbb") : card_of_rank_3) + " 0000:02:00.0";
      }
    return reduce(r);
  };
  const Reduction slices = study("GPU-bbbb");
  int done_on_b = 0;
  for (const auto& c : slices.cells)
    if (c.status == StatusValue::done && c.node == "node-b") {
      ++done_on_b;
      EXPECT_TRUE(c.gpu_shared) << c.id;
    }
  EXPECT_EQ(slices.study.gpu_shared_runs, done_on_b);
  EXPECT_GT(done_on_b, 0);
  EXPECT_EQ(study("GPU-cccc").study.gpu_shared_runs, 0) << "a card each";
}

}  // namespace
}  // namespace joulegrid
