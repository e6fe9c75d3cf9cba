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

// One GPU per rank. When CUDA_VISIBLE_DEVICES or ROCR_VISIBLE_DEVICES lists
// several devices (a launcher that hands every GPU of the node to every rank,
// as `mpirun` or `srun --gpus-per-node` do), narrows it, in this process's
// environment, to entry `rank_on_node` modulo their number, so that ranks of
// a node train on, and meter, different GPUs. A list of one (Slurm's
// --gpus-per-task binding) is left as it is. Returns what it did, for the
// log, or "" when nothing was changed; sets `shared` when there are fewer
// GPUs than ranks, so that some GPU is metered by two ranks.
std::string bind_rank_to_gpu(int rank_on_node, int ranks_on_node, bool* shared = nullptr);

}  // namespace joulegrid::meters
