#pragma once
// The tables of the results file and the record each row is: /cells,
// /nodes and /runs hold the records' own field lists (io/records/schema.hpp);
// /epochs holds each epoch with the attempt it belongs to.

#include <vector>

#include "io/records/schema.hpp"
#include "io/store/columns.hpp"

namespace joulegrid::store {

// One row of /epochs: an epoch of one attempt.
struct EpochRow {
  std::string cell_id;
  int attempt = 1;
  int replica = 0;
  EpochRecord record;
};

const std::vector<Field<EpochRow>>& epoch_table_fields();

// One row of /segments: a stretch of one attempt on one node (an attempt
// continued from a checkpoint has one per stretch; others have none).
struct SegmentRow {
  std::string cell_id;
  int attempt = 1;
  int replica = 0;
  RunSegment segment;
};

const std::vector<Field<SegmentRow>>& segment_table_fields();

// One row of /calibrations: a repetition of one node's reference workload.
struct CalibrationRow {
  std::string node;
  int replica = 0;
  int session = 0;
  CalibrationRun run;
};

const std::vector<Field<CalibrationRow>>& calibration_table_fields();

// One row of /idle: a window of one node's idle measurement.
struct IdleRow {
  std::string node;
  int replica = 0;
  int session = 0;
  IdleWindow window;
};

const std::vector<Field<IdleRow>>& idle_table_fields();

}  // namespace joulegrid::store
