#pragma once
// Emissions: the gross energy of every attempt (failed ones too: the grid
// delivered it) × the carbon intensity of the node it ran on ([carbon]),
// per node and per architecture.

#include "io/records/reduction.hpp"

namespace joulegrid::reduction {

// Sets Reduction::emissions and emissions_g; leaves them empty without [carbon].
void add_emissions(const StudyResults& results, Reduction& red);

}  // namespace joulegrid::reduction
