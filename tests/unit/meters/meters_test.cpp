#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "meters/amdgpu.hpp"
#include "meters/attribution.hpp"
#include "meters/estimator.hpp"
#include "meters/nvml.hpp"
#include "meters/processes.hpp"
#include "meters/rapl.hpp"
#include "meters/registry.hpp"
#include "meters/sampler.hpp"
#include "meters/utilisation.hpp"
#include "meters/visible_devices.hpp"
#include "meters/window.hpp"
#include "tests/fakes/fake_sysfs.hpp"
#include "tests/fakes/manual_clock.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid::meters {
namespace {

using joulegrid::testing::TempDir;

Channel counter(double range_j) {
  Channel c;
  c.method = Method::counter;
  c.wrap_range_j = range_j;
  return c;
}

std::vector<Sample> series(std::vector<std::pair<double, double>> points) {
  std::vector<Sample> s;
  for (auto [t, v] : points) s.push_back(Sample{t, {v}});
  return s;
}

TEST(Window, CounterDifferenceWithAWrap) {
  const auto s = series({{0, 90}, {1, 95}, {2, 3}, {3, 8}});  // wraps at 100 between 1 and 2
  const WindowEnergy w = window_energy(s, 0, counter(100), 0, 3);
  EXPECT_DOUBLE_EQ(w.joules, 18.0);
  EXPECT_EQ(w.wraps, 1);
  EXPECT_EQ(w.resets, 0);
}

TEST(Window, AResetIsCountedAndNeverNegative) {
  // Unknown range: a decrease is a driver reload; the counter restarted from 0.
  const auto s = series({{0, 500}, {1, 510}, {2, 4}, {3, 9}});
  const WindowEnergy w = window_energy(s, 0, counter(0), 0, 3);
  EXPECT_DOUBLE_EQ(w.joules, 10 + 4 + 5);
  EXPECT_EQ(w.resets, 1);
  // A drop too large to be a wrap is a reset too, even with a known range.
  const WindowEnergy w2 = window_energy(series({{0, 30}, {1, 2}}), 0, counter(100), 0, 1);  // a wrap would be 72
  EXPECT_EQ(w2.resets, 1);
  EXPECT_DOUBLE_EQ(w2.joules, 2);
}

TEST(Window, AFailedReadIsBridgedNotLost) {
  const double nan = std::nan("");
  const auto s = series({{0, 10}, {1, nan}, {2, 30}});
  EXPECT_DOUBLE_EQ(window_energy(s, 0, counter(0), 0, 2).joules, 20.0);
}

TEST(Window, PowerByTrapezoidsAndPartialSegments) {
  Channel p;
  p.method = Method::power;
  const auto ramp = series({{0, 0}, {1, 10}, {2, 20}});  // 0 → 20 W over 2 s: 20 J
  EXPECT_DOUBLE_EQ(window_energy(ramp, 0, p, 0, 2).joules, 20.0);
  const auto flat = series({{0, 50}, {1, 50}, {2, 50}});
  EXPECT_DOUBLE_EQ(window_energy(flat, 0, p, 0.5, 1.75).joules, 62.5);
}

class FakeNode : public ::testing::Test {
 protected:
  std::string root() const { return dir.path().string(); }
  TempDir dir;
  std::vector<Warning> warnings;
};

TEST_F(FakeNode, RaplPackageAndDramAddUpPsysAndCoreDoNot) {
  testing::write_rapl_zone(root(), "intel-rapl:0", "package-0", 1000, 262143328850);
  testing::write_rapl_zone(root(), "intel-rapl:0:0", "core", 500, 262143328850);
  testing::write_rapl_zone(root(), "intel-rapl:0:1", "dram", 300, 65712999613);
  testing::write_rapl_zone(root(), "intel-rapl:1", "psys", 9000, 262143328850);
  testing::write_rapl_zone(root(), "intel-rapl-mmio:0", "package-0", 1000, 262143328850);
  RaplMeter rapl(SysfsRoot(root()), warnings);
  ASSERT_EQ(rapl.channels().size(), 3u);  // package-0, dram-0, psys; no core, no mmio twin
  EXPECT_EQ(rapl.channels()[0].device, "package-0");
  EXPECT_EQ(rapl.channels()[0].component.str(), "cpu");
  EXPECT_NEAR(rapl.channels()[0].wrap_range_j, 262143.328850, 1e-6);
  EXPECT_EQ(rapl.channels()[1].device, "dram-0");
  EXPECT_EQ(rapl.channels()[1].component.str(), "ram");
  EXPECT_EQ(rapl.channels()[2].device, "psys");
  EXPECT_FALSE(rapl.channels()[2].in_total);
  double v[3];
  rapl.read(v);
  EXPECT_DOUBLE_EQ(v[0], 0.001);  // µJ → J
  EXPECT_TRUE(warnings.empty());
}

TEST_F(FakeNode, UnreadableCounterIsAWarningWithTheFix) {
  testing::write_rapl_zone(root(), "intel-rapl:0", "package-0", 1000, 1000000);
  // energy_uj that cannot be read even by root: a folder in its place.
  const std::string f = root() + "/sys/class/powercap/intel-rapl:0/energy_uj";
  std::filesystem::remove(f);
  std::filesystem::create_directory(f);
  RaplMeter rapl(SysfsRoot(root()), warnings);
  EXPECT_TRUE(rapl.empty());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].problem.find(f + " is not readable"), std::string::npos);
  EXPECT_NE(warnings[0].fix.find("chmod o+r " + f), std::string::npos);
}

