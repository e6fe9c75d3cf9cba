#pragma once
// Checks shared by the end-to-end tests of a study's results file.

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "io/records/results.hpp"

namespace joulegrid::testing {

// Every cell done, by exactly one committed run: none lost, none duplicated.
inline void expect_every_cell_done_once(const StudyResults& r) {
  std::map<std::string, int> done;
  for (const auto& run : r.runs) done[run.cell_id] += run.status == "done";
  for (const auto& c : r.cells) {
    EXPECT_EQ(c.status, "done") << c.id;
    EXPECT_EQ(done[c.id], 1) << c.id;
  }
}

}  // namespace joulegrid::testing
