#include "io/store/store.hpp"
#include "io/store/durable.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <random>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unistd.h>

#include "io/errors.hpp"
#include "io/h5/h5.hpp"
#include "io/store/journal.hpp"
#include "io/store/reduced_tables.hpp"
#include "io/store/tables.hpp"

namespace joulegrid {

namespace {

using h5::check;
using h5::Handle;
using nlohmann::json;

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

std::string errno_text() { return std::strerror(errno); }

// ---- /meta -------------------------------------------------------------

void write_text_attribute(hid_t loc, const char* name, const std::string& value, const std::string& where) {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id(), std::max<size_t>(1, value.size()));
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR));
  Handle attr(check(H5Acreate2(loc, name, type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
                    std::string("cannot create attribute ") + name, where));
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  check(H5Awrite(attr.id(), type.id(), padded.data()), std::string("cannot write attribute ") + name, where);
}

void write_int_attribute(hid_t loc, const char* name, int64_t value, const std::string& where) {
  Handle space(H5Screate(H5S_SCALAR));
  Handle attr(check(H5Acreate2(loc, name, H5T_STD_I64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT),
                    std::string("cannot create attribute ") + name, where));
  check(H5Awrite(attr.id(), H5T_NATIVE_INT64, &value), std::string("cannot write attribute ") + name, where);
}

std::string read_text_attribute(hid_t loc, const char* name, const std::string& where) {
  if (H5Aexists(loc, name) <= 0) return "";
  Handle attr(check(H5Aopen(loc, name, H5P_DEFAULT), std::string("cannot open attribute ") + name, where));
  Handle type(H5Aget_type(attr.id()));
  if (H5Tis_variable_str(type.id()) > 0) {
    char* p = nullptr;
    Handle mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.id(), H5T_VARIABLE);
    check(H5Aread(attr.id(), mem.id(), &p), std::string("cannot read attribute ") + name, where);
    std::string out = p ? p : "";
    H5free_memory(p);
    return out;
  }
  std::string out(H5Tget_size(type.id()), '\0');
  check(H5Aread(attr.id(), type.id(), out.data()), std::string("cannot read attribute ") + name, where);
  out.resize(std::strlen(out.c_str()));
  return out;
}

int64_t read_int_attribute(hid_t loc, const char* name, const std::string& where) {
  if (H5Aexists(loc, name) <= 0) return 0;
  Handle attr(check(H5Aopen(loc, name, H5P_DEFAULT), std::string("cannot open attribute ") + name, where));
  int64_t v = 0;
  check(H5Aread(attr.id(), H5T_NATIVE_INT64, &v), std::string("cannot read attribute ") + name, where);
  return v;
}

// /meta: the study's fields as attributes of the group, but for numbers with
// a unit and the spec's text, which are one-value datasets (an attribute
// holds at most 64 KiB, and h5py shows a dataset's unit).
bool meta_dataset(const store::Field<StudyMeta>& f) {
  return f.kind == records::FieldKind::real || f.name == "spec_text";
}

// Every /meta field as one text, for its checksum: its attributes are
// covered by no HDF5 filter.
std::string meta_content(const StudyMeta& m) {
  std::string out;
  for (const auto& f : records::meta_fields()) {
    out += f.name + "=";
    if (f.kind == records::FieldKind::real) {
      char v[32];
      std::snprintf(v, sizeof v, "%.17g", f.get_real(m));
      out += v;
    } else if (f.kind == records::FieldKind::text) {
      out += f.get_text(m);
    } else {
      out += std::to_string(f.get_integer(m));
    }
    out += "\n";
  }
  return out;
}

