#pragma once
// Emissions: the gross energy of every attempt (failed ones too: the grid
// delivered it) × the carbon intensity of the node it ran on ([carbon]),
// per node and per architecture.

#include "io/records/reduction.hpp"

namespace joulegrid::reduction {

struct Emissions {
  std::vector<EmissionRow> rows;  // per node, then per architecture; empty without [carbon]
  double grams = NAN;             // the study's, g CO2e; NaN without [carbon]
};
Emissions emissions(const StudyResults& results);

}  // namespace joulegrid::reduction
