// PRE: ridge regressions on log features, judged on held-out runs.

#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "io/errors.hpp"
#include "models/facts.hpp"
#include "orchestrator/plan/cost_model.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/predict/cost_regression.hpp"
#include "tests/fakes/fake_datasets.hpp"
#include "tests/support/synthetic_results.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

TEST(Ridge, RecoversAnExactLinearRelationWithALightPenalty) {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i < 20; ++i) {
    const double a = i, b = (i * 7) % 5, constant = 3;
    x.push_back({a, b, constant});
    y.push_back(2 + 3 * a - b);
  }
  const Ridge r = Ridge::fit(x, y, 1e-9);
  EXPECT_NEAR(r.predict({30, 2, 3}), 2 + 90 - 2, 1e-5);
  EXPECT_DOUBLE_EQ(r.coefficients()[2], 0.0) << "a constant feature drops out";
  // A heavy penalty shrinks towards the mean.
  const Ridge shrunk = Ridge::fit(x, y, 1e6);
  double mean = 0;
  for (double v : y) mean += v / y.size();
  EXPECT_NEAR(shrunk.predict({30, 2, 3}), mean, 1.0);
  EXPECT_THROW(Ridge::fit({}, {}, 1), InputError);
}

// Runs whose energy per epoch is exactly 1e-7 × FLOPs per epoch × E_ref / 100:
// a relation the log features can express, so held-out error must be small.
std::vector<PreSample> multiplicative(int n) {
  std::vector<PreSample> out;
  for (int i = 0; i < n; ++i) {
    PreSample s;
    s.features.flops_per_epoch = 1e9 * (1 + i % 7);
    s.features.parameters = 6e4 * (1 + i % 7) * (1 + i % 7);
    s.features.batch_size = i % 2 ? 64 : 256;
    s.features.input_elements = 784;
    s.features.node_e_ref = i % 3 ? 100 : 200;
    s.epochs = 1 + i % 4;
    s.joules = 1e-7 * s.features.flops_per_epoch * s.features.node_e_ref / 100 * s.epochs;
    s.seconds = 2e-9 * s.features.flops_per_epoch * (s.features.batch_size == 64 ? 1.5 : 1.0) * s.epochs;
    out.push_back(s);
  }
  return out;
}

TEST(Pre, LearnsAMultiplicativeCostAndSaysHowWellOnHeldOutRuns) {
  const PreModel m = fit_pre(multiplicative(40), 1e-6);
  EXPECT_EQ(m.samples, 40);
  EXPECT_LT(m.energy_error, 0.01);
  EXPECT_LT(m.seconds_error, 0.01);
  PreFeatures f;
  f.flops_per_epoch = 3.5e9;
  f.parameters = 6e4 * 3.5 * 3.5;
  f.batch_size = 256;
  f.input_elements = 784;
  f.node_e_ref = 200;
  EXPECT_NEAR(m.joules_per_epoch(f), 1e-7 * 3.5e9 * 2, 0.05 * 1e-7 * 3.5e9 * 2) << "between the measured sizes";
  EXPECT_TRUE(std::isnan(fit_pre(multiplicative(4)).energy_error)) << "too few runs to hold any out";
  EXPECT_THROW(fit_pre(multiplicative(1)), InputError);
}

TEST(Pre, AStudysFinishedRunsWithEveryFeatureAreItsSamples) {
  const StudyResults study = testing::synthetic_study({});
  const auto samples = pre_samples(study);
  EXPECT_EQ(samples.size(), 23u) << "24 cells, one failed";
  EXPECT_DOUBLE_EQ(samples[0].features.flops_per_epoch, 400000.0 * 51200);
  EXPECT_DOUBLE_EQ(samples[0].features.node_e_ref, 100);
  EXPECT_DOUBLE_EQ(samples[0].features.input_elements, 784);
  const auto nodes = pre_nodes({study});
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[1].name, "node-b");
  EXPECT_DOUBLE_EQ(nodes[1].e_ref_j, 200);
}


