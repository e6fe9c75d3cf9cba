// `joulegrid merge A.h5 B.h5 … -o ALL.h5`: replication studies of one grid,
// run as separate jobs on different hardware, in one file whose report puts
// the nodes side by side. The inputs are only read.

#include <iostream>

#include "io/store/merge.hpp"
#include "io/store/store.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/reduce/reduce.hpp"

namespace joulegrid {

int merge_command(const MergeArgs& args) {
  std::vector<SampleSource> samples;
  const StudyResults merged = merge_results(args.files, &samples);
  write_new_results(args.output, merged, reduce_for_file, samples);
  size_t settled = 0;
  for (const auto& [cell, runs] : merged.settled()) settled += runs.size();
  std::cout << "merged " << args.files.size() << " studies of " << merged.cells.size() << " cells ("
            << settled << " settled runs, " << merged.nodes.size() << " nodes) into " << args.output << "\n"
            << "report: joulegrid report " << args.output << "\n";
  return exit_code::complete;
}

}  // namespace joulegrid
