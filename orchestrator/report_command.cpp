// `joulegrid report FILE [--format table|csv|json] [--energy gross|net]`:
// the reduction recomputed from the file's rows (snapshot plus journal), so
// it always matches them.

#include <iostream>

#include "io/errors.hpp"
#include "io/report/report.hpp"
#include "io/store/store.hpp"
#include "orchestrator/commands.hpp"
#include "orchestrator/reduce.hpp"

namespace joulegrid {

int report_command(const ReportArgs& args) {
  if (!args.energy.empty() && args.energy != "gross" && args.energy != "net")
    throw InputError("--energy: '" + args.energy + "' is not gross or net");
  const StudyResults results = load_results(args.file);
  write_report(args.format, results, reduce(results, args.energy), std::cout);
  return exit_code::complete;
}

}  // namespace joulegrid
