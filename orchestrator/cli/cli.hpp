#pragma once
// The command line: subcommands, exit codes (ARCHITECTURE §7), logging setup.

namespace joulegrid {

int cli_main(int argc, char** argv);

}  // namespace joulegrid