TEST_F(FakeNode, AutoFallsBackToTheEstimatorAndLabelsIt) {
  testing::write_proc(root(), 100, 300, 8 * 1024 * 1024, 4 * 1024 * 1024);
  EstimatorOptions e;
  e.cpu_tdp_w = 100;
  MeterSet set = open_meters({"auto"}, SysfsRoot(root()), e, /*utilisation=*/false);
  ASSERT_EQ(set.meters.size(), 1u);
  const auto& ch = set.meters[0]->channels();
  ASSERT_EQ(ch.size(), 2u);
  EXPECT_EQ(ch[0].method, Method::estimated);
  EXPECT_STREQ(method_name(ch[0].method), "estimated");
  // Busy 50 of the next 100 ticks: 30 W idle + 70 W × 0.5.
  testing::write_proc(root(), 150, 350, 8 * 1024 * 1024, 4 * 1024 * 1024);
  double v[2];
  set.meters[0]->read(v);
  EXPECT_DOUBLE_EQ(v[0], 30 + 70 * 0.5);
  EXPECT_DOUBLE_EQ(v[1], 4 * 0.375);  // 4 GiB used × 0.375 W/GiB
}

TEST_F(FakeNode, RaplCoversCpuAndRamSoNoEstimate) {
  testing::write_rapl_zone(root(), "intel-rapl:0", "package-0", 1, 1000000);
  testing::write_rapl_zone(root(), "intel-rapl:0:0", "dram", 1, 1000000);
  testing::write_proc(root(), 1, 1, 1024, 512);
  MeterSet set = open_meters({"auto"}, SysfsRoot(root()), EstimatorOptions{}, /*utilisation=*/false);
  ASSERT_EQ(set.meters.size(), 1u);
  EXPECT_EQ(set.meters[0]->channels()[0].source, "rapl");
}

TEST_F(FakeNode, AmdGpuWithOnlyPowerIsAPowerChannelBoundToItsPciSlot) {
  testing::write_amdgpu_card(root(), "card0", "0000:03:00.0", -1, 150000000, /*busy_percent=*/-1);
  AmdGpuMeter amd(SysfsRoot(root()), warnings);
  ASSERT_EQ(amd.channels().size(), 1u);  // the card0-DP-1 connector is not a card
  const Channel& c = amd.channels()[0];
  EXPECT_EQ(c.method, Method::power);
  EXPECT_STREQ(c.unit(), "W");
  EXPECT_EQ(c.bus_id, "0000:03:00.0");
  EXPECT_TRUE(c.in_total);
  double w;
  amd.read(&w);
  EXPECT_DOUBLE_EQ(w, 150.0);
}

TEST_F(FakeNode, AmdGpuEnergyCounterWinsAndPowerOnlyCrossChecks) {
  testing::write_amdgpu_card(root(), "card1", "0000:83:00.0", 7000000, 90000000);
  AmdGpuMeter amd(SysfsRoot(root()), warnings, /*utilisation=*/false);
  ASSERT_EQ(amd.channels().size(), 2u);
  EXPECT_EQ(amd.channels()[0].method, Method::counter);
  EXPECT_TRUE(amd.channels()[0].in_total);
  EXPECT_EQ(amd.channels()[1].method, Method::power);
  EXPECT_FALSE(amd.channels()[1].in_total);  // never added to the counter's joules
  EXPECT_TRUE(amd.channels()[1].cross_check);
  EXPECT_EQ(amd.channels()[1].device, "card1");
  double v[2];
  amd.read(v);
  EXPECT_DOUBLE_EQ(v[0], 7.0);
  EXPECT_DOUBLE_EQ(v[1], 90.0);
}

// ROCm numbers cards in PCI bus order, whatever the cardN names say.
TEST_F(FakeNode, AmdGpuARankReadsOnlyTheCardsItIsBoundTo) {
  testing::write_amdgpu_card(root(), "card0", "0000:83:00.0", -1, 100000000);
  testing::write_amdgpu_card(root(), "card1", "0000:03:00.0", -1, 200000000);
  std::ofstream(root() + "/sys/class/drm/card0/device/unique_id") << "8f3a11c2d4e5f601\n";
  ::setenv("ROCR_VISIBLE_DEVICES", "0", 1);
  AmdGpuMeter first(SysfsRoot(root()), warnings, false);
  ::setenv("ROCR_VISIBLE_DEVICES", "GPU-8f3a", 1);
  AmdGpuMeter by_uuid(SysfsRoot(root()), warnings, false);
  ::unsetenv("ROCR_VISIBLE_DEVICES");
  AmdGpuMeter all(SysfsRoot(root()), warnings, false);
  ASSERT_EQ(first.channels().size(), 1u);
  EXPECT_EQ(first.channels()[0].bus_id, "0000:03:00.0");  // index 0 = the lowest bus
  ASSERT_EQ(by_uuid.channels().size(), 1u);
  EXPECT_EQ(by_uuid.channels()[0].device, "card0");
  EXPECT_EQ(by_uuid.channels()[0].uuid, "GPU-8f3a11c2d4e5f601");
  EXPECT_EQ(all.channels().size(), 2u);
}

