// A fake NVML library, built as a shared object and loaded by the NVML meter
// through JOULEGRID_NVML_LIBRARY, so that the NVIDIA path runs in CI without
// a GPU. Its devices come from the file named by FAKE_NVML_STATE, re-read on
// every call so that a test can script the readings; one line a device:
//   ENERGY_MJ POWER_MW UUID BUS_ID [BUSY_PERCENT]   ('-' or absent = not supported)
// and one line a MIG slice of one of them:
//   MIG SLICE_UUID PARENT_UUID
// and one line a compute process running on one of them:
//   PROC GPU_UUID PID
// FAKE_NVML_INIT_FAIL=1 makes nvmlInit fail; FAKE_NVML_INIT_LOG=FILE
// gets a line for every nvmlInit (a test counts them).

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr int kSuccess = 0, kNotSupported = 3, kUninitialized = 1, kInvalid = 2;

struct FakeDevice {
  std::string energy, power, uuid, bus, busy = "-";
};

std::vector<std::pair<std::string, std::string>> slices() {  // (slice uuid, parent uuid)
  std::vector<std::pair<std::string, std::string>> out;
  const char* path = std::getenv("FAKE_NVML_STATE");
  if (!path) return out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string tag, slice, parent;
    if (fields >> tag >> slice >> parent && tag == "MIG") out.emplace_back(slice, parent);
  }
  return out;
}

std::vector<FakeDevice> devices() {
  std::vector<FakeDevice> out;
  const char* path = std::getenv("FAKE_NVML_STATE");
  if (!path) return out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("MIG ", 0) == 0 || line.rfind("PROC ", 0) == 0) continue;
    std::istringstream fields(line);
    FakeDevice d;
    if (fields >> d.energy >> d.power >> d.uuid >> d.bus) {
      if (!(fields >> d.busy)) d.busy = "-";
      out.push_back(d);
    }
  }
  return out;
}

std::vector<std::pair<std::string, unsigned int>> processes() {  // (gpu uuid, pid)
  std::vector<std::pair<std::string, unsigned int>> out;
  const char* path = std::getenv("FAKE_NVML_STATE");
  if (!path) return out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string tag, uuid;
    unsigned int pid = 0;
    if (fields >> tag >> uuid >> pid && tag == "PROC") out.emplace_back(uuid, pid);
  }
  return out;
}

// Reference-counted, as NVML's own: each nvmlInit needs its nvmlShutdown.
int init_count = 0;
bool initialised = false;

// Handles are 1-based indices disguised as pointers.
long index_of(void* device) { return reinterpret_cast<long>(device) - 1; }

}  // namespace

struct FakePciInfo {
  char bus_id_legacy[16];
  unsigned int domain, bus, device, pci_device_id, pci_subsystem_id;
  char bus_id[32];
};

