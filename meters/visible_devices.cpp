#include "meters/visible_devices.hpp"

#include <cstdlib>

namespace joulegrid::meters {

bool visible_device(const char* variable, unsigned int index, const std::string& uuid) {
  const char* env = std::getenv(variable);
  if (!env) return true;
  const std::string list = env;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    const std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) {
      if (item == std::to_string(index)) return true;
      if (item.rfind("GPU-", 0) == 0 && !uuid.empty() && uuid.rfind(item, 0) == 0) return true;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

}  // namespace joulegrid::meters
