#include "io/store/journal.hpp"
#include "io/store/durable.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <fstream>
#include <map>
#include <optional>
#include <thread>
#include <tuple>
#include <unistd.h>
#include <unordered_map>

#include "io/errors.hpp"
#include "io/store/crc.hpp"

namespace joulegrid {

namespace {

using nlohmann::json;

// fn(0) … fn(n − 1) on every core (at most 8), in contiguous slices: JSON
// parsing is most of a resume.
template <class Fn>
void parallel_for(size_t n, const Fn& fn) {
  const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  const size_t per = (n + workers - 1) / workers;
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers && w * per < n; ++w)
    threads.emplace_back([&, w] {
      for (size_t i = w * per; i < std::min(n, (w + 1) * per); ++i) fn(i);
    });
  for (auto& t : threads) t.join();
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// One attempt recorded twice: the snapshot and a journal line it was not
// yet truncated of (a kill between the two) carry the same record.
bool same_attempt(const RunResult& a, const RunResult& b) {
  return a.status == b.status && a.node == b.node && a.rank == b.rank && same(a.started_unix_s, b.started_unix_s) &&
         same(a.energy_j, b.energy_j) && a.epochs == b.epochs;
}

constexpr const char kCrcKey[] = ",\"crc32c\":\"";   // then 8 hex digits and "}
constexpr const char kStudyKey[] = ",\"study\":\"";
constexpr size_t kCrcTail = sizeof kCrcKey - 1 + 8 + 2;

std::string hex8(uint32_t v) {
  char s[9];
  std::snprintf(s, sizeof s, "%08x", v);
  return s;
}

// What a line's checksum says: none (an older line), it holds (with the
// study it names), or it does not.
struct LineCheck {
  enum Kind { none, holds, broken } kind = none;
  std::string study;
};

LineCheck check_line(const std::string& line) {
  LineCheck c;
  const size_t n = line.size();
  if (n < kCrcTail || line.compare(n - kCrcTail, sizeof kCrcKey - 1, kCrcKey) != 0 || line[n - 2] != '"' ||
      line[n - 1] != '}') {
    if (line.find("\"crc32c\"") != std::string::npos) c.kind = LineCheck::broken;  // cut or glued
    return c;
  }
  const std::string body = line.substr(0, n - kCrcTail);
  const std::string stated = line.substr(n - 10, 8);
  c.kind = hex8(crc32c_of(body.data(), body.size())) == stated ? LineCheck::holds : LineCheck::broken;
  const size_t at = body.rfind(kStudyKey);
  if (c.kind == LineCheck::holds && at != std::string::npos && body.back() == '"')
    c.study = body.substr(at + sizeof kStudyKey - 1, body.size() - 1 - (at + sizeof kStudyKey - 1));
  return c;
}

// The whole good line at the end of a damaged one (a line torn by a crash
// and the next line written after it), or "".
std::string good_line_within(const std::string& line) {
  for (const char* start : {"{\"node\":", "{\"run\":"})  // an entry's first member (its keys are sorted)
    for (size_t at = line.find(start, 1); at != std::string::npos; at = line.find(start, at + 1)) {
      const std::string rest = line.substr(at);
      if (check_line(rest).kind == LineCheck::holds) return rest;
    }
  return "";
}

std::string where_from(size_t line) { return line == 0 ? "the snapshot" : "line " + std::to_string(line); }

// What is already known of each attempt and each settled cell, so that a
// later line can be checked against it.
struct Seen {
  using Attempt = std::tuple<std::string, int, int>;  // cell, replica, attempt
  std::map<Attempt, std::pair<const RunResult*, size_t>> attempts;           // → the record, its line (0: snapshot)
  std::map<std::pair<std::string, int>, std::pair<int, size_t>> settled;     // (cell, replica) → attempt, line
};

}  // namespace

std::string journal_line(const json& entry, const std::string& study_id) {
  std::string body = entry.dump();
  body.pop_back();  // the closing brace: the study and the checksum go inside the object
  body += kStudyKey + study_id + "\"";
  return body + kCrcKey + hex8(crc32c_of(body.data(), body.size())) + "\"}\n";
}

JournalReplay replay_journal(const std::string& journal, StudyResults& results) {
  JournalReplay out;
  struct stat st {};
  if (::stat(journal.c_str(), &st) != 0) {
    if (errno == ENOENT) return out;  // no journal: nothing committed since the snapshot
    throw InputError(journal + ": cannot read the journal: " + std::strerror(errno) +
                     " (it holds the commits since the last snapshot; nothing was read)");
  }
  if (!S_ISREG(st.st_mode))
    throw InputError(journal + ": the journal is not a file (a folder, or a device, stands where it should be); "
                     "nothing was read");
  std::ifstream in(journal, std::ios::binary);
  if (!in)
    throw InputError(journal + ": cannot open the journal: " + std::strerror(errno) +
                     " (it holds the commits since the last snapshot; nothing was read)");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (in.eof()) {  // no newline: a torn write, never committed
      out.torn_tail = true;
      break;
    }
    out.complete_bytes += static_cast<off_t>(line.size() + 1);
    lines.push_back(std::move(line));
  }
  out.lines = lines.size();

