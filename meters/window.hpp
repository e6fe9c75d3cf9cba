#pragma once
// The energy of one channel over a time window, from its samples: counter
// differences where the channel counts energy (a decrease is a wrap when the
// range is known and the jump fits, otherwise a reset; both are counted and
// neither produces negative energy), the trapezoid rule where it reports power.

#include <vector>

#include "meters/meter.hpp"

namespace joulegrid::meters {

struct Sample {
  double t = 0;                // seconds on the monotonic clock
  std::vector<double> values;  // one a channel, as Meter::read gives them
};

struct WindowEnergy {
  double joules = 0;
  Method method = Method::counter;
  int wraps = 0;
  int resets = 0;
  int samples = 0;  // samples that fell inside or bound the window
};

// Joules of channel `c` between t0 and t1. Segments that straddle an edge
// count in proportion to their overlap.
WindowEnergy window_energy(const std::vector<Sample>& samples, size_t c, const Channel& channel,
                           double t0, double t1);

// The energy a counter gained from `before` to `after` (joules), with wraps and resets.
double counter_delta(double before, double after, double wrap_range_j, int& wraps, int& resets);

}  // namespace joulegrid::meters
