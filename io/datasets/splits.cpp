#include "io/datasets/splits.hpp"

#include <algorithm>
#include <numeric>

namespace joulegrid {

namespace {

// Purposes, so that every random choice has a seed of its own.
enum : uint64_t { kFolds = 1, kSubsetTrain = 2, kSubsetTest = 3, kValidation = 4 };

std::vector<std::vector<int64_t>> by_class(const std::vector<int64_t>& pool,
                                           const std::vector<int64_t>& labels, int classes) {
  std::vector<std::vector<int64_t>> groups(static_cast<size_t>(classes));
  for (int64_t i : pool) groups[static_cast<size_t>(labels[static_cast<size_t>(i)])].push_back(i);
  return groups;
}

// Splits `n` among classes in proportion to `sizes` (largest remainder).
std::vector<int64_t> proportional(const std::vector<std::vector<int64_t>>& groups, int64_t n,
                                  int64_t total) {
  std::vector<int64_t> take(groups.size());
  std::vector<std::pair<double, size_t>> remainders;
  int64_t given = 0;
  for (size_t c = 0; c < groups.size(); ++c) {
    const double exact = static_cast<double>(n) * groups[c].size() / std::max<int64_t>(total, 1);
    take[c] = static_cast<int64_t>(exact);
    given += take[c];
    remainders.push_back({exact - take[c], c});
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; given < n && i < remainders.size(); ++i) {
    const size_t c = remainders[i].second;
    if (take[c] < static_cast<int64_t>(groups[c].size())) {
      ++take[c];
      ++given;
    }
  }
  return take;
}

}  // namespace

uint64_t SplitRng::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t SplitRng::below(uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = next(); while (x >= limit);
  return x % n;
}

uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c) {
  SplitRng r(a * 0x100000001b3ULL ^ (b + 0x9e3779b97f4a7c15ULL));
  SplitRng s(r.next() ^ (c * 0xc2b2ae3d27d4eb4fULL));
  return s.next();
}

std::vector<std::vector<int64_t>> stratified_folds(const std::vector<int64_t>& labels, int k,
                                                   int classes, uint64_t seed) {
  std::vector<int64_t> all(labels.size());
  std::iota(all.begin(), all.end(), 0);
  auto groups = by_class(all, labels, classes);
  std::vector<std::vector<int64_t>> folds(static_cast<size_t>(k));
  for (size_t c = 0; c < groups.size(); ++c) {
    SplitRng rng(mix_seed(seed, kFolds, c));
    rng.shuffle(groups[c]);
    const size_t n = groups[c].size();
    size_t start = 0;
    for (int f = 0; f < k; ++f) {
      // Block sizes differ by at most one; the larger blocks come first.
      const size_t len = n / k + (static_cast<size_t>(f) < n % k ? 1 : 0);
      folds[f].insert(folds[f].end(), groups[c].begin() + start, groups[c].begin() + start + len);
      start += len;
    }
  }
  for (auto& f : folds) std::sort(f.begin(), f.end());
  return folds;
}

std::vector<int64_t> stratified_sample(const std::vector<int64_t>& pool,
                                       const std::vector<int64_t>& labels, int64_t n,
                                       int classes, uint64_t seed) {
  auto groups = by_class(pool, labels, classes);
  const auto take = proportional(groups, n, static_cast<int64_t>(pool.size()));
  std::vector<int64_t> out;
  for (size_t c = 0; c < groups.size(); ++c) {
    SplitRng rng(mix_seed(seed, c));
    rng.shuffle(groups[c]);
    out.insert(out.end(), groups[c].begin(), groups[c].begin() + take[c]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int64_t> pooled_labels(const Dataset& d) {
  std::vector<int64_t> labels = d.train.labels;
  labels.insert(labels.end(), d.test.labels.begin(), d.test.labels.end());
  return labels;
}

Split make_split(const Dataset& d, const DataSpec& spec, int fold, uint64_t seed) {
  const std::vector<int64_t> labels = pooled_labels(d);
  const int64_t ntrain = d.train.count();
  Split s;
  if (spec.split == "kfold") {
    const auto folds = stratified_folds(labels, spec.folds, d.classes, seed);
    for (int f = 0; f < spec.folds; ++f) {
      auto& dst = (f == fold) ? s.test : s.train;
      dst.insert(dst.end(), folds[f].begin(), folds[f].end());
    }
    std::sort(s.train.begin(), s.train.end());
  } else {
    s.train.resize(static_cast<size_t>(ntrain));
    std::iota(s.train.begin(), s.train.end(), 0);
    s.test.resize(static_cast<size_t>(d.test.count()));
    std::iota(s.test.begin(), s.test.end(), ntrain);
  }
  auto subset = [&](std::vector<int64_t>& part, int64_t n, const char* field, uint64_t purpose) {
    if (n <= 0) return;
    if (n > static_cast<int64_t>(part.size()))
      throw InputError("data.subset." + std::string(field) + ": " + std::to_string(n) +
                       " is more than the " + std::to_string(part.size()) + " " + field +
                       " images of " + spec.path);
    part = stratified_sample(part, labels, n, d.classes, mix_seed(seed, purpose, fold));
  };
  subset(s.train, spec.subset_train, "train", kSubsetTrain);
  subset(s.test, spec.subset_test, "test", kSubsetTest);
  if (spec.validation_fraction > 0.0) {
    const auto nval = static_cast<int64_t>(spec.validation_fraction * s.train.size() + 0.5);
    s.validation = stratified_sample(s.train, labels, nval, d.classes, mix_seed(seed, kValidation, fold));
    std::vector<int64_t> rest;
    std::set_difference(s.train.begin(), s.train.end(), s.validation.begin(), s.validation.end(),
                        std::back_inserter(rest));
    s.train = std::move(rest);
    s.validation_is_test = false;
  } else {
    s.validation = s.test;
  }
  return s;
}

}  // namespace joulegrid
