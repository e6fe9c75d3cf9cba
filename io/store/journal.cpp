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
  c.kind = crc32c_hex(crc32c_of(body.data(), body.size())) == stated ? LineCheck::holds : LineCheck::broken;
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

}  // namespace

JournalEntry JournalEntry::of(const RunResult& run) {
  JournalEntry e;
  e.type = Type::run;
  e.run = run;
  return e;
}

JournalEntry JournalEntry::of(const NodeRecord& node) {
  JournalEntry e;
  e.type = Type::node;
  e.node = node;
  return e;
}

namespace {

json entry_json(const JournalEntry& e) {
  return e.type == JournalEntry::Type::run ? json{{"type", "run"}, {"run", e.run}}
                                           : json{{"type", "node"}, {"node", e.node}};
}

// The entry a line's JSON holds; throws (json::exception, or a field that
// does not read) for one that does not read.
JournalEntry entry_of(const json& j) {
  const std::string type = j.value("type", "");
  if (type == "run") return JournalEntry::of(j.at("run").get<RunResult>());
  if (type == "node") return JournalEntry::of(j.at("node").get<NodeRecord>());
  throw std::invalid_argument("an entry of unknown type \"" + type + "\" (known: run, node)");
}

}  // namespace

// ---- the rules -----------------------------------------------------------

JournalRules::JournalRules(StudyResults& results) : results_(results) {
  for (size_t i = 0; i < results_.cells.size(); ++i) cell_index_[results_.cells[i].id] = i;
  for (size_t i = 0; i < results_.runs.size(); ++i) {
    const RunResult& r = results_.runs[i];
    attempts_[{r.cell_id, r.replica, r.attempt}] = {i, 0};
    if (r.settles_cell) settled_[{r.cell_id, r.replica}] = {r.attempt, 0};
  }
}

JournalRules::JournalRules(JournalRules&& other, StudyResults& results)
    : results_(results),
      cell_index_(std::move(other.cell_index_)),
      attempts_(std::move(other.attempts_)),
      settled_(std::move(other.settled_)) {}

JournalRules::Verdict JournalRules::judge(const JournalEntry& entry) const {
  auto reject = [](std::string why) { return Verdict{Verdict::reject, std::move(why)}; };
  if (entry.type == JournalEntry::Type::node) {
    if (const std::string problem = entry.node.calibration_problem(); !problem.empty())
      return reject("node " + entry.node.key() + ": " + problem);
    return {};
  }
  const RunResult& run = entry.run;
  const std::string what = "attempt " + std::to_string(run.attempt) + " of cell " + run.cell_id;
  if (!cell_index_.count(run.cell_id)) return reject("a run of cell " + run.cell_id + ", which is not in this file's grid");
  if (const std::string problem = stored_twice_problem(run); !problem.empty()) return reject(what + ": " + problem);
  if (run.attempt < 1 || run.attempt > std::max(1, results_.meta.max_attempts))
    return reject(what + ", beyond the study's " + std::to_string(results_.meta.max_attempts) +
                  " attempts a cell (max_attempts)");
  if (const auto it = attempts_.find({run.cell_id, run.replica, run.attempt}); it != attempts_.end()) {
    if (same_attempt(results_.runs[it->second.first], run)) return {Verdict::repeat, ""};  // in the snapshot, or written twice
    return reject(what + " recorded a second time with other figures (the first: " + where_from(it->second.second) +
                  "); two runs wrote this file at once?");
  }
  if (const auto it = settled_.find({run.cell_id, run.replica}); it != settled_.end())
    return reject(what + ", which attempt " + std::to_string(it->second.first) + " already settled (" +
                  where_from(it->second.second) + "): it would replace that result");
  return {};
}

