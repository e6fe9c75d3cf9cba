// The cost of one sample of all sources: it bounds the sampler's overhead
// (at 1,000 Hz a 20 µs sample is 2 % of one core). Google Benchmark.
//   build/bench/sample_cost [--benchmark_format=json]

#include <benchmark/benchmark.h>

#include "meters/registry.hpp"
#include "meters/sampler.hpp"
#include "tests/fakes/fake_sysfs.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace joulegrid::meters;

// Utilisation channels (GPU busy %, the node's CPU from /proc/stat) are on
// by default; the Without… variants show what they add to a sample.
void sample_all(benchmark::State& state, const SysfsRoot& root, bool utilisation = true) {
  MeterSet set = open_meters({"auto"}, root, EstimatorOptions{}, utilisation);
  Sampler sampler(std::move(set.meters), 1000.0, 1024);
  for (auto _ : state) benchmark::DoNotOptimize(sampler.sample_now());
  state.counters["channels"] = static_cast<double>(sampler.channels().size());
}

// This node as it is (on the development machine: the /proc estimator only).
void BM_SampleThisNode(benchmark::State& state) { sample_all(state, SysfsRoot::from_environment()); }
void BM_SampleThisNodeWithoutUtilisation(benchmark::State& state) {
  sample_all(state, SysfsRoot::from_environment(), false);
}

// A two-socket RAPL node: two packages, two DRAM zones, psys.
void BM_SampleFakeRaplNode(benchmark::State& state) {
  joulegrid::testing::TempDir dir;
  const std::string root = dir.path().string();
  joulegrid::testing::write_rapl_zone(root, "intel-rapl:0", "package-0", 1, 262143328850);
  joulegrid::testing::write_rapl_zone(root, "intel-rapl:0:0", "dram", 1, 65712999613);
  joulegrid::testing::write_rapl_zone(root, "intel-rapl:1", "package-1", 1, 262143328850);
  joulegrid::testing::write_rapl_zone(root, "intel-rapl:1:0", "dram", 1, 65712999613);
  joulegrid::testing::write_rapl_zone(root, "intel-rapl:2", "psys", 1, 262143328850);
  joulegrid::testing::write_proc(root, 100, 300, 1024, 512);
  sample_all(state, SysfsRoot(root), state.range(0) != 0);
}

}  // namespace

BENCHMARK(BM_SampleThisNode)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SampleThisNodeWithoutUtilisation)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SampleFakeRaplNode)->Arg(1)->Arg(0)->ArgName("utilisation")->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