void write_meta(hid_t file, const StudyMeta& m, const std::string& where) {
  Handle g(check(H5Gcreate2(file, "meta", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "cannot create /meta", where));
  for (const auto& f : records::meta_fields()) {
    if (f.kind == records::FieldKind::real) store::write_real_column(g.id(), f.name, {f.get_real(m)}, f.unit, where);
    else if (meta_dataset(f)) store::write_text_column(g.id(), f.name, {f.get_text(m)}, where);
    else if (f.kind == records::FieldKind::text) write_text_attribute(g.id(), f.name.c_str(), f.get_text(m), where);
    else write_int_attribute(g.id(), f.name.c_str(), f.get_integer(m), where);
  }
  store::write_content_checksum(g.id(), meta_content(m), where);
}

// What a file lacks (written before the field was added) keeps its default.
StudyMeta read_meta(hid_t file, const std::string& where) {
  Handle g(check(H5Gopen2(file, "meta", H5P_DEFAULT), "cannot open /meta", where));
  StudyMeta m;
  for (const auto& f : records::meta_fields()) {
    if (meta_dataset(f)) {
      if (!store::has_column(g.id(), f.name)) continue;
      if (f.kind == records::FieldKind::real) {
        const auto v = store::read_real_column(g.id(), f.name, where);
        if (!v.empty()) f.set_real(m, v.front());
      } else {
        const auto v = store::read_text_column(g.id(), f.name, where);
        if (!v.empty()) f.set_text(m, v.front());
      }
    } else if (H5Aexists(g.id(), f.name.c_str()) > 0) {
      if (f.kind == records::FieldKind::text) {
        try {
          f.set_text(m, read_text_attribute(g.id(), f.name.c_str(), where));
        } catch (const std::invalid_argument& e) {
          throw h5::Error(where + ": /meta " + f.name + ": " + e.what());
        }
      } else {
        f.set_integer(m, read_int_attribute(g.id(), f.name.c_str(), where));
      }
    }
  }
  if (!store::content_checksum_holds(g.id(), meta_content(m), where))
    throw h5::Error(where + ": /meta: its checksum does not hold: an attribute (max_attempts, normalise_to, the "
                    "overtraining epochs, …) was changed after joulegrid wrote it");
  return m;
}

// ---- tables ------------------------------------------------------------

Handle create_group(hid_t file, const char* name, const std::string& where) {
  return Handle(check(H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      std::string("cannot create /") + name, where));
}

Handle open_group(hid_t file, const char* name, const std::string& where) {
  return Handle(check(H5Gopen2(file, name, H5P_DEFAULT), std::string("cannot open /") + name, where));
}

std::vector<store::EpochRow> epoch_rows(const std::vector<RunResult>& runs) {
  std::vector<store::EpochRow> rows;
  for (const auto& r : runs)
    for (const auto& e : r.epoch_records) rows.push_back({r.cell_id, r.attempt, r.replica, e});
  return rows;
}

std::vector<store::SegmentRow> segment_rows(const std::vector<RunResult>& runs) {
  std::vector<store::SegmentRow> rows;
  for (const auto& r : runs)
    for (const auto& g : r.segments) rows.push_back({r.cell_id, r.attempt, r.replica, g});
  return rows;
}

std::vector<store::CalibrationRow> calibration_rows(const std::vector<NodeRecord>& nodes) {
  std::vector<store::CalibrationRow> rows;
  for (const auto& n : nodes)
    for (const auto& run : n.calibration_runs) rows.push_back({n.name, n.replica, n.session, run});
  return rows;
}

std::vector<store::IdleRow> idle_rows(const std::vector<NodeRecord>& nodes) {
  std::vector<store::IdleRow> rows;
  for (const auto& n : nodes)
    for (const auto& w : n.idle_windows) rows.push_back({n.name, n.replica, n.session, w});
  return rows;
}

std::set<RunKey> run_keys(const StudyResults& results) {
  std::set<RunKey> keys;
  for (const auto& r : results.runs) keys.insert({r.replica, r.cell_id, r.attempt});
  return keys;
}

void write_snapshot_contents(hid_t file, const std::string& file_path, const StudyResults& results,
                             ResultsStore::Reducer reduce, const std::vector<SampleSource>& samples);

// A snapshot that fails (a full disk) gives its space back at once: the
// half-written file is emptied through HDF5's own descriptor before HDF5
// closes it, else a file that cannot be flushed stays open, and full,
// until the process ends (its name is unlinked by the caller).
void write_snapshot_file(const std::string& file_path, const StudyResults& results,
                         ResultsStore::Reducer reduce, const std::vector<SampleSource>& samples) {
  Handle file(check(H5Fcreate(file_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                    "cannot create the results file", file_path));
  try {
    write_snapshot_contents(file.id(), file_path, results, reduce, samples);
    h5::close_file(file, file_path);  // its last data reach the disk here: checked
  } catch (...) {
    int* fd = nullptr;
    if (H5Fget_vfd_handle(file.id(), H5P_DEFAULT, reinterpret_cast<void**>(&fd)) >= 0 && fd && *fd >= 0 &&
        ::ftruncate(*fd, 0) != 0) {
      // nothing more to give back
    }
    H5Eclear2(H5E_DEFAULT);
    throw;
  }
}

void write_snapshot_contents(hid_t file, const std::string& file_path, const StudyResults& results,
                             ResultsStore::Reducer reduce, const std::vector<SampleSource>& samples) {
  write_meta(file, results.meta, file_path);
  store::write_table(create_group(file, "cells", file_path).id(), records::cell_row_fields(), results.cells, file_path);
  store::write_table(create_group(file, "nodes", file_path).id(), records::node_fields(), results.nodes, file_path);
  store::write_table(create_group(file, "calibrations", file_path).id(), store::calibration_table_fields(),
                     calibration_rows(results.nodes), file_path);
  store::write_table(create_group(file, "idle", file_path).id(), store::idle_table_fields(),
                     idle_rows(results.nodes), file_path);
  store::write_table(create_group(file, "runs", file_path).id(), records::run_fields(), results.runs, file_path);
  store::write_table(create_group(file, "epochs", file_path).id(), store::epoch_table_fields(),
                     epoch_rows(results.runs), file_path);
  store::write_table(create_group(file, "segments", file_path).id(), store::segment_table_fields(),
                     segment_rows(results.runs), file_path);
  if (reduce) write_reduced(create_group(file, "reduced", file_path).id(), reduce(results));
  if (!samples.empty()) fold_samples(file, file_path, samples, run_keys(results));
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "cannot flush", file_path);
}

// What the file stores twice must agree (stored_twice_problem): a mismatch
// is a file changed behind joulegrid's back (a checksum guards each column;
// this guards a column rewritten whole).
void check_stored_twice(const StudyResults& results, const std::string& path) {
  for (const auto& r : results.runs)
    if (const std::string problem = stored_twice_problem(r); !problem.empty())
      throw InputError(path + ": damaged: /runs of cell " + r.cell_id + " attempt " + std::to_string(r.attempt) +
                       " disagrees with its /epochs and /segments: " + problem +
                       "; the file was changed after joulegrid wrote it");
  for (const auto& n : results.nodes)
    if (const std::string problem = n.calibration_problem(); !problem.empty())
      throw InputError(path + ": damaged: node " + n.key() + ": " + problem + "; the file was changed after joulegrid wrote it");
}

StudyResults read_snapshot(const std::string& path) {
  if (!exists(path)) throw InputError(path + ": no such results file");
  Handle file;
  try {
    file = h5::open_file_readonly(path);
  } catch (const h5::Error& e) {
    throw InputError(std::string(e.what()));
  }
  if (!h5::has_object(file.id(), "meta") || !h5::has_object(file.id(), "runs"))
    throw InputError(path + ": not a joulegrid results file (it has no /meta and /runs groups)");
  StudyResults r;
  try {
    r.meta = read_meta(file.id(), path);
    if (r.meta.schema_version > kResultsSchemaVersion)
      throw InputError(path + ": /meta schema_version " + std::to_string(r.meta.schema_version) +
                       " is newer than this joulegrid reads (" + std::to_string(kResultsSchemaVersion) +
                       "); use a newer joulegrid");
    r.cells = store::read_table(open_group(file.id(), "cells", path).id(), records::cell_row_fields(), path);
    r.nodes = store::read_table(open_group(file.id(), "nodes", path).id(), records::node_fields(), path);
    if (h5::has_object(file.id(), "calibrations"))  // files before repetitions were kept have none
      for (const auto& c : store::read_table(open_group(file.id(), "calibrations", path).id(),
                                             store::calibration_table_fields(), path))
        for (auto& n : r.nodes)
          if (n.name == c.node && n.replica == c.replica && n.session == c.session) n.calibration_runs.push_back(c.run);
    if (h5::has_object(file.id(), "idle"))  // nor idle windows
      for (const auto& w : store::read_table(open_group(file.id(), "idle", path).id(), store::idle_table_fields(), path))
        for (auto& n : r.nodes)
          if (n.name == w.node && n.replica == w.replica && n.session == w.session) n.idle_windows.push_back(w.window);
    for (auto& n : r.nodes) n.keep_calibration_as_one_run();
    r.runs = store::read_table(open_group(file.id(), "runs", path).id(), records::run_fields(), path);
    const auto epochs = store::read_table(open_group(file.id(), "epochs", path).id(), store::epoch_table_fields(), path);
    std::map<std::tuple<int, std::string, int>, RunResult*> by_attempt;
    for (auto& run : r.runs) by_attempt[{run.replica, run.cell_id, run.attempt}] = &run;
    for (const auto& e : epochs) {
      auto it = by_attempt.find({e.replica, e.cell_id, e.attempt});
      if (it != by_attempt.end()) it->second->epoch_records.push_back(e.record);
    }
    if (h5::has_object(file.id(), "segments"))  // files before checkpoints have none
      for (const auto& g : store::read_table(open_group(file.id(), "segments", path).id(),
                                             store::segment_table_fields(), path)) {
        auto it = by_attempt.find({g.replica, g.cell_id, g.attempt});
        if (it != by_attempt.end()) it->second->segments.push_back(g.segment);
      }
    check_stored_twice(r, path);
  } catch (const h5::Error& e) {
    throw InputError(path + ": damaged or not a joulegrid results file: " + e.what());
  } catch (const std::invalid_argument& e) {  // a word that is not of its vocabulary
    throw InputError(path + ": damaged or not a joulegrid results file: " + e.what());
  }
  return r;
}

std::string folder_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

}  // namespace


