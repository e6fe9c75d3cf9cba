#pragma once
// Which GPUs belong to this rank: a launcher (Slurm, a job script) gives each
// rank its GPUs through CUDA_VISIBLE_DEVICES (NVIDIA), ROCR_VISIBLE_DEVICES or
// HIP_VISIBLE_DEVICES (AMD), as indices or UUIDs; where it gives none, rank i
// of a node is bound to GPU i (bind_rank_to_gpus). A meter reads only the
// GPUs its rank may use, so a GPU's energy is never counted by two ranks,
// and a rank that trains on the CPU meters none.

#include <string>
#include <vector>

#include "meters/meter.hpp"
#include "meters/sysfs.hpp"

namespace joulegrid::meters {

// True when `variable` is unset, or lists the device by index or by UUID
// (a prefix such as GPU-8f3a is enough, as the runtimes accept).
// "0,GPU-ab,,2" → {"0", "GPU-ab", "2"}: a *_VISIBLE_DEVICES list.
std::vector<std::string> device_list(const std::string& list);

bool visible_device(const char* variable, unsigned int index, const std::string& uuid);

// One GPU per rank. When CUDA_VISIBLE_DEVICES or ROCR_VISIBLE_DEVICES lists
// several devices that every rank of the node lists alike (a launcher that
// hands every GPU of the node to every rank, as `mpirun` or `srun
// --gpus-per-node` do), narrows it, in this process's environment, to entry
// `rank_on_node` modulo their number, so that ranks of a node train on, and
// meter, different GPUs. A list of one is left as it is, and so is a list
// that differs from the other ranks' (`node_lists`, each rank's
// visible_lists in node order: Slurm's --gpus-per-task=2 gives each task
// its own two cards): the rank meters every card it was given and trains
// on the first. Returns what it did, for the log, or "" when nothing was
// changed; sets `shared` when some GPU is metered by two ranks: fewer GPUs
// than ranks in a common list, or a card in two ranks' own lists.
std::string bind_rank_to_gpu(int rank_on_node, int ranks_on_node, bool* shared = nullptr,
                             const std::vector<std::string>& node_lists = {});

struct GpuDevice;
// This rank's CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES and
// HIP_VISIBLE_DEVICES, one line each ("NAME=a,b", or "NAME" when unset),
// with NVIDIA indices turned into UUIDs through `gpus`, so that ranks whose
// runtimes number their own cards from 0 do not look alike.
std::string visible_lists(const std::vector<GpuDevice>& gpus);

// A GPU of the node, whatever the variables say.
struct GpuDevice {
  std::string vendor;      // nvidia | amd
  unsigned int index = 0;  // in the driver's order (NVML's; amdgpu's cards by PCI bus, as ROCm numbers them)
  std::string uuid, bus_id;
};
std::vector<GpuDevice> nvml_gpus();                          // nvml.cpp: none without the library
std::vector<GpuDevice> amdgpu_gpus(const SysfsRoot& root);   // amdgpu.cpp
std::vector<GpuDevice> node_gpus(const SysfsRoot& root);     // both

struct GpuBinding {
  std::string log;      // what was set, for the log ("" when nothing was)
  bool shared = false;  // fewer GPUs than worker ranks: a card is metered, whole, by each rank that shares it
  std::string refused;  // more worker ranks than GPUs and no sharing allowed: why, and how to fix it
};

// One GPU per rank, before the meters open and the trainer starts: a list
// of several devices in CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES or
// HIP_VISIBLE_DEVICES is narrowed to entry `rank_on_node` of it (as
// bind_rank_to_gpu); an unset variable is set to GPU `rank_on_node` of
// the node's `gpus` of that vendor (by UUID where it has one). More ranks
// than GPUs is refused unless `allow_sharing`. A rank whose cells train on
// the CPU (`cpu_only`) is given no GPU at all. NVIDIA cards given by index
// are turned into UUIDs and CUDA_DEVICE_ORDER is set to PCI_BUS_ID, so that
// the trainer and the meter mean one card (refused where the launcher set
// another order for indices).
GpuBinding bind_rank_to_gpus(int rank_on_node, int ranks_on_node, const std::vector<GpuDevice>& gpus,
                             bool allow_sharing, bool cpu_only, const std::vector<std::string>& node_lists = {});

// The GPUs of the node as its drivers list them, whether or not a meter can
// read them: NVIDIA's from /proc/driver/nvidia/gpus/BUS (no NVML needed),
// AMD's amdgpu cards from sysfs. Only the bus id and vendor are known.
std::vector<GpuDevice> installed_gpus(const SysfsRoot& root);

// A rank whose cells train on a GPU that no meter of it reads would report
// CPU and RAM joules alone as if they were the cell's energy. One line
// naming the card, the source that failed (from the meters' warnings) and
// the fixes; "" when its cells train on the CPU, when the runtimes see no
// card (CUDA_VISIBLE_DEVICES or ROCR_VISIBLE_DEVICES empty or -1), or when
// a meter reads a GPU's energy.
std::string unmetered_gpu(const std::vector<GpuDevice>& installed, const std::vector<Channel>& channels,
                          const std::vector<Warning>& warnings, bool cpu_only);

}  // namespace joulegrid::meters
