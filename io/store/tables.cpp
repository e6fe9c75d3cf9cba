#include "io/store/tables.hpp"

namespace joulegrid::store {

const std::vector<Field<EpochRow>>& epoch_table_fields() {
  static const std::vector<Field<EpochRow>> fields = records::concat<EpochRow>({
      {
          JG_FIELD(EpochRow, "cell_id", cell_id, ""),
          JG_FIELD(EpochRow, "attempt", attempt, ""),
          JG_FIELD(EpochRow, "replica", replica, ""),
      },
      records::flattened("", &EpochRow::record, records::epoch_fields()),
  });
  return fields;
}

const std::vector<Field<SegmentRow>>& segment_table_fields() {
  static const std::vector<Field<SegmentRow>> fields = records::concat<SegmentRow>({
      {
          JG_FIELD(SegmentRow, "cell_id", cell_id, ""),
          JG_FIELD(SegmentRow, "attempt", attempt, ""),
          JG_FIELD(SegmentRow, "replica", replica, ""),
      },
      records::flattened("", &SegmentRow::segment, records::segment_fields()),
  });
  return fields;
}

const std::vector<Field<CalibrationRow>>& calibration_table_fields() {
  static const std::vector<Field<CalibrationRow>> fields = records::concat<CalibrationRow>({
      {
          JG_FIELD(CalibrationRow, "node", node, ""),
          JG_FIELD(CalibrationRow, "replica", replica, ""),
          JG_FIELD(CalibrationRow, "session", session, ""),
      },
      records::flattened("", &CalibrationRow::run, records::calibration_run_fields()),
  });
  return fields;
}

const std::vector<Field<IdleRow>>& idle_table_fields() {
  static const std::vector<Field<IdleRow>> fields = records::concat<IdleRow>({
      {
          JG_FIELD(IdleRow, "node", node, ""),
          JG_FIELD(IdleRow, "replica", replica, ""),
          JG_FIELD(IdleRow, "session", session, ""),
      },
      records::flattened("", &IdleRow::window, records::idle_window_fields()),
  });
  return fields;
}

}  // namespace joulegrid::store
