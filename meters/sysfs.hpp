#pragma once
// Every file a meter reads lives under a root that tests can redirect
// (--sysfs-root, JOULEGRID_SYSFS_ROOT), so a fake /sys and /proc can stand in.

#include <optional>
#include <string>
#include <vector>

namespace joulegrid::meters {

class SysfsRoot {
 public:
  explicit SysfsRoot(std::string root = "") : root_(std::move(root)) {}
  // The root from JOULEGRID_SYSFS_ROOT, or "" (the real /).
  static SysfsRoot from_environment();

  std::string path(const std::string& absolute) const { return root_ + absolute; }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

// The first line of a small file, trimmed; nullopt when it cannot be read.
std::optional<std::string> read_text(const std::string& path);
// An unsigned integer file, read with one pread on a kept-open descriptor.
class CounterFile {
 public:
  explicit CounterFile(const std::string& path);
  ~CounterFile();
  CounterFile(const CounterFile&) = delete;
  CounterFile& operator=(const CounterFile&) = delete;
  CounterFile(CounterFile&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  bool ok() const { return fd_ >= 0; }
  // NaN on failure.
  double read() const;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// Entries of a folder whose names start with `prefix`, sorted.
std::vector<std::string> list_dir(const std::string& dir, const std::string& prefix = "");

}  // namespace joulegrid::meters
