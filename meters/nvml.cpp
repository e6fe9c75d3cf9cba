#include "meters/nvml.hpp"
#include "meters/nvml_api.hpp"
#include "meters/visible_devices.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <dlfcn.h>

namespace joulegrid::meters {

class NvmlLibrary {
 public:
  static std::unique_ptr<NvmlLibrary> load(const std::string& path, std::string& why) {
    void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = ::dlerror();
      why = e ? e : "dlopen failed";
      return nullptr;
    }
    std::unique_ptr<NvmlLibrary> lib(new NvmlLibrary(h));
    if (!lib->resolve(why)) return nullptr;
    return lib;
  }
  ~NvmlLibrary() {
    if (initialised) shutdown();
    ::dlclose(handle_);
  }

  nvml::InitFn init = nullptr;
  nvml::ShutdownFn shutdown = nullptr;
  nvml::CountFn count = nullptr;
  nvml::ByIndexFn by_index = nullptr;
  nvml::TotalEnergyFn total_energy_mj = nullptr;
  nvml::PowerFn power_mw = nullptr;
  nvml::UuidFn uuid = nullptr;
  nvml::PciInfoFn pci_info = nullptr;
  nvml::UtilizationFn utilization = nullptr;  // optional
  // MIG: a slice's handle by its UUID, and the GPU it is a slice of (optional).
  nvml::ByUuidFn by_uuid = nullptr;
  nvml::ParentOfMigFn parent_of_mig = nullptr;
  // The compute processes on a GPU (optional: R510 and newer).
  nvml::ComputeProcessesFn compute_processes = nullptr;
  nvml::ErrorStringFn error_string = nullptr;
  bool initialised = false;

  std::string describe(nvml::Return rc) const {
    return error_string ? error_string(rc) : "NVML error " + std::to_string(rc);
  }

 private:
  explicit NvmlLibrary(void* h) : handle_(h) {}
  template <typename F>
  bool bind(F& f, const char* name, std::string& why) {
    f = reinterpret_cast<F>(::dlsym(handle_, name));
    if (!f) why = std::string("missing symbol ") + name;
    return f != nullptr;
  }
  bool resolve(std::string& why) {
    return bind(init, "nvmlInit_v2", why) && bind(shutdown, "nvmlShutdown", why) &&
           bind(count, "nvmlDeviceGetCount_v2", why) && bind(by_index, "nvmlDeviceGetHandleByIndex_v2", why) &&
           bind(total_energy_mj, "nvmlDeviceGetTotalEnergyConsumption", why) &&
           bind(power_mw, "nvmlDeviceGetPowerUsage", why) && bind(uuid, "nvmlDeviceGetUUID", why) &&
           bind(pci_info, "nvmlDeviceGetPciInfo_v3", why) && bind(error_string, "nvmlErrorString", why) &&
           optional(utilization, "nvmlDeviceGetUtilizationRates") && optional(by_uuid, "nvmlDeviceGetHandleByUUID") &&
           optional(parent_of_mig, "nvmlDeviceGetDeviceHandleFromMigDeviceHandle") &&
           optional(compute_processes, "nvmlDeviceGetComputeRunningProcesses_v3");
  }
  template <typename F>
  bool optional(F& f, const char* name) {
    f = reinterpret_cast<F>(::dlsym(handle_, name));
    return true;
  }
  void* handle_;
};

