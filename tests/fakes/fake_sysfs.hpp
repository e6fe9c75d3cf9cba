#pragma once
// Fake /sys and /proc trees for the meters: RAPL zones, /proc/stat and
// /proc/meminfo, with counters that a scripted writer advances while a
// sampler reads them.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace joulegrid::testing {

// intel-rapl:ZONE with `name`, energy_uj and max_energy_range_uj.
void write_rapl_zone(const std::string& root, const std::string& zone, const std::string& name,
                     uint64_t energy_uj, uint64_t range_uj);
// Rewrites energy_uj in place (fixed width), as the kernel presents it.
void set_energy_uj(const std::string& root, const std::string& zone, uint64_t energy_uj);
// /sys/class/drm/CARD/device with an amdgpu hwmon and gpu_busy_percent; a
// negative value leaves that file out.
void write_amdgpu_card(const std::string& root, const std::string& card, const std::string& pci_slot,
                       long long energy_uj, long long power_average_uw, int busy_percent = 37);
void write_proc(const std::string& root, uint64_t busy_ticks, uint64_t idle_ticks,
                uint64_t mem_total_kb, uint64_t mem_available_kb, int cpus = 2);

class ManualClock;

// Advances a zone's counter as if the zone drew `watts`, wrapping at
// `range_uj`, until destroyed: on the wall clock every 0.2 ms, for a process
// of its own (joulegrid under test); or at each move of a test's clock,
// exactly, for code in the test's process.
class CounterScript {
 public:
  CounterScript(std::string root, std::string zone, double watts, uint64_t range_uj);
  CounterScript(std::string root, std::string zone, double watts, uint64_t range_uj, ManualClock& clock);
  ~CounterScript();
  double watts() const { return watts_; }

 private:
  std::string root_, zone_;
  double watts_;
  uint64_t range_uj_;
  std::atomic<bool> running_{true};
  std::thread thread_;
  ManualClock* clock_ = nullptr;
  int listener_ = -1;
};

// A node whose only meter is a RAPL package zone drawing `watts`, for as
// long as it lives: cells train on the CPU, so the CPU's energy is what a
// cell is charged (with no /proc in the tree a trainer's share is 1). A fake
// GPU would not do: a cell that trains on the CPU counts no GPU.
class PackageAt {
 public:
  PackageAt(const std::string& root, double watts);

 private:
  static std::string with_zone(const std::string& root);  // writes the zone, returns `root`
  CounterScript zone_;
};

}  // namespace joulegrid::testing
