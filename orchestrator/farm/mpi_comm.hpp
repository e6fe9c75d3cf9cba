#pragma once
// The MPI transport. Blocking MPI receives busy-poll and would burn a core
// (and the CPU energy of the node being measured), so receive() probes and
// sleeps instead. Only the main thread calls MPI (MPI_THREAD_FUNNELED).

#include <memory>
#include <string>

#include "rank/comm.hpp"

namespace joulegrid {

// True when a launcher (mpirun, srun) started this process.
bool launched_by_mpi();

// The MPI library's first line about itself ("Open MPI v4.1.4, ..."); MPI
// allows asking before MPI_Init.
std::string mpi_library_version();

class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  Comm& world();
  // The worker ranks on this node (rank 0 takes no part); collective over the world.
  std::unique_ptr<NodeGroup> node_group(const std::string& node_name);

 private:
  std::unique_ptr<Comm> world_;
};

}  // namespace joulegrid
