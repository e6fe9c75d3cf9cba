#pragma once
// What the worker needs from the meters to measure one cell: a monotone
// reading of joules and how it was obtained. The meters of meters/ plug in
// here; until a node has them, PlaceholderEnergy stands in and says so.

#include <chrono>
#include <string>

namespace joulegrid {

class CellEnergy {
 public:
  virtual ~CellEnergy() = default;
  virtual double joules_now() = 0;             // joules since an arbitrary origin
  virtual std::string method() const = 0;      // counter | power | estimated | placeholder
  virtual std::string describe() const = 0;    // a sentence for people
};

// A clock, not a meter: a fixed power times wall time. Labelled "placeholder"
// everywhere it appears, so nobody mistakes it for a measurement.
class PlaceholderEnergy : public CellEnergy {
 public:
  explicit PlaceholderEnergy(double watts);
  double joules_now() override;
  std::string method() const override { return "placeholder"; }
  std::string describe() const override;

  // The watts from JOULEGRID_PLACEHOLDER_WATTS, else 100 W.
  static double watts_from_environment();

 private:
  double watts_;
  std::chrono::steady_clock::time_point origin_;
};

}  // namespace joulegrid