  // Parsed and converted on every core, applied in journal order.
  std::vector<json> entries(lines.size());
  std::vector<std::optional<RunResult>> runs(lines.size());
  std::vector<std::optional<NodeRecord>> nodes(lines.size());
  std::vector<std::string> problems(lines.size()), salvaged(lines.size());
  std::vector<LineCheck> checks(lines.size());
  parallel_for(lines.size(), [&](size_t i) {
    if (lines[i].find_first_not_of(" \t\r") == std::string::npos) {
      problems[i] = "a blank line, which joulegrid never writes";
      return;
    }
    checks[i] = check_line(lines[i]);
    if (checks[i].kind == LineCheck::broken) {
      problems[i] = "its checksum does not hold (damaged bytes, or a line cut short)";
      salvaged[i] = good_line_within(lines[i]);
      if (!salvaged[i].empty())
        problems[i] += "; it ends with a whole good line, glued on after a torn one: a repair keeps that";
      return;
    }
    entries[i] = json::parse(lines[i], nullptr, false);
    if (entries[i].is_discarded() || !entries[i].is_object()) {
      problems[i] = "not a journal entry (not a JSON object: overwritten or damaged bytes, or a write torn by "
                    "a crash and followed by later ones)";
      return;
    }
    try {
      const std::string type = entries[i].value("type", "");
      if (type == "run") runs[i] = entries[i].at("run").get<RunResult>();
      else if (type == "node") nodes[i] = entries[i].at("node").get<NodeRecord>();
      else problems[i] = "an entry of unknown type \"" + type + "\" (known: run, node)";
    } catch (const std::exception& ex) {  // json::exception, or a field that does not read
      problems[i] = std::string("an entry that does not read: ") + ex.what();
    }
  });

  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < results.cells.size(); ++i) index[results.cells[i].id] = i;
  Seen seen;
  // results.runs is not touched until the end: the pointers hold.
  for (const auto& r : results.runs) {
    seen.attempts[{r.cell_id, r.replica, r.attempt}] = {&r, 0};
    if (r.settles_cell) seen.settled[{r.cell_id, r.replica}] = {r.attempt, 0};
  }
  std::vector<RunResult> journal_runs;
  journal_runs.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t number = i + 1;
    auto reject = [&](std::string why) { out.rejected.push_back({number, lines[i], std::move(why)}); };
    if (!problems[i].empty()) {
      reject(problems[i]);
      if (!salvaged[i].empty()) out.kept.push_back(salvaged[i]);  // applied by the replay after the repair
      continue;
    }
    if (checks[i].kind == LineCheck::none) {
      if (!results.meta.study_id.empty()) {
        reject("no checksum, which every line of this study's journal carries");
        continue;
      }
      ++out.unchecked;
    } else if (results.meta.study_id.empty()) {
      results.meta.study_id = checks[i].study;  // a file from before ids, or rebuilt from its journal
    } else if (checks[i].study != results.meta.study_id) {
      reject("a line of another study (" + (checks[i].study.empty() ? std::string("no id") : checks[i].study) +
             "; this file's is " + results.meta.study_id + "): appended from another results file?");
      continue;
    }
    if (nodes[i]) {  // the same measurement again replaces it (its leader's record after another rank's)
      if (const std::string problem = nodes[i]->calibration_problem(); !problem.empty()) {
        reject("node " + nodes[i]->key() + ": " + problem);
        continue;
      }
      const auto same = std::find_if(results.nodes.begin(), results.nodes.end(),
                                     [&](const NodeRecord& n) { return same_measurement(n, *nodes[i]); });
      if (same == results.nodes.end()) results.nodes.push_back(*nodes[i]);
      else *same = *nodes[i];
      out.kept.push_back(lines[i]);
      ++out.applied;
      continue;
    }
    const RunResult& run = *runs[i];
    const auto cell = index.find(run.cell_id);
    if (cell == index.end()) {
      reject("a run of cell " + run.cell_id + ", which is not in this file's grid");
      continue;
    }
    if (const std::string problem = stored_twice_problem(run); !problem.empty()) {
      reject("attempt " + std::to_string(run.attempt) + " of cell " + run.cell_id + ": " + problem);
      continue;
    }
    if (run.attempt < 1 || run.attempt > std::max(1, results.meta.max_attempts)) {
      reject("attempt " + std::to_string(run.attempt) + " of cell " + run.cell_id + ", beyond the study's " +
             std::to_string(results.meta.max_attempts) + " attempts a cell (max_attempts)");
      continue;
    }
    const Seen::Attempt key{run.cell_id, run.replica, run.attempt};
    if (const auto it = seen.attempts.find(key); it != seen.attempts.end()) {
      if (same_attempt(*it->second.first, run)) {  // already in the snapshot, or written twice
        out.kept.push_back(lines[i]);
        ++out.applied;
      } else {
        reject("attempt " + std::to_string(run.attempt) + " of cell " + run.cell_id +
               " recorded a second time with other figures (the first: " + where_from(it->second.second) +
               "); two runs wrote this file at once?");
      }
      continue;
    }
    if (const auto it = seen.settled.find({run.cell_id, run.replica}); it != seen.settled.end()) {
      reject("attempt " + std::to_string(run.attempt) + " of cell " + run.cell_id + ", which attempt " +
             std::to_string(it->second.first) + " already settled (" + where_from(it->second.second) +
             "): it would replace that result");
      continue;
    }
    journal_runs.push_back(std::move(*runs[i]));  // reserved: no pointer into it moves
    const RunResult& kept = journal_runs.back();
    seen.attempts[key] = {&kept, number};
    if (kept.settles_cell) seen.settled[{kept.cell_id, kept.replica}] = {kept.attempt, number};
    CellRow& c = results.cells[cell->second];
    c.attempts = std::max(c.attempts, kept.attempt);
    if (kept.settles_cell) c.status = kept.status;
    out.kept.push_back(lines[i]);
    ++out.applied;
  }
  for (auto& r : journal_runs) results.runs.push_back(std::move(r));
  return out;
}

