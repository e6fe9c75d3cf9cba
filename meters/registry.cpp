#include "meters/registry.hpp"

#include <algorithm>
#include <stdexcept>

#include "meters/amdgpu.hpp"
#include "meters/nvml.hpp"
#include "meters/rapl.hpp"
#include "meters/utilisation.hpp"
#include "vocabulary/meter_sources.hpp"

namespace joulegrid::meters {

namespace {

bool covers(const MeterSet& set, Component component) {
  for (const auto& m : set.meters)
    for (const auto& c : m->channels())
      if (c.component == component && c.in_total) return true;
  return false;
}

}  // namespace

MeterSet open_meters(const std::vector<std::string>& sources, const SysfsRoot& root,
                     const EstimatorOptions& estimator, bool utilisation) {
  std::vector<MeterSourceValue> asked;
  for (const auto& s : sources) {
    const auto source = MeterSource::find(s);
    if (!source) throw std::invalid_argument("unknown meter source '" + s + "' (known: " + MeterSource::known() + ")");
    asked.push_back(*source);
  }
  auto named = [&](MeterSourceValue s) { return std::find(asked.begin(), asked.end(), s) != asked.end(); };
  auto wants = [&](MeterSourceValue s) { return named(s) || named(MeterSourceValue::automatic); };
  MeterSet set;
  if (wants(MeterSourceValue::rapl)) {
    auto rapl = std::make_unique<RaplMeter>(root, set.warnings);
    if (!rapl->empty()) set.meters.push_back(std::move(rapl));
  }
  if (wants(MeterSourceValue::amdgpu)) {
    auto amd = std::make_unique<AmdGpuMeter>(root, set.warnings, utilisation);
    if (!amd->empty()) set.meters.push_back(std::move(amd));
  }
  if (wants(MeterSourceValue::nvml)) {
    auto nv = std::make_unique<NvmlMeter>(set.warnings, named(MeterSourceValue::nvml), utilisation);
    if (!nv->empty()) set.meters.push_back(std::move(nv));
  }
  const bool explicit_estimate = named(MeterSourceValue::estimate);
  EstimatorOptions e = estimator;
  e.cpu = explicit_estimate || (wants(MeterSourceValue::estimate) && !covers(set, ComponentValue::cpu));
  e.ram = explicit_estimate || (wants(MeterSourceValue::estimate) && !covers(set, ComponentValue::ram));
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
