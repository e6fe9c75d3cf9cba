#pragma once
// `joulegrid cell`, the child trainer of a worker rank, as the command line
// starts it: reads the cell on `in_fd`, trains it, speaks the cell protocol
// (protocol.hpp) on `out_fd`, and returns its exit code. Torch-free, so the
// command line does not pull libtorch in; the child itself is
// child_session.cpp, which trains through trainer.hpp.

namespace joulegrid {

int run_cell_child(int in_fd, int out_fd);

}  // namespace joulegrid