// The same binding on AMD: ROCR_VISIBLE_DEVICES set by node-local rank
// when unset, a HIP_VISIBLE_DEVICES list narrowed, and cards numbered as
// ROCm numbers them (amdgpu cards only, by PCI bus).
TEST_F(FakeNode, AmdGpuWithNoVariableSetRankIMetersCardIAlone) {
  testing::write_amdgpu_card(root(), "card0", "0000:83:00.0", -1, 100000000);
  testing::write_amdgpu_card(root(), "card1", "0000:03:00.0", -1, 200000000);
  std::filesystem::create_directories(root() + "/sys/class/drm/card2/device");  // a display adapter, not amdgpu
  std::ofstream(root() + "/sys/class/drm/card2/device/uevent") << "PCI_SLOT_NAME=0000:01:00.0\n";
  const std::vector<GpuDevice> gpus = amdgpu_gpus(SysfsRoot(root()));
  ASSERT_EQ(gpus.size(), 2u);
  std::vector<double> watts;
  for (int rank = 0; rank < 2; ++rank) {
    for (const char* v : {"ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"}) ::unsetenv(v);
    const GpuBinding b = bind_rank_to_gpus(rank, 2, gpus, false, false);
    EXPECT_TRUE(b.refused.empty()) << b.refused;
    EXPECT_STREQ(std::getenv("ROCR_VISIBLE_DEVICES"), std::to_string(rank).c_str());
    AmdGpuMeter meter(SysfsRoot(root()), warnings, false);
    ASSERT_EQ(meter.channels().size(), 1u);
    double w = 0;
    meter.read(&w);
    watts.push_back(w);
  }
  EXPECT_EQ(watts, (std::vector<double>{200, 100}));  // index 0 is the lowest bus, the adapter takes no number
  ::unsetenv("ROCR_VISIBLE_DEVICES");
  ::setenv("HIP_VISIBLE_DEVICES", "0,1", 1);
  EXPECT_EQ(bind_rank_to_gpus(1, 2, gpus, false, false).log, "HIP_VISIBLE_DEVICES=0,1 -> 1");
  EXPECT_EQ(std::getenv("ROCR_VISIBLE_DEVICES"), nullptr) << "HIP's list is the launcher's choice";
  AmdGpuMeter hip(SysfsRoot(root()), warnings, false);
  ::unsetenv("HIP_VISIBLE_DEVICES");
  ASSERT_EQ(hip.channels().size(), 1u);
  EXPECT_EQ(hip.channels()[0].device, "card0");
}

TEST_F(FakeNode, AmdGpuWithoutReadingsIsAWarning) {
  testing::write_amdgpu_card(root(), "card2", "0000:c3:00.0", -1, -1);
  AmdGpuMeter amd(SysfsRoot(root()), warnings);
  EXPECT_TRUE(amd.empty());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].problem.find("card2 (0000:c3:00.0)"), std::string::npos);
}

TEST_F(FakeNode, TwoBusyProcessesShareTheNodeInProportion) {
  auto process = [&](int pid, int utime, int stime) {
    dir.write("proc/" + std::to_string(pid) + "/stat",
              std::to_string(pid) + " (trainer (cell)) R 1 1 1 0 -1 0 0 0 0 0 " + std::to_string(utime) + " " +
                  std::to_string(stime) + " 0 0 20 0 1 0\n");
  };
  testing::write_proc(root(), 1000, 5000, 1024, 512);
  process(11, 100, 20);
  process(12, 300, 50);
  CpuShare a(SysfsRoot(root()), 11), b(SysfsRoot(root()), 12);
  // The node works 400 busy ticks: process 11 uses 100, process 12 uses 300.
  testing::write_proc(root(), 1400, 5600, 1024, 512);
  process(11, 180, 40);
  process(12, 520, 130);
  EXPECT_DOUBLE_EQ(a.next(), 0.25);
  EXPECT_DOUBLE_EQ(b.next(), 0.75);
  // No tick since: the shares hold rather than dividing by zero.
  EXPECT_DOUBLE_EQ(a.next(), 0.25);
  // A process that has ended keeps its last share.
  std::filesystem::remove_all(dir.file("proc/11"));
  EXPECT_DOUBLE_EQ(a.next(), 0.25);
}

// A trainer's forked workers burn CPU for it: the cell is charged for its
// whole process tree, as if the work were done in one process.
TEST_F(FakeNode, ATrainersForkedWorkersAreChargedToItsCell) {
  auto process = [&](int pid, int parent, int utime) {
    dir.write("proc/" + std::to_string(pid) + "/stat", std::to_string(pid) + " (python3) R " + std::to_string(parent) +
                                                           " 1 1 0 -1 0 0 0 0 0 " + std::to_string(utime) +
                                                           " 0 0 0 20 0 1 0\n");
  };
  testing::write_proc(root(), 1000, 5000, 1024, 512);
  process(101, 1, 0);     // the worker rank
  process(201, 101, 50);  // its trainer: the program's main process
  process(202, 201, 0);   // a data loader it forked
  process(203, 201, 0);   // and another
  process(300, 1, 0);     // another job
  CpuShare tree(SysfsRoot(root()), 201);
  // 400 busy ticks: the main process 100, its loaders 100 each, the other job 100.
  testing::write_proc(root(), 1400, 5600, 1024, 512);
  process(201, 101, 150);
  process(202, 201, 100);
  process(203, 201, 100);
  process(300, 1, 100);
  EXPECT_DOUBLE_EQ(tree.next(), 0.75) << "the loaders' 200 ticks are the cell's too";
  EXPECT_DOUBLE_EQ(tree.process_ticks(), 300);
}

class FakeNvml : public FakeNode {
 protected:
  void SetUp() override {
    ::setenv("JOULEGRID_NVML_LIBRARY", FAKE_NVML_LIBRARY, 1);
    ::setenv("FAKE_NVML_STATE", dir.file("nvml").c_str(), 1);
  }
  void TearDown() override {
    for (const char* v : {"JOULEGRID_NVML_LIBRARY", "FAKE_NVML_STATE", "FAKE_NVML_INIT_FAIL", "CUDA_VISIBLE_DEVICES",
                          "ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"})
      ::unsetenv(v);
  }
  void devices(const std::string& lines) { dir.write("nvml", lines); }
};

