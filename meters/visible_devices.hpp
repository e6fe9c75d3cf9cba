#pragma once
// Which GPUs belong to this rank: a launcher (Slurm, a job script) gives each
// rank its GPUs through CUDA_VISIBLE_DEVICES (NVIDIA) or ROCR_VISIBLE_DEVICES
// (AMD), as indices or UUIDs. A meter reads only the GPUs its rank may use,
// so a GPU's energy is never counted by two ranks.

#include <string>

namespace joulegrid::meters {

// True when `variable` is unset, or lists the device by index or by UUID
// (a prefix such as GPU-8f3a is enough, as the runtimes accept).
bool visible_device(const char* variable, unsigned int index, const std::string& uuid);

}  // namespace joulegrid::meters
