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

}  // namespace joulegrid::store