TEST_F(FakeNvml, EnergyCounterWherePresentElsePower) {
  // A Volta-or-newer GPU with the energy counter, and an older one with power only.
  devices("123456 250000 GPU-aaaa 00000000:17:00.0\n- 70000 GPU-bbbb 00000000:65:00.0\n");
  NvmlMeter nv(warnings, true);
  ASSERT_EQ(nv.channels().size(), 3u);
  EXPECT_EQ(nv.channels()[0].method, Method::counter);
  EXPECT_EQ(nv.channels()[0].uuid, "GPU-aaaa");
  EXPECT_EQ(nv.channels()[0].bus_id, "00000000:17:00.0");
  EXPECT_FALSE(nv.channels()[1].in_total);  // gpu0's power only cross-checks its counter
  EXPECT_EQ(nv.channels()[2].method, Method::power);
  EXPECT_TRUE(nv.channels()[2].in_total);
  double v[3];
  nv.read(v);
  EXPECT_DOUBLE_EQ(v[0], 123.456);  // mJ → J
  EXPECT_DOUBLE_EQ(v[1], 250.0);    // mW → W
  EXPECT_DOUBLE_EQ(v[2], 70.0);
  devices("124456 250000 GPU-aaaa 00000000:17:00.0\n- 71000 GPU-bbbb 00000000:65:00.0\n");
  nv.read(v);
  EXPECT_DOUBLE_EQ(v[0], 124.456);  // the scripted counter moved on
  EXPECT_TRUE(warnings.empty());
}

TEST_F(FakeNvml, ARankReadsOnlyTheGpusItIsBoundTo) {
  devices("1 1 GPU-aaaa 0000:01:00.0\n2 2 GPU-bbbb 0000:02:00.0\n3 3 GPU-cccc 0000:03:00.0\n");
  ::setenv("CUDA_VISIBLE_DEVICES", "2", 1);
  NvmlMeter by_index(warnings, true);
  ::setenv("CUDA_VISIBLE_DEVICES", "GPU-bb,0", 1);
  NvmlMeter by_uuid(warnings, true);
  ::unsetenv("CUDA_VISIBLE_DEVICES");
  ASSERT_EQ(by_index.channels().size(), 2u);  // gpu2: counter + power cross-check
  EXPECT_EQ(by_index.channels()[0].uuid, "GPU-cccc");
  ASSERT_EQ(by_uuid.channels().size(), 4u);
  EXPECT_EQ(by_uuid.channels()[0].uuid, "GPU-aaaa");
  EXPECT_EQ(by_uuid.channels()[2].uuid, "GPU-bbbb");
}

TEST_F(FakeNvml, RanksOfANodeEachBindToOneOfItsGpus) {
  devices("1 1 GPU-aaaa 0000:01:00.0\n2 2 GPU-bbbb 0000:02:00.0\n3 3 GPU-cccc 0000:03:00.0\n");
  std::vector<std::string> uuids;
  bool shared = true;
  for (int rank = 0; rank < 3; ++rank) {
    ::setenv("CUDA_VISIBLE_DEVICES", "0,1,2", 1);  // every GPU to every rank, as mpirun leaves it
    EXPECT_EQ(bind_rank_to_gpu(rank, 3, &shared), "CUDA_VISIBLE_DEVICES=0,1,2 -> " + std::to_string(rank));
    EXPECT_FALSE(shared);
    NvmlMeter meter(warnings, false);
    ASSERT_EQ(meter.channels().size(), 2u);  // one GPU: counter + power cross-check
    uuids.push_back(meter.channels()[0].uuid);
  }
  EXPECT_EQ(uuids, (std::vector<std::string>{"GPU-aaaa", "GPU-bbbb", "GPU-cccc"}));

  ::setenv("CUDA_VISIBLE_DEVICES", "GPU-cccc", 1);  // Slurm's --gpus-per-task binding: kept
  EXPECT_EQ(bind_rank_to_gpu(1, 2, &shared), "");
  EXPECT_STREQ(std::getenv("CUDA_VISIBLE_DEVICES"), "GPU-cccc");

  ::setenv("CUDA_VISIBLE_DEVICES", "0,1", 1);  // three ranks, two GPUs: the third shares
  ::setenv("ROCR_VISIBLE_DEVICES", "2,3", 1);
  EXPECT_EQ(bind_rank_to_gpu(2, 3, &shared), "CUDA_VISIBLE_DEVICES=0,1 -> 0; ROCR_VISIBLE_DEVICES=2,3 -> 2");
  EXPECT_TRUE(shared);
  ::unsetenv("CUDA_VISIBLE_DEVICES");
  ::unsetenv("ROCR_VISIBLE_DEVICES");
  EXPECT_EQ(bind_rank_to_gpu(0, 4, &shared), "");  // nothing listed: nothing to narrow
}

// srun --gpus-per-task=2: four tasks of a node, each with its own two cards.
// Each keeps both, meters both and is not shared; it was narrowed to one
// card and marked shared (four ranks, two listed devices). Lists alike on
// every rank are narrowed as before; a card in two ranks' own lists is shared.
TEST_F(FakeNvml, ARankGivenItsOwnSeveralCardsMetersThemAllUnshared) {
  std::string state;
  for (int i = 0; i < 8; ++i) state += "1 1 GPU-" + std::to_string(i) + " 0000:0" + std::to_string(i) + ":00.0\n";
  devices(state);
  const auto gpus = nvml_gpus();
  ASSERT_EQ(gpus.size(), 8u);
  std::vector<std::string> lists;
  for (int task = 0; task < 4; ++task) {
    // Cgroups number each task's cards from 0; NVML names them by UUID.
    ::setenv("CUDA_VISIBLE_DEVICES", ("GPU-" + std::to_string(2 * task) + ",GPU-" + std::to_string(2 * task + 1)).c_str(), 1);
    lists.push_back(visible_lists(gpus));
  }
  EXPECT_EQ(lists[1], "CUDA_VISIBLE_DEVICES=GPU-2,GPU-3\nROCR_VISIBLE_DEVICES\nHIP_VISIBLE_DEVICES\n");
  bool shared = true;
  ::setenv("CUDA_VISIBLE_DEVICES", "GPU-2,GPU-3", 1);
  EXPECT_NE(bind_rank_to_gpu(1, 4, &shared, lists).find("this rank's own 2 cards"), std::string::npos);
  EXPECT_FALSE(shared);
  EXPECT_STREQ(std::getenv("CUDA_VISIBLE_DEVICES"), "GPU-2,GPU-3") << "not narrowed";
  NvmlMeter meter(warnings, false);
  std::set<std::string> metered;
  for (const auto& c : meter.channels()) metered.insert(c.uuid);
  EXPECT_EQ(metered, (std::set<std::string>{"GPU-2", "GPU-3"}));

  lists[3] = "CUDA_VISIBLE_DEVICES=GPU-3,GPU-7\nROCR_VISIBLE_DEVICES\nHIP_VISIBLE_DEVICES\n";  // GPU-3 twice
  EXPECT_NE(bind_rank_to_gpu(1, 4, &shared, lists), "");
  EXPECT_TRUE(shared);

  ::setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3", 1);  // the same list on every rank, by index: narrowed
  const std::string alike = visible_lists(gpus);
  EXPECT_EQ(alike.substr(0, alike.find('\n')), "CUDA_VISIBLE_DEVICES=GPU-0,GPU-1,GPU-2,GPU-3");
  EXPECT_EQ(bind_rank_to_gpu(2, 4, &shared, {alike, alike, alike, alike}), "CUDA_VISIBLE_DEVICES=0,1,2,3 -> 2");
  EXPECT_FALSE(shared);
}

