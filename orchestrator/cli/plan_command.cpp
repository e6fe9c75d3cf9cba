// `joulegrid plan SPEC [--json]`: the cells a study will run.

#include <iostream>
#include <map>

#include "io/records/schema.hpp"
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

int plan_command(const PlanArgs& args) {
  const Spec spec = load_spec(args.spec);
  const std::vector<CellSpec> cells = expand_grid(spec);
  check_cell_data(spec, cells);
  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : cells) out.push_back(planned_cell(c));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::vector<std::string> header{"#", "id", "architecture", "size", "criterion", "fold", "batch", "lr",
                                  "optimizer", "repeat", "max epochs"};
  if (spec.finetune.enabled) header.push_back("role");
  TextTable t(header);
  std::map<std::string, int> index_of;
  for (const auto& c : cells) index_of[c.id] = c.index;
  for (const auto& c : cells) {
    std::vector<std::string> row{std::to_string(c.index), c.id, c.architecture, std::to_string(c.size),
                                 c.criterion.name, std::to_string(c.fold), std::to_string(c.batch_size),
                                 format_number(c.learning_rate), c.optimizer, std::to_string(c.repeat),
                                 std::to_string(c.criterion.epoch_cap())};
    if (spec.finetune.enabled) row.push_back(role_text(c, index_of));
    t.add(row);
  }
  std::cout << "study " << spec.name << " (" << spec.file << "), data " << spec.data.format << " "
            << spec.data.path << "\n";
  t.print(std::cout);
  std::cout << grid_summary(spec, cells) << "\n";
  return 0;
}

}  // namespace joulegrid
