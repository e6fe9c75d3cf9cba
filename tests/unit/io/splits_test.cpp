#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "io/datasets/splits.hpp"

namespace joulegrid {
namespace {

// A CIFAR-10-shaped pool: 60,000 labels, 6,000 a class, shuffled.
std::vector<int64_t> cifar_labels() {
  std::vector<int64_t> labels;
  for (int i = 0; i < 60000; ++i) labels.push_back(i % 10);
  SplitRng rng(99);
  rng.shuffle(labels);
  return labels;
}

Dataset fake_dataset(int train, int test, int classes) {
  Dataset d;
  d.classes = classes;
  for (int i = 0; i < train; ++i) d.train.labels.push_back(i % classes);
  for (int i = 0; i < test; ++i) d.test.labels.push_back(i % classes);
  return d;
}

TEST(Folds, SixCifarFoldsHaveExactlyAThousandPerClass) {
  const auto labels = cifar_labels();
  const auto folds = stratified_folds(labels, 6, 10, 1);
  ASSERT_EQ(folds.size(), 6u);
  std::set<int64_t> all;
  for (const auto& f : folds) {
    EXPECT_EQ(f.size(), 10000u);
    std::vector<int> per_class(10);
    for (int64_t i : f) per_class[static_cast<size_t>(labels[static_cast<size_t>(i)])]++;
    for (int n : per_class) EXPECT_EQ(n, 1000);
    all.insert(f.begin(), f.end());
  }
  EXPECT_EQ(all.size(), 60000u);  // disjoint and covering
}

TEST(Folds, ReproducibleAndSeedDependent) {
  const auto labels = cifar_labels();
  EXPECT_EQ(stratified_folds(labels, 6, 10, 1), stratified_folds(labels, 6, 10, 1));
  EXPECT_NE(stratified_folds(labels, 6, 10, 1)[0], stratified_folds(labels, 6, 10, 2)[0]);
}

TEST(Folds, UnevenClassesDifferByAtMostOne) {
  std::vector<int64_t> labels;
  for (int i = 0; i < 23; ++i) labels.push_back(i < 13 ? 0 : 1);
  const auto folds = stratified_folds(labels, 4, 2, 5);
  size_t total = 0;
  for (const auto& f : folds) {
    EXPECT_GE(f.size(), 5u);
    EXPECT_LE(f.size(), 7u);
    total += f.size();
  }
  EXPECT_EQ(total, 23u);
}

TEST(Subset, IsStratifiedAndReproducible) {
  std::vector<int64_t> labels;
  for (int i = 0; i < 1000; ++i) labels.push_back(i < 700 ? 0 : 1);  // 70 % / 30 %
  std::vector<int64_t> pool(1000);
  for (int i = 0; i < 1000; ++i) pool[i] = i;
  const auto s = stratified_sample(pool, labels, 100, 2, 3);
  EXPECT_EQ(s.size(), 100u);
  EXPECT_EQ(std::count_if(s.begin(), s.end(), [&](int64_t i) { return labels[i] == 0; }), 70);
  EXPECT_EQ(s, stratified_sample(pool, labels, 100, 2, 3));
  EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
}

TEST(MakeSplit, HoldoutWithSubsetAndValidationFraction) {
  const Dataset d = fake_dataset(1000, 200, 10);
  DataSpec spec;
  spec.subset_train = 500;
  spec.subset_test = 100;
  spec.validation_fraction = 0.2;
  const Split s = make_split(d, spec, 0, 11);
  EXPECT_EQ(s.train.size(), 400u);
  EXPECT_EQ(s.validation.size(), 100u);
  EXPECT_EQ(s.test.size(), 100u);
  EXPECT_FALSE(s.validation_is_test);
  for (int64_t i : s.test) EXPECT_GE(i, 1000);  // test indices come from the test files
  std::vector<int64_t> both;
  std::set_intersection(s.train.begin(), s.train.end(), s.validation.begin(), s.validation.end(),
                        std::back_inserter(both));
  EXPECT_TRUE(both.empty());
}

TEST(MakeSplit, KfoldUsesThePooledSetAndEachFoldOnce) {
  const Dataset d = fake_dataset(500, 100, 10);
  DataSpec spec;
  spec.split = "kfold";
  spec.folds = 6;
  std::set<int64_t> tested;
  for (int f = 0; f < 6; ++f) {
    const Split s = make_split(d, spec, f, 4);
    EXPECT_EQ(s.test.size(), 100u);
    EXPECT_EQ(s.train.size(), 500u);
    EXPECT_TRUE(s.validation_is_test);
    tested.insert(s.test.begin(), s.test.end());
  }
  EXPECT_EQ(tested.size(), 600u);
}

TEST(MakeSplit, SubsetLargerThanTheDataIsABadInput) {
  const Dataset d = fake_dataset(100, 20, 10);
  DataSpec spec;
  spec.subset_train = 1000;
  try {
    make_split(d, spec, 0, 1);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("data.subset.train: 1000 is more than the 100 train images"),
              std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace joulegrid
