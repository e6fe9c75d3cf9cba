#pragma once
// A worker rank's life (ARCHITECTURE §3): wait for the study from rank 0,
// open this node's meters, measure the idle baseline with the other ranks
// of the node, calibrate (the node's leader), say HELLO, then ask for cells,
// train each in a child process while forwarding its epochs, and report
// the result — until rank 0 says STOP.

#include <string>

#include "rank/comm.hpp"

namespace joulegrid {

// The node's name: JOULEGRID_NODE_NAME when set (containers, tests that
// simulate several nodes on one machine), else the host name.
std::string node_name();

void run_worker(Comm& comm, NodeGroup& node);

}  // namespace joulegrid