extern "C" {

int nvmlInit_v2() {
  if (std::getenv("FAKE_NVML_INIT_FAIL")) return 9;  // NVML_ERROR_DRIVER_NOT_LOADED
  if (const char* log = std::getenv("FAKE_NVML_INIT_LOG")) std::ofstream(log, std::ios::app) << "init\n";
  initialised = ++init_count > 0;
  return kSuccess;
}
int nvmlShutdown() {
  if (init_count > 0) --init_count;
  initialised = init_count > 0;
  return kSuccess;
}
const char* nvmlErrorString(int rc) { return rc == 9 ? "Driver Not Loaded" : "fake NVML error"; }
int nvmlDeviceGetCount_v2(unsigned int* n) {
  if (!initialised) return kUninitialized;
  *n = static_cast<unsigned int>(devices().size());
  return kSuccess;
}
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void** device) {
  if (i >= devices().size()) return kInvalid;
  *device = reinterpret_cast<void*>(static_cast<long>(i) + 1);
  return kSuccess;
}
int nvmlDeviceGetTotalEnergyConsumption(void* device, unsigned long long* mj) {
  const auto d = devices();
  const long i = index_of(device);
  if (i < 0 || i >= static_cast<long>(d.size())) return kInvalid;
  if (d[i].energy == "-") return kNotSupported;
  *mj = std::strtoull(d[i].energy.c_str(), nullptr, 10);
  return kSuccess;
}
int nvmlDeviceGetPowerUsage(void* device, unsigned int* mw) {
  const auto d = devices();
  const long i = index_of(device);
  if (i < 0 || i >= static_cast<long>(d.size())) return kInvalid;
  if (d[i].power == "-") return kNotSupported;
  *mw = static_cast<unsigned int>(std::strtoul(d[i].power.c_str(), nullptr, 10));
  return kSuccess;
}
struct FakeUtilization {
  unsigned int gpu, memory;
};
int nvmlDeviceGetUtilizationRates(void* device, FakeUtilization* u) {
  const auto d = devices();
  const long i = index_of(device);
  if (i < 0 || i >= static_cast<long>(d.size())) return kInvalid;
  if (d[i].busy == "-") return kNotSupported;
  u->gpu = static_cast<unsigned int>(std::strtoul(d[i].busy.c_str(), nullptr, 10));
  u->memory = 0;
  return kSuccess;
}
int nvmlDeviceGetUUID(void* device, char* out, unsigned int length) {
  const auto d = devices();
  const long i = index_of(device);
  if (i < 0 || i >= static_cast<long>(d.size())) return kInvalid;
  std::strncpy(out, d[i].uuid.c_str(), length - 1);
  out[length - 1] = 0;
  return kSuccess;
}
// MIG slices are handles from 1001 on; physical GPUs 1 … n.
int nvmlDeviceGetHandleByUUID(const char* uuid, void** device) {
  const auto s = slices();
  for (size_t k = 0; k < s.size(); ++k)
    if (s[k].first == uuid) {
      *device = reinterpret_cast<void*>(static_cast<long>(1001 + k));
      return kSuccess;
    }
  const auto d = devices();
  for (size_t i = 0; i < d.size(); ++i)
    if (d[i].uuid == uuid) {
      *device = reinterpret_cast<void*>(static_cast<long>(i) + 1);
      return kSuccess;
    }
  return kInvalid;
}
int nvmlDeviceGetDeviceHandleFromMigDeviceHandle(void* slice, void** device) {
  const long k = reinterpret_cast<long>(slice) - 1001;
  const auto s = slices();
  if (k < 0 || k >= static_cast<long>(s.size())) return kInvalid;
  return nvmlDeviceGetHandleByUUID(s[static_cast<size_t>(k)].second.c_str(), device);
}
int nvmlDeviceGetPciInfo_v3(void* device, FakePciInfo* pci) {
  const auto d = devices();
  const long i = index_of(device);
  if (i < 0 || i >= static_cast<long>(d.size())) return kInvalid;
  std::memset(pci, 0, sizeof *pci);
  std::strncpy(pci->bus_id, d[i].bus.c_str(), sizeof pci->bus_id - 1);
  return kSuccess;
}

struct FakeProcessInfo {
  unsigned int pid;
  unsigned long long used_gpu_memory;
  unsigned int gpu_instance_id, compute_instance_id;
};
int nvmlDeviceGetComputeRunningProcesses_v3(void* device, unsigned int* count, FakeProcessInfo* infos) {
  const auto d = devices();
  const long i = index_of(device);
  if (i < 0 || i >= static_cast<long>(d.size())) return kInvalid;
  std::vector<unsigned int> pids;
  for (const auto& [uuid, pid] : processes())
    if (uuid == d[i].uuid) pids.push_back(pid);
  const unsigned int room = *count;
  *count = static_cast<unsigned int>(pids.size());
  if (pids.size() > room) return 7;  // NVML_ERROR_INSUFFICIENT_SIZE
  for (size_t k = 0; k < pids.size(); ++k) infos[k] = {pids[k], 0, 0, 0};
  return kSuccess;
}

}  // extern "C"
