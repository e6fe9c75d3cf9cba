#pragma once
// One benchmark figure as the JSON line bench/run collects: name, value,
// unit, baseline, and — where the project set one — the target and whether
// it was met.

#include <cmath>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

namespace joulegrid::bench {

inline void figure(const std::string& name, double value, const std::string& unit, const std::string& baseline,
                   double target = NAN, bool lower_is_better = true) {
  nlohmann::json j{{"name", name}, {"value", value}, {"unit", unit}, {"baseline", baseline}};
  if (std::isfinite(target)) {
    j["target"] = std::string(lower_is_better ? "<= " : ">= ") + std::to_string(target);
    j["met"] = lower_is_better ? value <= target : value >= target;
  }
  std::cout << j.dump() << std::endl;
}

}  // namespace joulegrid::bench
