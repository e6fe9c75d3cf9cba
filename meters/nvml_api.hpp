#pragma once
// The subset of nvml.h the NVML meter uses, declared here so that the
// default build needs no CUDA headers: the meter loads libnvidia-ml.so.1
// with dlopen and binds these by name. A build given the real nvml.h
// (JOULEGRID_NVML_INCLUDE_DIR: scripts/build --cuda) checks every one of
// them against it at compile time (meters/nvml_abi_check.cpp), so a drift
// in the driver's API is a compile error, not a crash on a GPU node.

namespace joulegrid::meters::nvml {

using Return = int;   // nvmlReturn_t
using Device = void*; // nvmlDevice_t
constexpr Return kSuccess = 0;           // NVML_SUCCESS
constexpr Return kInsufficientSize = 7;  // NVML_ERROR_INSUFFICIENT_SIZE

struct Utilization {  // nvmlUtilization_t
  unsigned int gpu, memory;
};
struct ProcessInfo {  // nvmlProcessInfo_t (v2 and v3)
  unsigned int pid;
  unsigned long long used_gpu_memory;
  unsigned int gpu_instance_id, compute_instance_id;
};
struct PciInfo {  // nvmlPciInfo_t (v3)
  char bus_id_legacy[16];
  unsigned int domain, bus, device, pci_device_id, pci_subsystem_id;
  char bus_id[32];
};

// Each function the meter binds, by the name it binds (dlsym).
using InitFn = Return (*)();                                            // nvmlInit_v2
using ShutdownFn = Return (*)();                                        // nvmlShutdown
using CountFn = Return (*)(unsigned int*);                              // nvmlDeviceGetCount_v2
using ByIndexFn = Return (*)(unsigned int, Device*);                    // nvmlDeviceGetHandleByIndex_v2
using TotalEnergyFn = Return (*)(Device, unsigned long long*);          // nvmlDeviceGetTotalEnergyConsumption
using PowerFn = Return (*)(Device, unsigned int*);                      // nvmlDeviceGetPowerUsage
using UuidFn = Return (*)(Device, char*, unsigned int);                 // nvmlDeviceGetUUID
using PciInfoFn = Return (*)(Device, PciInfo*);                         // nvmlDeviceGetPciInfo_v3
using UtilizationFn = Return (*)(Device, Utilization*);                 // nvmlDeviceGetUtilizationRates
using ByUuidFn = Return (*)(const char*, Device*);                      // nvmlDeviceGetHandleByUUID
using ParentOfMigFn = Return (*)(Device, Device*);                      // nvmlDeviceGetDeviceHandleFromMigDeviceHandle
using ComputeProcessesFn = Return (*)(Device, unsigned int*, ProcessInfo*);  // nvmlDeviceGetComputeRunningProcesses_v3
using ErrorStringFn = const char* (*)(Return);                          // nvmlErrorString

}  // namespace joulegrid::meters::nvml
