#pragma once
// The columns of each table of the results file, listed once (columns.hpp):
// the writer, the reader and docs/results-file.md follow these lists.

#include <vector>

#include "io/store/columns.hpp"
#include "io/store/results.hpp"

namespace joulegrid::store {

// One row of /epochs: an epoch of one attempt.
struct EpochRow {
  std::string cell_id;
  int attempt = 1;
  int replica = 0;
  EpochRecord record;
};

const std::vector<Field<CellRow>>& cell_fields();
const std::vector<Field<NodeRecord>>& node_fields();
const std::vector<Field<RunResult>>& run_fields();
const std::vector<Field<EpochRow>>& epoch_fields();

}  // namespace joulegrid::store
