#include "models/torch_build.hpp"

#include <ATen/Version.h>
#include <torch/cuda.h>
#include <torch/version.h>

namespace joulegrid {

namespace {

// "USE_CUDA=ON, CUDA_VERSION=13.0," in libtorch's own account of how it
// was built (torch.__config__.show() in Python), in 1.13 as in 2.x: no
// header differs between a CPU and a GPU libtorch to tell it otherwise.
std::string setting(const std::string& config, const std::string& key) {
  const std::string token = key + "=";
  for (size_t at = config.find(token); at != std::string::npos; at = config.find(token, at + 1)) {
    if (at > 0 && config[at - 1] != ' ' && config[at - 1] != ',') continue;  // CUDA_VERSION inside CUDNN_CUDA_VERSION
    const size_t from = at + token.size();
    return config.substr(from, config.find_first_of(", \n", from) - from);
  }
  return "";
}

std::string runtime_if(const std::string& config, const std::string& use, const std::string& version) {
  if (setting(config, use) != "ON") return "";
  const std::string v = setting(config, version);
  return v.empty() ? "yes" : v;
}

}  // namespace

TorchBuild torch_build() {
  TorchBuild b;
  b.version = TORCH_VERSION;
  const std::string config = at::show_config();
  b.cuda_runtime = runtime_if(config, "USE_CUDA", "CUDA_VERSION");
  b.hip_runtime = runtime_if(config, "USE_ROCM", "HIP_VERSION");
  if (!b.cuda_runtime.empty() || !b.hip_runtime.empty()) b.devices = static_cast<int>(torch::cuda::device_count());
  return b;
}

}  // namespace joulegrid
