#pragma once
// joulegrid merge: replication studies — the same grid run as separate jobs,
// on other partitions or clusters — joined into one results file whose
// report compares the hardware. Each input becomes a replica: its runs and
// nodes keep their calibrations and are told apart by `replica`, so a cell
// settled in every input counts once per replica.

#include <string>
#include <vector>

#include "io/records/results.hpp"
#include "io/store/samples.hpp"

namespace joulegrid {

// Loads and joins `paths` (snapshot and journal each). Throws InputError,
// naming the file, for fewer than two inputs, a different grid, the same
// study twice, or nodes calibrated with different numbers of steps (their
// E_ref would not compare). `samples`, when given, receives where each
// input's raw samples are, for write_new_results to fold in.
StudyResults merge_results(const std::vector<std::string>& paths, std::vector<SampleSource>* samples = nullptr);

}  // namespace joulegrid
