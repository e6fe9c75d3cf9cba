// `--format json`: the study, its nodes and cells and every reduced table,
// keyed by the records' field names (io/records/schema.hpp). A figure that
// is not known is null.

#include <ostream>

#include <nlohmann/json.hpp>

#include "io/records/schema.hpp"
#include "io/report/report.hpp"

namespace joulegrid {

namespace {

using nlohmann::json;
using records::JsonView;

template <class Row>
json table(const std::vector<Row>& rows, const records::Fields<Row>& fields) {
  json a = json::array();
  for (const auto& r : rows) a.push_back(records::to_json(r, fields, JsonView::report));
  return a;
}

}  // namespace

void write_json(const Reduction& red, std::ostream& out) {
  json j;
  j["study"] = records::to_json(red.study, records::study_summary_fields(), JsonView::report);
  j["energy"] = records::to_json(red, records::energy_summary_fields(), JsonView::report);
  j["nodes"] = table(red.nodes, records::node_row_fields());
  j["cells"] = table(red.cells, records::cell_result_fields());
  j["models"] = table(red.models, records::model_fields());
  j["criteria"] = table(red.criteria, records::criterion_row_fields());
  j["architectures"] = table(red.architectures, records::architecture_fields());
  j["by_node"] = table(red.by_node, records::by_node_fields());
  j["ratios"] = table(red.ratios, records::ratio_fields());
  j["intervals"] = table(red.intervals, records::interval_fields());
  j["comparisons"] = table(red.comparisons, records::comparison_fields());
  j["step"] = table(red.step, records::step_accuracy_fields());
  j["setups"] = table(red.setups, records::setup_fields());
  j["finetune"] = table(red.finetune, records::finetune_fields());
  j["emissions"] = records::to_json(red, records::emission_summary_fields(), JsonView::report);
  j["emissions"]["rows"] = table(red.emissions, records::emission_fields());
  j["overtraining"] = table(red.overtraining, records::overtraining_fields());
  out << j.dump(2) << "\n";
}

}  // namespace joulegrid
