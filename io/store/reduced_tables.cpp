#include "io/store/reduced_tables.hpp"

#include "io/h5/h5.hpp"
#include "io/records/schema.hpp"
#include "io/store/columns.hpp"

namespace joulegrid {

namespace {

template <class Row>
void table(hid_t parent, const char* name, const records::Fields<Row>& fields, const std::vector<Row>& rows) {
  h5::Handle g(h5::check(H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                         std::string("cannot create /reduced/") + name, "results file"));
  store::write_table(g.id(), fields, rows, "results file");
}

}  // namespace

void write_reduced(hid_t group, const Reduction& red) {
  for (const auto& f : records::pick(records::energy_summary_fields(), {"energy_basis", "energy_method", "normalised_to"}))
    store::write_text_column(group, f.name, {f.get_text(red)}, "results file");
  table(group, "models", records::model_fields(), red.models);
  table(group, "criteria", records::criterion_row_fields(), red.criteria);
  table(group, "architectures", records::architecture_fields(), red.architectures);
  table(group, "by_node", records::by_node_fields(), red.by_node);
  table(group, "ratios", records::ratio_fields(), red.ratios);
  table(group, "overtraining", records::overtraining_fields(), red.overtraining);
  table(group, "intervals", records::interval_fields(), red.intervals);
  table(group, "comparisons", records::comparison_fields(), red.comparisons);
}

}  // namespace joulegrid
