#pragma once
// The journal beside a results file (FILE.journal): one JSON object a line,
// each fsync'd, each a commit (store.hpp). Reading it is strict: only a torn
// *last* line (no newline: a write that never finished) may be dropped.
// Every other line that is not a good entry — garbage, overwritten bytes, a
// blank line, a torn line followed by good ones, a run of a cell that is not
// in the grid, a second settled run of a cell, a second and different record
// of one attempt — is rejected with its line number and reason, never
// skipped and never allowed to end the reading early: the caller refuses the
// file naming the first one (exit 2), or, asked to repair, moves them aside.

#include <map>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "io/records/results.hpp"

namespace joulegrid {

struct RejectedLine {
  size_t line = 0;     // 1-based, counting every line of the file
  std::string text;    // as it was, without its newline
  std::string reason;
};

// One entry: a run (an attempt, committed) or a node's record (its idle
// power, calibration and meters; a later record of the same measurement
// replaces it).
struct JournalEntry {
  enum class Type { run, node } type = Type::run;
  RunResult run;    // type run
  NodeRecord node;  // type node
  static JournalEntry of(const RunResult& run);
  static JournalEntry of(const NodeRecord& node);
};

// Every line joulegrid writes is its entry's JSON object with two more
// members, the study's id and a CRC-32C of every byte before the checksum:
//   {"run":{…},"type":"run","study":"5f0c…","crc32c":"1a2b3c4d"}
// so a flipped digit fails the checksum, and a line of another study (another
// results file of the same spec included) names another study. A line
// without the two (journals written before 2026-12) still reads, in a file
// that has no study id itself, and the replay counts it.
std::string journal_line(const JournalEntry& entry, const std::string& study_id);

// The rules an entry meets before it changes a study, one set for the live
// commit (ResultsStore checks an entry before it appends it) and for the
// replay (a line that breaks them is rejected): a run of a cell in the
// grid, whose energy and segments agree with its epochs, of an attempt
// within max_attempts, neither a second and different record of one
// attempt nor a second settled run of a cell; a node whose calibration is
// the median of its repetitions. `results` must outlive the rules, and
// change only through apply().
class JournalRules {
 public:
  explicit JournalRules(StudyResults& results);
  // What `other` knew, now of `results`, which `other`'s study was moved into.
  JournalRules(JournalRules&& other, StudyResults& results);

  struct Verdict {
    enum Kind { apply, repeat, reject } kind = apply;  // repeat: this very record is already there
    std::string why;                                   // for reject
  };
  // `line`: where the entry stands in the journal (1-based), for the
  // messages of later entries that conflict with it; 0 is the snapshot.
  Verdict judge(const JournalEntry& entry) const;
  void apply(JournalEntry entry, size_t line);  // after judge() said apply

  const StudyResults& results() const { return results_; }

 private:
  using Attempt = std::tuple<std::string, int, int>;  // cell, replica, attempt
  StudyResults& results_;
  std::unordered_map<std::string, size_t> cell_index_;                        // cell id → row of results_.cells
  std::map<Attempt, std::pair<size_t, size_t>> attempts_;                     // → row of results_.runs, line
  std::map<std::pair<std::string, int>, std::pair<int, size_t>> settled_;    // (cell, replica) → attempt, line
};

// An entry could not be committed: the journal could not be appended or
// synced (a full disk, a quota, an I/O error), or this writer may no
// longer write. Nothing of the entry is left in the journal, and
// everything committed before is intact.
class CommitFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The journal open for appending: each line appended whole and synced
// before append() returns (that is the commit), or cut off again.
class JournalWriter {
 public:
  // Opens (creating) `path`; a created journal's name is synced at once,
  // or a crash could lose the file with every commit in it.
  explicit JournalWriter(std::string path);
  JournalWriter(JournalWriter&& other) noexcept;
  JournalWriter& operator=(JournalWriter&&) = delete;
  JournalWriter(const JournalWriter&) = delete;
  ~JournalWriter();

  void append(const std::string& line);  // CommitFailed, the journal as it was
  // After a snapshot that holds every line: empties the journal.
  void empty();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

struct JournalReplay {
  size_t lines = 0;             // complete lines read
  size_t applied = 0;           // of them, entries applied (or already in the snapshot)
  std::vector<RejectedLine> rejected;
  off_t complete_bytes = 0;     // the bytes of the complete lines; a torn tail follows
  bool torn_tail = false;
  // The complete lines that are not rejected, in order (for a repair),
  // with the good line found at the end of a rejected one (a line torn by a
  // crash and glued to the next good line): a repair keeps it.
  std::vector<std::string> kept;
  size_t unchecked = 0;         // lines without a checksum (written before 2026-12), read as they are
};

// Applies FILE.journal (`journal`) to `results` (the snapshot it belongs
// to) through JournalRules: nodes replace their record, runs are added and
// settle their cells. Rejected lines change nothing: a checksum that
// fails, another study's id, a line without a checksum in a file that has
// an id, and an entry the rules refuse. A file without an id (written
// before 2026-12, or rebuilt from its journal) takes the first checked
// line's. A missing journal is an empty one.
JournalReplay replay_journal(const std::string& journal, StudyResults& results);

// "FILE.journal:12: not a journal entry (…); 3 lines in all are bad …":
// the InputError a caller throws for rejected lines it does not repair.
std::string rejected_message(const std::string& journal, const JournalReplay& replay);

// Moves the rejected lines to FILE.journal.rejected (appended, each after a
// "# line N: reason" line) and rewrites the journal with the kept lines
// (FILE.journal.tmp, synced, renamed): every good line is kept, in order.
// Returns the path of the rejected lines.
std::string move_rejected_aside(const std::string& journal, const JournalReplay& replay);

}  // namespace joulegrid