// mpirun on a node with several GPUs sets no variable: rank i of the node
// trains on, and meters, GPU i alone (cards of different power, so a rank
// charged for the wrong card or for all of them shows).
TEST_F(FakeNvml, WithNoVariableSetRankIOfANodeMetersGpuIAlone) {
  devices("- 100000 GPU-aaaa 0000:01:00.0\n- 200000 GPU-bbbb 0000:02:00.0\n- 300000 GPU-cccc 0000:03:00.0\n");
  const std::vector<GpuDevice> gpus = nvml_gpus();
  ASSERT_EQ(gpus.size(), 3u);
  EXPECT_EQ(gpus[1].uuid, "GPU-bbbb");
  EXPECT_EQ(gpus[1].bus_id, "0000:02:00.0");
  std::vector<double> watts;
  for (int rank = 0; rank < 3; ++rank) {
    ::unsetenv("CUDA_VISIBLE_DEVICES");
    const GpuBinding b = bind_rank_to_gpus(rank, 3, gpus, /*allow_sharing=*/false, /*cpu_only=*/false);
    EXPECT_TRUE(b.refused.empty()) << b.refused;
    EXPECT_FALSE(b.shared);
    EXPECT_STREQ(std::getenv("CUDA_VISIBLE_DEVICES"), gpus[static_cast<size_t>(rank)].uuid.c_str());
    EXPECT_NE(b.log.find(gpus[static_cast<size_t>(rank)].bus_id), std::string::npos) << b.log;
    NvmlMeter meter(warnings, false);
    ASSERT_EQ(meter.channels().size(), 1u) << "one card's power, not the node's";
    double w = 0;
    meter.read(&w);
    watts.push_back(w);
  }
  EXPECT_EQ(watts, (std::vector<double>{100, 200, 300}));
}

TEST_F(FakeNvml, MoreRanksThanGpusIsRefusedUnlessTheSpecAllowsSharing) {
  devices("- 100000 GPU-aaaa 0000:01:00.0\n- 200000 GPU-bbbb 0000:02:00.0\n");
  const std::vector<GpuDevice> gpus = nvml_gpus();
  const GpuBinding refused = bind_rank_to_gpus(2, 3, gpus, false, false);
  EXPECT_NE(refused.refused.find("3 worker ranks on this node and 2 NVIDIA GPUs"), std::string::npos)
      << refused.refused;
  EXPECT_NE(refused.refused.find("share_gpus = true"), std::string::npos) << "it says how to fix it";
  EXPECT_EQ(std::getenv("CUDA_VISIBLE_DEVICES"), nullptr) << "nothing bound on a refusal";

  const GpuBinding shared = bind_rank_to_gpus(2, 3, gpus, /*allow_sharing=*/true, false);
  EXPECT_TRUE(shared.refused.empty());
  EXPECT_TRUE(shared.shared);
  EXPECT_STREQ(std::getenv("CUDA_VISIBLE_DEVICES"), "GPU-aaaa");  // rank 2 shares GPU 0

  // A launcher's list shorter than the ranks is sharing too.
  ::setenv("CUDA_VISIBLE_DEVICES", "0,1", 1);
  EXPECT_NE(bind_rank_to_gpus(2, 3, gpus, false, false).refused.find("share"), std::string::npos);
  ::setenv("CUDA_VISIBLE_DEVICES", "0,1", 1);
  const GpuBinding listed = bind_rank_to_gpus(2, 3, gpus, true, false);
  EXPECT_TRUE(listed.shared);
  EXPECT_STREQ(std::getenv("CUDA_VISIBLE_DEVICES"), "GPU-aaaa") << "index 0, named by its UUID";
  ::unsetenv("CUDA_DEVICE_ORDER");
}

TEST_F(FakeNvml, ARankWhoseCellsTrainOnTheCpuMetersNoGpu) {
  devices("- 100000 GPU-aaaa 0000:01:00.0\n- 200000 GPU-bbbb 0000:02:00.0\n");
  const GpuBinding b = bind_rank_to_gpus(0, 1, nvml_gpus(), false, /*cpu_only=*/true);
  EXPECT_TRUE(b.refused.empty());
  EXPECT_NE(b.log.find("no GPU is metered"), std::string::npos);
  NvmlMeter meter(warnings, false);
  EXPECT_TRUE(meter.empty()) << "an idle card is not the cell's";
  // Four CPU-only ranks on a two-GPU node are not "more GPU ranks than GPUs".
  EXPECT_TRUE(bind_rank_to_gpus(3, 4, nvml_gpus(), false, true).refused.empty());
}

