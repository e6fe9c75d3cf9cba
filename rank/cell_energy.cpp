#include "rank/cell_energy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "io/errors.hpp"

namespace joulegrid {

PlaceholderEnergy::PlaceholderEnergy(double watts)
    : watts_(watts), origin_(std::chrono::steady_clock::now()) {}

EnergyTotals PlaceholderEnergy::now() {
  const std::chrono::duration<double> s = std::chrono::steady_clock::now() - origin_;
  EnergyTotals t;
  t.cell_j = t.node_j = t.net_j = watts_ * s.count();  // not split: nothing was measured
  return t;
}

std::string PlaceholderEnergy::describe() const {
  std::ostringstream s;
  s << "placeholder: " << watts_ << " W x wall time, not a measurement";
  return s.str();
}

double other_cpu_percent(const EnergyTotals& from, const EnergyTotals& to) {
  const double ticks = to.node_ticks - from.node_ticks;
  return ticks > 0 ? std::clamp(100 * (to.other_busy_ticks - from.other_busy_ticks) / ticks, 0.0, 100.0) : NAN;
}

std::string disagreements(const EnergyTotals& from, const EnergyTotals& to, double tolerance) {
  std::string out;
  for (size_t i = 0; i < to.cross_checks.size() && i < from.cross_checks.size(); ++i) {
    const auto& a = from.cross_checks[i];
    const auto& b = to.cross_checks[i];
    const double counter = b.counter_j - a.counter_j, power = b.power_j - a.power_j;
    if (counter <= 0 || std::fabs(power - counter) <= tolerance * counter) continue;
    std::ostringstream s;
    s.precision(4);
    s << b.device << ": counter " << counter << " J vs power " << power << " J ("
      << 100.0 * (power - counter) / counter << " %)";
    out += (out.empty() ? "" : "; ") + s.str();
  }
  return out;
}

std::pair<double, double> mean_utilisation(const EnergyTotals& from, const EnergyTotals& to) {
  const double dt = to.seconds - from.seconds;
  // Clamped: held readings integrated up to a window's edge can overshoot by a hair.
  auto mean = [&](bool has, double a, double b) { return has && dt > 0 ? std::clamp((b - a) / dt, 0.0, 100.0) : NAN; };
  return {mean(from.has_gpu_util && to.has_gpu_util, from.gpu_util_s, to.gpu_util_s),
          mean(from.has_cpu_util && to.has_cpu_util, from.cpu_util_s, to.cpu_util_s)};
}

double PlaceholderEnergy::watts_from_environment() {
  const char* v = std::getenv("JOULEGRID_PLACEHOLDER_WATTS");
  if (!v || !*v) return 100.0;
  char* end = nullptr;
  const double w = std::strtod(v, &end);
  if (end == v || *end || !(w > 0))
    throw InputError("JOULEGRID_PLACEHOLDER_WATTS: '" + std::string(v) + "' is not a positive number of watts");
  return w;
}

}  // namespace joulegrid