// Energy per epoch exactly 1e-7 J per forward FLOP; nothing else varies.
PreModel joules_per_flop() {
  std::vector<PreSample> runs;
  for (int i = 0; i < 12; ++i) {
    PreSample s;
    s.cell_id = "cell" + std::to_string(i);
    s.features = {1e6 * (1 + i), 1000, 256, 784, 100};
    s.epochs = 2;
    s.joules = 1e-7 * s.features.flops_per_epoch * s.epochs;
    s.seconds = 1;
    runs.push_back(s);
  }
  return fit_pre(runs, 1e-9);
}

// A k-fold cell trains on the other folds of the pooled set (the files'
// training and test samples together), not on a share of the training file.
TEST(Pre, AKFoldCellIsEstimatedOnItsFoldOfThePooledSamples) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.file("data"));
  testing::write_idx_dataset(dir.file("data"), 120, 60, 4, false);
  const Spec spec = parse_spec(
      "[experiment]\nname = \"k\"\n[data]\npath = \"data\"\nclasses = 4\nsplit = \"kfold\"\nfolds = 3\nvalidation = \"test\"\n"
      "normalization = \"none\"\n[grid]\narchitectures = [\"lenet\"]\nsizes = [1]\n"
      "[[criteria]]\nkind = \"epochs\"\nepochs = 2\n",
      dir.file("k.toml"), dir.path().string());
  const auto cells = expand_grid(spec);
  ASSERT_EQ(cells.size(), 3u);
  const Dataset data = load_dataset(spec.data);
  const auto facts = model_facts("lenet", 1, data.train.sample_shape, 4, spec.train);
  const auto estimates = estimate_cells(spec, cells, joules_per_flop(), {{"node", 100}});
  ASSERT_EQ(estimates.size(), 3u);
  for (const auto& e : estimates) {
    const double per_epoch = 1e-7 * static_cast<double>(facts.flops_per_sample) * 120;  // 2 of 3 folds of 180
    EXPECT_NEAR(e.joules / e.epochs, per_epoch, 0.02 * per_epoch) << e.cell_id;
  }
  EXPECT_EQ(training_samples(data, spec.data, 0, spec.seed), 120);
}

// Repeats and replicas of one cell are held out together: a cell whose
// twin trains the fit would flatter the held-out error.
TEST(Pre, CrossValidationHoldsOutWholeCells) {
  std::vector<PreSample> runs(7);
  const char* cells[] = {"a", "a", "b", "c", "a", "b", "d"};
  for (size_t i = 0; i < runs.size(); ++i) runs[i].cell_id = cells[i];
  EXPECT_EQ(cross_validation_folds(runs, 3), (std::vector<int>{0, 0, 1, 2, 0, 1, 0}));
}

TEST(CostModel, PresPredictionsStandInUntilTheModelHasMeasuredEpochs) {
  CellSpec small, large;
  small.id = "small";
  large.id = "large";
  small.architecture = large.architecture = "lenet";
  small.size = 1;
  large.size = 5;
  small.criterion.kind = large.criterion.kind = "epochs";
  small.criterion.epochs = large.criterion.epochs = 10;
  CostModel costs;
  EXPECT_FALSE(costs.calibrated());
  costs.set_prior({{"small", 900.0}, {"large", 30.0}});  // PRE knows better than the plan's width²
  EXPECT_TRUE(costs.calibrated());
  EXPECT_GT(costs.expected_seconds(small), costs.expected_seconds(large));
  costs.observe_epoch(small, 2.0);
  EXPECT_DOUBLE_EQ(costs.expected_seconds(small), 20.0) << "measured epochs win";
  EXPECT_DOUBLE_EQ(costs.expected_seconds(large), 30.0);
}

}  // namespace
}  // namespace joulegrid
