// What issue 3 promises on the real data: LeNet-1 on a stratified 10,000-image
// subset of Fashion-MNIST reaches at least 0.72 test accuracy on the full test
// set after 5 epochs (batch 256, Adam 0.001), and BCNN-1 learns clearly above
// chance. Skipped when dataset-fashion-mnist is not installed.

#include <gtest/gtest.h>

#include <filesystem>

#include "orchestrator/reduce/overtraining.hpp"
#include "rank/cell_runner.hpp"
#include "tests/support/cells.hpp"

namespace joulegrid {
namespace {

CellSpec fashion_cell(const std::string& arch, int subset, int epochs) {
  CriterionSpec c = testing::criterion("epochs");
  c.epochs = epochs;
  CellSpec cell = testing::tiny_cell(kFashionMnistDir, arch, c, 256);
  cell.learning_rate = 0.001;
  cell.data.subset_train = subset;
  cell.data.normalization.preset = "mnist";
  cell.train.threads = 0;  // the cores available
  cell.train.eval_batch_size = 256;
  cell.id = cell_id(cell);
  return cell;
}

class FashionMnist : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz"))
      GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  RunResult run(const CellSpec& cell) {
    testing::ScriptedEnergy energy(1.0);
    CellRunOptions options;
    options.executable = JOULEGRID_BINARY;
    return run_cell(cell, energy, {}, options);
  }
};

TEST_F(FashionMnist, LeNet1ReachesTheAccuracyOfThePythonLoop) {
  const RunResult r = run(fashion_cell("lenet", 10000, 5));
  ASSERT_EQ(r.status, "done") << r.detail << r.error_tail;
  EXPECT_EQ(r.epochs, 5);
  EXPECT_GE(r.test_acc, 0.72);
  RecordProperty("test_accuracy", std::to_string(r.test_acc));
}

TEST_F(FashionMnist, Bcnn1LearnsWellAboveChance) {
  const RunResult r = run(fashion_cell("bcnn", 3000, 3));
  ASSERT_EQ(r.status, "done") << r.detail << r.error_tail;
  EXPECT_GE(r.test_acc, 0.4);  // chance is 0.1
  RecordProperty("test_accuracy", std::to_string(r.test_acc));
}

// The overtraining rule's thresholds were set on the paper's own Table 13;
// here it meets runs it was not fitted to, built to be what they are.
// A few images a class and many epochs: the model learns its training set
// by heart, and what it learns stops carrying over to the test set.
TEST_F(FashionMnist, TheOvertrainingRuleCallsARunThatMemorisesItsTrainingSetOvertrained) {
  CellSpec cell = fashion_cell("lenet", 40, 40);
  cell.train.train_accuracy = "always";  // column B in evaluation mode
  cell.learning_rate = 0.003;
  cell.batch_size = 8;
  cell.data.subset_test = 1000;
  cell.id = cell_id(cell);
  const RunResult r = run(cell);
  ASSERT_EQ(r.status, "done") << r.detail << r.error_tail;
  const auto o = overtraining_of(r.epoch_records, 20, 40, 10);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->verdict(), "overtrained") << "A = " << o->gain_a << ", B = " << o->gap_growth_b << ", train "
                                          << o->train_a << " → " << o->train_b << ", test " << o->test_a << " → "
                                          << o->test_b;
  EXPECT_GT(o->train_b, 0.95) << "it has learnt its 40 images";
}

// Plenty of data and few epochs: test accuracy still climbing with the
// training accuracy.
TEST_F(FashionMnist, TheOvertrainingRuleCallsARunOnPlentyOfDataStillLearning) {
  CellSpec cell = fashion_cell("lenet", 10000, 4);
  cell.train.train_accuracy = "always";
  cell.data.subset_test = 2000;
  cell.id = cell_id(cell);
  const RunResult r = run(cell);
  ASSERT_EQ(r.status, "done") << r.detail << r.error_tail;
  const auto o = overtraining_of(r.epoch_records, 1, 4, 10);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->verdict(), "still learning") << "A = " << o->gain_a << ", B = " << o->gap_growth_b;
}

// Labels that are noise: nothing to learn, and the rule must not call the
// run overtrained or still learning.
TEST_F(FashionMnist, ARunThatNeverLeavesChanceDidNotLearn) {
  CriterionSpec c = testing::criterion("epochs");
  c.epochs = 6;
  CellSpec cell = testing::tiny_cell("synthetic", "lenet", c, 32);
  cell.data.format = "synthetic";
  cell.data.subset_train = 640;
  cell.data.subset_test = 640;
  cell.data.normalization.preset = "none";
  cell.id = cell_id(cell);
  const RunResult r = run(cell);
  ASSERT_EQ(r.status, "done") << r.detail << r.error_tail;
  const auto o = overtraining_of(r.epoch_records, 0, 0, 10);
  ASSERT_TRUE(o);
  EXPECT_FALSE(o->learned) << "best test accuracy on noise";
  EXPECT_FALSE(o->overtrained);
  EXPECT_EQ(o->verdict(), "did not learn");
}

}  // namespace
}  // namespace joulegrid
