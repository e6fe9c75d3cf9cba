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

#include <string>
#include <sys/types.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/records/results.hpp"

namespace joulegrid {

struct RejectedLine {
  size_t line = 0;     // 1-based, counting every line of the file
  std::string text;    // as it was, without its newline
  std::string reason;
};

// Every line joulegrid writes is its entry's JSON object with two more
// members, the study's id and a CRC-32C of every byte before the checksum:
//   {"type":"run","run":{…},"study":"5f0c…","crc32c":"1a2b3c4d"}
// so a flipped digit fails the checksum, and a line of another study (another
// results file of the same spec included) names another study. A line
// without the two (journals written before 2026-12) still reads, in a file
// that has no study id itself, and the replay counts it.
std::string journal_line(const nlohmann::json& entry, const std::string& study_id);

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
// to): nodes replace their record, runs are added and settle their cells.
// Rejected lines change nothing: a checksum that fails, another study's
// id, a line without a checksum in a file that has an id, and what a
// snapshot read refuses (a run whose energy or segments disagree with its
// epochs, an attempt beyond the file's max_attempts, a node whose
// calibration is not the median of its repetitions). A file without an id
// (written before 2026-12, or rebuilt from its journal) takes the first
// checked line's. A missing journal is an empty one.
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
