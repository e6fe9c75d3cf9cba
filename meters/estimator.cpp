#include "meters/estimator.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>
#include <cstring>
#include <fstream>
#include <sstream>

namespace joulegrid::meters {

namespace {
Channel estimated_channel(Component component, const std::string& file) {
  Channel c;
  c.source = "estimate";
  c.device = component.str();
  c.component = component;
  c.method = Method::estimated;
  c.file = file;
  return c;
}
}  // namespace

EstimatorMeter::EstimatorMeter(const SysfsRoot& root, const EstimatorOptions& options,
                               std::vector<Warning>& warnings)
    : stat_path_(root.path("/proc/stat")), meminfo_path_(root.path("/proc/meminfo")), options_(options),
      busy_(stat_path_) {
  meminfo_fd_ = ::open(meminfo_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (options.cpu && busy_.ok()) {
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
    channels_.push_back(estimated_channel(ComponentValue::cpu, stat_path_));
  } else if (options.cpu) {
    warnings.push_back({"estimate", stat_path_ + " cannot be read", "check the sysfs root"});
  }
  if (options.ram && read_text(meminfo_path_)) {
    channels_.push_back(estimated_channel(ComponentValue::ram, meminfo_path_));
  }
}

EstimatorMeter::~EstimatorMeter() {
  if (meminfo_fd_ >= 0) ::close(meminfo_fd_);
}

// Memory in use moves slowly: read it at most ten times a second.
double EstimatorMeter::read_used_gib() {
  const double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (used_read_at_ >= 0 && now - used_read_at_ < 0.1) return used_gib_;
  used_read_at_ = now;
  char buf[4096];
  const ssize_t n = meminfo_fd_ >= 0 ? ::pread(meminfo_fd_, buf, sizeof buf - 1, 0) : -1;
  if (n <= 0) return used_gib_;
  buf[n] = 0;
  auto field = [&](const char* key) {
    const char* at = std::strstr(buf, key);
    return at ? std::strtod(at + std::strlen(key), nullptr) : 0.0;
  };
  used_gib_ = (field("MemTotal:") - field("MemAvailable:")) / (1024.0 * 1024.0);
  return used_gib_;
}

void EstimatorMeter::read(double* out) {
  size_t i = 0;
  if (options_.cpu && i < channels_.size() && channels_[i].device == "cpu") {
    const double idle = options_.cpu_idle_fraction * tdp_w_;
    out[i++] = idle + (tdp_w_ - idle) * busy_.next();
  }
  if (i < channels_.size()) out[i] = read_used_gib() * options_.ram_w_per_gib;
}

}  // namespace joulegrid::meters
