#pragma once
// The energy sources a node can use ([meters] sources): the one table the
// spec validates against, --help lists, and meters/registry.cpp opens from.

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

}  // namespace joulegrid
