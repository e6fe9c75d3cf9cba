#pragma once
// The reduction of ARCHITECTURE §5: the paper's equations over the settled
// runs of a study, on raw and on normalised energy, gross or net.
//   Eq. 2  Eff_i = Acc_i / E_cum(i), per epoch (stored with every epoch)
//   model  folds and repeats of one size: mean accuracy / mean energy
//   Eq. 3  Eff(arch, criterion) = mean over sizes of the model efficiencies
//   Eq. 4  Eff(arch) = mean over criteria of Eq. 3
// A "setup" (batch size, learning rate, optimizer) is kept apart throughout.

#include <string>
#include <vector>

#include "io/report/reduction.hpp"
#include "io/store/results.hpp"

namespace joulegrid {

std::vector<CriterionRow> efficiency_by_criterion(const std::vector<ModelRow>& models);
std::vector<ArchitectureRow> efficiency_by_architecture(const std::vector<CriterionRow>& criteria);
std::vector<RatioRow> efficiency_ratios(const std::vector<ArchitectureRow>& architectures);
// A = test_b − test_a; B = (train_b − test_b) − (train_a − test_a);
// overtrained when A < 0.005 (no real gain) or B ≥ A / 2.
OvertrainingRow overtraining_verdict(double train_a, double test_a, double train_b, double test_b);

// `energy` "gross" or "net"; "" takes the study's default.
Reduction reduce(const StudyResults& results, const std::string& energy = "");

// The method ordering: placeholder < estimated < power < counter.
std::string weakest_method(const std::string& a, const std::string& b);

}  // namespace joulegrid
