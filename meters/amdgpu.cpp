#include "meters/amdgpu.hpp"

#include <fstream>

namespace joulegrid::meters {

namespace {

std::string pci_slot(const std::string& device_dir) {
  std::ifstream in(device_dir + "/uevent");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("PCI_SLOT_NAME=", 0) == 0) return line.substr(14);
  return "";
}

}  // namespace

AmdGpuMeter::AmdGpuMeter(const SysfsRoot& root, std::vector<Warning>& warnings) {
  const std::string drm = root.path("/sys/class/drm");
  for (const std::string& card : list_dir(drm, "card")) {
    if (card.find('-') != std::string::npos) continue;  // connectors: card0-DP-1
    const std::string device = drm + "/" + card + "/device";
    for (const std::string& hw : list_dir(device + "/hwmon", "hwmon")) {
      const std::string dir = device + "/hwmon/" + hw;
      if (read_text(dir + "/name").value_or("") != "amdgpu") continue;
      Channel base;
      base.source = "amdgpu";
      base.device = card;
      base.component = "gpu";
      base.bus_id = pci_slot(device);
      bool counted = false;
      CounterFile energy(dir + "/energy1_input");
      if (energy.ok()) {
        Channel c = base;
        c.method = Method::counter;
        c.file = energy.path();
        add(c, std::move(energy));
        counted = true;
      }
      for (const char* power_file : {"power1_average", "power1_input"}) {
        CounterFile power(dir + "/" + power_file);
        if (!power.ok()) continue;
        Channel c = base;
        c.method = Method::power;
        c.file = power.path();
        c.in_total = !counted;  // with a counter, power is only a cross-check
        c.cross_check = counted;
        add(c, std::move(power));
        counted = true;
        break;
      }
      if (!counted)
        warnings.push_back({"amdgpu", card + " (" + base.bus_id + ") reports neither energy1_input nor power1_*",
                            "on MI250-class parts only one die of a pair reports power; otherwise check the amdgpu driver"});
    }
  }
}

}  // namespace joulegrid::meters
