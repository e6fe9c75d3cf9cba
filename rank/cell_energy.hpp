#pragma once
// What the worker needs from the meters to measure one cell: a monotone
// reading of joules and how it was obtained. The meters of meters/ plug in
// here; until a node has them, PlaceholderEnergy stands in and says so.

#include <chrono>
#include <string>
#include <utility>
#include <vector>
#include <sys/types.h>

#include "vocabulary/vocabulary.hpp"

namespace joulegrid {

// Cumulative joules since an arbitrary origin.
struct EnergyTotals {
  double cell_j = 0;  // attributed to the cell being measured
  double node_j = 0;  // the node's raw total
  double cpu_j = 0, ram_j = 0, gpu_j = 0;  // attributed, by component
  double net_j = 0;   // cell_j less the node's idle power over the same time (same shares)
  // Devices with both an energy counter and a power reading: both integrals.
  struct CrossCheck {
    std::string device;
    double counter_j = 0, power_j = 0;
  };
  std::vector<CrossCheck> cross_checks;
  // Utilisation, not energy: the time integral of the busy percentage (%·s;
  // GPUs: the mean over the rank's GPUs) and the seconds it covers, so that
  // a window's mean is Δutil_s / Δseconds. No reading: has_* false.
  double seconds = 0;
  double gpu_util_s = 0, cpu_util_s = 0;
  bool has_gpu_util = false, has_cpu_util = false;
  // The node's CPU ticks (all states) and those busy outside the trainer's
  // process tree, counted while a trainer is attached: what else ran.
  double node_ticks = 0, other_busy_ticks = 0;
};

// The share of the node's CPU time busy outside the trainer between two
// readings, in %; NaN where it was not counted.
double other_cpu_percent(const EnergyTotals& from, const EnergyTotals& to);

// The mean GPU and CPU utilisation (%) between two readings; NaN without one.
std::pair<double, double> mean_utilisation(const EnergyTotals& from, const EnergyTotals& to);

// "card0: counter 100 J vs power 112 J (12 %)" for every device whose two
// measurements of the window differ by more than `tolerance`; "" when none do.
std::string disagreements(const EnergyTotals& from, const EnergyTotals& to, double tolerance = 0.05);

class CellEnergy {
 public:
  virtual ~CellEnergy() = default;
  virtual EnergyTotals now() = 0;
  double joules_now() { return now().cell_j; }
  // The trainer process whose share of the node's CPU time the cell is given.
  virtual void attach(pid_t /*trainer*/) {}
  // Whether the cell trains on the rank's GPU; a cell on the CPU counts no
  // GPU energy (an idle card is not the cell's), and its GPU busy % is not kept.
  virtual void trains_on_gpu(bool /*yes*/) {}
  virtual EnergyMethod method() const = 0;     // the weakest of the summed sources
  virtual std::string describe() const = 0;    // a sentence for people
};

// A clock, not a meter: a fixed power times wall time. Labelled "placeholder"
// everywhere it appears, so nobody mistakes it for a measurement.
class PlaceholderEnergy : public CellEnergy {
 public:
  explicit PlaceholderEnergy(double watts);
  EnergyTotals now() override;
  EnergyMethod method() const override { return EnergyMethodValue::placeholder; }
  std::string describe() const override;

  // The watts from JOULEGRID_PLACEHOLDER_WATTS, else 100 W.
  static double watts_from_environment();

 private:
  double watts_;
  std::chrono::steady_clock::time_point origin_;
};

}  // namespace joulegrid
