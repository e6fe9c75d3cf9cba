#pragma once
// Report writers, chosen by name (ReportFormat), writing to an injected
// stream. They only format: every figure they print is the reduction's
// (io/records/reduction.hpp), and every energy carries its unit and its
// method in words.
//   table       the paper's tables for people (console)     report_table.cpp
//   csv         one tidy row per cell (its settled run)      report_csv.cpp
//   csv-epochs  one tidy row per epoch of every settled run  report_csv.cpp
//   json        the study, nodes, cells and reduced tables   report_json.cpp
//   html        one self-contained page (html.hpp)           html_*.cpp

#include <ostream>
#include <string>
#include <vector>

#include "io/records/reduction.hpp"

namespace joulegrid {

const std::vector<std::string>& report_formats();
// Throws InputError for an unknown format (naming the known ones).
void write_report(const std::string& format, const Reduction& reduction, std::ostream& out);

// The report written to `path` whole (rendered in memory, PATH.tmp renamed
// over it): an older report there is replaced entirely or not at all.
// Returns its size in bytes; throws InputError naming the path.
size_t write_report_file(const std::string& format, const Reduction& reduction, const std::string& path);
// Where `run` puts the reports of the spec's [report] formats: beside the
// results file, RESULTS-stem.html, .csv, .epochs.csv, .json.
std::string report_path(const std::string& results_path, const std::string& format);

// A comparison's matched cells in words, for every writer that prints
// them: "11 (10 tested; 1 equally efficient, no sign; 0 without a finite
// efficiency)", or just "11" when the test used every one.
std::string matched_cells_in_words(const ComparisonRow& c);

// What a report prints for a bootstrap interval that does not exist: every
// (criterion, size) stratum had one run, so there was no spread to resample.
inline constexpr const char* kNoInterval = "none (one run per criterion and size)";

// One writer per format.
void write_table(const Reduction& reduction, std::ostream& out);
void write_csv(const Reduction& reduction, std::ostream& out);
void write_csv_epochs(const Reduction& reduction, std::ostream& out);
void write_json(const Reduction& reduction, std::ostream& out);
void write_html(const Reduction& reduction, std::ostream& out);

}  // namespace joulegrid
