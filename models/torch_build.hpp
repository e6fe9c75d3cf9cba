#pragma once
// What this build trains with, for `joulegrid --version`: libtorch's
// version, the GPU runtimes compiled into it, and the devices it sees now.
// No torch in this header: the orchestrator's CLI includes it.

#include <string>

namespace joulegrid {

struct TorchBuild {
  std::string version;       // libtorch's, "2.11.0"
  std::string cuda_runtime;  // "13.0" when CUDA is compiled in, else ""
  std::string hip_runtime;   // likewise for ROCm (HIP)
  int devices = 0;           // GPUs this process sees (CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES)
};

TorchBuild torch_build();

}  // namespace joulegrid
