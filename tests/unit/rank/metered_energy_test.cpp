// The worker's view of the node's meters: gross, net and by component.
// Each test moves a clock of its own and samples at 0 Hz (only when the code
// under test asks), so its joules are exact on an idle machine and a busy one.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <thread>

#include "rank/metered_energy.hpp"
#include "tests/fakes/fake_sysfs.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

TEST(MeteredEnergy, NetEnergySubtractsTheIdleBaseline) {
  testing::TempDir node;
  const std::string root = node.path().string();
  testing::write_rapl_zone(root, "intel-rapl:0", "package-0", 0, 0);
  testing::write_rapl_zone(root, "intel-rapl:0:0", "dram", 0, 0);
  testing::ManualClock clock;
  testing::CounterScript package(root, "intel-rapl:0", 40.0, 0, clock);  // a node idling at 40 W
  MeterOptions options;
  options.sample_hz = 0;
  MeteredEnergy energy(options, meters::SysfsRoot(root), clock);
  EXPECT_EQ(energy.method(), "counter");
  EXPECT_NEAR(energy.measure_idle(0.3), 40.0, 1e-4);
  const EnergyTotals a = energy.now();
  clock.sleep_s(0.3);
  const EnergyTotals b = energy.now();
  const double gross = b.cell_j - a.cell_j;
  EXPECT_NEAR(gross, 12.0, 1e-5);              // 40 W × 0.3 s (a counter in whole µJ)
  EXPECT_NEAR(b.net_j - a.net_j, 0.0, 1e-4);   // all of it was idle power
  EXPECT_DOUBLE_EQ(b.cpu_j - a.cpu_j, gross);  // the package is the CPU; no trainer attached: share 1
  EXPECT_DOUBLE_EQ(b.gpu_j, 0.0);
  EXPECT_NE(energy.describe().find("rapl package-0 (counter)"), std::string::npos) << energy.describe();
}

}  // namespace
}  // namespace joulegrid

namespace joulegrid {
namespace {

TEST(MeteredEnergy, CounterAndPowerThatDisagreeAreFlagged) {
  testing::TempDir node;
  const std::string root = node.path().string();
  testing::write_amdgpu_card(root, "card0", "0000:03:00.0", 0, 100000000);  // 100 W
  MeterOptions options;
  options.sources = {"amdgpu"};
  options.sample_hz = 0;
  testing::ManualClock clock;
  MeteredEnergy energy(options, meters::SysfsRoot(root), clock);
  const EnergyTotals a = energy.now();
  clock.sleep_s(0.2);
  const std::string counter = root + "/sys/class/drm/card0/device/hwmon/hwmon0/energy1_input";
  std::ofstream(counter) << 60000000 << "\n";  // 60 J where 100 W × 0.2 s is 20 J
  clock.sleep_s(0.02);
  const EnergyTotals b = energy.now();
  EXPECT_NEAR(b.gpu_j - a.gpu_j, 60.0, 1e-6);  // the counter is what counts
  ASSERT_EQ(b.cross_checks.size(), 1u);
  const std::string flag = disagreements(a, b);
  EXPECT_NE(flag.find("amdgpu card0: counter 60 J vs power"), std::string::npos) << flag;
  // Within 5 %: no flag.
  EnergyTotals close = b;
  close.cross_checks[0].power_j = a.cross_checks[0].power_j + 61.0;
  EXPECT_EQ(disagreements(a, close), "");
}

}  // namespace
}  // namespace joulegrid

