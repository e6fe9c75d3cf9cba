#include "meters/sysfs_meter.hpp"

namespace joulegrid::meters {

void SysfsFileMeter::read(double* out) {
  for (size_t i = 0; i < files_.size(); ++i) out[i] = files_[i].read() * scales_[i];
}

void SysfsFileMeter::add(Channel channel, CounterFile file, double scale) {
  channels_.push_back(std::move(channel));
  files_.push_back(std::move(file));
  scales_.push_back(scale);
}

}  // namespace joulegrid::meters
