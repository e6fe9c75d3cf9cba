#include "rank/metered_energy.hpp"

#include <algorithm>
#include <cmath>

#include "meters/processes.hpp"

namespace joulegrid {

namespace {

EnergyMethod energy_method(meters::Method m) {
  switch (m) {
    case meters::Method::counter: return EnergyMethodValue::counter;
    case meters::Method::power: return EnergyMethodValue::power;
    case meters::Method::estimated: return EnergyMethodValue::estimated;
    case meters::Method::utilisation: break;  // not energy: never in a total
  }
  return EnergyMethodValue::none;
}

}  // namespace

MeteredEnergy::MeteredEnergy(const MeterOptions& options, const meters::SysfsRoot& root, meters::Clock& clock)
    : clock_(clock), root_(root), job_(meters::job_root()) {
  meters::EstimatorOptions est;
  est.cpu_tdp_w = options.cpu_tdp_w;
  est.cpu_idle_fraction = options.cpu_idle_fraction;
  est.ram_w_per_gib = options.ram_w_per_gib;
  meters::MeterSet set = meters::open_meters(options.sources, root, est, options.utilisation);
  warnings_ = std::move(set.warnings);
  sampler_ = std::make_unique<meters::Sampler>(std::move(set.meters), options.sample_hz, meters::Sampler::kCapacity, clock_);
  for (const auto& c : sampler_->channels())
    if (c.in_total && c.is_energy()) method_ = weakest_method(method_, energy_method(c.method));
  last_ = sampler_->joules_now(&last_t_);
  idle_w_.assign(last_.size(), 0.0);
  sampler_->start();
}

MeteredEnergy::~MeteredEnergy() { sampler_->stop(); }

void MeteredEnergy::attach(pid_t trainer) {
  share_ = std::make_unique<meters::CpuShare>(root_, trainer);
  seen_busy_ = seen_total_ = 0;
  seen_job_ = meters::job_cpu_ticks(root_, job_);
}

std::vector<IdleWindow> MeteredEnergy::measure_idle_windows(double seconds, int windows) {
  windows = std::max(1, windows);
  std::vector<IdleWindow> out;
  std::vector<std::vector<double>> per_channel(idle_w_.size());
  for (int w = 0; w < windows; ++w) {
    double t0 = 0, t1 = 0, busy0 = 0, total0 = 0, busy1 = 0, total1 = 0;
    const bool ticks = meters::node_ticks(root_, busy0, total0);
    const std::vector<double> before = sampler_->joules_now(&t0);
    clock_.sleep_s(seconds / windows);
    const std::vector<double> after = sampler_->joules_now(&t1);
    const bool ticks_after = ticks && meters::node_ticks(root_, busy1, total1);
    const double dt = t1 - t0;
    IdleWindow window;
    window.seconds = dt;
    for (size_t i = 0; i < after.size() && dt > 0; ++i) {
      const double watts = (after[i] - before[i]) / dt;
      per_channel[i].push_back(watts);
      if (sampler_->channels()[i].in_total && sampler_->channels()[i].is_energy()) window.watts += watts;
    }
    window.other_cpu = ticks_after && total1 > total0 ? 100 * (busy1 - busy0) / (total1 - total0) : NAN;
    out.push_back(window);
  }
  for (size_t i = 0; i < per_channel.size(); ++i) {
    auto& v = per_channel[i];
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    idle_w_[i] = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  }
  now();  // start the next window after the idle ones
  return out;
}

double MeteredEnergy::idle_watts() const {
  double w = 0;
  for (size_t i = 0; i < idle_w_.size(); ++i)
    if (sampler_->channels()[i].in_total) w += idle_w_[i];
  return w;
}

EnergyTotals MeteredEnergy::now() {
  double t = 0;
  const std::vector<double> j = sampler_->joules_now(&t);
  const double dt = t - last_t_;
  last_t_ = t;
  totals_.seconds += dt;
  const double share = share_ ? share_->next() : 1.0;
  if (share_) {
    // Foreign: the node's busy time less the job's own (every rank of the
    // node and its trainer, rank 0 among them), on any node.
    const double busy = share_->node_busy(), total = share_->node_total();
    const double job = meters::job_cpu_ticks(root_, job_);
    if (std::isfinite(busy) && std::isfinite(total)) {
      totals_.other_busy_ticks += std::max(0.0, (busy - seen_busy_) - std::max(0.0, job - seen_job_));
      totals_.node_ticks += total - seen_total_;
      seen_busy_ = busy;
      seen_total_ = total;
      seen_job_ = job;
    }
  }
  int gpus = 0;
  double gpu_util = 0;
  for (size_t i = 0; i < j.size(); ++i) {
    const meters::Channel& c = sampler_->channels()[i];
    const double delta = j[i] - last_[i];
    last_[i] = j[i];
    if (!c.is_energy()) {  // utilisation: the sampler integrates it as %·s
      if (c.component == ComponentValue::gpu && count_gpus_) {
        gpu_util += delta;
        ++gpus;
      } else if (c.component == ComponentValue::cpu) {
        totals_.cpu_util_s += delta;
        totals_.has_cpu_util = true;
      }
      continue;
    }
    if (!c.in_total) continue;
    totals_.node_j += delta;
    if (c.component == ComponentValue::gpu && !count_gpus_) continue;  // the cell trains on the CPU
    const double mine = c.component == ComponentValue::gpu ? 1.0 : share;
    if (c.component == ComponentValue::gpu) totals_.gpu_j += delta;
    else if (c.component == ComponentValue::cpu) totals_.cpu_j += delta * share;
    else if (c.component == ComponentValue::ram) totals_.ram_j += delta * share;
    totals_.net_j += (delta - idle_w_[i] * dt) * mine;
  }
  if (gpus > 0) {
    totals_.gpu_util_s += gpu_util / gpus;
    totals_.has_gpu_util = true;
  }
  totals_.cell_j = totals_.cpu_j + totals_.ram_j + totals_.gpu_j;
  // A power reading kept beside a counter: both integrals, for the 5 % check.
  totals_.cross_checks.clear();
  for (size_t i = 0; i < j.size(); ++i) {
    const meters::Channel& p = sampler_->channels()[i];
    if (!p.cross_check) continue;
    for (size_t k = 0; k < j.size(); ++k) {
      const meters::Channel& c = sampler_->channels()[k];
      if (c.method == meters::Method::counter && c.source == p.source && c.device == p.device)
        totals_.cross_checks.push_back({c.source + " " + c.device, j[k], j[i]});
    }
  }
  return totals_;
}

std::string MeteredEnergy::describe() const {
  std::string s =
      "gross energy (net = less idle power): GPUs whole, CPU and RAM by the trainer's share of busy CPU time; "
      "sampled at " + std::to_string(static_cast<int>(sampler_->sample_hz())) + " Hz from ";
  bool first = true;
  for (const auto& c : sampler_->channels()) {
    if (!c.in_total) continue;
    s += (first ? "" : " + ") + c.source + " " + c.device + " (" + meters::method_name(c.method) + ")";
    first = false;
  }
  return s;
}

}  // namespace joulegrid
