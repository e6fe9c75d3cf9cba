#include "meters/sysfs.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace joulegrid::meters {

SysfsRoot SysfsRoot::from_environment() {
  const char* v = std::getenv("JOULEGRID_SYSFS_ROOT");
  return SysfsRoot(v ? v : "");
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line;
}

CounterFile::CounterFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ >= 0 && std::isnan(read())) {  // sysfs can open a file it then refuses to read
    ::close(fd_);
    fd_ = -1;
  }
}

CounterFile::~CounterFile() {
  if (fd_ >= 0) ::close(fd_);
}

double CounterFile::read() const {
  char buf[32];
  const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
  if (n <= 0) return std::nan("");
  buf[n] = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(buf, &end, 10);
  if (end == buf) return std::nan("");
  return static_cast<double>(v);
}

std::vector<std::string> list_dir(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != ".." && name.compare(0, prefix.size(), prefix) == 0) names.push_back(name);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace joulegrid::meters