TEST_F(FakeNvml, AMigSliceIsMeteredAsTheWholeGpuItIsPartOf) {
  devices("- 100000 GPU-aaaa 0000:01:00.0\n- 200000 GPU-bbbb 0000:02:00.0\nMIG MIG-5e1f GPU-bbbb\n");
  ::setenv("CUDA_VISIBLE_DEVICES", "MIG-5e1f", 1);
  NvmlMeter meter(warnings, false);
  ASSERT_EQ(meter.channels().size(), 1u);
  EXPECT_EQ(meter.channels()[0].uuid, "GPU-bbbb");
  EXPECT_NE(meter.channels()[0].device.find("a MIG slice's GPU: the whole GPU's energy"), std::string::npos)
      << meter.channels()[0].device;
  double w = 0;
  meter.read(&w);
  EXPECT_DOUBLE_EQ(w, 200);
  EXPECT_TRUE(warnings.empty());
  ::setenv("CUDA_VISIBLE_DEVICES", "MIG-0000", 1);  // a slice NVML does not know: said, not guessed
  NvmlMeter unknown(warnings, false);
  EXPECT_TRUE(unknown.empty());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].problem.find("MIG-0000"), std::string::npos);
}

TEST_F(FakeNvml, FailuresAreWarningsNeverAborts) {
  devices("1 1 GPU-a 0000:01:00.0\n");
  ::setenv("FAKE_NVML_INIT_FAIL", "1", 1);
  NvmlMeter failed_init(warnings, false);
  EXPECT_TRUE(failed_init.empty());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].problem.find("nvmlInit failed: Driver Not Loaded"), std::string::npos);
  ::setenv("JOULEGRID_NVML_LIBRARY", dir.file("no-such-lib.so").c_str(), 1);
  NvmlMeter missing(warnings, true);
  EXPECT_TRUE(missing.empty());
  EXPECT_NE(warnings.back().problem.find("cannot load"), std::string::npos);
}

TEST_F(FakeNvml, AutoPicksUpTheGpuBesideTheEstimator) {
  devices("5000 100000 GPU-a 0000:01:00.0\n");
  testing::write_proc(root(), 1, 1, 1024, 512);
  MeterSet set = open_meters({"auto"}, SysfsRoot(root()), EstimatorOptions{});
  std::vector<std::string> sources;
  for (const auto& m : set.meters) sources.push_back(m->channels()[0].source);
  // The node's CPU utilisation comes last, beside the energy sources.
  EXPECT_EQ(sources, (std::vector<std::string>{"nvml", "estimate", "proc"}));
}

// Utilisation channels: a busy percentage per GPU (NVML, amdgpu) and the
// node's CPU from /proc/stat, in percent, never part of the energy total.
TEST_F(FakeNvml, GpuUtilisationIsAPercentChannelBesideTheEnergy) {
  devices("5000 100000 GPU-a 0000:01:00.0 63\n- 70000 GPU-b 0000:02:00.0\n");
  NvmlMeter nv(warnings, true);
  ASSERT_EQ(nv.channels().size(), 4u);  // gpu0: counter, power cross-check, utilisation; gpu1 (no busy reading): power
  const Channel& u = nv.channels()[2];
  EXPECT_EQ(u.method, Method::utilisation);
  EXPECT_STREQ(method_name(u.method), "utilisation");
  EXPECT_STREQ(u.unit(), "%");
  EXPECT_FALSE(u.in_total);
  EXPECT_FALSE(u.is_energy());
  EXPECT_EQ(u.device, "gpu0");
  double v[4];
  nv.read(v);
  EXPECT_DOUBLE_EQ(v[2], 63.0);
  NvmlMeter without(warnings, true, /*utilisation=*/false);
  EXPECT_EQ(without.channels().size(), 3u);
}

TEST_F(FakeNode, AmdGpuBusyPercentIsAUtilisationChannel) {
  testing::write_amdgpu_card(root(), "card0", "0000:03:00.0", -1, 150000000, 81);
  AmdGpuMeter amd(SysfsRoot(root()), warnings);
  ASSERT_EQ(amd.channels().size(), 2u);
  EXPECT_EQ(amd.channels()[1].method, Method::utilisation);
  EXPECT_FALSE(amd.channels()[1].in_total);
  EXPECT_EQ(amd.channels()[1].component.str(), "gpu");
  double v[2];
  amd.read(v);
  EXPECT_DOUBLE_EQ(v[0], 150.0);  // watts, µW scaled
  EXPECT_DOUBLE_EQ(v[1], 81.0);   // percent, as the file says
}

TEST_F(FakeNode, CpuUtilisationIsTheBusyShareOfTicksSinceTheLastRead) {
  testing::write_proc(root(), 100, 300, 1024, 512);
  CpuUtilisationMeter cpu{SysfsRoot(root())};
  ASSERT_EQ(cpu.channels().size(), 1u);
  EXPECT_EQ(cpu.channels()[0].method, Method::utilisation);
  EXPECT_EQ(cpu.channels()[0].component.str(), "cpu");
  testing::write_proc(root(), 175, 325, 1024, 512);  // 75 busy of 100 ticks
  double v = 0;
  cpu.read(&v);
  EXPECT_DOUBLE_EQ(v, 75.0);
  cpu.read(&v);  // no tick since: the last share holds
  EXPECT_DOUBLE_EQ(v, 75.0);
  MeterSet none = open_meters({"estimate"}, SysfsRoot(root()), EstimatorOptions{}, /*utilisation=*/false);
  for (const auto& m : none.meters)
    for (const auto& c : m->channels()) EXPECT_TRUE(c.is_energy()) << c.source << " " << c.device;
}

