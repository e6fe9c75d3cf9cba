#include "meters/estimator.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace joulegrid::meters {

namespace {
Channel estimated_channel(const std::string& component, const std::string& file) {
  Channel c;
  c.source = "estimate";
  c.device = component;
  c.component = component;
  c.method = Method::estimated;
  c.file = file;
  return c;
}
}  // namespace

EstimatorMeter::EstimatorMeter(const SysfsRoot& root, const EstimatorOptions& options,
                               std::vector<Warning>& warnings)
    : stat_path_(root.path("/proc/stat")), meminfo_path_(root.path("/proc/meminfo")), options_(options) {
  double busy = 0, total = 0;
  if (options.cpu && read_cpu_times(busy, total)) {
    last_busy_ = busy;
    last_total_ = total;
    tdp_w_ = options.cpu_tdp_w;
    if (tdp_w_ <= 0) {
      int cpus = 0;
      std::ifstream in(stat_path_);
      for (std::string line; std::getline(in, line);)
        cpus += line.rfind("cpu", 0) == 0 && line.size() > 3 && std::isdigit(static_cast<unsigned char>(line[3]));
      tdp_w_ = kDefaultWattsPerCpu * std::max(cpus, 1);
      warnings.push_back({"estimate", "no CPU TDP given: assuming " + std::to_string(static_cast<int>(tdp_w_)) +
                                          " W (" + std::to_string(static_cast<int>(kDefaultWattsPerCpu)) +
                                          " W a logical CPU)",
                          "set [meters] cpu_tdp_w (or joulegrid meters --cpu-tdp-w) to the processor's TDP"});
    }
    channels_.push_back(estimated_channel("cpu", stat_path_));
  } else if (options.cpu) {
    warnings.push_back({"estimate", stat_path_ + " cannot be read", "check the sysfs root"});
  }
  if (options.ram && read_text(meminfo_path_)) {
    channels_.push_back(estimated_channel("ram", meminfo_path_));
  }
}

bool EstimatorMeter::read_cpu_times(double& busy, double& total) const {
  FILE* f = std::fopen(stat_path_.c_str(), "re");
  if (!f) return false;
  unsigned long long v[10] = {};
  const int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                            &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
  std::fclose(f);
  if (n < 4) return false;
  total = 0;
  for (int i = 0; i < 8; ++i) total += static_cast<double>(v[i]);  // guest time is inside user
  busy = total - static_cast<double>(v[3]) - static_cast<double>(v[4]);  // minus idle and iowait
  return true;
}

void EstimatorMeter::read(double* out) {
  size_t i = 0;
  if (options_.cpu && i < channels_.size() && channels_[i].device == "cpu") {
    double busy = 0, total = 0;
    if (read_cpu_times(busy, total) && total > last_total_) {
      last_util_ = std::clamp((busy - last_busy_) / (total - last_total_), 0.0, 1.0);
      last_busy_ = busy;
      last_total_ = total;
    }  // between two kernel ticks the utilisation holds
    const double idle = options_.cpu_idle_fraction * tdp_w_;
    out[i++] = idle + (tdp_w_ - idle) * last_util_;
  }
  if (i < channels_.size()) {
    std::ifstream in(meminfo_path_);
    double total_kb = 0, available_kb = 0;
    for (std::string key; in >> key;) {
      double value = 0;
      in >> value;
      if (key == "MemTotal:") total_kb = value;
      else if (key == "MemAvailable:") available_kb = value;
      in.ignore(64, '\n');
    }
    out[i] = (total_kb - available_kb) / (1024.0 * 1024.0) * options_.ram_w_per_gib;
  }
}

}  // namespace joulegrid::meters
