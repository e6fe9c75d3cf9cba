#pragma once
// The Meter interface: one small class per kind of hardware source (RAPL,
// AMD GPU hwmon, NVML, the estimator), each offering channels and reading them
// all at once. No torch, no MPI. A source that cannot open leaves a warning,
// never an exception that ends a sweep.

#include <memory>
#include <string>
#include <vector>

#include "vocabulary/meter_sources.hpp"

namespace joulegrid::meters {

// How a channel's energy is obtained. `utilisation` channels carry no
// energy: a busy percentage sampled beside it (never in_total, never summed).
enum class Method { counter, power, estimated, utilisation };
const char* method_name(Method m);  // "counter" | "power" | "estimated" | "utilisation"

struct Channel {
  std::string source;       // rapl | amdgpu | nvml | estimate
  std::string device;       // package-0, dram, card0, GPU-…, cpu, ram
  Component component;      // cpu | ram | gpu | platform
  Method method = Method::counter;
  double wrap_range_j = 0;  // counters: the value at which they wrap; 0 = unknown
  bool in_total = true;     // false for a zone that contains others (psys ⊃ package)
  bool cross_check = false; // a power reading kept to check the counter of the same device
  std::string file;         // what is read, for people and warnings
  std::string bus_id;       // GPUs: PCI address, to bind a GPU to its rank
  std::string uuid;

  // Counters read joules (cumulative); power and estimates read watts;
  // utilisation reads percent.
  const char* unit() const {
    return method == Method::counter ? "J" : method == Method::utilisation ? "%" : "W";
  }
  bool is_energy() const { return method != Method::utilisation; }
};

class Meter {
 public:
  virtual ~Meter() = default;
  virtual const std::vector<Channel>& channels() const = 0;
  // Writes one value per channel into `out`: joules for counters, watts
  // for power and estimates, percent for utilisation; NaN where a read failed. Must be cheap: it runs at up to 1 kHz.
  virtual void read(double* out) = 0;
};

// A source that was looked for and could not be used, and how to fix it.
struct Warning {
  std::string source;
  std::string problem;
  std::string fix;
};

}  // namespace joulegrid::meters
