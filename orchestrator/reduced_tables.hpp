#pragma once
// The /reduced group of the results file: the reduction's tables on the
// study's default energy basis, rewritten with every snapshot.

#include "io/store/store.hpp"

namespace joulegrid {

ResultsStore::ReducedWriter reduced_writer();

}  // namespace joulegrid