namespace {

std::string library_path() {
  const char* env = std::getenv("JOULEGRID_NVML_LIBRARY");
  return env && *env ? env : "libnvidia-ml.so.1";
}

// The physical GPUs whose MIG slices CUDA_VISIBLE_DEVICES names: a slice
// shares its GPU's energy counter, so the rank meters the whole GPU.
std::vector<std::string> mig_parents(NvmlLibrary& lib, std::vector<Warning>& warnings) {
  std::vector<std::string> parents;
  const char* listed = std::getenv("CUDA_VISIBLE_DEVICES");
  for (const auto& item : device_list(listed ? listed : "")) {
    if (item.rfind("MIG-", 0) != 0) continue;
    nvml::Device slice = nullptr, gpu = nullptr;
    char uuid[96] = {};
    if (lib.by_uuid && lib.parent_of_mig && lib.by_uuid(item.c_str(), &slice) == nvml::kSuccess &&
        lib.parent_of_mig(slice, &gpu) == nvml::kSuccess && lib.uuid(gpu, uuid, sizeof uuid) == nvml::kSuccess)
      parents.push_back(uuid);
    else
      warnings.push_back({"nvml", "CUDA_VISIBLE_DEVICES names MIG slice " + item + ", whose GPU NVML cannot tell",
                          "a driver with MIG support (R450 or newer); its GPU is not metered"});
  }
  return parents;
}

}  // namespace

std::vector<GpuDevice> nvml_gpus() {
  std::string why;
  auto lib = NvmlLibrary::load(library_path(), why);
  std::vector<GpuDevice> out;
  if (!lib || lib->init() != nvml::kSuccess) return out;
  lib->initialised = true;
  unsigned int n = 0;
  lib->count(&n);
  for (unsigned int i = 0; i < n; ++i) {
    nvml::Device dev = nullptr;
    if (lib->by_index(i, &dev) != nvml::kSuccess) continue;
    GpuDevice g{"nvidia", i, "", ""};
    char uuid[96] = {};
    if (lib->uuid(dev, uuid, sizeof uuid) == nvml::kSuccess) g.uuid = uuid;
    nvml::PciInfo pci{};
    if (lib->pci_info(dev, &pci) == nvml::kSuccess) g.bus_id = pci.bus_id;
    out.push_back(g);
  }
  return out;
}

// A rank asks as each of its cells starts and ends: the library is loaded
// and initialised once a process (again only when the path it is named by
// changes, as between tests), and shut down at exit.
std::vector<GpuProcess> nvml_compute_processes() {
  static std::string loaded_from;
  static bool tried = false;
  static std::unique_ptr<NvmlLibrary> lib;
  const std::string path = library_path();
  if (!tried || loaded_from != path) {
    tried = true;
    loaded_from = path;
    std::string why;
    lib = NvmlLibrary::load(path, why);
    if (lib && (!lib->compute_processes || lib->init() != nvml::kSuccess)) lib.reset();
    if (lib) lib->initialised = true;
  }
  std::vector<GpuProcess> out;
  if (!lib) return out;
  unsigned int n = 0;
  lib->count(&n);
  for (unsigned int i = 0; i < n; ++i) {
    nvml::Device dev = nullptr;
    char uuid[96] = {};
    if (lib->by_index(i, &dev) != nvml::kSuccess || lib->uuid(dev, uuid, sizeof uuid) != nvml::kSuccess) continue;
    // The list can grow between asking its length and reading it: ask again.
    std::vector<nvml::ProcessInfo> infos(8);
    for (int tries = 0; tries < 4; ++tries) {
      unsigned int count = static_cast<unsigned int>(infos.size());
      const nvml::Return rc = lib->compute_processes(dev, &count, infos.data());
      if (rc == nvml::kInsufficientSize) {
        infos.resize(count + 8);
        continue;
      }
      if (rc == nvml::kSuccess)
        for (unsigned int k = 0; k < count && k < infos.size(); ++k) out.push_back({uuid, infos[k].pid});
      break;
    }
  }
  return out;
}