std::string rejected_message(const std::string& journal, const JournalReplay& replay) {
  const RejectedLine& first = replay.rejected.front();
  std::string s = journal + ":" + std::to_string(first.line) + ": " + first.reason;
  if (replay.rejected.size() > 1) {
    s += "; " + std::to_string(replay.rejected.size()) + " of its " + std::to_string(replay.lines) +
         " lines are bad (lines";
    for (size_t k = 0; k < replay.rejected.size() && k < 10; ++k) s += " " + std::to_string(replay.rejected[k].line);
    s += replay.rejected.size() > 10 ? " …)" : ")";
  }
  return s + ". Nothing was changed. Pass --repair-journal to move the bad lines to " + journal +
         ".rejected and keep every good one";
}

namespace {

void write_all(int fd, const std::string& text, const std::string& path) {
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw InputError(path + ": cannot write: " + std::strerror(errno) + " (the journal is unchanged)");
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) throw InputError(path + ": cannot sync: " + std::strerror(errno) + " (the journal is unchanged)");
}

}  // namespace

std::string move_rejected_aside(const std::string& journal, const JournalReplay& replay) {
  const std::string aside = journal + ".rejected", tmp = journal + ".tmp";
  std::string rejected;
  for (const auto& r : replay.rejected)
    rejected += "# line " + std::to_string(r.line) + ": " + r.reason + "\n" + r.text + "\n";
  int fd = ::open(aside.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(aside + ": cannot open: " + std::strerror(errno) + " (the journal is unchanged)");
  try {
    write_all(fd, rejected, aside);
  } catch (...) {
    ::close(fd);
    throw;
  }
  try {
    store::close_checked(fd, aside);
  } catch (const std::exception& e) {
    throw InputError(std::string(e.what()) + " (the journal is unchanged)");
  }
  std::string kept;
  for (const auto& line : replay.kept) kept += line + "\n";
  fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(tmp + ": cannot open: " + std::strerror(errno) + " (the journal is unchanged)");
  try {
    write_all(fd, kept, tmp);
    store::close_checked(fd, tmp);
    fd = -1;
    store::replace_file(tmp, journal);  // synced, renamed, and the folder synced: the repair survives a crash
  } catch (const InputError&) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  } catch (const std::exception& e) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw InputError(std::string(e.what()) + " (the journal is unchanged)");
  }
  return aside;
}

}  // namespace joulegrid