TEST_F(FakeNode, SampledJoulesMatchTheScriptThroughWraps) {
  // 40 W on a counter that wraps every 2 J: a wrap every 50 ms, sampled at
  // 1,000 Hz on the test's clock for 0.4 s.
  const uint64_t range_uj = 2000000;
  testing::write_rapl_zone(root(), "intel-rapl:0", "package-0", 0, range_uj);
  testing::ManualClock clock;
  testing::CounterScript script(root(), "intel-rapl:0", 40.0, range_uj, clock);
  std::vector<std::unique_ptr<Meter>> m;
  m.push_back(std::make_unique<RaplMeter>(SysfsRoot(root()), warnings));
  Sampler sampler(std::move(m), 0.0, Sampler::kCapacity, clock);
  clock.sleep_s(0.02);
  const Sample a = sampler.sample_now();
  for (int i = 0; i < 400; ++i) {
    clock.sleep_s(0.001);
    sampler.sample_now();
  }
  const Sample b = sampler.sample_now();
  const WindowEnergy w = window_energy(sampler.samples_between(a.t, b.t), 0, sampler.channels()[0], a.t, b.t);
  const double truth = 40.0 * (b.t - a.t);
  EXPECT_NEAR(w.joules, truth, 1e-4) << "samples " << w.samples << " wraps " << w.wraps;
  EXPECT_EQ(w.wraps, 8);  // 0.8 J to 16.8 J on a 2 J counter
  EXPECT_EQ(w.resets, 0);
  // The running integral the worker reads agrees with the window's.
  EXPECT_NEAR(sampler.cumulative_joules()[0], truth, 1e-4);
}

// At 0 Hz the sampler starts no thread: it samples only when asked.
TEST_F(FakeNode, ASamplerAtZeroHertzSamplesOnlyWhenAsked) {
  testing::write_rapl_zone(root(), "intel-rapl:0", "package-0", 0, 0);
  std::vector<std::unique_ptr<Meter>> m;
  m.push_back(std::make_unique<RaplMeter>(SysfsRoot(root()), warnings));
  Sampler sampler(std::move(m), 0.0);
  sampler.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(sampler.sample_count(), 0u);
  sampler.sample_now();
  EXPECT_EQ(sampler.sample_count(), 1u);
  sampler.stop();
}

}  // namespace
}  // namespace joulegrid::meters

namespace joulegrid::meters {
namespace {

// A rank whose cells would train on a GPU that no meter reads is named, with
// the source that failed and the fixes; a metered GPU, cells on the CPU or a
// runtime told to show no card are not.
TEST_F(FakeNode, AGpuThatNoMeterReadsIsNamedWithTheSourceThatFailed) {
  std::filesystem::create_directories(root() + "/proc/driver/nvidia/gpus/0000:01:00.0");
  const auto installed = installed_gpus(SysfsRoot(root()));
  ASSERT_EQ(installed.size(), 1u);
  EXPECT_EQ(installed[0].bus_id, "0000:01:00.0");
  const std::vector<Warning> nvml_missing{{"nvml", "cannot load libnvidia-ml.so.1", "install the NVIDIA driver"}};
  Channel cpu;
  cpu.component = ComponentValue::cpu;
  const std::string why = unmetered_gpu(installed, {cpu}, nvml_missing, /*cpu_only=*/false);
  EXPECT_NE(why.find("NVIDIA GPU 0000:01:00.0"), std::string::npos) << why;
  EXPECT_NE(why.find("nvml: cannot load libnvidia-ml.so.1 (install the NVIDIA driver)"), std::string::npos) << why;
  EXPECT_NE(why.find("allow_unmetered_gpu = true"), std::string::npos) << why;
  EXPECT_EQ(unmetered_gpu(installed, {cpu}, nvml_missing, /*cpu_only=*/true), "");
  Channel gpu;
  gpu.component = ComponentValue::gpu;
  EXPECT_EQ(unmetered_gpu(installed, {cpu, gpu}, {}, false), "");
  Channel busy = gpu;
  busy.method = Method::utilisation;  // a busy percentage is no energy
  EXPECT_NE(unmetered_gpu(installed, {busy}, {}, false), "");
  const char* before = std::getenv("CUDA_VISIBLE_DEVICES");
  const std::string saved = before ? before : "";
  ::setenv("CUDA_VISIBLE_DEVICES", "", 1);
  EXPECT_EQ(unmetered_gpu(installed, {cpu}, nvml_missing, false), "") << "the runtime shows no card";
  ::setenv("CUDA_VISIBLE_DEVICES", "-1", 1);
  EXPECT_EQ(unmetered_gpu(installed, {cpu}, nvml_missing, false), "");
  if (before) ::setenv("CUDA_VISIBLE_DEVICES", saved.c_str(), 1);
  else ::unsetenv("CUDA_VISIBLE_DEVICES");
  EXPECT_EQ(unmetered_gpu({}, {cpu}, nvml_missing, false), "") << "a node without GPUs";
}

}  // namespace
}  // namespace joulegrid::meters

namespace joulegrid::meters {
namespace {

// A node of mixed cards, the slow one first on the PCI bus: CUDA numbers
// them fastest first unless told otherwise, NVML in PCI order, so index 1
// in CUDA_VISIBLE_DEVICES named the slow card to the trainer and the fast
// one to the meter. The binding names the card by UUID and sets the order.
TEST_F(FakeNvml, ACardGivenByIndexIsOneCardForTheTrainerAndTheMeter) {
  devices("1 1 GPU-slow 0000:01:00.0\n2 2 GPU-fast 0000:02:00.0\n");
  ::unsetenv("CUDA_DEVICE_ORDER");
  ::setenv("CUDA_VISIBLE_DEVICES", "0,1", 1);  // every card to every rank, as a launcher left it
  const GpuBinding b = bind_rank_to_gpus(1, 2, nvml_gpus(), false, false);
  EXPECT_EQ(b.refused, "");
  EXPECT_STREQ(std::getenv("CUDA_VISIBLE_DEVICES"), "GPU-fast") << b.log;
  EXPECT_STREQ(std::getenv("CUDA_DEVICE_ORDER"), "PCI_BUS_ID");
  NvmlMeter meter(warnings, false);
  ASSERT_FALSE(meter.channels().empty());
  EXPECT_EQ(meter.channels()[0].uuid, "GPU-fast");
  // Indices in an order the meters cannot number: refused, saying how to fix it.
  ::setenv("CUDA_DEVICE_ORDER", "FASTEST_FIRST", 1);
  ::setenv("CUDA_VISIBLE_DEVICES", "1", 1);
  const GpuBinding fastest = bind_rank_to_gpus(0, 1, nvml_gpus(), false, false);
  EXPECT_NE(fastest.refused.find("give the cards by UUID"), std::string::npos) << fastest.refused;
  ::unsetenv("CUDA_DEVICE_ORDER");
  ::unsetenv("CUDA_VISIBLE_DEVICES");
}

}  // namespace
}  // namespace joulegrid::meters

