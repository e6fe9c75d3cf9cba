#pragma once
// The energy sources a node can use ([meters] sources): the one table the
// spec validates against, --help lists, and meters/registry.cpp opens from;
// and the components of a node their channels measure.

#include <array>
#include <string_view>

#include "vocabulary/word.hpp"

namespace joulegrid {

enum class MeterSourceValue { automatic, rapl, amdgpu, nvml, estimate };

struct MeterSourceEntry {
  MeterSourceValue value;
  std::string_view name;
  std::string_view summary;
};

template <>
struct Vocabulary<MeterSourceValue> {
  static constexpr const char* what = "meter source";
  static constexpr std::array<MeterSourceEntry, 5> words{{
      {MeterSourceValue::automatic, "auto", "every hardware source that opens, and the estimator for what none covers"},
      {MeterSourceValue::rapl, "rapl", "Intel/AMD RAPL package and DRAM counters (powercap)"},
      {MeterSourceValue::amdgpu, "amdgpu", "AMD GPUs through hwmon: energy counter or power"},
      {MeterSourceValue::nvml, "nvml", "NVIDIA GPUs through NVML: energy counter or power"},
      {MeterSourceValue::estimate, "estimate", "CPU utilisation × TDP and watts per GiB of RAM (not a measurement)"},
  }};
};
using MeterSource = Word<MeterSourceValue>;

// What part of a node a meter's channel measures: the energy a cell is
// charged is its GPU's whole and its share of CPU and RAM (meters/attribution.hpp).
enum class ComponentValue { cpu, ram, gpu, platform };
template <>
struct Vocabulary<ComponentValue> {
  static constexpr const char* what = "component";
  static constexpr std::array<WordEntry<ComponentValue>, 4> words{{
      {ComponentValue::cpu, "cpu"},            // a CPU package (RAPL package, the estimate's CPU)
      {ComponentValue::ram, "ram"},            // memory (RAPL dram, the estimate's RAM)
      {ComponentValue::gpu, "gpu"},            // one GPU card (NVML, amdgpu hwmon)
      {ComponentValue::platform, "platform"},  // the whole platform (RAPL psys): contains the others
  }};
};
using Component = Word<ComponentValue>;

}  // namespace joulegrid
