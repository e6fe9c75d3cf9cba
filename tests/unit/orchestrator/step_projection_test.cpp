// STEP: a running cell's total projected from its first stable epochs, and
// the report's measure of how far those projections fell from the truth.

#include <gtest/gtest.h>

#include "orchestrator/reduce/reduce.hpp"
#include "orchestrator/predict/step_projection.hpp"
#include "tests/support/synthetic_results.hpp"

namespace joulegrid {
namespace {

TEST(Step, ProjectsTheWarmUpAsMeasuredAndTheRestAtTheWindowsRate) {
  StepProjector step({/*stable_from=*/2, /*window=*/2});
  EXPECT_FALSE(step.add(10, 3, 10)) << "epoch 1 is the warm-up";
  EXPECT_FALSE(step.add(4, 1, 10));
  const auto p = step.add(6, 2, 10);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->at_epoch, 3);
  EXPECT_EQ(p->planned_epochs, 10);
  EXPECT_DOUBLE_EQ(p->energy_j, 10 + 5.0 * 9);  // the warm-up, then 9 epochs at the mean of 4 and 6
  EXPECT_DOUBLE_EQ(p->seconds, 3 + 1.5 * 9);
  EXPECT_FALSE(step.add(5, 1, 10)) << "made once, so its error can be judged";
}

TEST(Step, ACellPlannedShorterThanTheWindowIsProjectedAsMeasured) {
  StepProjector step({1, 3});
  step.add(2, 1, 2);
  step.add(2, 1, 2);
  const auto p = step.add(2, 1, 2);  // a cap of 2 cannot be below what already ran
  ASSERT_TRUE(p);
  EXPECT_EQ(p->planned_epochs, 3);
  EXPECT_DOUBLE_EQ(p->energy_j, 6);
}

TEST(Step, TheReportMeasuresProjectionsAgainstTheRunsThatRanTheirPlannedEpochs) {
  testing::SyntheticOptions o;
  StudyResults study = testing::synthetic_study(o);
  for (auto& run : study.runs) {
    run.step_epoch = 2;
    run.step_projected_j = run.energy_j * (run.node == "node-a" ? 1.1 : 0.8);
    double seconds = 0;
    for (const auto& e : run.epoch_records) seconds += e.train_s + e.eval_s;
    run.step_projected_s = seconds;
  }
  const Reduction red = reduce(study);
  ASSERT_EQ(red.step.size(), 3u) << "all, then each architecture";
  EXPECT_EQ(red.step[0].architecture, "all");
  // Only the epochs criterion ran its planned 4 epochs (criterion1 stopped at 3); one cell failed.
  EXPECT_EQ(red.step[0].runs, 11);
  EXPECT_NEAR(red.step[0].energy_error, (6 * 0.1 + 5 * 0.2) / 11, 1e-12);
  EXPECT_NEAR(red.step[0].seconds_error, 0.0, 1e-12);
  EXPECT_DOUBLE_EQ(red.step[0].mean_at_epoch, 2);
}

}  // namespace
}  // namespace joulegrid
