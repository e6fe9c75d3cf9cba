#include "rank/fault_injection.hpp"

#include <csignal>
#include <cstdlib>
#include <regex>
#include <thread>
#include <unistd.h>

#include "io/errors.hpp"

namespace joulegrid {

bool FaultPlan::applies_to(int cell_index, const std::string& cell_id) const {
  return cell.empty() || cell == std::to_string(cell_index) || cell_id.rfind(cell, 0) == 0;
}

void FaultPlan::strike() const {
  if (kind == "segfault") std::raise(SIGSEGV);
  if (kind == "abort") std::abort();
  if (kind == "exit") ::_exit(7);
  if (kind == "hang")
    while (true) std::this_thread::sleep_for(std::chrono::hours(1));
}

FaultPlan parse_fault(const std::string& text) {
  static const std::regex form(R"(^(nan|oom|segfault|abort|hang|exit)@([0-9]+)(\.([0-9]+))?(/([0-9a-f]+))?$)");
  std::smatch m;
  if (!std::regex_match(text, m, form))
    throw InputError("JOULEGRID_INJECT_FAULT: '" + text +
                     "' is not KIND@EPOCH[.BATCH][/CELL] with KIND nan, oom, segfault, abort, hang or exit");
  FaultPlan f;
  f.kind = m[1];
  f.epoch = std::stoi(m[2]);
  if (m[4].matched) f.batch = std::stol(m[4]);
  if (m[6].matched) f.cell = m[6];
  return f;
}

std::optional<FaultPlan> fault_from_environment() {
  const char* v = std::getenv("JOULEGRID_INJECT_FAULT");
  if (!v || !*v) return std::nullopt;
  return parse_fault(v);
}

}  // namespace joulegrid
