#include "io/store/lock.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <thread>
#include <unistd.h>

#include "io/errors.hpp"
#include "io/job.hpp"

namespace joulegrid {

namespace {

std::string holder_line() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string("host ") + host + ", pid " + std::to_string(::getpid()) + ", since " + utc_now() + ", job " +
         job_id() + "\n";
}

std::string read_holder(int fd) {
  char buf[512] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s.empty() ? "a process that has not yet said who it is" : s;
}

std::string this_host() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

// The file system of the folder that holds `path`, and whether the kernel
// lock reaches every node that mounts it.
struct FileSystem {
  std::string name;
  bool lock_reaches_other_nodes = true;
};

FileSystem file_system_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  struct statfs fs {};
  if (::statfs(folder.c_str(), &fs) != 0) return {"unknown (statfs failed)", false};
  switch (static_cast<unsigned long>(fs.f_type)) {
    case 0xEF53: return {"ext4", true};
    case 0x58465342: return {"xfs", true};
    case 0x9123683E: return {"btrfs", true};
    case 0x01021994: return {"tmpfs", true};
    case 0x794C7630: return {"overlayfs", true};
    case 0x2FC12FC1: return {"zfs", true};
    case 0x6969: return {"nfs", false};
    case 0x0BD00BD0: return {"lustre", false};
    case 0x47504653: return {"gpfs", false};
    case 0x19830326: return {"beegfs", false};
    case 0x00C36400: return {"ceph", false};
    case 0xFF534D42: return {"cifs", false};
    case 0xFE534D42: return {"smb2", false};
    case 0x65735546: return {"fuse", false};
    case 0x01021997: return {"9p", false};
    default: {
      char hex[32];
      std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(fs.f_type));
      return {std::string("a file system of type ") + hex, false};
    }
  }
}

}  // namespace

