#pragma once
// What the report's figures draw, computed here so that the writers only
// format: Eq. 2 per epoch, every finished run as a point, the energy of
// training against evaluation, raw against normalised per node, the grid's
// axes.

#include <vector>

#include "io/records/reduction.hpp"
#include "orchestrator/reduce/quantities.hpp"

namespace joulegrid::reduction {

// One figure per dataset with finished runs, under its longest fixed-epoch
// criterion (the longest criterion of any kind where it has none).
std::vector<Eq2Figure> eq2_figures(const std::vector<Measured>& done, EnergyBasis basis);
// Every finished run, and what its utilisation is of.
struct RunPoints {
  std::vector<RunPoint> runs;
  std::string utilisation_device;  // "GPU" or "CPU"; "" when no run recorded any
};
RunPoints run_points(const std::vector<Measured>& done);
std::vector<PhaseRow> phases(const std::vector<Measured>& done, EnergyBasis basis);
// Mean raw and normalised energy of a node's finished cells, where several nodes finished any.
std::vector<NodeEnergyRow> node_energy(const std::vector<CellResult>& cells, const StudyResults& results);
GridAxes grid_axes(const StudyResults& results);

}  // namespace joulegrid::reduction