namespace joulegrid {
namespace {

// A GPU drawing 100 W at 64 % busy and a CPU 25 % busy: the utilisation
// channels give the window's mean percentages and add nothing to the joules,
// which are the same with and without them.
TEST(MeteredEnergy, UtilisationIsAveragedAndNeverCountedAsEnergy) {
  testing::TempDir node;
  const std::string root = node.path().string();
  testing::write_amdgpu_card(root, "card0", "0000:03:00.0", -1, 100000000, 64);
  testing::write_proc(root, 100, 300, 1024, 512);
  auto measure = [&](bool utilisation, EnergyTotals& a, EnergyTotals& b) {
    MeterOptions options;
    options.sources = {"amdgpu"};
    options.sample_hz = 0;
    options.utilisation = utilisation;
    testing::ManualClock clock;
    MeteredEnergy energy(options, meters::SysfsRoot(root), clock);
    testing::write_proc(root, 125, 375, 1024, 512);  // 25 busy of the next 100 ticks
    // The CPU's busy share is read at most every 10 ms of the wall clock
    // (meters/utilisation.cpp); waiting longer changes nothing here.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    clock.sleep_s(0.05);
    a = energy.now();
    clock.sleep_s(0.3);
    b = energy.now();
    return energy.sampler().channels().size();
  };
  EnergyTotals a, b, plain_a, plain_b;
  EXPECT_EQ(measure(true, a, b), 3u);  // power, GPU busy, CPU busy
  EXPECT_EQ(measure(false, plain_a, plain_b), 1u);
  const double seconds = b.seconds - a.seconds;
  EXPECT_NEAR((b.gpu_j - a.gpu_j) / seconds, 100.0, 1.0);  // 100 W, not 100 W + 64 + 25
  EXPECT_NEAR((b.node_j - a.node_j) / seconds, 100.0, 1.0);
  EXPECT_NEAR((b.cell_j - a.cell_j) / seconds, (plain_b.cell_j - plain_a.cell_j) / (plain_b.seconds - plain_a.seconds), 1.0);
  const auto [gpu, cpu] = mean_utilisation(a, b);
  EXPECT_NEAR(gpu, 64.0, 1e-9);
  EXPECT_NEAR(cpu, 25.0, 1e-9);
  const auto [no_gpu, no_cpu] = mean_utilisation(plain_a, plain_b);
  EXPECT_TRUE(std::isnan(no_gpu));
  EXPECT_TRUE(std::isnan(no_cpu));
}

// Other processes busy while the node measures its idle power: each idle
// window says how much of the node's CPU time they took, and the windows'
// spread shows a baseline that moved.
TEST(MeteredEnergy, EachIdleWindowSaysHowBusyTheNodesCpusWere) {
  testing::TempDir node;
  const std::string root = node.path().string();
  testing::write_rapl_zone(root, "intel-rapl:0", "package-0", 0, 0);
  testing::ManualClock clock;
  testing::CounterScript package(root, "intel-rapl:0", 40.0, 0, clock);
  // 30 busy ticks of every 100: a node a third busy with something else,
  // 1,000 ticks a second on the test's clock.
  auto write_stat = [&](double seconds) {
    const auto t = static_cast<uint64_t>(seconds * 100);
    std::ofstream(root + "/proc/stat") << "cpu  " << 3 * t << " 0 0 " << 7 * t
                                       << " 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n";
  };
  testing::write_proc(root, 0, 0, 1 << 20, 1 << 19, 1);
  const double start = clock.now_s();
  write_stat(0);
  const int load = clock.on_tick([&](double t) { write_stat(t - start); });
  MeterOptions options;
  options.sample_hz = 0;
  options.sources = {"rapl"};
  options.utilisation = false;
  MeteredEnergy energy(options, meters::SysfsRoot(root), clock);
  const auto windows = energy.measure_idle_windows(0.3, 3);
  clock.forget(load);
  ASSERT_EQ(windows.size(), 3u);
  for (const auto& w : windows) {
    EXPECT_NEAR(w.watts, 40.0, 1e-4);
    EXPECT_NEAR(w.seconds, 0.1, 1e-9);
    EXPECT_NEAR(w.other_cpu, 30.0, 1e-9);
  }
  EXPECT_NEAR(energy.idle_watts(), 40.0, 1e-4) << "each channel's median over the windows";
}

}  // namespace
}  // namespace joulegrid

namespace joulegrid {
namespace {

// A cell that trains on the CPU of a node with a GPU: the card's energy is
// the node's (node_j) but never the cell's, gross or net, and its busy % is
// not the cell's utilisation.
TEST(MeteredEnergy, ACellOnTheCpuCountsNoGpuEnergy) {
  testing::TempDir node;
  const std::string root = node.path().string();
  testing::write_amdgpu_card(root, "card0", "0000:03:00.0", -1, 100000000, 64);  // 100 W
  MeterOptions options;
  options.sources = {"amdgpu"};
  options.sample_hz = 0;
  testing::ManualClock clock;
  MeteredEnergy energy(options, meters::SysfsRoot(root), clock);
  energy.trains_on_gpu(false);
  const EnergyTotals a = energy.now();
  clock.sleep_s(0.2);
  const EnergyTotals b = energy.now();
  EXPECT_DOUBLE_EQ(b.gpu_j - a.gpu_j, 0.0);
  EXPECT_DOUBLE_EQ(b.cell_j - a.cell_j, 0.0);
  EXPECT_DOUBLE_EQ(b.net_j - a.net_j, 0.0);
  EXPECT_NEAR((b.node_j - a.node_j) / (b.seconds - a.seconds), 100.0, 1.0);  // the node still drew it
  EXPECT_TRUE(std::isnan(mean_utilisation(a, b).first));
  energy.trains_on_gpu(true);  // the next cell trains on the GPU: it is charged again
  const EnergyTotals c = energy.now();
  clock.sleep_s(0.2);
  const EnergyTotals d = energy.now();
  EXPECT_NEAR((d.gpu_j - c.gpu_j) / (d.seconds - c.seconds), 100.0, 1.0);
}

}  // namespace
}  // namespace joulegrid
