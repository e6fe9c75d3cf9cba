// `joulegrid plan SPEC [--json]`: the cells a study will run.

#include <iostream>
#include <map>

#include "orchestrator/commands.hpp"
#include "orchestrator/plan.hpp"
#include "io/report/text_table.hpp"

namespace joulegrid {

namespace {

nlohmann::json cell_row(const CellSpec& c) {
  nlohmann::json j{{"index", c.index},
                        {"id", c.id},
                        {"architecture", c.architecture},
                        {"size", c.size},
                        {"criterion", c.criterion.name},
                        {"criterion_kind", c.criterion.kind},
                        {"fold", c.fold},
                        {"batch_size", c.batch_size},
                        {"learning_rate", c.learning_rate},
                        {"optimizer", c.optimizer},
                        {"repeat", c.repeat},
                        {"max_epochs", c.criterion.epoch_cap()},
                        {"seed", c.seed},
                        {"predicted_cost", predicted_cost(c)}};
  if (!c.role.empty()) j.update({{"role", c.role}, {"depends_on", c.depends_on}, {"freeze", c.freeze}, {"dataset", c.data.name}});
  return j;
}

// "pretrain", "finetune <- CELL", or "" for a cell trained from scratch.
std::string role_text(const CellSpec& c, const std::map<std::string, int>& index_of) {
  if (c.role != "finetune") return c.role;
  const auto it = index_of.find(c.depends_on);
  return it == index_of.end() ? c.role : "finetune <- " + std::to_string(it->second);
}

}  // namespace

int plan_command(const PlanArgs& args) {
  const Spec spec = load_spec(args.spec);
  const std::vector<CellSpec> cells = expand_grid(spec);
  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : cells) out.push_back(cell_row(c));
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