NvmlMeter::NvmlMeter(std::vector<Warning>& warnings, bool required, bool utilisation) {
  const char* env = std::getenv("JOULEGRID_NVML_LIBRARY");
  const std::string path = library_path();
  std::string why;
  lib_ = NvmlLibrary::load(path, why);
  if (!lib_) {
    if (required || (env && *env))
      warnings.push_back({"nvml", "cannot load " + path + ": " + why,
                          "install the NVIDIA driver, or set JOULEGRID_NVML_LIBRARY to libnvidia-ml.so.1's path"});
    return;
  }
  if (const nvml::Return rc = lib_->init(); rc != nvml::kSuccess) {
    warnings.push_back({"nvml", "nvmlInit failed: " + lib_->describe(rc), "check the NVIDIA driver (nvidia-smi)"});
    return;
  }
  lib_->initialised = true;
  const std::vector<std::string> slices_of = mig_parents(*lib_, warnings);
  unsigned int n = 0;
  lib_->count(&n);
  for (unsigned int i = 0; i < n; ++i) {
    nvml::Device dev = nullptr;
    if (lib_->by_index(i, &dev) != nvml::kSuccess) continue;
    Channel base;
    base.source = "nvml";
    base.component = ComponentValue::gpu;
    char uuid[96] = {};
    if (lib_->uuid(dev, uuid, sizeof uuid) == nvml::kSuccess) base.uuid = uuid;
    // NVML's order is PCI bus order: run with CUDA_DEVICE_ORDER=PCI_BUS_ID.
    const bool slice = std::find(slices_of.begin(), slices_of.end(), base.uuid) != slices_of.end();
    if (!slice && !visible_device("CUDA_VISIBLE_DEVICES", i, base.uuid)) continue;  // another rank's GPU
    nvml::PciInfo pci{};
    if (lib_->pci_info(dev, &pci) == nvml::kSuccess) base.bus_id = pci.bus_id;
    base.device = "gpu" + std::to_string(i) + (slice ? " (a MIG slice's GPU: the whole GPU's energy)" : "");
    base.file = path;
    unsigned long long mj = 0;
    unsigned int mw = 0;
    const bool has_energy = lib_->total_energy_mj(dev, &mj) == nvml::kSuccess;
    const bool has_power = lib_->power_mw(dev, &mw) == nvml::kSuccess;
    if (has_energy) {
      Channel c = base;
      c.method = Method::counter;  // mJ since the driver loaded; a decrease is a reload
      channels_.push_back(c);
      readers_.push_back({dev, Reading::energy_mj});
    }
    if (has_power) {
      Channel c = base;
      c.method = Method::power;
      c.in_total = !has_energy;  // with a counter, power only cross-checks it
      c.cross_check = has_energy;
      channels_.push_back(c);
      readers_.push_back({dev, Reading::power_mw});
    }
    nvml::Utilization busy{};
    if (utilisation && (has_energy || has_power) && lib_->utilization &&
        lib_->utilization(dev, &busy) == nvml::kSuccess) {
      Channel c = base;
      c.method = Method::utilisation;
      c.in_total = false;
      channels_.push_back(c);
      readers_.push_back({dev, Reading::busy_percent});
    }
    if (!has_energy && !has_power)
      warnings.push_back({"nvml", base.device + " (" + base.bus_id + ") reports neither energy nor power",
                          "the GPU or its driver does not support power readings"});
  }
}

NvmlMeter::~NvmlMeter() = default;

void NvmlMeter::read(double* out) {
  for (size_t i = 0; i < readers_.size(); ++i) {
    void* dev = readers_[i].device;
    switch (readers_[i].reading) {
      case Reading::energy_mj: {
        unsigned long long mj = 0;
        out[i] = lib_->total_energy_mj(dev, &mj) == nvml::kSuccess ? mj * 1e-3 : std::nan("");
        break;
      }
      case Reading::power_mw: {
        unsigned int mw = 0;
        out[i] = lib_->power_mw(dev, &mw) == nvml::kSuccess ? mw * 1e-3 : std::nan("");
        break;
      }
      case Reading::busy_percent: {
        nvml::Utilization u{};
        out[i] = lib_->utilization(dev, &u) == nvml::kSuccess ? static_cast<double>(u.gpu) : std::nan("");
        break;
      }
    }
  }
}

}  // namespace joulegrid::meters
