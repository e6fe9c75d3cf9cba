#pragma once
// One writer a results file: whoever writes FILE (a run, a resume, a
// journal repair) holds an exclusive lock on FILE.lock for as long as it
// writes. The lock is the kernel's (an open file description lock, fcntl
// F_OFD_SETLK), so it goes with the process on every exit — a crash, a
// kill -9, a node that reboots — and a stale FILE.lock left behind never
// blocks a requeued job. The file itself says who holds it (host, pid,
// start time, job) for the message the next writer gets. Children spawned
// by the holder do not inherit it (O_CLOEXEC).
//
// Where the folder's file system may not carry the lock to other nodes
// (NFS without its lock service, Lustre mounted with localflock, FUSE,
// SMB, …: statfs tells), a second guard works across nodes: FILE.lease,
// made with O_EXCL, naming its holder, its time touched every
// kLeaseBeatSeconds by the writer. A lease not touched for
// kLeaseStaleSeconds, or whose holder is a process of this host that is
// gone, is stale and taken over (the log says so). JOULEGRID_RESULTS_LEASE
// = always | never overrides the choice.

#include <memory>
#include <string>

namespace joulegrid {

inline constexpr int kLeaseBeatSeconds = 10;
inline constexpr int kLeaseStaleSeconds = 60;

class Lease;

class ResultsLock {
 public:
  // Throws InputError naming the holder when another process holds it, or
  // when FILE.lock (or FILE.lease) cannot be created (a read-only folder).
  explicit ResultsLock(const std::string& results_path);
  ResultsLock(ResultsLock&& other) noexcept;
  ResultsLock& operator=(ResultsLock&&) = delete;
  ResultsLock(const ResultsLock&) = delete;
  ~ResultsLock();

  const std::string& path() const { return path_; }
  // Which guard is in force, for the log: "a kernel lock on FILE.lock (ext4:
  // …)", or that and the lease, and why.
  const std::string& guard() const { return guard_; }
  // False once the lease was found taken over (this writer stalled past
  // kLeaseStaleSeconds): nothing more may be committed.
  bool intact() const;

 private:
  std::string path_;
  int fd_ = -1;
  std::string guard_;
  std::unique_ptr<Lease> lease_;
};

std::string lock_path(const std::string& results_path);
std::string lease_path(const std::string& results_path);

}  // namespace joulegrid
