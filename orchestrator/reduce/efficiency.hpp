#pragma once
// The paper's equations (ARCHITECTURE §5) over the finished runs, on raw
// and on normalised energy:
//   model  folds, repeats and replicas of one size: mean accuracy / mean energy
//   Eq. 3  Eff(arch, criterion) = mean over sizes of the model efficiencies
//   Eq. 4  Eff(arch) = mean over criteria of Eq. 3
// and the ratios between architectures and between datasets (Table 12). A
// "setup" (batch size, learning rate, optimizer, how the cell starts) is
// kept apart throughout.

#include <vector>

#include "io/records/reduction.hpp"
#include "orchestrator/reduce/quantities.hpp"

namespace joulegrid {

std::vector<CriterionRow> efficiency_by_criterion(const std::vector<ModelRow>& models);
std::vector<ArchitectureRow> efficiency_by_architecture(const std::vector<CriterionRow>& criteria);
std::vector<RatioRow> efficiency_ratios(const std::vector<ArchitectureRow>& architectures);

namespace reduction {

std::vector<ModelRow> models_of(const std::vector<Measured>& done);
// Eq. 4 over the runs each node made, where several nodes made any.
std::vector<ArchitectureRow> by_node(const std::vector<Measured>& done, const StudyResults& results);

}  // namespace reduction

}  // namespace joulegrid
