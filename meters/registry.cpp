#include "meters/registry.hpp"

#include <algorithm>
#include <stdexcept>

#include "meters/amdgpu.hpp"
#include "meters/nvml.hpp"
#include "meters/rapl.hpp"
#include "meters/utilisation.hpp"

namespace joulegrid::meters {

namespace {

bool covers(const MeterSet& set, const std::string& component) {
  for (const auto& m : set.meters)
    for (const auto& c : m->channels())
      if (c.component == component && c.in_total) return true;
  return false;
}

}  // namespace

MeterSet open_meters(const std::vector<std::string>& sources, const SysfsRoot& root,
                     const EstimatorOptions& estimator, bool utilisation) {
  auto wants = [&](const std::string& s) {
    return std::find(sources.begin(), sources.end(), s) != sources.end() ||
           std::find(sources.begin(), sources.end(), "auto") != sources.end();
  };
  for (const auto& s : sources)
    if (s != "auto" && s != "rapl" && s != "amdgpu" && s != "nvml" && s != "estimate")
      throw std::invalid_argument("unknown meter source '" + s + "'");
  MeterSet set;
  if (wants("rapl")) {
    auto rapl = std::make_unique<RaplMeter>(root, set.warnings);
    if (!rapl->empty()) set.meters.push_back(std::move(rapl));
  }
  if (wants("amdgpu")) {
    auto amd = std::make_unique<AmdGpuMeter>(root, set.warnings, utilisation);
    if (!amd->empty()) set.meters.push_back(std::move(amd));
  }
  if (wants("nvml")) {
    const bool asked = std::find(sources.begin(), sources.end(), "nvml") != sources.end();
    auto nv = std::make_unique<NvmlMeter>(set.warnings, asked, utilisation);
    if (!nv->empty()) set.meters.push_back(std::move(nv));
  }
  const bool explicit_estimate = std::find(sources.begin(), sources.end(), "estimate") != sources.end();
  EstimatorOptions e = estimator;
  e.cpu = explicit_estimate || (wants("estimate") && !covers(set, "cpu"));
  e.ram = explicit_estimate || (wants("estimate") && !covers(set, "ram"));
  if (e.cpu || e.ram) {
    auto est = std::make_unique<EstimatorMeter>(root, e, set.warnings);
    if (!est->channels().empty()) set.meters.push_back(std::move(est));
  }
  if (utilisation) {
    auto cpu = std::make_unique<CpuUtilisationMeter>(root);
    if (!cpu->empty()) set.meters.push_back(std::move(cpu));
  }
  return set;
}

}  // namespace joulegrid::meters
