#include "meters/amdgpu.hpp"
#include "meters/visible_devices.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace joulegrid::meters {

namespace {

std::string pci_slot(const std::string& device_dir) {
  std::ifstream in(device_dir + "/uevent");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("PCI_SLOT_NAME=", 0) == 0) return line.substr(14);
  return "";
}

// The amdgpu cards (not connectors such as card0-DP-1) in PCI bus order,
// the order in which ROCm numbers its devices.
std::vector<std::pair<std::string, std::string>> cards_by_bus(const std::string& drm) {
  std::vector<std::pair<std::string, std::string>> cards;  // (bus id, card)
  for (const std::string& card : list_dir(drm, "card"))
    if (card.find('-') == std::string::npos) cards.emplace_back(pci_slot(drm + "/" + card + "/device"), card);
  std::sort(cards.begin(), cards.end());
  return cards;
}

// Whether a card is driven by amdgpu (ROCm numbers only those; an onboard
// display adapter between them takes no number).
bool is_amdgpu(const std::string& device_dir) {
  for (const std::string& hw : list_dir(device_dir + "/hwmon", "hwmon"))
    if (read_text(device_dir + "/hwmon/" + hw + "/name").value_or("") == "amdgpu") return true;
  return false;
}

}  // namespace

std::vector<GpuDevice> amdgpu_gpus(const SysfsRoot& root) {
  const std::string drm = root.path("/sys/class/drm");
  std::vector<GpuDevice> out;
  unsigned int index = 0;
  for (const auto& [bus_id, card] : cards_by_bus(drm)) {
    const std::string device = drm + "/" + card + "/device";
    if (!is_amdgpu(device)) continue;
    const std::string unique_id = read_text(device + "/unique_id").value_or("");
    out.push_back({"amd", index++, unique_id.empty() ? "" : "GPU-" + unique_id, bus_id});
  }
  return out;
}

AmdGpuMeter::AmdGpuMeter(const SysfsRoot& root, std::vector<Warning>& warnings, bool utilisation) {
  const std::string drm = root.path("/sys/class/drm");
  unsigned int index = 0, rocr_visible = 0;
  const bool hip_only = std::getenv("HIP_VISIBLE_DEVICES") != nullptr;
  for (const auto& [bus_id, card] : cards_by_bus(drm)) {
    const std::string device = drm + "/" + card + "/device";
    if (!is_amdgpu(device)) continue;
    // ROCm's UUID of a card is GPU- followed by the driver's unique_id.
    const std::string unique_id = read_text(device + "/unique_id").value_or("");
    const std::string uuid = unique_id.empty() ? "" : "GPU-" + unique_id;
    if (!visible_device("ROCR_VISIBLE_DEVICES", index++, uuid)) continue;  // another rank's GPU
    // HIP_VISIBLE_DEVICES numbers the devices ROCR left visible.
    if (hip_only && !visible_device("HIP_VISIBLE_DEVICES", rocr_visible++, uuid)) continue;
    for (const std::string& hw : list_dir(device + "/hwmon", "hwmon")) {
      const std::string dir = device + "/hwmon/" + hw;
      if (read_text(dir + "/name").value_or("") != "amdgpu") continue;
      Channel base;
      base.source = "amdgpu";
      base.device = card;
      base.component = ComponentValue::gpu;
      base.bus_id = bus_id;
      if (!unique_id.empty()) base.uuid = "GPU-" + unique_id;
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
      CounterFile busy(device + "/gpu_busy_percent");
      if (utilisation && counted && busy.ok()) {
        Channel c = base;
        c.method = Method::utilisation;
        c.in_total = false;
        c.file = busy.path();
        add(c, std::move(busy), 1.0);
      }
    }
  }
}

}  // namespace joulegrid::meters
