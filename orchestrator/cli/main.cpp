// joulegrid: accuracy per joule of neural architectures, across an MPI job.
#include "orchestrator/cli/cli.hpp"

int main(int argc, char** argv) { return joulegrid::cli_main(argc, argv); }
