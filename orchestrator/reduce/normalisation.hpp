#pragma once
// Normalisation across hardware (ARCHITECTURE §4): the normalised energy of
// a run on node n is E × E_ref(reference) / E_ref(n), E_ref being the
// node's calibration on the report's basis and the reference the spec's: a
// named node, the calibrated node of the lowest rank ("first"), or joules
// carried over from another study.

#include <string>
#include <vector>

#include "io/records/reduction.hpp"

namespace joulegrid::reduction {

// Every node with its factor E_ref(reference) / E_ref(node) (NaN without a
// calibration); `reference` says what the figures are relative to, in words.
std::vector<NodeRow> normalisation(const StudyResults& results, EnergyBasis basis, std::string* reference);

}  // namespace joulegrid::reduction
