#include "meters/visible_devices.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <vector>

namespace joulegrid::meters {

std::vector<std::string> device_list(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    const std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool visible_device(const char* variable, unsigned int index, const std::string& uuid) {
  const char* env = std::getenv(variable);
  if (!env) return true;
  for (const auto& item : device_list(env)) {
    if (item == std::to_string(index)) return true;
    if (item.rfind("GPU-", 0) == 0 && !uuid.empty() && uuid.rfind(item, 0) == 0) return true;
  }
  return false;
}

namespace {

constexpr const char* kVisibleVariables[] = {"CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"};

// `variable`'s entries in one rank's visible_lists; nullopt when unset there.
std::optional<std::vector<std::string>> listed_in(const std::string& lists, const std::string& variable) {
  std::istringstream lines(lists);
  for (std::string line; std::getline(lines, line);) {
    if (line == variable) return std::nullopt;
    if (line.rfind(variable + "=", 0) == 0) return device_list(line.substr(variable.size() + 1));
  }
  return std::nullopt;
}

// Whether this rank's list of `variable` is its own: some other rank of the
// node lists other devices. Sets `shared` when another rank's own list
// holds one of this rank's devices too.
bool own_list(const std::string& variable, int rank_on_node, const std::vector<std::string>& node_lists,
              bool* shared) {
  if (node_lists.size() < 2 || rank_on_node < 0 || static_cast<size_t>(rank_on_node) >= node_lists.size())
    return false;
  const auto mine = listed_in(node_lists[static_cast<size_t>(rank_on_node)], variable);
  if (!mine) return false;
  bool alike = true, overlap = false;
  for (size_t i = 0; i < node_lists.size(); ++i) {
    if (i == static_cast<size_t>(rank_on_node)) continue;
    const auto theirs = listed_in(node_lists[i], variable);
    alike = alike && theirs == mine;
    if (theirs)
      for (const auto& d : *theirs) overlap = overlap || std::find(mine->begin(), mine->end(), d) != mine->end();
  }
  if (!alike && shared && overlap) *shared = true;
  return !alike;
}

}  // namespace

std::string visible_lists(const std::vector<GpuDevice>& gpus) {
  std::string out;
  for (const char* variable : kVisibleVariables) {
    const char* env = std::getenv(variable);
    out += variable;
    if (env) {
      out += "=";
      std::string items;
      for (const auto& item : device_list(env)) {
        std::string card = item;
        if (std::string(variable) == "CUDA_VISIBLE_DEVICES")
          for (const auto& g : gpus)
            if (g.vendor == "nvidia" && std::to_string(g.index) == item && !g.uuid.empty()) card = g.uuid;
        items += (items.empty() ? "" : ",") + card;
      }
      out += items;
    }
    out += "\n";
  }
  return out;
}

std::string bind_rank_to_gpu(int rank_on_node, int ranks_on_node, bool* shared,
                             const std::vector<std::string>& node_lists) {
  std::string done;
  if (shared) *shared = false;
  for (const char* variable : kVisibleVariables) {
    const char* env = std::getenv(variable);
    if (!env) continue;
    const auto devices = device_list(env);
    if (devices.size() <= 1) {
      if (devices.size() == 1) own_list(variable, rank_on_node, node_lists, shared);  // a card two ranks were given
      continue;
    }
    if (own_list(variable, rank_on_node, node_lists, shared)) {
      done += (done.empty() ? "" : "; ") + std::string(variable) + "=" + env + ": this rank's own " +
              std::to_string(devices.size()) + " cards (the node's other ranks list others), all metered, " +
              "its cells train on the first";
      continue;
    }
    if (shared && ranks_on_node > static_cast<int>(devices.size())) *shared = true;
    const std::string& mine = devices[static_cast<size_t>(rank_on_node) % devices.size()];
    done += (done.empty() ? "" : "; ") + std::string(variable) + "=" + env + " -> " + mine;
    ::setenv(variable, mine.c_str(), 1);
  }
  return done;
}

std::vector<GpuDevice> node_gpus(const SysfsRoot& root) {
  std::vector<GpuDevice> gpus = nvml_gpus();
  for (auto& g : amdgpu_gpus(root)) gpus.push_back(g);
  return gpus;
}

namespace {

bool is_index(const std::string& item) {
  return !item.empty() && item.find_first_not_of("0123456789") == std::string::npos;
}

// CUDA numbers cards fastest first unless CUDA_DEVICE_ORDER=PCI_BUS_ID, and
// NVML (the meter) numbers them in PCI order: on a node of mixed cards an
// index in CUDA_VISIBLE_DEVICES named one card to the trainer and another
// to the meter. Cards given by index are turned into their UUIDs (one card
// for both, whatever the order) and the order is set to PCI_BUS_ID before
// any trainer starts. Returns why it cannot be done, or "" (and says what
// it did in `log`).
std::string one_card_order(const std::vector<GpuDevice>& gpus, std::string& log) {
  const char* env = std::getenv("CUDA_VISIBLE_DEVICES");
  if (!env) return "";
  const auto items = device_list(env);
  bool indices = false;
  for (const auto& item : items) indices = indices || is_index(item);
  if (!indices) return "";
  const char* order = std::getenv("CUDA_DEVICE_ORDER");
  if (order && std::string(order) != "PCI_BUS_ID")
    return std::string("CUDA_VISIBLE_DEVICES=") + env + " gives cards by index in CUDA_DEVICE_ORDER=" + order +
           ", whose numbering the meters cannot know (they number cards in PCI order): give the cards by UUID "
           "(nvidia-smi -L), or set CUDA_DEVICE_ORDER=PCI_BUS_ID";
  ::setenv("CUDA_DEVICE_ORDER", "PCI_BUS_ID", 1);
  std::string named;
  for (const auto& item : items) {
    std::string card = item;
    for (const auto& g : gpus)
      if (g.vendor == "nvidia" && is_index(item) && std::to_string(g.index) == item && !g.uuid.empty()) card = g.uuid;
    named += (named.empty() ? "" : ",") + card;
  }
  ::setenv("CUDA_VISIBLE_DEVICES", named.c_str(), 1);
  log += (log.empty() ? "" : "; ") + std::string("CUDA_DEVICE_ORDER -> PCI_BUS_ID, as the meters number cards; ") +
         "CUDA_VISIBLE_DEVICES=" + env + " -> " + named;
  return "";
}

}  // namespace

GpuBinding bind_rank_to_gpus(int rank_on_node, int ranks_on_node, const std::vector<GpuDevice>& gpus,
                             bool allow_sharing, bool cpu_only, const std::vector<std::string>& node_lists) {
  GpuBinding b;
  if (cpu_only) {
    for (const char* variable : {"CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"})
      ::setenv(variable, "", 1);
    b.log = "its cells train on the CPU ([train] device = \"cpu\"): no GPU is metered";
    return b;
  }
  b.log = bind_rank_to_gpu(rank_on_node, ranks_on_node, &b.shared, node_lists);
  b.refused = one_card_order(gpus, b.log);
  if (!b.refused.empty()) return b;
  if (b.shared && !allow_sharing) {
    b.refused = std::to_string(ranks_on_node) + " worker ranks on this node share the fewer GPUs listed (" + b.log +
                "): give each rank its own GPU (srun --gpus-per-task=1, or list one GPU a rank), or set [train] "
                "share_gpus = true to count each shared card's whole energy in every rank that uses it";
    return b;
  }
  auto unset = [](const char* v) { return std::getenv(v) == nullptr; };
  for (const char* vendor : {"nvidia", "amd"}) {
    const bool nvidia = std::string(vendor) == "nvidia";
    if (nvidia ? !unset("CUDA_VISIBLE_DEVICES") : (!unset("ROCR_VISIBLE_DEVICES") || !unset("HIP_VISIBLE_DEVICES")))
      continue;  // the launcher chose
    std::vector<const GpuDevice*> mine;
    for (const auto& g : gpus)
      if (g.vendor == vendor) mine.push_back(&g);
    if (mine.empty()) continue;
    const size_t n = mine.size();
    if (static_cast<size_t>(ranks_on_node) > n) {
      b.shared = true;
      if (!allow_sharing) {
        b.refused = std::to_string(ranks_on_node) + " worker ranks on this node and " + std::to_string(n) + " " +
                    (nvidia ? "NVIDIA" : "AMD") + " GPU" + (n == 1 ? "" : "s") +
                    ": start at most " + std::to_string(n) + " worker rank" + (n == 1 ? "" : "s") +
                    " a node (mpirun --npernode, srun --ntasks-per-node), give each rank its own GPU "
                    "(srun --gpus-per-task=1), or set [train] share_gpus = true to count each shared card's whole "
                    "energy in every rank that uses it";
        return b;
      }
    }
    const GpuDevice& g = *mine[static_cast<size_t>(rank_on_node) % n];
    const char* variable = nvidia ? "CUDA_VISIBLE_DEVICES" : "ROCR_VISIBLE_DEVICES";
    const std::string value = !g.uuid.empty() ? g.uuid : std::to_string(g.index);
    ::setenv(variable, value.c_str(), 1);
    b.log += (b.log.empty() ? "" : "; ") + std::string(variable) + " unset -> " + value + " (" + g.bus_id +
             "), GPU " + std::to_string(rank_on_node % n) + " of " + std::to_string(n) + " for node-local rank " +
             std::to_string(rank_on_node);
  }
  return b;
}

std::vector<GpuDevice> installed_gpus(const SysfsRoot& root) {
  std::vector<GpuDevice> out;
  std::error_code ec;
  std::vector<std::string> nvidia;
  for (const auto& e : std::filesystem::directory_iterator(root.path("/proc/driver/nvidia/gpus"), ec))
    nvidia.push_back(e.path().filename().string());
  std::sort(nvidia.begin(), nvidia.end());
  for (size_t i = 0; i < nvidia.size(); ++i) out.push_back({"nvidia", static_cast<unsigned int>(i), "", nvidia[i]});
  for (const auto& g : amdgpu_gpus(root)) out.push_back(g);
  return out;
}

namespace {

// A runtime told to show no card: CUDA_VISIBLE_DEVICES="" or "-1".
bool hides_every_card(const char* variable) {
  const char* env = std::getenv(variable);
  if (!env) return false;
  const auto devices = device_list(env);
  return devices.empty() || devices.front() == "-1" || devices.front() == "NoDevFiles";
}

}  // namespace

std::string unmetered_gpu(const std::vector<GpuDevice>& installed, const std::vector<Channel>& channels,
                          const std::vector<Warning>& warnings, bool cpu_only) {
  if (cpu_only) return "";
  for (const auto& c : channels)
    if (c.component == ComponentValue::gpu && c.is_energy() && c.in_total) return "";
  for (const auto& g : installed) {
    const bool nvidia = g.vendor == "nvidia";
    if (nvidia ? hides_every_card("CUDA_VISIBLE_DEVICES")
               : hides_every_card("ROCR_VISIBLE_DEVICES") || hides_every_card("HIP_VISIBLE_DEVICES"))
      continue;
    const std::string source = nvidia ? "nvml" : "amdgpu";
    std::string why;
    for (const auto& w : warnings)
      if (w.source == source) why += (why.empty() ? "" : "; ") + w.problem + (w.fix.empty() ? "" : " (" + w.fix + ")");
    if (why.empty()) why = "[meters] sources leaves " + source + " out";
    return std::string(nvidia ? "NVIDIA" : "AMD") + " GPU " + g.bus_id + " would train this rank's cells, but no " +
           "meter reads its energy: " + source + ": " + why + ". Fix the source, or train on the CPU ([train] " +
           "device = \"cpu\"), or record the runs as \"GPU not measured\" ([meters] allow_unmetered_gpu = true)";
  }
  return "";
}

}  // namespace joulegrid::meters
