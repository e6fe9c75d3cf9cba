// `joulegrid estimate SPEC --from FILE.h5 [FILE.h5 …] [--lambda L] [--json]`:
// PRE (orchestrator/predict/cost_regression.hpp) fitted on the measured runs of earlier studies,
// predicting the planned grid's energy and time per cell and in total, for
// every kind of node the histories calibrated. Nothing is trained.

#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "io/report/text_table.hpp"
#include "io/spec/spec.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/plan/plan.hpp"
#include "orchestrator/predict/cost_regression.hpp"
#include "orchestrator/farm/progress.hpp"

namespace joulegrid {

namespace {

std::string percent(double fraction) {
  return std::isnan(fraction) ? "n/a (fewer than 6 runs)" : format_number(100 * fraction, 3) + " %";
}

}  // namespace

int estimate_command(const EstimateArgs& args) {
  if (args.from.empty()) throw InputError("estimate: give at least one results file with --from");
  if (!(args.lambda >= 0)) throw InputError("--lambda: must be at least 0, found " + std::to_string(args.lambda));
  const Spec spec = load_spec(args.spec);
  const std::vector<CellSpec> cells = expand_grid(spec);
  const PreHistory history = fit_history(args.from, args.lambda);
  const PreModel& model = history.model;
  const std::vector<PreNode>& nodes = history.nodes;
  const std::vector<CellEstimate> estimates = estimate_cells(spec, cells, model, nodes);

  std::map<std::string, std::pair<double, double>> totals;  // node → joules, seconds
  for (const auto& e : estimates) {
    totals[e.node].first += e.joules;
    totals[e.node].second += e.seconds;
  }
  if (args.json) {
    nlohmann::json j;
    j["method"] = "predicted by PRE (ridge regression on log features), not measured";
    j["fit"] = {{"runs", model.samples}, {"lambda", model.lambda},
                {"held_out_energy_error", std::isnan(model.energy_error) ? nlohmann::json() : nlohmann::json(model.energy_error)},
                {"held_out_seconds_error", std::isnan(model.seconds_error) ? nlohmann::json() : nlohmann::json(model.seconds_error)}};
    j["nodes"] = nlohmann::json::array();
    for (const auto& n : nodes)
      j["nodes"].push_back({{"name", n.name}, {"e_ref_j", n.e_ref_j}, {"joules", totals[n.name].first},
                            {"seconds", totals[n.name].second}});
    j["cells"] = nlohmann::json::array();
    for (const auto& e : estimates)
      j["cells"].push_back({{"id", e.cell_id}, {"node", e.node}, {"epochs", e.epochs}, {"joules", e.joules},
                            {"seconds", e.seconds}});
    std::cout << j.dump(2) << "\n";
    return exit_code::complete;
  }
  std::cout << grid_summary(spec, cells) << "\n"
            << "PRE fitted on " << model.samples << " measured runs of " << args.from.size()
            << " file(s), ridge λ = " << format_number(model.lambda) << "; error on held-out runs (5-fold): energy "
            << percent(model.energy_error) << ", time " << percent(model.seconds_error) << "\n"
            << "Predicted, not measured; epochs are each criterion's cap (an upper bound but for fixed epochs).\n\n";
  TextTable t({"node", "E_ref J", "cells", "energy J", "energy kWh", "time"});
  for (const auto& n : nodes)
    t.add({n.name, n.e_ref_j > 0 ? format_number(n.e_ref_j) : "none", std::to_string(cells.size()),
           format_number(totals[n.name].first), format_number(totals[n.name].first / 3.6e6, 3),
           Progress::duration(totals[n.name].second)});
  t.print(std::cout);
  return exit_code::complete;
}

}  // namespace joulegrid
