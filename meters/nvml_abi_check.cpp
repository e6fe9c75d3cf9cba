// Compiled only where the real nvml.h is given (JOULEGRID_NVML_INCLUDE_DIR,
// as scripts/build --cuda gives it): every declaration of
// meters/nvml_api.hpp against the driver's own. Nothing here runs; a drift
// fails the build, naming the function or struct.

#define NVML_NO_UNVERSIONED_FUNC_DEFS  // the _v2 / _v3 names, as the meter binds them
#include <nvml.h>

#include <cstddef>
#include <type_traits>

#include "meters/nvml_api.hpp"

namespace joulegrid::meters::nvml {
namespace {

// One argument (or return value) of ours against nvml.h's: the same size
// and kind, pointers to the same; our void* stands for an opaque handle.
template <class Ours, class Theirs>
constexpr bool same_slot() {
  if constexpr (std::is_pointer_v<Ours> != std::is_pointer_v<Theirs>) {
    return false;
  } else if constexpr (std::is_pointer_v<Ours>) {
    using O = std::remove_cv_t<std::remove_pointer_t<Ours>>;
    using T = std::remove_cv_t<std::remove_pointer_t<Theirs>>;
    if constexpr (std::is_void_v<O>) return true;  // our void* handle: nvmlDevice_t, a pointer to an opaque struct
    else return (std::is_const_v<std::remove_pointer_t<Ours>> == std::is_const_v<std::remove_pointer_t<Theirs>>) &&
                same_slot<O, T>();
  } else if constexpr (std::is_class_v<Ours> || std::is_class_v<Theirs>) {
    return std::is_class_v<Ours> && std::is_class_v<Theirs> && sizeof(Ours) == sizeof(Theirs);
  } else {
    return sizeof(Ours) == sizeof(Theirs) && (std::is_integral_v<Ours> || std::is_enum_v<Ours>) ==
                                                 (std::is_integral_v<Theirs> || std::is_enum_v<Theirs>);
  }
}

template <class Ours, class Theirs>
struct SameCall : std::false_type {};
template <class R1, class... A1, class R2, class... A2>
struct SameCall<R1 (*)(A1...), R2(A2...)> {
  static constexpr bool value = [] {
    if constexpr (sizeof...(A1) != sizeof...(A2)) return false;
    else return same_slot<R1, R2>() && (same_slot<A1, A2>() && ...);
  }();
};

#define JG_NVML_SAME(ours, theirs) \
  static_assert(SameCall<ours, decltype(::theirs)>::value, "meters/nvml_api.hpp: " #ours " is not " #theirs " of nvml.h")
JG_NVML_SAME(InitFn, nvmlInit_v2);
JG_NVML_SAME(ShutdownFn, nvmlShutdown);
JG_NVML_SAME(CountFn, nvmlDeviceGetCount_v2);
JG_NVML_SAME(ByIndexFn, nvmlDeviceGetHandleByIndex_v2);
JG_NVML_SAME(TotalEnergyFn, nvmlDeviceGetTotalEnergyConsumption);
JG_NVML_SAME(PowerFn, nvmlDeviceGetPowerUsage);
JG_NVML_SAME(UuidFn, nvmlDeviceGetUUID);
JG_NVML_SAME(PciInfoFn, nvmlDeviceGetPciInfo_v3);
JG_NVML_SAME(UtilizationFn, nvmlDeviceGetUtilizationRates);
JG_NVML_SAME(ByUuidFn, nvmlDeviceGetHandleByUUID);
JG_NVML_SAME(ParentOfMigFn, nvmlDeviceGetDeviceHandleFromMigDeviceHandle);
JG_NVML_SAME(ComputeProcessesFn, nvmlDeviceGetComputeRunningProcesses_v3);
JG_NVML_SAME(ErrorStringFn, nvmlErrorString);
#undef JG_NVML_SAME

static_assert(kSuccess == NVML_SUCCESS);
static_assert(kInsufficientSize == NVML_ERROR_INSUFFICIENT_SIZE);
static_assert(sizeof(Return) == sizeof(nvmlReturn_t));
static_assert(sizeof(Utilization) == sizeof(nvmlUtilization_t) && offsetof(Utilization, gpu) == offsetof(nvmlUtilization_t, gpu));
static_assert(sizeof(ProcessInfo) == sizeof(nvmlProcessInfo_t) &&
              offsetof(ProcessInfo, pid) == offsetof(nvmlProcessInfo_t, pid) &&
              offsetof(ProcessInfo, used_gpu_memory) == offsetof(nvmlProcessInfo_t, usedGpuMemory));
static_assert(sizeof(PciInfo) == sizeof(nvmlPciInfo_t) && offsetof(PciInfo, bus_id) == offsetof(nvmlPciInfo_t, busId));
static_assert(sizeof(PciInfo::bus_id) == sizeof(nvmlPciInfo_t::busId));

}  // namespace
}  // namespace joulegrid::meters::nvml
