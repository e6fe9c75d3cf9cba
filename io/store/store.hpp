#pragma once
// The results store: only rank 0 writes it. Every attempt is first appended
// to a journal beside the file (FILE.journal, one JSON line each, fsync'd) —
// that append is the commit. The HDF5 file is a snapshot rewritten from
// memory into FILE.tmp and renamed over FILE, so a kill -9 at any moment
// leaves the previous snapshot intact and openable, and the journal holds
// whatever the snapshot does not yet. Readers (report, resume) load the
// snapshot and replay the journal (journal.hpp): a torn last line is
// ignored, any other bad line refused.

#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <string>

#include <nlohmann/json.hpp>

#include "io/job.hpp"
#include "io/records/reduction.hpp"
#include "io/records/results.hpp"
#include "io/store/journal.hpp"
#include "io/store/lock.hpp"
#include "io/store/samples.hpp"

namespace joulegrid {

// The snapshot and journal, read-only. Throws InputError for a file that is
// not a joulegrid results file (named, with what is wrong).
// `note`, when given: what the reader should know of the journal ("" or
// "FILE.journal: 3 lines written before checksums, read unchecked").
StudyResults load_results(const std::string& path, std::string* note = nullptr);
// `report --repair-journal`: under FILE's lock, moves the journal's bad
// lines to FILE.journal.rejected and keeps every good one. Returns what it
// did in one line ("" when every line was good).
std::string repair_journal(const std::string& path);
std::string journal_path(const std::string& results_path);
// A fresh random id for a new results file (StudyMeta::study_id).
std::string new_study_id();

// A store holds FILE's lock (lock.hpp) from create or resume to its end:
// a second writer is refused naming it.
class ResultsStore {
 public:
  // A new study: refuses (InputError) when FILE or its journal exists.
  static ResultsStore create(const std::string& path, StudyMeta meta, std::vector<CellRow> cells);
  // Continues FILE: refuses when it is missing or its grid differs from
  // `cells`, and when its journal has a bad line (journal.hpp) unless
  // `repair_journal`, which moves the bad lines aside and says so in `repaired`.
  static ResultsStore resume(const std::string& path, StudyMeta meta, std::vector<CellRow> cells,
                             bool repair_journal = false, std::string* repaired = nullptr);

  ResultsStore(ResultsStore&& other) noexcept;
  ResultsStore& operator=(ResultsStore&&) = delete;
  ResultsStore(const ResultsStore&) = delete;
  ~ResultsStore();

  const StudyResults& results() const { return results_; }
  const std::string& path() const { return path_; }
  // The guards that keep a second writer off (lock.hpp), for the log.
  const std::string& guard() const { return lock_.guard(); }

  // Journaled and fsync'd before they return; CommitFailed when the journal
  // cannot take them (it is left as it was before the call). An entry the
  // journal's rules refuse (journal.hpp), which a replay would reject, is
  // never written: InternalError. A run already committed, the same
  // record, is not written twice.
  void add_node(const NodeRecord& node);
  void add_run(const RunResult& run);
  // An attempt's raw readings (encode_block), appended to FILE.samples and
  // synced: call it before add_run commits the attempt.
  void add_samples(const std::string& encoded_block);

  bool settled(const std::string& cell_id) const;
  const CellRow* cell(const std::string& cell_id) const;  // null for an id not in the grid
  int attempts(const std::string& cell_id) const;

  // Rewrites the HDF5 snapshot with `status` and empties the journal.
  // `reduce` (may be null) gives what the /reduced group holds: the
  // orchestrator's reduction, called through a plain function, so that the
  // store alone writes HDF5.
  using Reducer = Reduction (*)(const StudyResults&);
  void snapshot(StudyStatus status, Reducer reduce = nullptr);

 private:
  ResultsStore(std::string path, StudyResults results, ResultsLock lock);
  void commit(JournalEntry entry);

  std::string path_;
  ResultsLock lock_;
  StudyResults results_;
  JournalRules rules_;  // of results_
  JournalWriter journal_;
  std::unordered_map<std::string, size_t> cell_index_;  // cell id -> row of results_.cells
  std::optional<SampleLog> samples_;  // opened by the first add_samples
};

// A finished study (joulegrid merge) written to a new file, whole, with the
// samples of `samples`: refuses (InputError) when FILE or its journal exists.
void write_new_results(const std::string& path, const StudyResults& results,
                       ResultsStore::Reducer reduce = nullptr,
                       const std::vector<SampleSource>& samples = {});

}  // namespace joulegrid