std::string journal_path(const std::string& results_path) { return results_path + ".journal"; }

std::string new_study_id() {
  std::random_device random;
  char id[17];
  std::snprintf(id, sizeof id, "%08x%08x", random(), random());
  return id;
}

namespace {

std::unordered_map<std::string, size_t> index_cells(const StudyResults& results) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < results.cells.size(); ++i) index[results.cells[i].id] = i;
  return index;
}

}  // namespace

namespace {

std::string repaired_in_words(const std::string& journal, const JournalReplay& replay, const std::string& aside) {
  return journal + ": " + std::to_string(replay.rejected.size()) + " bad line" +
         (replay.rejected.size() == 1 ? "" : "s") + " moved to " + aside + ", " + std::to_string(replay.kept.size()) +
         " good lines kept";
}

}  // namespace

std::string repair_journal(const std::string& path) {
  const ResultsLock lock(path);
  StudyResults results = read_snapshot(path);
  const std::string journal = journal_path(path);
  const JournalReplay replay = replay_journal(journal, results);
  if (replay.rejected.empty()) return "";
  return repaired_in_words(journal, replay, move_rejected_aside(journal, replay));
}

namespace {

// Which file stands at `path` now: the writer publishes a snapshot by
// renaming a new file over it, so a new snapshot is a new identity.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  bool operator==(const FileIdentity& o) const { return device == o.device && inode == o.inode; }
};
FileIdentity identity_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {st.st_dev, st.st_ino};
}

}  // namespace

