#pragma once
// Report writers, chosen by name, writing to an injected stream:
//   table  the paper's tables for people (console)
//   csv    one tidy row per cell, for pandas and R
//   json   an object with the study, nodes, cells and every reduced table
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

// "measured by energy counters", "integrated from power readings", "estimated (not measured)", ...
std::string method_in_words(const std::string& method);

}  // namespace joulegrid