namespace joulegrid::meters {
namespace {

void write_stat(const std::string& root, pid_t pid, pid_t parent, int utime, int stime, int cutime, int cstime) {
  std::filesystem::create_directories(root + "/proc/" + std::to_string(pid));
  // The name holds a space and a parenthesis, as a process may name itself.
  std::ofstream(root + "/proc/" + std::to_string(pid) + "/stat")
      << pid << " (a (b) c) S " << parent << " 1 1 0 -1 4194304 0 0 0 0 " << utime << " " << stime << " " << cutime
      << " " << cstime << " 20 0 1 0\n";
}

// The job's processes on a node are the launcher's daemon and what descends
// from it (ranks, trainers); a process beside them is another job's. Their
// CPU time runs on when a trainer ends and its rank reaps it.
TEST_F(FakeNode, TheJobsProcessesAreTheDaemonAndItsDescendants) {
  write_stat(root(), 100, 1, 1, 1, 0, 0);      // the launcher's daemon
  write_stat(root(), 101, 100, 10, 5, 0, 0);   // rank 1
  write_stat(root(), 102, 100, 20, 0, 0, 0);   // rank 2
  write_stat(root(), 201, 101, 300, 30, 0, 0); // rank 1's trainer
  write_stat(root(), 500, 1, 700, 0, 0, 0);    // another job
  write_stat(root(), 1, 0, 0, 0, 900, 0);      // init
  const SysfsRoot r(root());
  EXPECT_TRUE(in_job(r, 201, 100));
  EXPECT_TRUE(in_job(r, 100, 100));
  EXPECT_FALSE(in_job(r, 500, 100));
  EXPECT_FALSE(in_job(r, 1, 100));
  EXPECT_FALSE(in_job(r, 999, 100)) << "a process not in the table is not the job's";
  EXPECT_DOUBLE_EQ(job_cpu_ticks(r, 100), 2 + 15 + 20 + 330);
  // The trainer ends and rank 1 reaps it: its ticks move into the rank's children's.
  std::filesystem::remove_all(root() + "/proc/201");
  write_stat(root(), 101, 100, 10, 5, 300, 30);
  EXPECT_DOUBLE_EQ(job_cpu_ticks(r, 100), 2 + 15 + 20 + 330);
  ProcessStat s;
  EXPECT_TRUE(read_process_stat(r, 101, s));
  EXPECT_EQ(s.parent, 100);
  EXPECT_DOUBLE_EQ(s.ticks, 345);
}

// A compute process of another job on the card a rank meters is named (its
// energy counts that process's work too); the job's own are not.
TEST_F(FakeNvml, AnotherJobsComputeProcessOnTheCardIsNamed) {
  write_stat(root(), 100, 1, 0, 0, 0, 0);
  write_stat(root(), 101, 100, 0, 0, 0, 0);
  write_stat(root(), 500, 1, 0, 0, 0, 0);
  devices("5000 100000 GPU-a 0000:01:00.0\n5000 100000 GPU-b 0000:02:00.0\n"
          "PROC GPU-a 101\nPROC GPU-a 500\nPROC GPU-a 77777\nPROC GPU-b 500\n");
  ::setenv("CUDA_VISIBLE_DEVICES", "0", 1);
  NvmlMeter nv(warnings, true);
  const std::string foreign = foreign_gpu_processes(SysfsRoot(root()), nv.channels(), 100);
  EXPECT_NE(foreign.find("gpu0 GPU-a: pid 500, 77777 (not in this node's process table)"), std::string::npos)
      << foreign;
  EXPECT_EQ(foreign.find("101"), std::string::npos) << "the job's own process: " << foreign;
  EXPECT_EQ(foreign.find("GPU-b"), std::string::npos) << "another rank's card: " << foreign;
  devices("5000 100000 GPU-a 0000:01:00.0\nPROC GPU-a 101\n");
  EXPECT_EQ(foreign_gpu_processes(SysfsRoot(root()), nv.channels(), 100), "");
}

// A rank looks for other jobs' processes as every cell starts and ends: the
// library is initialised once for all of them, not twice a cell.
TEST_F(FakeNvml, LookingForOtherJobsProcessesInitialisesTheLibraryOnce) {
  devices("5000 100000 GPU-a 0000:01:00.0\nPROC GPU-a 500\n");
  const std::string log = root() + "/inits";
  ::setenv("FAKE_NVML_INIT_LOG", log.c_str(), 1);
  size_t found = 0;
  for (int cell = 0; cell < 5; ++cell) found += nvml_compute_processes().size();
  ::unsetenv("FAKE_NVML_INIT_LOG");
  EXPECT_EQ(found, 5u) << "the state is read again on every call";
  std::ifstream in(log);
  int inits = 0;
  for (std::string line; std::getline(in, line);) ++inits;
  EXPECT_LE(inits, 1);
}

}  // namespace
}  // namespace joulegrid::meters
