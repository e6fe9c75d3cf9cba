#pragma once
// Grid planning: a spec expands into cells in a stable, documented order,
// each with its id, seeds and a first cost estimate.

#include <string>
#include <vector>

#include "io/cell/cell.hpp"

namespace joulegrid {

// The order, outermost first: architecture, size, criterion, fold, batch size,
// learning rate, optimizer, repeat.
std::vector<CellSpec> expand_grid(const Spec& spec);

// Predicted relative cost of a cell before anything is measured: width² (the
// FLOPs of LeNet-k grow about as k²) × epoch cap × training images ÷ 1000,
// doubled for BCNN (a mean and a variance path) and for MC dropout's test passes.
double predicted_cost(const CellSpec& cell);

// "40 cells: 2 architectures × 5 sizes × 4 criteria × 1 fold × ..."
std::string grid_summary(const Spec& spec, const std::vector<CellSpec>& cells);

}  // namespace joulegrid
