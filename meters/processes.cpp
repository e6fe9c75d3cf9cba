#include "meters/processes.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

#include "meters/nvml.hpp"

namespace joulegrid::meters {

bool launched_by_a_launcher() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

pid_t job_root() { return launched_by_a_launcher() ? ::getppid() : ::getpid(); }

bool read_process_stat(const SysfsRoot& root, pid_t pid, ProcessStat& out) {
  const auto line = read_text(root.path("/proc/" + std::to_string(pid) + "/stat"));
  if (!line) return false;
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const size_t close = line->rfind(')');
  if (close == std::string::npos || close + 2 > line->size()) return false;
  std::istringstream rest(line->substr(close + 2));
  std::string field;
  double ticks = 0;
  long parent = -1;
  int i = 3;
  for (; i <= 17 && rest >> field; ++i) {
    char* end = nullptr;
    const double v = std::strtod(field.c_str(), &end);
    if (i == 4) parent = static_cast<long>(v);
    if (i >= 14 && i <= 17) {
      if (end == field.c_str() || *end) return false;
      ticks += v;
    }
  }
  if (i <= 17 || parent < 0) return false;
  out = {pid, static_cast<pid_t>(parent), ticks};
  return true;
}

namespace {

// Every process the root's /proc lists, by pid.
std::map<pid_t, ProcessStat> process_table(const SysfsRoot& root) {
  std::map<pid_t, ProcessStat> table;
  for (const auto& name : list_dir(root.path("/proc"))) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    ProcessStat s;
    if (read_process_stat(root, static_cast<pid_t>(std::atol(name.c_str())), s)) table[s.pid] = s;
  }
  return table;
}

bool descends(const std::map<pid_t, ProcessStat>& table, pid_t pid, pid_t job) {
  for (int hops = 0; hops < 4096 && pid > 0; ++hops) {  // a bound: a table read mid-change may loop
    if (pid == job) return true;
    const auto it = table.find(pid);
    if (it == table.end()) return false;
    pid = it->second.parent;
  }
  return false;
}

double ticks_under(const std::map<pid_t, ProcessStat>& table, pid_t root) {
  double ticks = 0;
  for (const auto& [pid, s] : table)
    if (descends(table, pid, root)) ticks += s.ticks;
  return ticks;
}

}  // namespace

bool in_job(const SysfsRoot& root, pid_t pid, pid_t job) {
  if (pid == job) return true;
  for (int hops = 0; hops < 4096 && pid > 0; ++hops) {
    ProcessStat s;
    if (!read_process_stat(root, pid, s)) return false;
    if (s.parent == job) return true;
    pid = s.parent;
  }
  return false;
}

double job_cpu_ticks(const SysfsRoot& root, pid_t job) { return ticks_under(process_table(root), job); }

double tree_cpu_ticks(const SysfsRoot& root, pid_t pid) {
  const auto table = process_table(root);
  return table.count(pid) ? ticks_under(table, pid) : std::nan("");
}

std::string foreign_gpu_processes(const SysfsRoot& root, const std::vector<Channel>& channels, pid_t job) {
  std::map<std::string, std::string> mine;  // uuid -> the channel's device name
  for (const auto& c : channels)
    if (c.source == "nvml" && c.component == ComponentValue::gpu && !c.uuid.empty()) mine[c.uuid] = c.device;
  if (mine.empty()) return "";
  std::map<std::string, std::string> foreign;  // uuid -> "pid 1, 2"
  for (const auto& p : nvml_compute_processes()) {
    if (!mine.count(p.uuid) || in_job(root, static_cast<pid_t>(p.pid), job)) continue;
    ProcessStat s;
    const bool here = read_process_stat(root, static_cast<pid_t>(p.pid), s);
    std::string& list = foreign[p.uuid];
    list += (list.empty() ? "pid " : ", ") + std::to_string(p.pid) + (here ? "" : " (not in this node's process table)");
  }
  std::string out;
  for (const auto& [uuid, pids] : foreign)
    out += (out.empty() ? "" : "; ") + mine[uuid] + " " + uuid + ": " + pids;
  return out;
}

}  // namespace joulegrid::meters
