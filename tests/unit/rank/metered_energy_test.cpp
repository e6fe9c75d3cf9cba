// The worker's view of the node's meters: gross, net and by component.

#include <gtest/gtest.h>

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
