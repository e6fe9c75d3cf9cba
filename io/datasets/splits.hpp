#pragma once
// Seeded, reproducible splits. Indices refer to the pooled set: the files'
// training samples first (0 .. Ntrain-1), then their test samples.

#include <cstdint>
#include <vector>

#include "io/datasets/datasets.hpp"

namespace joulegrid {

// A small deterministic generator (splitmix64): the same stream on every
// compiler and standard library, unlike std::shuffle.
class SplitRng {
 public:
  explicit SplitRng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  uint64_t below(uint64_t n);  // uniform in [0, n), unbiased
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  uint64_t state_;
};

// Mixes several numbers into one seed (for "seed of this purpose and class").
uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c = 0);

struct Split {
  std::vector<int64_t> train;
  std::vector<int64_t> validation;
  std::vector<int64_t> test;
  bool validation_is_test = true;
};

// Per class: shuffle its members with the seed and cut k blocks of (nearly)
// equal size; fold f = block f of every class. Six folds of CIFAR-10's 60,000
// images give exactly 1,000 images a class a fold.
std::vector<std::vector<int64_t>> stratified_folds(const std::vector<int64_t>& labels, int k,
                                                   int classes, uint64_t seed);

// `n` of `pool` (indices into `labels`), each class in proportion to its share
// (largest remainder), chosen at random with the seed; sorted.
std::vector<int64_t> stratified_sample(const std::vector<int64_t>& pool,
                                       const std::vector<int64_t>& labels, int64_t n,
                                       int classes, uint64_t seed);

// The split of one fold: holdout or k-fold, then the subset, then the
// validation carve. Throws InputError when a subset asks for more than there is.
Split make_split(const Dataset& d, const DataSpec& spec, int fold, uint64_t seed);

// The labels of the pooled set.
std::vector<int64_t> pooled_labels(const Dataset& d);

}  // namespace joulegrid
