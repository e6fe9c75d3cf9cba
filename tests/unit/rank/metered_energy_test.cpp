// The worker's view of the node's meters: gross, net and by component.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <thread>

#include "rank/metered_energy.hpp"
#include "tests/fakes/fake_sysfs.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

TEST(MeteredEnergy, NetEnergySubtractsTheIdleBaseline) {
  testing::TempDir node;
  const std::string root = node.path().string();
  testing::write_rapl_zone(root, "intel-rapl:0", "package-0", 0, 0);
  testing::write_rapl_zone(root, "intel-rapl:0:0", "dram", 0, 0);
  testing::CounterScript package(root, "intel-rapl:0", 40.0, 0);  // a node idling at 40 W
  MeterOptions options;
  options.sample_hz = 500;
  MeteredEnergy energy(options, meters::SysfsRoot(root));
  EXPECT_EQ(energy.method(), "counter");
  EXPECT_NEAR(energy.measure_idle(0.3), 40.0, 2.0);
  const EnergyTotals a = energy.now();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const EnergyTotals b = energy.now();
  const double gross = b.cell_j - a.cell_j;
  EXPECT_NEAR(gross, 12.0, 1.0);               // 40 W × 0.3 s
  EXPECT_NEAR(b.net_j - a.net_j, 0.0, 1.0);    // all of it was idle power
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
  options.sample_hz = 500;
  MeteredEnergy energy(options, meters::SysfsRoot(root));
  const EnergyTotals a = energy.now();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string counter = root + "/sys/class/drm/card0/device/hwmon/hwmon0/energy1_input";
  std::ofstream(counter) << 60000000 << "\n";  // 60 J where 100 W × 0.2 s is 20 J
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
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
    options.sample_hz = 500;
    options.utilisation = utilisation;
    MeteredEnergy energy(options, meters::SysfsRoot(root));
    testing::write_proc(root, 125, 375, 1024, 512);  // 25 busy of the next 100 ticks
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    a = energy.now();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
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
  testing::CounterScript package(root, "intel-rapl:0", 40.0, 0);
  // 30 busy ticks of every 100: a node a third busy with something else.
  // Each new /proc/stat is renamed into place, so a reader never sees it half written.
  auto write_stat = [&](uint64_t t) {
    const std::string tmp = root + "/proc/stat.tmp";
    std::ofstream(tmp) << "cpu  " << 3 * t << " 0 0 " << 7 * t << " 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n";
    std::filesystem::rename(tmp, root + "/proc/stat");
  };
  testing::write_proc(root, 0, 0, 1 << 20, 1 << 19, 1);
  write_stat(10);
  std::atomic<bool> running{true};
  std::thread load([&] {
    for (uint64_t t = 20; running; t += 10) {
      write_stat(t);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  MeterOptions options;
  options.sample_hz = 200;
  options.sources = {"rapl"};
  options.utilisation = false;
  MeteredEnergy energy(options, meters::SysfsRoot(root));
  const auto windows = energy.measure_idle_windows(0.3, 3);
  running = false;
  load.join();
  ASSERT_EQ(windows.size(), 3u);
  for (const auto& w : windows) {
    EXPECT_NEAR(w.watts, 40.0, 3.0);
    EXPECT_NEAR(w.seconds, 0.1, 0.05);
    EXPECT_NEAR(w.other_cpu, 30.0, 3.0);
  }
  EXPECT_NEAR(energy.idle_watts(), 40.0, 3.0) << "each channel's median over the windows";
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
  options.sample_hz = 500;
  MeteredEnergy energy(options, meters::SysfsRoot(root));
  energy.trains_on_gpu(false);
  const EnergyTotals a = energy.now();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const EnergyTotals b = energy.now();
  EXPECT_DOUBLE_EQ(b.gpu_j - a.gpu_j, 0.0);
  EXPECT_DOUBLE_EQ(b.cell_j - a.cell_j, 0.0);
  EXPECT_DOUBLE_EQ(b.net_j - a.net_j, 0.0);
  EXPECT_NEAR((b.node_j - a.node_j) / (b.seconds - a.seconds), 100.0, 1.0);  // the node still drew it
  EXPECT_TRUE(std::isnan(mean_utilisation(a, b).first));
  energy.trains_on_gpu(true);  // the next cell trains on the GPU: it is charged again
  const EnergyTotals c = energy.now();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const EnergyTotals d = energy.now();
  EXPECT_NEAR((d.gpu_j - c.gpu_j) / (d.seconds - c.seconds), 100.0, 1.0);
}

}  // namespace
}  // namespace joulegrid
