#pragma once
// How far STEP's projections (orchestrator/predict/step_projection.hpp)
// fell from what the runs then measured: over the finished runs that ran
// their planned epochs beyond the one the projection was made at, the mean
// |projected − measured| / measured, for all runs and per architecture.

#include <vector>

#include "io/records/reduction.hpp"
#include "orchestrator/reduce/quantities.hpp"

namespace joulegrid::reduction {

// Empty when no run was projected.
std::vector<StepAccuracyRow> step_accuracy(const std::vector<Measured>& done);

}  // namespace joulegrid::reduction
