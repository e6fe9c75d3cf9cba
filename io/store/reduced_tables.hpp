#pragma once
// The /reduced group of the results file: the reduction's tables, on the
// study's default energy basis, from the same field lists as the reports
// (io/records/schema.hpp). Rewritten with every snapshot; a cache for h5py
// readers, never read back (`joulegrid report` reduces the rows afresh).

#include <hdf5.h>

#include "io/records/reduction.hpp"

namespace joulegrid {

void write_reduced(hid_t group, const Reduction& reduction);

}  // namespace joulegrid