// A reader takes no lock and never blocks the writer. The writer renames
// its new snapshot over FILE before it empties the journal, so a reader
// that saw the same FILE before and after reading the journal read a
// snapshot and the journal that goes with it; one that did not (a snapshot
// was published meanwhile, and the journal it read may have been emptied
// under it) reads both again. It never reports fewer commits than there
// were when it started.
StudyResults load_results(const std::string& path, std::string* note) {
  constexpr int kTries = 100;
  StudyResults results;
  JournalReplay replay;
  for (int attempt = 1;; ++attempt) {
    const FileIdentity before = identity_of(path);
    results = read_snapshot(path);
    replay = replay_journal(journal_path(path), results);
    if (identity_of(path) == before) break;
    if (attempt == kTries)
      throw InputError(path + ": a new snapshot was published while each of " + std::to_string(kTries) +
                       " reads was under way; try again (nothing was changed)");
    std::this_thread::sleep_for(std::chrono::milliseconds(10 * std::min(attempt, 20)));
  }
  if (!replay.rejected.empty()) throw InputError(rejected_message(journal_path(path), replay));
  if (note)
    *note = replay.unchecked == 0 ? "" : journal_path(path) + ": " + std::to_string(replay.unchecked) + " line" +
                                             (replay.unchecked == 1 ? "" : "s") +
                                             " written before checksums (joulegrid before 2026-12), read unchecked; "
                                             "a --resume folds them into the file";
  return results;
}

