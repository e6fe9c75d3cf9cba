#include "tests/fakes/fake_sysfs.hpp"

#include "tests/fakes/manual_clock.hpp"

#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace joulegrid::testing {

namespace {
std::string zone_dir(const std::string& root, const std::string& zone) {
  return root + "/sys/class/powercap/" + zone;
}
}  // namespace

void write_rapl_zone(const std::string& root, const std::string& zone, const std::string& name,
                     uint64_t energy_uj, uint64_t range_uj) {
  const std::string dir = zone_dir(root, zone);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/name") << name << "\n";
  std::ofstream(dir + "/max_energy_range_uj") << range_uj << "\n";
  set_energy_uj(root, zone, energy_uj);
}

void set_energy_uj(const std::string& root, const std::string& zone, uint64_t energy_uj) {
  char text[32];
  const int n = std::snprintf(text, sizeof text, "%020llu\n", static_cast<unsigned long long>(energy_uj));
  const int fd = ::open((zone_dir(root, zone) + "/energy_uj").c_str(), O_WRONLY | O_CREAT, 0644);
  if (fd < 0) return;
  if (::pwrite(fd, text, static_cast<size_t>(n), 0) != n) {}
  ::close(fd);
}

void write_amdgpu_card(const std::string& root, const std::string& card, const std::string& pci_slot,
                       long long energy_uj, long long power_average_uw, int busy_percent) {
  const std::string device = root + "/sys/class/drm/" + card + "/device";
  const std::string hw = device + "/hwmon/hwmon" + card.substr(4);
  std::filesystem::create_directories(hw);
  std::filesystem::create_directories(root + "/sys/class/drm/" + card + "-DP-1");
  std::ofstream(device + "/uevent") << "DRIVER=amdgpu\nPCI_SLOT_NAME=" << pci_slot << "\n";
  if (busy_percent >= 0) std::ofstream(device + "/gpu_busy_percent") << busy_percent << "\n";
  std::ofstream(hw + "/name") << "amdgpu\n";
  if (energy_uj >= 0) std::ofstream(hw + "/energy1_input") << energy_uj << "\n";
  if (power_average_uw >= 0) std::ofstream(hw + "/power1_average") << power_average_uw << "\n";
}

void write_proc(const std::string& root, uint64_t busy, uint64_t idle, uint64_t total_kb,
                uint64_t available_kb, int cpus) {
  std::filesystem::create_directories(root + "/proc");
  std::ofstream stat(root + "/proc/stat");
  stat << "cpu  " << busy << " 0 0 " << idle << " 0 0 0 0 0 0\n";
  for (int i = 0; i < cpus; ++i) stat << "cpu" << i << " 0 0 0 0 0 0 0 0 0 0\n";
  std::ofstream(root + "/proc/meminfo") << "MemTotal:       " << total_kb << " kB\nMemFree:  1 kB\n"
                                        << "MemAvailable:   " << available_kb << " kB\n";
}

CounterScript::CounterScript(std::string root, std::string zone, double watts, uint64_t range_uj)
    : root_(std::move(root)), zone_(std::move(zone)), watts_(watts), range_uj_(range_uj) {
  thread_ = std::thread([this] {
    const auto start = std::chrono::steady_clock::now();
    while (running_) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const auto uj = static_cast<uint64_t>(watts_ * s * 1e6);
      set_energy_uj(root_, zone_, range_uj_ ? uj % range_uj_ : uj);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
}

CounterScript::CounterScript(std::string root, std::string zone, double watts, uint64_t range_uj,
                             ManualClock& clock)
    : root_(std::move(root)), zone_(std::move(zone)), watts_(watts), range_uj_(range_uj), clock_(&clock) {
  const double start = clock.now_s();
  listener_ = clock.on_tick([this, start](double t) {
    const auto uj = static_cast<uint64_t>(watts_ * (t - start) * 1e6);
    set_energy_uj(root_, zone_, range_uj_ ? uj % range_uj_ : uj);
  });
}

CounterScript::~CounterScript() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
  if (clock_) clock_->forget(listener_);
}

std::string PackageAt::with_zone(const std::string& root) {
  write_rapl_zone(root, "intel-rapl:0", "package-0", 0, 0);
  return root;
}

PackageAt::PackageAt(const std::string& root, double watts) : zone_(with_zone(root), "intel-rapl:0", watts, 0) {}

}  // namespace joulegrid::testing
