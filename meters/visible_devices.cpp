#include "meters/visible_devices.hpp"

#include <cstdlib>
#include <vector>

namespace joulegrid::meters {

namespace {

std::vector<std::string> entries(const std::string& list) {
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

}  // namespace

bool visible_device(const char* variable, unsigned int index, const std::string& uuid) {
  const char* env = std::getenv(variable);
  if (!env) return true;
  for (const auto& item : entries(env)) {
    if (item == std::to_string(index)) return true;
    if (item.rfind("GPU-", 0) == 0 && !uuid.empty() && uuid.rfind(item, 0) == 0) return true;
  }
  return false;
}

std::string bind_rank_to_gpu(int rank_on_node, int ranks_on_node, bool* shared) {
  std::string done;
  if (shared) *shared = false;
  for (const char* variable : {"CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES"}) {
    const char* env = std::getenv(variable);
    if (!env) continue;
    const auto devices = entries(env);
    if (devices.size() <= 1) continue;
    if (shared && ranks_on_node > static_cast<int>(devices.size())) *shared = true;
    const std::string& mine = devices[static_cast<size_t>(rank_on_node) % devices.size()];
    done += (done.empty() ? "" : "; ") + std::string(variable) + "=" + env + " -> " + mine;
    ::setenv(variable, mine.c_str(), 1);
  }
  return done;
}

}  // namespace joulegrid::meters
