#include "meters/window.hpp"

#include <algorithm>
#include <cmath>

namespace joulegrid::meters {

double counter_delta(double before, double after, double wrap_range_j, int& wraps, int& resets) {
  if (after >= before) return after - before;
  const double wrapped = wrap_range_j - before + after;
  // A wrap is only believable when the range is known and the counter came
  // back round to below where it was; anything else is a driver reload.
  if (wrap_range_j > 0 && before <= wrap_range_j && wrapped >= 0 && wrapped < 0.5 * wrap_range_j) {
    ++wraps;
    return wrapped;
  }
  ++resets;
  return after;  // the counter restarted from zero
}

WindowEnergy window_energy(const std::vector<Sample>& samples, size_t c, const Channel& channel,
                           double t0, double t1) {
  WindowEnergy w;
  w.method = channel.method;
  // Segments join consecutive readable samples: a failed read is bridged.
  const Sample* prev = nullptr;
  for (const Sample& b : samples) {
    if (std::isnan(b.values[c])) continue;
    if (prev && b.t > prev->t) {
      const Sample& a = *prev;
      const double overlap = std::min(b.t, t1) - std::max(a.t, t0);
      if (overlap > 0) {
        const double va = a.values[c], vb = b.values[c];
        const double segment = channel.method == Method::counter
                                   ? counter_delta(va, vb, channel.wrap_range_j, w.wraps, w.resets)
                                   : 0.5 * (va + vb) * (b.t - a.t);
        w.joules += segment * overlap / (b.t - a.t);
        w.samples += 1;
      }
    }
    prev = &b;
  }
  return w;
}

}  // namespace joulegrid::meters
