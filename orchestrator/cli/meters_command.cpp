// `joulegrid meters [--seconds S] [--json]`: every energy source on this node,
// how it measures, whether it can be read and why not, then S seconds of
// measurement: mean watts and joules per source.

#include <chrono>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "io/errors.hpp"
#include "meters/registry.hpp"
#include "meters/sampler.hpp"
#include "orchestrator/cli/commands.hpp"
#include "io/report/text_table.hpp"

namespace joulegrid {

int meters_command(const MetersArgs& args) {
  using namespace meters;
  if (!(args.seconds >= 0) || args.seconds > 3600)
    throw InputError("--seconds: " + std::to_string(args.seconds) + " is out of range: must be between 0 and 3600");
  if (!(args.sample_hz >= 1 && args.sample_hz <= 1000))
    throw InputError("--sample-hz: must be between 1 and 1000");
  const SysfsRoot root = args.sysfs_root.empty() ? SysfsRoot::from_environment() : SysfsRoot(args.sysfs_root);
  EstimatorOptions est;
  est.cpu_tdp_w = args.cpu_tdp_w;
  MeterSet set = open_meters({"auto"}, root, est);
  std::vector<Warning> warnings = set.warnings;
  Sampler sampler(std::move(set.meters), args.sample_hz);
  const auto& channels = sampler.channels();

  const Sample first = sampler.sample_now();
  sampler.start();
  std::this_thread::sleep_for(std::chrono::duration<double>(args.seconds));
  sampler.stop();
  const Sample last = sampler.sample_now();
  const auto samples = sampler.samples_between(first.t, last.t);
  const double span = last.t - first.t;

  nlohmann::json out = nlohmann::json::array();
  TextTable t({"source", "device", "component", "method", "unit", "readable", "joules", "mean watts", "file"});
  for (size_t i = 0; i < channels.size(); ++i) {
    const Channel& c = channels[i];
    const WindowEnergy w = window_energy(samples, i, c, first.t, last.t);
    const double mean = span > 0 ? w.joules / span : 0.0;  // watts, or percent for utilisation
    nlohmann::json row{{"source", c.source}, {"device", c.device}, {"component", c.component},
                       {"method", method_name(c.method)}, {"unit", c.unit()}, {"readable", true},
                       {"in_total", c.in_total}, {"file", c.file}};
    if (c.is_energy()) {
      row.update({{"joules", w.joules}, {"watts", mean}, {"wraps", w.wraps}, {"resets", w.resets}});
      t.add({c.source, c.device, c.component + (c.cross_check ? " (cross-check)" : c.in_total ? "" : " (contains others)"),
             method_name(c.method), c.unit(), "yes", format_number(w.joules) + " J", format_number(mean) + " W", c.file});
    } else {
      row.update({{"joules", nullptr}, {"watts", nullptr}, {"mean_percent", mean}});
      t.add({c.source, c.device, c.component + " (not energy)", method_name(c.method), c.unit(), "yes", "-",
             format_number(mean) + " % busy", c.file});
    }
    out.push_back(row);
  }
  for (const Warning& w : warnings) {
    out.push_back({{"source", w.source}, {"device", ""}, {"method", ""}, {"readable", false},
                   {"why", w.problem}, {"fix", w.fix}, {"joules", nullptr}, {"watts", nullptr}});
  }
  if (args.json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "energy sources on this node (sysfs root " << (root.root().empty() ? "/" : root.root())
            << "), measured for " << format_number(span, 3) << " s at " << args.sample_hz << " Hz, "
            << samples.size() << " samples:\n";
  t.print(std::cout);
  for (const Warning& w : warnings) std::cout << "warning: " << w.source << ": " << w.problem << "; fix: " << w.fix << "\n";
  bool estimated = false;
  for (const auto& c : channels) estimated = estimated || c.method == Method::estimated;
  if (estimated)
    std::cout << "note: 'estimated' rows come from utilisation and a TDP, not from a counter or power sensor.\n";
  return 0;
}

}  // namespace joulegrid
