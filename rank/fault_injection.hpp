#pragma once
// Faults injected into a chosen cell on purpose, so that tests can prove a
// sweep survives them. Set in the environment of the worker (the child
// inherits it):
//   JOULEGRID_INJECT_FAULT=KIND@EPOCH[.BATCH][/CELL][#ATTEMPT][,MORE...]
// KIND: nan (the loss becomes NaN), oom (asks the allocator for an exabyte),
// cuda (libtorch's error for a GPU's illegal memory access, as a CUDA kernel
// raises it), segfault, abort, hang (sleeps forever),
// exit (exit code 7). Each says on stderr what struck before it strikes, so
// the failure's error_tail shows it. BATCH defaults to 1; CELL limits the
// fault to one cell: digits alone are its index, anything with a letter a-f
// a prefix of its id, and id:PREFIX an id prefix of digits alone; ATTEMPT
// to one attempt of it (so a retry can succeed), else every attempt is struck. Several faults are
// separated by commas; the first that applies to a cell is used.

#include <optional>
#include <string>
#include <vector>

namespace joulegrid {

struct FaultPlan {
  std::string kind;
  int epoch = 1;
  long batch = 1;
  std::string cell;  // empty = every cell
  int attempt = 0;   // 0 = every attempt

  bool applies_to(int cell_index, const std::string& cell_id, int cell_attempt = 1) const;
  bool due(int at_epoch, long at_batch) const { return at_epoch == epoch && at_batch == batch; }
  // Does what `kind` says, unless it is nan, oom or cuda (the trainer does those).
  void strike() const;
};

// Parses JOULEGRID_INJECT_FAULT. Throws InputError on a malformed value.
std::vector<FaultPlan> faults_from_environment();
std::optional<FaultPlan> fault_for(int cell_index, const std::string& cell_id, int attempt);
FaultPlan parse_fault(const std::string& text);

}  // namespace joulegrid
