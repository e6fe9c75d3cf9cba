#pragma once
// Grid planning: a spec expands into cells in a stable, documented order,
// each with its id, seeds and a first cost estimate.

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "io/records/cell.hpp"

namespace joulegrid {

// The order, outermost first: architecture, size, criterion, fold, batch size,
// learning rate, optimizer, repeat. With [finetune], the pretraining cells
// and then the fine-tuning twins of the grid's cells follow, in that order.
std::vector<CellSpec> expand_grid(const Spec& spec);
// The same cells in the same order, handed to `visit` one at a time, so that
// a caller that only prints or counts them holds none (plan of 10^6 cells:
// memory for the [finetune] pretraining cells only).
void for_each_cell(const Spec& spec, const std::function<void(const CellSpec&)>& visit);

// Reads every dataset the cells train on the whole way, as their trainers
// will, and cuts each distinct split: a truncated file, a wrong magic
// number, a label outside the classes or a subset larger than the data is
// bad input now (InputError naming the file and offset), before anything
// is written, rather than a failure of every cell. A problem of a spec key
// (data.subset.train) names its line in `spec` (in_spec).
void check_cell_data(const Spec& spec, const std::vector<CellSpec>& cells);
// The same, for cells seen one at a time: add() each, then check().
class CellDataCheck {
 public:
  void add(const CellSpec& cell);
  void check(const Spec& spec) const;

 private:
  std::map<std::string, CellSpec> first_;              // one cell of each dataset
  std::map<std::string, std::set<std::string>> cuts_;  // each dataset's distinct splits, with one cell of each
  std::map<std::string, CellSpec> cut_cells_;
};

// Checkpoints live beside the results file: RESULTS.h5 → RESULTS.checkpoints/.
std::string checkpoint_dir(const std::string& results_path);
// Where each pretraining cell writes its weights and its fine-tuning cells read them.
void assign_checkpoints(std::vector<CellSpec>& cells, const std::string& results_path);

// Predicted relative cost of a cell before anything is measured: width² (the
// FLOPs of LeNet-k grow about as k²) × epoch cap × training images ÷ 1000,
// doubled for BCNN (a mean and a variance path) and for MC dropout's test passes.
double predicted_cost(const CellSpec& cell);

// What the summary line counts.
struct GridCount {
  size_t cells = 0, pretraining = 0;
  long long epochs = 0;  // the epoch caps, summed
  void add(const CellSpec& cell);
};

// "40 cells: 2 architectures × 5 sizes × 4 criteria × 1 fold × ..."
std::string grid_summary(const Spec& spec, const GridCount& count);
std::string grid_summary(const Spec& spec, const std::vector<CellSpec>& cells);

}  // namespace joulegrid
