#include "meters/rapl.hpp"

#include <cstdlib>
#include <set>

namespace joulegrid::meters {

namespace {

constexpr double kJoulesPerMicrojoule = 1e-6;  // the range file is in µJ too

// "intel-rapl:0:2" → 2 colons = a subzone of package 0.
int depth(const std::string& zone) {
  int n = 0;
  for (char c : zone) n += c == ':';
  return n;
}

std::string package_of(const std::string& zone) {
  const size_t a = zone.find(':'), b = zone.find(':', a + 1);
  return zone.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
}

}  // namespace

RaplMeter::RaplMeter(const SysfsRoot& root, std::vector<Warning>& warnings) {
  const std::string base = root.path("/sys/class/powercap");
  std::set<std::string> seen_names;
  // intel-rapl sorts before intel-rapl-mmio, so the MSR zone wins a duplicate.
  for (const std::string& zone : list_dir(base, "intel-rapl")) {
    const std::string dir = base + "/" + zone;
    const auto name = read_text(dir + "/name");
    if (!name) continue;
    Channel ch;
    ch.source = "rapl";
    ch.method = Method::counter;
    if (depth(zone) == 1 && name->rfind("package", 0) == 0) {
      ch.component = ComponentValue::cpu;
      ch.device = *name;
    } else if (depth(zone) == 1 && *name == "psys") {
      ch.component = ComponentValue::platform;
      ch.device = "psys";
      ch.in_total = false;  // psys ⊃ package: never add the two
    } else if (depth(zone) == 2 && *name == "dram") {
      ch.component = ComponentValue::ram;
      ch.device = "dram-" + package_of(zone);
    } else {
      continue;  // core, uncore: inside a package already counted
    }
    if (!seen_names.insert(ch.device).second) continue;  // an mmio twin of an MSR zone
    ch.file = dir + "/energy_uj";
    if (const auto range = read_text(dir + "/max_energy_range_uj"))
      ch.wrap_range_j = std::strtod(range->c_str(), nullptr) * kJoulesPerMicrojoule;
    CounterFile f(ch.file);
    if (!f.ok()) {
      warnings.push_back({"rapl", ch.file + " is not readable (root only since the CVE-2020-8694 fix)",
                          "run as root, or: sudo chmod o+r " + ch.file + " (resets at boot)"});
      continue;
    }
    add(ch, std::move(f));
  }
}

}  // namespace joulegrid::meters
