#pragma once
// NVIDIA GPUs through NVML, loaded at run time with dlopen so that one binary
// runs on nodes without the driver. The total-energy counter (mJ, Volta and
// newer) where the GPU has it, else power (mW; on Ampere-and-newer consumer
// parts a one-second average). Only physical GPUs are enumerated: MIG
// instances share their GPU's counter and must never be summed.
// Only the GPUs CUDA_VISIBLE_DEVICES gives this rank are read (all when
// unset); a MIG slice it names (MIG-…) is read as its whole GPU, labelled so.
// With `utilisation`, each GPU's busy percentage (nvmlDeviceGetUtilizationRates,
// the share of the last sample period in which a kernel ran) is a channel too.
// The library: JOULEGRID_NVML_LIBRARY, else libnvidia-ml.so.1. This file and
// nvml.cpp are the only ones that know NVML.

#include <memory>

#include "meters/meter.hpp"
#include "meters/visible_devices.hpp"

namespace joulegrid::meters {

class NvmlLibrary;  // the seam: dlopen'd function pointers

// A compute process NVML lists on a GPU (any job's).
struct GpuProcess {
  std::string uuid;
  unsigned int pid = 0;
};
// Every GPU's compute processes; empty when NVML is missing or too old to say.
std::vector<GpuProcess> nvml_compute_processes();

class NvmlMeter : public Meter {
 public:
  // `required`: the user asked for nvml, so a missing library is a warning.
  NvmlMeter(std::vector<Warning>& warnings, bool required, bool utilisation = true);
  ~NvmlMeter() override;
  const std::vector<Channel>& channels() const override { return channels_; }
  void read(double* out) override;
  bool empty() const { return channels_.empty(); }

 private:
  std::unique_ptr<NvmlLibrary> lib_;
  std::vector<Channel> channels_;
  enum class Reading { energy_mj, power_mw, busy_percent };
  struct Reader {
    void* device;
    Reading reading;
  };
  std::vector<Reader> readers_;
};

}  // namespace joulegrid::meters