// ---- ResultsStore --------------------------------------------------------

ResultsStore::ResultsStore(std::string path, StudyResults results, ResultsLock lock)
    : path_(std::move(path)),
      lock_(std::move(lock)),
      results_(std::move(results)),
      rules_(results_),
      journal_(journal_path(path_)),
      cell_index_(index_cells(results_)) {}

ResultsStore::ResultsStore(ResultsStore&& other) noexcept
    : path_(std::move(other.path_)),
      lock_(std::move(other.lock_)),
      results_(std::move(other.results_)),
      rules_(std::move(other.rules_), results_),
      journal_(std::move(other.journal_)),
      cell_index_(std::move(other.cell_index_)),
      samples_(std::move(other.samples_)) {}

ResultsStore::~ResultsStore() = default;

namespace {

void publish_snapshot(const std::string& path, const StudyResults& results,
                      ResultsStore::Reducer reduce, const std::vector<SampleSource>& samples);

// A journal with something in it (an empty one is what a crash leaves when
// it struck before the first commit).
bool has_lines(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
}

}  // namespace

ResultsStore ResultsStore::create(const std::string& path, StudyMeta meta, std::vector<CellRow> cells) {
  auto refuse_existing = [&] {
    if (exists(path) || has_lines(journal_path(path)) || exists(samples_path(path)))
      throw InputError(path + ": the results file already exists; pass --resume to continue that study, "
                       "or -o NEW.h5 to start another (nothing was changed)");
  };
  refuse_existing();
  if (!exists(folder_of(path)))
    throw InputError(path + ": the folder " + folder_of(path) + " does not exist");
  ResultsLock lock(path);
  refuse_existing();  // again under the lock: a run that started and ended meanwhile
  StudyResults results;
  meta.grid_hash = grid_hash(cells);
  meta.study_id = new_study_id();
  meta.created_utc = meta.updated_utc = utc_now();
  results.meta = std::move(meta);
  results.cells = std::move(cells);
  // The file before its journal: a crash (or a full disk) in between leaves
  // no file and no journal (run again; a FILE.tmp left is overwritten) or
  // a file (--resume), never a journal without its file.
  results.meta.status = StudyStatusValue::running;
  try {
    publish_snapshot(path, results, {}, {});
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {  // a full disk, a quota, an I/O error: bad ground to start on
    throw InputError(path + ": cannot write the results file (" + e.what() + "); nothing was written");
  }
  return ResultsStore(path, std::move(results), std::move(lock));
}

ResultsStore ResultsStore::resume(const std::string& path, StudyMeta meta, std::vector<CellRow> cells,
                                  bool repair_journal, std::string* repaired) {
  // A journal whose file is missing (an older joulegrid killed while it
  // first wrote the file): the file is rebuilt from the spec and the journal.
  const bool rebuild = !exists(path) && has_lines(journal_path(path));
  if (!exists(path) && !rebuild)
    throw InputError(path + ": --resume needs an existing results file, and there is none");
  ResultsLock lock(path);  // before reading: what another writer appends now would be lost
  StudyResults results;
  const std::string hash = grid_hash(cells);
  if (rebuild) {
    results.meta = meta;
    results.meta.grid_hash = hash;
    results.meta.created_utc = utc_now();
    results.cells = cells;
  } else {
    results = read_snapshot(path);
  }
  if (results.meta.grid_hash != hash) {
    std::set<std::string> ours;
    for (const auto& c : cells) ours.insert(c.id);
    size_t foreign = 0;
    for (const auto& c : results.cells) foreign += ours.count(c.id) ? 0 : 1;
    throw InputError(path + ": the file's grid (" + std::to_string(results.cells.size()) +
                     " cells, hash " + results.meta.grid_hash + ") differs from the spec's (" +
                     std::to_string(cells.size()) + " cells, hash " + hash + "; " + std::to_string(foreign) +
                     " of the file's cells are not in the spec); resume with the spec that started it, "
                     "or -o NEW.h5 (nothing was changed)");
  }
  const std::string journal = journal_path(path);
  const StudyResults snapshot = results;
  JournalReplay replay = replay_journal(journal, results);
  if (!replay.rejected.empty()) {
    if (!repair_journal) throw InputError(rejected_message(journal, replay));
    const std::string done = repaired_in_words(journal, replay, move_rejected_aside(journal, replay));
    if (repaired) *repaired = done;
    // Read again: the repair kept good lines found inside rejected ones.
    results = snapshot;
    replay = replay_journal(journal, results);
    if (!replay.rejected.empty()) throw InputError(rejected_message(journal, replay));
  } else if (replay.torn_tail && ::truncate(journal.c_str(), replay.complete_bytes) != 0) {
    // A torn last line was never a commit: drop it before appending after it.
    throw InputError(journal + ": cannot drop its torn last line: " + errno_text());
  }
  results.meta.spec_text = meta.spec_text;
  results.meta.normalise_to = meta.normalise_to;
  results.meta.normalise_to_j = meta.normalise_to_j;
  results.meta.carbon_g_per_kwh = meta.carbon_g_per_kwh;  // a corrected intensity applies to the whole study
  results.meta.carbon_nodes = meta.carbon_nodes;
  results.meta.report_energy = meta.report_energy;
  results.meta.overtraining_a = meta.overtraining_a;
  results.meta.overtraining_b = meta.overtraining_b;
  results.meta.program_version = meta.program_version;
  if (!meta.job_ids.empty()) results.meta.job_ids += (results.meta.job_ids.empty() ? "" : " ") + meta.job_ids;
  results.meta.updated_utc = utc_now();
  // What every later journal line is checked against must be in the file
  // before the first of them: a file from before study ids gets one, and a
  // spec that allows more attempts raises the file's limit.
  const bool bound_anew = results.meta.study_id.empty() || meta.max_attempts > results.meta.max_attempts;
  if (results.meta.study_id.empty()) results.meta.study_id = new_study_id();
  results.meta.max_attempts = std::max(results.meta.max_attempts, meta.max_attempts);
  ResultsStore store(path, std::move(results), std::move(lock));
  if (bound_anew && !rebuild) store.snapshot(StudyStatusValue::running);
  if (rebuild) {
    store.snapshot(StudyStatusValue::running);
    const std::string note = path + " was missing beside its journal (a crash as the file was first written): "
                             "rebuilt from the spec and the journal's " + std::to_string(replay.kept.size()) +
                             " good lines";
    if (repaired) *repaired = repaired->empty() ? note : *repaired + "; " + note;
  }
  return store;
}

void ResultsStore::commit(JournalEntry entry) {
  const JournalRules::Verdict verdict = rules_.judge(entry);
  if (verdict.kind == JournalRules::Verdict::repeat) return;
  if (verdict.kind == JournalRules::Verdict::reject)
    throw InternalError(journal_path(path_) + ": not committed, since its replay would refuse it: " + verdict.why);
  if (!lock_.intact())
    throw CommitFailed(lease_path(path_) + ": this writer's lease was taken over (it stalled past " +
                       std::to_string(kLeaseStaleSeconds) + " s without touching it): another run may be "
                       "writing the file now, so nothing more is committed");
  journal_.append(journal_line(entry, results_.meta.study_id));
  rules_.apply(std::move(entry), 0);
}

void ResultsStore::add_node(const NodeRecord& node) { commit(JournalEntry::of(node)); }

void ResultsStore::add_run(const RunResult& run) { commit(JournalEntry::of(run)); }

void ResultsStore::add_samples(const std::string& encoded_block) {
  if (!samples_) samples_.emplace(samples_path(path_));
  samples_->append(encoded_block);
}

bool ResultsStore::settled(const std::string& cell_id) const {
  const auto it = cell_index_.find(cell_id);
  return it != cell_index_.end() && results_.cells[it->second].status != StatusValue::pending;
}

const CellRow* ResultsStore::cell(const std::string& cell_id) const {
  const auto it = cell_index_.find(cell_id);
  return it == cell_index_.end() ? nullptr : &results_.cells[it->second];
}

int ResultsStore::attempts(const std::string& cell_id) const {
  const auto it = cell_index_.find(cell_id);
  return it == cell_index_.end() ? 0 : results_.cells[it->second].attempts;
}

namespace {

// FILE.tmp, written, closed and synced, renamed over FILE, the folder
// synced: readers see the old file or the new one, and every step is
// checked, so a snapshot that may not be on the disk is never taken for one.
void publish_snapshot(const std::string& path, const StudyResults& results,
                      ResultsStore::Reducer reduce, const std::vector<SampleSource>& samples) {
  const std::string tmp = path + ".tmp";
  try {
    write_snapshot_file(tmp, results, reduce, samples);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  store::replace_file(tmp, path);
}

}  // namespace

void write_new_results(const std::string& path, const StudyResults& results,
                       ResultsStore::Reducer reduce, const std::vector<SampleSource>& samples) {
  if (exists(path) || exists(journal_path(path)) || exists(samples_path(path)))
    throw InputError(path + ": the output file already exists; choose another -o (nothing was changed)");
  if (!exists(folder_of(path)))
    throw InputError(path + ": the folder " + folder_of(path) + " does not exist");
  publish_snapshot(path, results, reduce, samples);
}

void ResultsStore::snapshot(StudyStatus status, Reducer reduce) {
  results_.meta.status = status;
  results_.meta.updated_utc = utc_now();
  // The old snapshot's /samples and the logged blocks of committed runs.
  publish_snapshot(path_, results_, reduce, {{path_, samples_path(path_), 0}});
  // Everything journaled is now in the snapshot, durably (publish_snapshot
  // threw otherwise, and the journal stays whole). A crash before this
  // truncation only replays entries the snapshot already has (skipped), and
  // folds sample blocks it already has (skipped too); so does a truncation
  // that did not reach the disk.
  journal_.empty();
  if (samples_) samples_->clear();
  else if (exists(samples_path(path_)) && ::truncate(samples_path(path_).c_str(), 0) != 0)
    throw InternalError(samples_path(path_) + ": cannot truncate: " + errno_text());
}

}  // namespace joulegrid
