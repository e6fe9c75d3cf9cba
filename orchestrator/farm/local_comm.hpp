#pragma once
// The in-process transport: when joulegrid runs without mpirun, rank 0's
// scheduler and one worker (on its own thread) talk through two mailboxes,
// so a single process runs exactly the code a cluster runs.

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "rank/comm.hpp"

namespace joulegrid {

class LocalHub {
 public:
  explicit LocalHub(int size);
  std::unique_ptr<Comm> endpoint(int rank);

 private:
  friend class LocalComm;
  struct Mailbox {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Message> messages;
  };
  std::vector<std::unique_ptr<Mailbox>> boxes_;
};

}  // namespace joulegrid
