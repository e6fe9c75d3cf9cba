// `joulegrid plan SPEC [--json]`: the cells a study will run.

#include <iostream>
#include <map>

#include "io/records/schema.hpp"
#include "models/facts.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/plan/plan.hpp"
#include "io/report/text_table.hpp"

namespace joulegrid {

namespace {

// A planned cell: the row /cells will hold, with the plan's first estimate
// of what it costs.
nlohmann::json planned_cell(const CellSpec& c) {
  nlohmann::json j = records::to_json(cell_row(c), records::cell_row_fields(), records::JsonView::report);
  j["predicted_cost"] = predicted_cost(c);
  return j;
}

// "pretrain", "finetune <- CELL", or "" for a cell trained from scratch.
std::string role_text(const CellSpec& c, const std::map<std::string, int>& index_of) {
  if (c.role != RoleValue::finetune) return c.role.str();
  const auto it = index_of.find(c.depends_on);
  return it == index_of.end() ? c.role.str() : "finetune <- " + std::to_string(it->second);
}

}  // namespace

// The cells are generated, not held: once to check the data, count them and
// measure the table's columns, once more to print (memory stays that of
// the output's widths, not of a million cells).
int plan_command(const PlanArgs& args) {
  const Spec spec = load_spec(args.spec);
  std::vector<std::string> header{"#", "id", "architecture", "size", "criterion", "fold", "batch", "lr",
                                  "optimizer", "repeat", "max epochs"};
  if (spec.finetune.enabled) header.push_back("role");
  TextTable table(header);
  std::map<std::string, int> index_of;  // pretraining cells: their twins name them
  auto row = [&](const CellSpec& c) {
    std::vector<std::string> r{std::to_string(c.index), c.id, c.architecture, std::to_string(c.size),
                               c.criterion.name, std::to_string(c.fold), std::to_string(c.batch_size),
                               format_number(c.learning_rate), c.optimizer, std::to_string(c.repeat),
                               std::to_string(c.criterion.epoch_cap())};
    if (spec.finetune.enabled) r.push_back(role_text(c, index_of));
    return r;
  };
  CellDataCheck data;
  GridCount count;
  for_each_cell(spec, [&](const CellSpec& c) {
    data.add(c);
    count.add(c);
    if (c.role == RoleValue::pretrain) index_of[c.id] = c.index;
    if (!args.json) table.measure(row(c));
  });
  data.check(spec);  // before anything is printed
  check_imported_models(spec);
  if (args.json) {
    const char* sep = "[\n  ";
    for_each_cell(spec, [&](const CellSpec& c) {
      std::string e = planned_cell(c).dump(2);
      for (size_t i = e.find('\n'); i != std::string::npos; i = e.find('\n', i + 3)) e.replace(i, 1, "\n  ");
      std::cout << sep << e;
      sep = ",\n  ";
    });
    std::cout << (count.cells == 0 ? "[]" : "\n]") << "\n";
    return 0;
  }
  std::cout << "study " << spec.name << " (" << spec.file << "), data " << spec.data.format << " "
            << spec.data.path << "\n";
  table.print_header(std::cout);
  for_each_cell(spec, [&](const CellSpec& c) { table.print_row(std::cout, row(c)); });
  std::cout << grid_summary(spec, count) << "\n";
  return 0;
}

}  // namespace joulegrid