// FILE.lease: made with O_EXCL, which NFS (v3 and later) and the parallel
// file systems honour across nodes, and touched by a thread of its own.
class Lease {
 public:
  Lease(std::string path, const std::string& results_path) : path_(std::move(path)) {
    for (int tries = 0;; ++tries) {
      const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd >= 0) {
        const bool written =
            ::write(fd, line_.data(), line_.size()) == static_cast<ssize_t>(line_.size()) && ::fsync(fd) == 0;
        ::close(fd);
        if (!written) {
          ::unlink(path_.c_str());
          throw InputError(path_ + ": cannot write the lease that keeps a second run off " + results_path + ": " +
                           std::strerror(errno) + " (nothing was changed)");
        }
        break;
      }
      if (errno != EEXIST || tries > 0)
        throw InputError(path_ + ": cannot create the lease that keeps a second run off " + results_path + ": " +
                         std::strerror(errno) + " (nothing was changed)");
      const std::string holder = read_lease(path_);
      struct stat st {};
      const double age = ::stat(path_.c_str(), &st) == 0 ? std::difftime(std::time(nullptr), st.st_mtime) : 1e9;
      if (age <= kLeaseStaleSeconds && !holder_gone(holder))
        throw InputError(results_path + ": another joulegrid is writing this results file (" + holder + "; lease " +
                         path_ + ", touched " + std::to_string(static_cast<long>(age)) + " s ago); wait for it to " +
                         "end or stop it, then --resume (a lease untouched for " + std::to_string(kLeaseStaleSeconds) +
                         " s is stale and taken over; nothing was changed)");
      taken_over_ = holder + (age > kLeaseStaleSeconds ? ", untouched for " + std::to_string(static_cast<long>(age)) + " s"
                                                       : ", a process of this host that is gone");
      ::unlink(path_.c_str());  // then O_EXCL again: of two takers, one wins
    }
    thread_ = std::thread([this] { beat(); });
  }
  ~Lease() {
    {
      std::lock_guard<std::mutex> g(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (!lost_) ::unlink(path_.c_str());
  }
  bool lost() const { return lost_; }
  const std::string& taken_over() const { return taken_over_; }

 private:
  static std::string read_lease(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "a writer that has not yet said who it is";
    const std::string s = read_holder(fd);
    ::close(fd);
    return s;
  }
  // "host H, pid P, …" of this host, whose process no longer runs.
  static bool holder_gone(const std::string& holder) {
    const std::string prefix = "host " + this_host() + ", pid ";
    if (holder.rfind(prefix, 0) != 0) return false;
    const long pid = std::atol(holder.c_str() + prefix.size());
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
  }
  void beat() {
    std::unique_lock<std::mutex> g(m_);
    while (!cv_.wait_for(g, std::chrono::seconds(kLeaseBeatSeconds), [this] { return stop_; })) {
      // Gone, or another holder's now: this writer stalled past the stale time and was taken over.
      if (read_lease(path_) != trimmed(line_) || ::utimensat(AT_FDCWD, path_.c_str(), nullptr, 0) != 0) {
        lost_ = true;
        return;
      }
    }
  }

  std::string path_;
  std::string line_ = holder_line();  // what this writer wrote in it: another's means it was taken over
  std::string taken_over_;
  std::thread thread_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> lost_{false};

  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
};

std::string lock_path(const std::string& results_path) { return results_path + ".lock"; }
std::string lease_path(const std::string& results_path) { return results_path + ".lease"; }

ResultsLock::ResultsLock(const std::string& results_path) : path_(lock_path(results_path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw InputError(path_ + ": cannot create the lock that keeps a second run off " + results_path + ": " +
                     std::strerror(errno));
  struct flock whole{};
  whole.l_type = F_WRLCK;
  whole.l_whence = SEEK_SET;  // l_start = l_len = 0: the whole file
  if (::fcntl(fd_, F_OFD_SETLK, &whole) != 0) {
    const int err = errno;
    const std::string holder = (err == EAGAIN || err == EACCES) ? read_holder(fd_) : "";
    ::close(fd_);
    fd_ = -1;
    if (err == EAGAIN || err == EACCES)
      throw InputError(results_path + ": another joulegrid is writing this results file (" + holder + "; lock " +
                       path_ + "); wait for it to end or stop it, then --resume (nothing was changed)");
    throw InputError(path_ + ": cannot lock: " + std::strerror(err) +
                     " (the file system must support fcntl locks; nothing was changed)");
  }
  const std::string me = holder_line();
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
    // Who holds it is for messages only: the lock holds without it.
  }
  const FileSystem fs = file_system_of(results_path);
  const char* choice = std::getenv("JOULEGRID_RESULTS_LEASE");
  const std::string forced = choice ? choice : "";
  const bool lease = forced == "always" || (forced != "never" && !fs.lock_reaches_other_nodes);
  guard_ = "a kernel lock on " + path_ + " (" + fs.name + (fs.lock_reaches_other_nodes ? "" : ", where it may not reach other nodes") + ")";
  if (!lease) {
    if (!fs.lock_reaches_other_nodes)
      guard_ += "; JOULEGRID_RESULTS_LEASE=never: no lease, so a writer on another node would not be kept off";
    return;
  }
  try {
    lease_ = std::make_unique<Lease>(lease_path(results_path), results_path);
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
  guard_ += " and the lease " + lease_path(results_path) + ", which works across nodes (touched every " +
            std::to_string(kLeaseBeatSeconds) + " s" + (forced == "always" ? ", JOULEGRID_RESULTS_LEASE=always" : "") + ")";
  if (!lease_->taken_over().empty()) guard_ += "; it took over a stale lease of " + lease_->taken_over();
}

ResultsLock::ResultsLock(ResultsLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), guard_(std::move(other.guard_)), lease_(std::move(other.lease_)) {
  other.fd_ = -1;
}

ResultsLock::~ResultsLock() {
  lease_.reset();
  if (fd_ >= 0) ::close(fd_);  // closing the description releases the lock
}

bool ResultsLock::intact() const { return !lease_ || !lease_->lost(); }

}  // namespace joulegrid
