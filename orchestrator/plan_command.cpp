// `joulegrid plan SPEC [--json]`: the cells a study will run.

#include <iostream>

#include "orchestrator/commands.hpp"
#include "orchestrator/plan.hpp"
#include "io/report/text_table.hpp"

namespace joulegrid {

namespace {

nlohmann::json cell_row(const CellSpec& c) {
  return nlohmann::json{{"index", c.index},
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
  TextTable t({"#", "id", "architecture", "size", "criterion", "fold", "batch", "lr", "optimizer",
               "repeat", "max epochs"});
  for (const auto& c : cells)
    t.add({std::to_string(c.index), c.id, c.architecture, std::to_string(c.size), c.criterion.name,
           std::to_string(c.fold), std::to_string(c.batch_size), format_number(c.learning_rate),
           c.optimizer, std::to_string(c.repeat), std::to_string(c.criterion.epoch_cap())});
  std::cout << "study " << spec.name << " (" << spec.file << "), data " << spec.data.format << " "
            << spec.data.path << "\n";
  t.print(std::cout);
  std::cout << grid_summary(spec, cells) << "\n";
  return 0;
}

}  // namespace joulegrid
