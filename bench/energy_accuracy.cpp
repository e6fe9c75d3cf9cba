// How close the meters' joules come to the truth, on a fake sysfs tree whose
// power follows a script: steps, a ramp, and (for the counter) a wrap.
//   energy_accuracy [--seconds 6]
// A writer thread advances the fake device every 0.5 ms — a RAPL counter
// (energy_uj, wrapping at 100 J) for the counter path, an amdgpu
// power1_average for the power-only path — and keeps the true joules it
// wrote. The sampler runs at 10 Hz and 1,000 Hz over the same trace; each
// figure is the relative error of the sampler's joules against the true ones.
// Targets: < 0.5 % with a counter, < 2 % power-only at 10 Hz.

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fcntl.h>
#include <iostream>
#include <thread>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/figure.hpp"
#include "meters/registry.hpp"
#include "meters/sampler.hpp"
#include "tests/fakes/fake_sysfs.hpp"

namespace joulegrid {
namespace {

using Clock = std::chrono::steady_clock;

// The script: watts at `s` seconds into a trace of `length` seconds, in six
// equal parts: 20 W; a step to 80 W; a ramp 30 → 120 W; a step down to 10 W;
// a step to 60 W; 35 W.
double watts_at(double s, double length) {
  const double part = length / 6;
  const int k = static_cast<int>(s / part);
  const double x = (s - k * part) / part;
  switch (k) {
    case 0: return 20;
    case 1: return 80;
    case 2: return 30 + 90 * x;
    case 3: return 10;
    case 4: return 60;
    default: return 35;
  }
}

void write_fixed(const std::string& file, long long value) {
  char text[32];
  const int n = std::snprintf(text, sizeof text, "%020lld\n", value);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT, 0644);
  if (fd < 0) return;
  if (::pwrite(fd, text, static_cast<size_t>(n), 0) < 0) std::perror(file.c_str());
  ::close(fd);
}

// Plays the script into the fake tree; true_j() is what it has drawn so far.
class Device {
 public:
  Device(std::string counter_file, std::string power_file, double length, double wrap_j)
      : counter_file_(std::move(counter_file)), power_file_(std::move(power_file)), length_(length), wrap_j_(wrap_j) {}
  void start() {
    thread_ = std::thread([this] {
      const auto t0 = Clock::now();
      double last = 0, joules = 0;
      while (running_) {
        const double s = std::chrono::duration<double>(Clock::now() - t0).count();
        // The exact integral of the script over [last, s] (midpoint is exact for steps and ramps
        // except across a part boundary, where 0.5 ms steps make it negligible).
        joules += watts_at(0.5 * (last + s), length_) * (s - last);
        last = s;
        if (!counter_file_.empty())
          write_fixed(counter_file_, static_cast<long long>(std::fmod(joules, wrap_j_) * 1e6));
        if (!power_file_.empty()) write_fixed(power_file_, static_cast<long long>(watts_at(s, length_) * 1e6));
        true_j_.store(joules);
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
    });
  }
  ~Device() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
  }
  double true_j() const { return true_j_.load(); }

 private:
  std::string counter_file_, power_file_;
  double length_, wrap_j_;
  std::atomic<bool> running_{true};
  std::atomic<double> true_j_{0};
  std::thread thread_;
};

struct Measured {
  double measured_j, true_j;
};

Measured measure(const std::string& source, double hz, double length) {
  const auto root = std::filesystem::temp_directory_path() / ("jg-energy-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  const double wrap_j = 100.0;
  std::string counter, power;
  if (source == "rapl") {
    testing::write_rapl_zone(root.string(), "intel-rapl:0", "package-0", 0, static_cast<uint64_t>(wrap_j * 1e6));
    counter = (root / "sys/class/powercap/intel-rapl:0/energy_uj").string();
  } else {
    testing::write_amdgpu_card(root.string(), "card0", "0000:03:00.0", -1, 20'000'000);
    power = (root / "sys/class/drm/card0/device/hwmon/hwmon0/power1_average").string();
  }
  Device device(counter, power, length, wrap_j);
  meters::MeterSet set = meters::open_meters({source}, meters::SysfsRoot(root.string()), {});
  if (set.meters.empty()) throw std::runtime_error("no " + source + " meter opened on the fake tree");
  meters::Sampler sampler(std::move(set.meters), hz);
  device.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  sampler.start();
  const double e0 = device.true_j(), c0 = sampler.joules_now().at(0);
  std::this_thread::sleep_for(std::chrono::duration<double>(length - 0.02));
  const double c1 = sampler.joules_now().at(0), e1 = device.true_j();
  sampler.stop();
  std::filesystem::remove_all(root);
  return {c1 - c0, e1 - e0};
}

int run_bench(int argc, char** argv) {
  double length = 6;
  CLI::App app{"energy accuracy on a scripted fake device"};
  app.add_option("--seconds", length);
  CLI11_PARSE(app, argc, argv);
  for (const char* source : {"rapl", "amdgpu"}) {
    for (double hz : {10.0, 1000.0}) {
      const Measured m = measure(source, hz, length);
      const double error = 100.0 * std::abs(m.measured_j - m.true_j) / m.true_j;
      const bool counter = std::string(source) == "rapl";
      const double target = counter ? 0.5 : (hz == 10.0 ? 2.0 : NAN);
      char name[160];
      std::snprintf(name, sizeof name, "energy accuracy: %s at %.0f Hz (steps, ramp%s), |error|", 
                    counter ? "counter (RAPL)" : "power only (amdgpu)", hz, counter ? ", wraps at 100 J" : "");
      bench::figure(name, error, "%",
                    "true " + std::to_string(m.true_j) + " J, measured " + std::to_string(m.measured_j) + " J",
                    target);
    }
  }
  return 0;
}

}  // namespace
}  // namespace joulegrid

int main(int argc, char** argv) {
  try {
    return joulegrid::run_bench(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "energy_accuracy: " << e.what() << "\n";
    return 1;
  }
}
