#include "rank/fault_injection.hpp"

#include <csignal>
#include <cstdlib>
#include <regex>
#include <thread>
#include <unistd.h>

#include "io/errors.hpp"

namespace joulegrid {

bool FaultPlan::applies_to(int cell_index, const std::string& cell_id, int cell_attempt) const {
  if (attempt > 0 && attempt != cell_attempt) return false;
  if (cell.empty()) return true;
  // Digits alone are an index, never also the ids that start with them.
  if (cell.find_first_not_of("0123456789") == std::string::npos) return cell == std::to_string(cell_index);
  const std::string prefix = cell.rfind("id:", 0) == 0 ? cell.substr(3) : cell;
  return cell_id.rfind(prefix, 0) == 0;
}

void FaultPlan::strike() const {
  // Said on stderr first, so that the failure's error_tail tells what struck.
  const std::string said = "joulegrid trainer: injected fault " + kind + " at epoch " + std::to_string(epoch) +
                           " batch " + std::to_string(batch) + " (JOULEGRID_INJECT_FAULT)\n";
  if (::write(STDERR_FILENO, said.data(), said.size()) < 0) {
  }
  if (kind == "segfault") std::raise(SIGSEGV);
  if (kind == "abort") std::abort();
  if (kind == "exit") ::_exit(7);
  if (kind == "hang")
    while (true) std::this_thread::sleep_for(std::chrono::hours(1));
}

FaultPlan parse_fault(const std::string& text) {
  static const std::regex form(
      R"(^(nan|oom|cuda|segfault|abort|hang|exit)@([0-9]+)(\.([0-9]+))?(/((id:)?[0-9a-f]+))?(#([0-9]+))?$)");
  std::smatch m;
  if (!std::regex_match(text, m, form))
    throw InputError("JOULEGRID_INJECT_FAULT: '" + text +
                     "' is not KIND@EPOCH[.BATCH][/CELL][#ATTEMPT] with KIND nan, oom, cuda, segfault, abort, hang or exit "
                     "and CELL an index, an id prefix with a letter a-f, or id:PREFIX");
  FaultPlan f;
  f.kind = m[1];
  f.epoch = std::stoi(m[2]);
  if (m[4].matched) f.batch = std::stol(m[4]);
  if (m[6].matched) f.cell = m[6];
  if (m[9].matched) f.attempt = std::stoi(m[9]);
  return f;
}

std::vector<FaultPlan> faults_from_environment() {
  std::vector<FaultPlan> faults;
  const char* v = std::getenv("JOULEGRID_INJECT_FAULT");
  if (!v || !*v) return faults;
  const std::string text = v;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    faults.push_back(parse_fault(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return faults;
}

std::optional<FaultPlan> fault_for(int cell_index, const std::string& cell_id, int attempt) {
  for (const auto& f : faults_from_environment())
    if (f.applies_to(cell_index, cell_id, attempt)) return f;
  return std::nullopt;
}

}  // namespace joulegrid
