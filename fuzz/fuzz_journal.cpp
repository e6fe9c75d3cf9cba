// Journal replay: any bytes are applied line by line, each line applied or
// rejected with its number and reason; none may crash the reader or escape
// as another error. The grid: the two cells the corpus's lines name.

#include <cstdint>
#include <string>

#include "fuzz/scratch_file.hpp"
#include "io/errors.hpp"
#include "io/store/journal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace joulegrid;
  StudyResults results;
  for (const char* id : {"95c9df6d4df47d14", "20c93f0ec365033e"}) {
    CellRow c;
    c.id = id;
    c.index = static_cast<int>(results.cells.size());
    c.status = StatusValue::pending;
    results.cells.push_back(c);
  }
  try {
    const JournalReplay replay = replay_journal(fuzz::scratch_file("journal", data, size), results);
    if (replay.applied + replay.rejected.size() != replay.lines) __builtin_trap();  // every line accounted for
  } catch (const InputError&) {
  }
  return 0;
}
