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

// Every node with its E_ref on the basis and its factor E_ref(reference) /
// E_ref(node) (NaN without a calibration), and what the figures are
// relative to.
struct Normalisation {
  EnergyBasis basis;
  std::vector<NodeRow> nodes;
  std::string reference;       // in words
  std::string reference_node;  // its key; "" when joules were carried over, or none
  double reference_j = NAN;    // its E_ref on the basis
};
Normalisation normalisation(const StudyResults& results, EnergyBasis basis);

// A repetition's E_ref on a basis.
double calibration_joules(const CalibrationRun& run, EnergyBasis basis);

}  // namespace joulegrid::reduction
