#pragma once
// Report writers, chosen by name, writing to an injected stream:
//   table  the paper's tables for people (console)
//   csv         one tidy row per cell (its settled run), for pandas and R
//   csv-epochs  one tidy row per epoch of every settled run
//   json        an object with the study, nodes, cells and every reduced table
//   html        one self-contained page with figures and statistics (html.hpp)
// Every energy carries its unit and its method in words.

#include <ostream>
#include <string>
#include <vector>

#include "io/report/reduction.hpp"
#include "io/store/results.hpp"

namespace joulegrid {

const std::vector<std::string>& report_formats();
// Throws InputError for an unknown format (naming the known ones).
void write_report(const std::string& format, const StudyResults& results, const Reduction& reduction,
                  std::ostream& out);

// The report written to `path` whole (rendered in memory, PATH.tmp renamed
// over it): an older report there is replaced entirely or not at all.
// Returns its size in bytes; throws InputError naming the path.
size_t write_report_file(const std::string& format, const StudyResults& results, const Reduction& reduction,
                         const std::string& path);
// Where `run` puts the reports of the spec's [report] formats: beside the
// results file, RESULTS-stem.html, .csv, .epochs.csv, .json.
std::string report_path(const std::string& results_path, const std::string& format);

// "measured by energy counters", "integrated from power readings", "estimated (not measured)", ...
std::string method_in_words(const std::string& method);

}  // namespace joulegrid
