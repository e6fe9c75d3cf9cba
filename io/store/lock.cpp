#include "io/store/lock.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
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

}  // namespace

std::string lock_path(const std::string& results_path) { return results_path + ".lock"; }

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
}

ResultsLock::ResultsLock(ResultsLock&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

ResultsLock::~ResultsLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the description releases the lock
}

}  // namespace joulegrid
