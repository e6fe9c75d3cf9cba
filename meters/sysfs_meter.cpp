#include "meters/sysfs_meter.hpp"

namespace joulegrid::meters {

namespace {
constexpr double kMicro = 1e-6;
}

void SysfsFileMeter::read(double* out) {
  for (size_t i = 0; i < files_.size(); ++i) out[i] = files_[i].read() * kMicro;
}

void SysfsFileMeter::add(Channel channel, CounterFile file) {
  channels_.push_back(std::move(channel));
  files_.push_back(std::move(file));
}

}  // namespace joulegrid::meters
