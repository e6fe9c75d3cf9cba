#pragma once
// The paper's equations (ARCHITECTURE §5) over the finished runs, on raw
// and on normalised energy:
//   model  folds, repeats and replicas of one size: mean accuracy / mean energy
//   Eq. 3  Eff(arch, criterion) = mean over sizes of the model efficiencies
//   Eq. 4  Eff(arch) = mean over criteria of Eq. 3
// and the ratios between architectures and between datasets (Table 12). A
// "setup" (batch size, learning rate, optimizer, how the cell starts) is
// kept apart throughout.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "io/records/reduction.hpp"
#include "orchestrator/reduce/quantities.hpp"

namespace joulegrid {

std::vector<CriterionRow> efficiency_by_criterion(const std::vector<ModelRow>& models);
std::vector<ArchitectureRow> efficiency_by_architecture(const std::vector<CriterionRow>& criteria);
std::vector<RatioRow> efficiency_ratios(const std::vector<ArchitectureRow>& architectures);

namespace reduction {

// The sizes and criteria the grid has for each architecture: an Eq. 3 mean
// over fewer sizes than the grid has, or an Eq. 4 mean over fewer criteria,
// is incomplete, and a comparison with it is marked, never made silently.
class GridShape {
 public:
  explicit GridShape(const StudyResults& results);
  void mark(CriterionRow& row) const;
  void mark(ArchitectureRow& row, const std::vector<CriterionRow>& criteria) const;
  // The rows, marked: Eq. 3 with the grid's sizes, Eq. 4 with its criteria
  // and whether every criterion it averages is complete.
  std::vector<CriterionRow> marked(std::vector<CriterionRow> criteria) const;
  std::vector<ArchitectureRow> marked(std::vector<ArchitectureRow> architectures,
                                      const std::vector<CriterionRow>& criteria) const;

 private:
  std::map<std::string, std::set<int>> sizes_;               // by dataset, architecture, criterion, setup
  std::map<std::string, std::set<std::string>> criteria_;  // by dataset, architecture, setup
  std::map<std::string, std::string> selection_;           // by dataset, architecture, criterion, setup
};

std::vector<ModelRow> models_of(const std::vector<Measured>& done);
// Eq. 4 over the runs each node made, where several nodes made any.
std::vector<ArchitectureRow> by_node(const std::vector<Measured>& done, const StudyResults& results,
                                     const GridShape& grid);

}  // namespace reduction

}  // namespace joulegrid
