#include "orchestrator/reduce/emissions.hpp"

#include <cstdlib>
#include <map>
#include <sstream>

namespace joulegrid::reduction {

// Each node's intensity: its own from [carbon.nodes], else the default.
Emissions emissions(const StudyResults& results) {
  Emissions out;
  std::map<std::string, double> own;
  std::istringstream lines(results.meta.carbon_nodes);
  for (std::string line; std::getline(lines, line);) {
    const size_t eq = line.rfind('=');
    if (eq != std::string::npos) own[line.substr(0, eq)] = std::atof(line.c_str() + eq + 1);
  }
  if (results.meta.carbon_g_per_kwh <= 0 && own.empty()) return out;
  auto intensity = [&](const std::string& node) {
    const auto it = own.find(node);
    return it != own.end() ? it->second : results.meta.carbon_g_per_kwh;
  };
  std::map<std::string, std::string> arch_of;
  for (const auto& c : results.cells) arch_of[c.id] = c.architecture;
  std::map<std::string, EmissionRow> by_node, by_arch;
  std::vector<std::string> node_order, arch_order;
  out.grams = 0;
  for (const auto& r : results.runs) {
    const double g_per_kwh = intensity(r.node);
    const double grams = r.energy_j / 3.6e6 * g_per_kwh;
    auto add = [&](std::map<std::string, EmissionRow>& to, std::vector<std::string>& order, const std::string& kind,
                   const std::string& name) {
      auto [it, fresh] = to.try_emplace(name, EmissionRow{kind, name});
      if (fresh) order.push_back(name);
      ++it->second.runs;
      it->second.energy_j += r.energy_j;
      it->second.grams += grams;
      if (kind == "node") it->second.g_per_kwh = g_per_kwh;
    };
    add(by_node, node_order, "node", r.node);
    add(by_arch, arch_order, "architecture", arch_of[r.cell_id]);
    out.grams += grams;
  }
  for (const auto& n : node_order) out.rows.push_back(by_node[n]);
  for (const auto& a : arch_order) out.rows.push_back(by_arch[a]);
  return out;
}

}  // namespace joulegrid::reduction
