#include "orchestrator/plan/plan.hpp"

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "io/datasets/datasets.hpp"
#include "io/datasets/splits.hpp"

namespace joulegrid {

namespace {

// What [train] train_accuracy means for this cell: "eval" stays where its
// criterion watches the training split and becomes "running" where nothing
// reads it, so that such a cell neither pays for an evaluation pass nor
// changes its id; "always" and "running" stay.
std::string applied_train_accuracy(const std::string& option, const CriterionSpec& criterion) {
  if (option == "eval" && !watches_training_split(criterion)) return "running";
  return option;
}

void set_identity(CellSpec& c, const Spec& spec) {
  c.train.train_accuracy = applied_train_accuracy(spec.train.train_accuracy, c.criterion);
  c.id = cell_id(c);
  c.seed = mix_seed(spec.seed, fnv1a64(c.id)) >> 1;  // fits int64 for torch
}

// A training program's command (the worker fills in its placeholders), and
// where and how long it runs.
void fill_command(CellSpec& c, const ImportedModel& model) {
  c.model_command = model.command;
  c.model_workdir = model.workdir;
  c.ready_seconds = model.ready_seconds;
  c.stop_seconds = model.stop_seconds;
}

// The grid's own cells, in index order from 0.
void for_each_grid_cell(const Spec& spec, const std::function<void(CellSpec&)>& visit) {
  int index = 0;
  for (const auto& arch : spec.grid.architectures)
    for (int size : spec.grid.sizes)
      for (const auto& criterion : spec.criteria)
        for (int fold = 0; fold < spec.data.folds; ++fold)
          for (int batch : spec.batch_sizes)
            for (double lr : spec.learning_rates)
              for (const auto& optimizer : spec.optimizers)
                for (int repeat = 0; repeat < spec.grid.repeats; ++repeat) {
                  CellSpec c;
                  c.index = index++;
                  c.study = spec.name;
                  c.architecture = arch;
                  c.size = size;
                  if (const ModelFile* f = imported_model_file(spec, arch, size)) {
                    c.model_kind = spec.models.at(arch).kind;
                    c.model_file = f->path;
                    c.model_hash = f->hash;
                    if (c.model_kind == "torchscript") c.model_init = spec.models.at(arch).init;
                  }
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
                  set_identity(c, spec);
                  if (runs_a_program(c)) fill_command(c, spec.models.at(arch));
                  visit(c);
                }
}

std::string setup_key(const CellSpec& c) {
  std::ostringstream k;
  k << c.architecture << '/' << c.size << '/' << c.batch_size << '/' << c.learning_rate << '/' << c.optimizer << '/'
    << c.repeat;
  return k.str();
}

}  // namespace

// [finetune]: one pretraining cell per architecture, size, setup and repeat
// (trained on the pretraining data under its own criterion; folds do not
// apply to it), and a fine-tuning twin of every cell of the grid that starts
// from it. Both come after the grid, so a grid's own cells keep their places:
// the grid is walked twice rather than held.
void for_each_cell(const Spec& spec, const std::function<void(const CellSpec&)>& visit) {
  if (!spec.finetune.enabled) {
    for_each_grid_cell(spec, [&](CellSpec& c) { visit(c); });
    return;
  }
  int grid = 0;
  std::vector<CellSpec> pretraining;
  std::map<std::string, std::string> pretrain_of;  // setup key → pretraining cell id, once it has one
  for_each_grid_cell(spec, [&](CellSpec& c) {
    visit(c);
    ++grid;
    if (pretrain_of.emplace(setup_key(c), "").second) pretraining.push_back(c);
  });
  for (auto& p : pretraining) {
    p.index = grid++;
    p.role = RoleValue::pretrain;
    p.criterion = spec.finetune.criterion;
    p.fold = 0;
    p.data = spec.finetune.data;
    set_identity(p, spec);
    pretrain_of[setup_key(p)] = p.id;
    visit(p);
  }
  pretraining.clear();
  for_each_grid_cell(spec, [&](CellSpec& f) {
    f.index = grid++;
    f.role = RoleValue::finetune;
    f.depends_on = pretrain_of.at(setup_key(f));
    f.freeze = spec.finetune.freeze;
    set_identity(f, spec);
    visit(f);
  });
}

std::vector<CellSpec> expand_grid(const Spec& spec) {
  std::vector<CellSpec> cells;
  for_each_cell(spec, [&](const CellSpec& c) { cells.push_back(c); });
  return cells;
}

void CellDataCheck::add(const CellSpec& c) {
  const std::string data = c.data.format + "|" + c.data.path + "|" + c.data.name;
  first_.emplace(data, c);
  std::ostringstream k;
  k << c.fold << '/' << c.data_seed << '/' << c.data.subset_train << '/' << c.data.subset_test << '/'
    << c.data.validation_fraction << '/' << c.data.split;
  if (cuts_[data].insert(k.str()).second) cut_cells_.emplace(data + "#" + k.str(), c);
}

void CellDataCheck::check(const Spec& spec) const {
  try {
    for (const auto& [data, first] : first_) {  // one read of each dataset
      const Dataset d = load_dataset(first.data);
      for (const auto& cut : cuts_.at(data)) {
        const CellSpec& c = cut_cells_.at(data + "#" + cut);
        make_split(d, c.data, c.fold, c.data_seed);
      }
    }
  } catch (const InputError& e) {
    throw InputError(in_spec(spec, e.what()));
  }
}

void check_cell_data(const Spec& spec, const std::vector<CellSpec>& cells) {
  CellDataCheck check;
  for (const auto& c : cells) check.add(c);
  check.check(spec);
}

std::string checkpoint_dir(const std::string& results_path) {
  const std::filesystem::path p(results_path);
  return (p.parent_path() / (p.stem().string() + ".checkpoints")).string();
}

void assign_checkpoints(std::vector<CellSpec>& cells, const std::string& results_path) {
  const std::string dir = checkpoint_dir(results_path);
  for (auto& c : cells) {
    if (c.role == RoleValue::pretrain) c.checkpoint = dir + "/" + c.id + ".pt";
    if (c.role == RoleValue::finetune) c.checkpoint = dir + "/" + c.depends_on + ".pt";
  }
}

double predicted_cost(const CellSpec& c) {
  // Before the data is read its size is unknown: a full MNIST-sized set stands in.
  const double images = c.data.subset_train > 0 ? static_cast<double>(c.data.subset_train) : 60000.0;
  double arch = 1.0;
  if (c.architecture == "bcnn") arch = 2.0 * c.train.bayes.train_ensemble;
  const double width = static_cast<double>(c.size) * c.size;
  return arch * width * c.criterion.epoch_cap() * images / 1000.0;
}

void GridCount::add(const CellSpec& c) {
  ++cells;
  pretraining += c.role == RoleValue::pretrain;
  epochs += c.criterion.epoch_cap();
}

std::string grid_summary(const Spec& spec, const std::vector<CellSpec>& cells) {
  GridCount count;
  for (const auto& c : cells) count.add(c);
  return grid_summary(spec, count);
}

std::string grid_summary(const Spec& spec, const GridCount& count) {
  auto plural = [](size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::ostringstream s;
  s << plural(count.cells, "cell", "cells") << ": "
    << plural(spec.grid.architectures.size(), "architecture", "architectures") << " × "
    << plural(spec.grid.sizes.size(), "size", "sizes") << " × "
    << plural(spec.criteria.size(), "criterion", "criteria") << " × "
    << plural(static_cast<size_t>(spec.data.folds), "fold", "folds") << " × "
    << plural(spec.batch_sizes.size(), "batch size", "batch sizes") << " × "
    << plural(spec.learning_rates.size(), "learning rate", "learning rates") << " × "
    << plural(spec.optimizers.size(), "optimizer", "optimizers") << " × "
    << plural(static_cast<size_t>(spec.grid.repeats), "repeat", "repeats");
  if (spec.finetune.enabled) {
    s << ", + " << plural(count.pretraining, "pretraining cell", "pretraining cells") << " ("
      << spec.finetune.criterion.epochs << " epochs on " << spec.finetune.data.name << ") and a fine-tuning twin of each ("
      << spec.finetune.freeze << " frozen)";
  }
  s << "; at most " << count.epochs << " epochs in all";
  return s.str();
}

}  // namespace joulegrid
