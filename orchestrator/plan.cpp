#include "orchestrator/plan.hpp"

#include <sstream>

#include "io/datasets/splits.hpp"

namespace joulegrid {

std::vector<CellSpec> expand_grid(const Spec& spec) {
  std::vector<CellSpec> cells;
  for (const auto& arch : spec.grid.architectures)
    for (int size : spec.grid.sizes)
      for (const auto& criterion : spec.criteria)
        for (int fold = 0; fold < spec.data.folds; ++fold)
          for (int batch : spec.batch_sizes)
            for (double lr : spec.learning_rates)
              for (const auto& optimizer : spec.optimizers)
                for (int repeat = 0; repeat < spec.grid.repeats; ++repeat) {
                  CellSpec c;
                  c.index = static_cast<int>(cells.size());
                  c.study = spec.name;
                  c.architecture = arch;
                  c.size = size;
                  c.criterion = criterion;
                  c.fold = fold;
                  c.batch_size = batch;
                  c.learning_rate = lr;
                  c.optimizer = optimizer;
                  c.repeat = repeat;
                  c.data_seed = spec.seed;
                  c.data = spec.data;
                  c.train = spec.train;
                  c.timeout_s = spec.cell_timeout_s;
                  c.id = cell_id(c);
                  c.seed = mix_seed(spec.seed, fnv1a64(c.id)) >> 1;  // fits int64 for torch
                  cells.push_back(std::move(c));
                }
  return cells;
}

double predicted_cost(const CellSpec& c) {
  // Before the data is read its size is unknown: a full MNIST-sized set stands in.
  const double images = c.data.subset_train > 0 ? static_cast<double>(c.data.subset_train) : 60000.0;
  double arch = 1.0;
  if (c.architecture == "bcnn") arch = 2.0 * c.train.bayes.train_ensemble;
  const double width = static_cast<double>(c.size) * c.size;
  return arch * width * c.criterion.epoch_cap() * images / 1000.0;
}

std::string grid_summary(const Spec& spec, const std::vector<CellSpec>& cells) {
  auto plural = [](size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  long long epochs = 0;
  for (const auto& c : cells) epochs += c.criterion.epoch_cap();
  std::ostringstream s;
  s << plural(cells.size(), "cell", "cells") << ": "
    << plural(spec.grid.architectures.size(), "architecture", "architectures") << " × "
    << plural(spec.grid.sizes.size(), "size", "sizes") << " × "
    << plural(spec.criteria.size(), "criterion", "criteria") << " × "
    << plural(static_cast<size_t>(spec.data.folds), "fold", "folds") << " × "
    << plural(spec.batch_sizes.size(), "batch size", "batch sizes") << " × "
    << plural(spec.learning_rates.size(), "learning rate", "learning rates") << " × "
    << plural(spec.optimizers.size(), "optimizer", "optimizers") << " × "
    << plural(static_cast<size_t>(spec.grid.repeats), "repeat", "repeats")
    << "; at most " << epochs << " epochs in all";
  return s.str();
}

}  // namespace joulegrid