void JournalRules::apply(JournalEntry entry, size_t line) {
  if (entry.type == JournalEntry::Type::node) {  // the same measurement again replaces it (its leader's record after another rank's)
    const auto same = std::find_if(results_.nodes.begin(), results_.nodes.end(),
                                   [&](const NodeRecord& n) { return same_measurement(n, entry.node); });
    if (same == results_.nodes.end()) results_.nodes.push_back(std::move(entry.node));
    else *same = std::move(entry.node);
    return;
  }
  RunResult& run = results_.runs.emplace_back(std::move(entry.run));
  attempts_[{run.cell_id, run.replica, run.attempt}] = {results_.runs.size() - 1, line};
  if (run.settles_cell) settled_[{run.cell_id, run.replica}] = {run.attempt, line};
  // A run's attempt and fate on its cell's row.
  CellRow& c = results_.cells[cell_index_.at(run.cell_id)];
  c.attempts = std::max(c.attempts, run.attempt);
  if (run.settles_cell) c.status = run.status;
}

// ---- the format and the replay ---------------------------------------------

std::string journal_line(const JournalEntry& entry, const std::string& study_id) {
  std::string body = entry_json(entry).dump();
  body.pop_back();  // the closing brace: the study and the checksum go inside the object
  body += kStudyKey + study_id + "\"";
  return body + kCrcKey + crc32c_hex(crc32c_of(body.data(), body.size())) + "\"}\n";
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
  std::vector<std::optional<JournalEntry>> entries(lines.size());
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
    const json j = json::parse(lines[i], nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      problems[i] = "not a journal entry (not a JSON object: overwritten or damaged bytes, or a write torn by "
                    "a crash and followed by later ones)";
      return;
    }
    // Read without json::value, which throws on a "type" of another JSON
    // type: an exception must not leave this thread (it would end the process).
    const auto type = j.find("type");
    if (type == j.end() || !type->is_string() || (*type != "run" && *type != "node")) {
      problems[i] = "an entry of unknown type " + (type == j.end() ? std::string("(none)") : type->dump()) +
                    " (known: \"run\", \"node\")";
      return;
    }
    try {
      entries[i] = entry_of(j);
    } catch (const std::exception& ex) {  // json::exception, or a field that does not read
      problems[i] = std::string("an entry that does not read: ") + ex.what();
    }
  });

  JournalRules rules(results);
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
    const JournalRules::Verdict verdict = rules.judge(*entries[i]);
    if (verdict.kind == JournalRules::Verdict::reject) {
      reject(verdict.why);
      continue;
    }
    if (verdict.kind == JournalRules::Verdict::apply) rules.apply(std::move(*entries[i]), number);
    out.kept.push_back(lines[i]);
    ++out.applied;
  }
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
  try {
    store::append_durably(fd, text, path);
  } catch (const std::exception& e) {
    throw InputError(std::string(e.what()) + " (the journal is unchanged)");
  }
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
  fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
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

// ---- appending -------------------------------------------------------------

JournalWriter::JournalWriter(std::string path) : path_(std::move(path)) {
  struct stat st {};
  const bool created = ::stat(path_.c_str(), &st) != 0;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw InputError(path_ + ": cannot open the journal for writing: " + std::strerror(errno));
  if (created) store::sync_folder_of(path_);
}

JournalWriter::JournalWriter(JournalWriter&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;  // the journal is ours now: the moved-from writer must not close it
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

// A part of the line written before the disk filled is cut off again:
// later lines must not follow a torn one (the replay refuses that).
void JournalWriter::append(const std::string& line) {
  try {
    store::append_durably(fd_, line, path_);
  } catch (const InternalError& e) {
    throw CommitFailed(e.what());
  }
}

void JournalWriter::empty() {
  if (::ftruncate(fd_, 0) != 0)
    throw InternalError(path_ + ": cannot truncate (the snapshot was written and holds its lines, which a replay "
                        "skips): " + std::strerror(errno));
  ::fdatasync(fd_);  // not reaching the disk costs nothing: a replay skips what the snapshot holds
}

}  // namespace joulegrid
