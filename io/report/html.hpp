#pragma once
// The HTML report (`joulegrid report FILE --format html -o report.html`):
// one self-contained page, docs/report.md describes what it shows.

#include <ostream>

#include "io/report/reduction.hpp"
#include "io/store/results.hpp"

namespace joulegrid {

void write_html(const StudyResults& results, const Reduction& reduction, std::ostream& out);

}  // namespace joulegrid
