#pragma once
// Overtraining (the paper's §5.4), for fixed-epoch runs long enough: column
// A = test accuracy at epoch b − at epoch a, column B = (train − test) at b
// − (train − test) at a; a run is overtrained when A < 0.005 (no real gain)
// or B ≥ A / 2 (the gap grew on a comparable scale).

#include <vector>

#include "io/records/reduction.hpp"
#include "orchestrator/reduce/quantities.hpp"

namespace joulegrid {

OvertrainingRow overtraining_verdict(double train_a, double test_a, double train_b, double test_b);

namespace reduction {

// Every finished fixed-epoch run of at least two epochs: b is its last
// epoch, a the one at half of it.
std::vector<OvertrainingRow> overtraining(const std::vector<Measured>& done);

}  // namespace reduction

}  // namespace joulegrid
