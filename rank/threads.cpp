#include "rank/threads.hpp"

#include <algorithm>
#include <sched.h>
#include <thread>

namespace joulegrid {

int choose_threads(int wanted) {
  if (wanted > 0) return wanted;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace joulegrid
