#pragma once
// One writer a results file: whoever writes FILE (a run, a resume, a
// journal repair) holds an exclusive lock on FILE.lock for as long as it
// writes. The lock is the kernel's (an open file description lock, fcntl
// F_OFD_SETLK), so it goes with the process on every exit — a crash, a
// kill -9, a node that reboots — and a stale FILE.lock left behind never
// blocks a requeued job. The file itself says who holds it (host, pid,
// start time, job) for the message the next writer gets. Children spawned
// by the holder do not inherit it (O_CLOEXEC).

#include <string>

namespace joulegrid {

class ResultsLock {
 public:
  // Throws InputError naming the holder when another process holds it, or
  // when FILE.lock cannot be created (a read-only folder).
  explicit ResultsLock(const std::string& results_path);
  ResultsLock(ResultsLock&& other) noexcept;
  ResultsLock& operator=(ResultsLock&&) = delete;
  ResultsLock(const ResultsLock&) = delete;
  ~ResultsLock();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

std::string lock_path(const std::string& results_path);

}  // namespace joulegrid
