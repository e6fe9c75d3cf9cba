// `joulegrid report FILE [--format table|csv|csv-epochs|json|html]
// [--energy gross|net] [-o OUT]`: the reduction recomputed from the file's
// rows (snapshot plus journal), so it always matches them.

#include <iostream>

#include "io/errors.hpp"
#include "io/report/report.hpp"
#include "io/store/store.hpp"
#include "orchestrator/cli/commands.hpp"
#include "orchestrator/reduce/baseline.hpp"
#include "orchestrator/reduce/reduce.hpp"

namespace joulegrid {

int report_command(const ReportArgs& args) {
  if (!args.energy.empty() && !EnergyBasis::find(args.energy))
    throw InputError("--energy: '" + args.energy + "' is not " + EnergyBasis::known());
  if (!args.output.empty() && args.output == args.file)
    throw InputError("-o " + args.output + ": that is the results file; choose another name (nothing was written)");
  if (args.repair_journal)
    if (const std::string done = repair_journal(args.file); !done.empty()) std::cerr << "joulegrid: " << done << "\n";
  std::string note;
  const StudyResults results = load_results(args.file, &note);
  if (!note.empty()) std::cerr << "joulegrid: note: " << note << "\n";
  const EnergyBasis basis = args.energy.empty() ? results.meta.report_energy : EnergyBasis(args.energy);
  if (basis == EnergyBasisValue::net)
    if (const std::string nodes = reduction::missing_idle_baseline(results); !nodes.empty())
      throw InputError((args.energy.empty() ? args.file + ": its [report] energy = \"net\"" : "--energy net") +
                       ": node " + nodes + " measured no idle power ([meters] idle_seconds = 0), so there is no "
                       "net energy to report; report the gross energy (--energy gross)");
  if (args.output.empty()) {
    write_report(args.format, reduce(results, args.energy), std::cout);
    return exit_code::complete;
  }
  const size_t bytes = write_report_file(args.format, reduce(results, args.energy), args.output);
  std::cout << args.format << " report of " << args.file << " written to " << args.output << " ("
            << (bytes + 1023) / 1024 << " KiB)\n";
  return exit_code::complete;
}

}  // namespace joulegrid
