#include "rank/metered_energy.hpp"

namespace joulegrid {

namespace {

int strength(meters::Method m) {
  switch (m) {
    case meters::Method::counter: return 2;
    case meters::Method::power: return 1;
    default: return 0;
  }
}

}  // namespace

MeteredEnergy::MeteredEnergy(const MeterOptions& options, const meters::SysfsRoot& root) {
  meters::EstimatorOptions est;
  est.cpu_tdp_w = options.cpu_tdp_w;
  est.cpu_idle_fraction = options.cpu_idle_fraction;
  est.ram_w_per_gib = options.ram_w_per_gib;
  meters::MeterSet set = meters::open_meters(options.sources, root, est);
  warnings_ = std::move(set.warnings);
  sampler_ = std::make_unique<meters::Sampler>(std::move(set.meters), options.sample_hz);
  int weakest = 3;
  for (const auto& c : sampler_->channels())
    if (c.in_total && strength(c.method) < weakest) {
      weakest = strength(c.method);
      method_ = meters::method_name(c.method);
    }
  sampler_->sample_now();
  sampler_->start();
}

MeteredEnergy::~MeteredEnergy() { sampler_->stop(); }

double MeteredEnergy::joules_now() {
  const std::vector<double> j = sampler_->joules_now();
  double total = 0;
  for (size_t i = 0; i < j.size(); ++i)
    if (sampler_->channels()[i].in_total) total += j[i];
  return total;
}

std::string MeteredEnergy::describe() const {
  std::string s = "node gross energy (no idle subtraction, no per-rank share yet) at " +
                  std::to_string(static_cast<int>(sampler_->sample_hz())) + " Hz from ";
  bool first = true;
  for (const auto& c : sampler_->channels()) {
    if (!c.in_total) continue;
    s += (first ? "" : " + ") + c.source + " " + c.device + " (" + meters::method_name(c.method) + ")";
    first = false;
  }
  return s;
}

}  // namespace joulegrid
