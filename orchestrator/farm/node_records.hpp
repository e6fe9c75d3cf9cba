#pragma once
// One node's record from the hellos of all its worker ranks: the leader's
// measurement (idle power, calibration) with every rank's meters and
// warnings, so that a second rank whose GPU meter failed is not lost behind
// a leader whose meter works.

#include <map>

#include "io/records/results.hpp"

namespace joulegrid {

// `by_rank`: each rank's own record of the node; `leader`: the rank that
// measured it (its record is the base), or −1 while it has not said hello
// (the lowest rank's is the base meanwhile). Devices and warnings that
// differ between ranks are listed per rank ("rank 2: …"). Where several
// ranks calibrated (each its own card), the calibration holds all their
// repetitions and E_ref is the median over them.
NodeRecord merge_rank_records(const std::map<int, NodeRecord>& by_rank, int leader);

}  // namespace joulegrid
