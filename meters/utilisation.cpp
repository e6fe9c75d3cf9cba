#include "meters/utilisation.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace joulegrid::meters {

CpuBusy::CpuBusy(const std::string& stat_path) : fd_(::open(stat_path.c_str(), O_RDONLY | O_CLOEXEC)) {
  if (fd_ >= 0) read(busy_, total_);
}

CpuBusy::~CpuBusy() {
  if (fd_ >= 0) ::close(fd_);
}

bool CpuBusy::read(double& busy, double& total) const {
  char buf[512];
  const ssize_t n = fd_ >= 0 ? ::pread(fd_, buf, sizeof buf - 1, 0) : -1;
  if (n <= 4) return false;
  buf[n] = 0;
  if (std::strncmp(buf, "cpu ", 4) != 0) return false;
  char* p = buf + 4;
  double v[8] = {};
  int fields = 0;
  for (; fields < 8; ++fields) {
    char* end = nullptr;
    v[fields] = static_cast<double>(std::strtoull(p, &end, 10));
    if (end == p) break;
    p = end;
  }
  if (fields < 4) return false;
  total = 0;
  for (int i = 0; i < fields; ++i) total += v[i];  // guest time is inside user already
  busy = total - v[3] - v[4];                       // minus idle and iowait
  return true;
}

double CpuBusy::next() {
  constexpr double kMinInterval = 0.01;  // one USER_HZ tick
  const double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (read_at_ >= 0 && now - read_at_ < kMinInterval) return fraction_;
  read_at_ = now;
  double busy = 0, total = 0;
  if (read(busy, total) && total > total_) {
    fraction_ = std::clamp((busy - busy_) / (total - total_), 0.0, 1.0);
    busy_ = busy;
    total_ = total;
  }
  return fraction_;
}

CpuUtilisationMeter::CpuUtilisationMeter(const SysfsRoot& root) : busy_(root.path("/proc/stat")) {
  if (!busy_.ok()) return;
  Channel c;
  c.source = "proc";
  c.device = "cpu";
  c.component = ComponentValue::cpu;
  c.method = Method::utilisation;
  c.in_total = false;
  c.file = root.path("/proc/stat");
  channels_.push_back(c);
}

void CpuUtilisationMeter::read(double* out) { out[0] = 100.0 * busy_.next(); }

}  // namespace joulegrid::meters
