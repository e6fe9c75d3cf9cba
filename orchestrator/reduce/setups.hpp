#pragma once
// Training setups (arXiv 2401.01851): which setup (batch size, learning
// rate, optimizer) reaches each accuracy target with the least energy, and
// frozen-encoder fine-tuning against training from scratch, with the
// pretraining the fine-tuned runs started from reported apart.

#include <vector>

#include "io/records/reduction.hpp"
#include "orchestrator/reduce/quantities.hpp"

namespace joulegrid::reduction {

// Empty unless the grid has more than one setup and an accuracy criterion.
std::vector<SetupRow> setups(const std::vector<Measured>& done, const StudyResults& results);
// Empty without [finetune].
std::vector<FinetuneRow> finetuning(const std::vector<Measured>& done, const StudyResults& results);

}  // namespace joulegrid::reduction
