// The results store: a commit is a synced journal line, the HDF5 file is a
// snapshot swapped in whole, and neither a torn write nor a wrong spec can
// damage what is already there.

#include <algorithm>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/errors.hpp"
#include "io/store/checkpoints.hpp"
#include "io/store/crc.hpp"
#include "io/store/journal.hpp"
#include "io/store/lock.hpp"
#include "io/store/merge.hpp"
#include "io/store/store.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

using testing::slurp;
using testing::TempDir;

std::vector<CellRow> grid(int n) {
  std::vector<CellRow> cells;
  for (int i = 0; i < n; ++i) {
    CellRow c;
    c.index = i;
    c.id = "cell" + std::to_string(i);
    c.architecture = i % 2 ? "bcnn" : "lenet";
    c.criterion = "epochs2";
    c.criterion_kind = "epochs";
    cells.push_back(c);
  }
  return cells;
}

StudyMeta meta() {
  StudyMeta m;
  m.study = "unit";
  m.spec_text = "[experiment]\nname = \"unit\"\n";
  m.max_attempts = 2;
  return m;
}

RunResult run(const std::string& id, int attempt, const std::string& status, bool settles) {
  RunResult r;
  r.cell_id = id;
  r.attempt = attempt;
  r.status = status;
  r.settles_cell = settles;
  r.node = "n1";
  r.energy_method = "counter";
  r.failure = status == "failed" ? "signal" : "";
  r.error_tail = status == "failed" ? "Segmentation fault\n" : "";
  for (int e = 1; e <= 2; ++e) {
    EpochRecord rec;
    rec.epoch = e;
    rec.test_acc = 0.4 * e;
    rec.train_energy = {10.0 * e, 40.0, 8.0 * e, 6.0, 1.0, 3.0, "counter", ""};
    rec.eval_energy = {1.0, 4.0, 0.5, 0.7, 0.1, 0.2, "counter", "card0: counter 1 J vs power 2 J (100 %)"};
    rec.cumulative_j = 11.0 * e;
    rec.efficiency = rec.test_acc / rec.cumulative_j;
    r.epoch_records.push_back(rec);
  }
  r.epochs = 2;
  r.test_acc = 0.8;
  r.energy_j = 22.0;
  return r;
}

TEST(ResultsStore, NewFileOpensAtOnceWithTheGridAndSpec) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  ResultsStore::create(path, meta(), grid(3));
  const StudyResults r = load_results(path);
  EXPECT_EQ(r.meta.study, "unit");
  EXPECT_EQ(r.meta.spec_text, meta().spec_text);
  EXPECT_EQ(r.meta.status, "running");
  ASSERT_EQ(r.cells.size(), 3u);
  EXPECT_EQ(r.cells[1].architecture, "bcnn");
  EXPECT_EQ(r.cells[1].status, "pending");
  EXPECT_TRUE(r.runs.empty());
}

TEST(ResultsStore, RefusesAnExistingFileAndLeavesItUntouched) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  { ResultsStore::create(path, meta(), grid(3)).add_run(run("cell0", 1, "done", true)); }
  const std::string before = slurp(path), journal = slurp(journal_path(path));
  try {
    ResultsStore::create(path, meta(), grid(3));
    FAIL() << "an existing results file was overwritten";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(path), before);
  EXPECT_EQ(slurp(journal_path(path)), journal);
}

TEST(ResultsStore, ACommittedRunIsReadableBeforeAndAfterTheSnapshot) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  ResultsStore store = ResultsStore::create(path, meta(), grid(2));
  store.add_run(run("cell1", 1, "failed", false));
  store.add_run(run("cell1", 2, "done", true));
  for (int pass = 0; pass < 2; ++pass) {
    const StudyResults r = load_results(path);
    ASSERT_EQ(r.runs.size(), 2u) << "pass " << pass;
    EXPECT_EQ(r.cells[1].status, "done");
    EXPECT_EQ(r.cells[1].attempts, 2);
    EXPECT_EQ(r.cells[0].status, "pending");
    const RunResult& failed = r.runs[0];
    EXPECT_EQ(failed.failure, "signal");
    EXPECT_EQ(failed.error_tail, "Segmentation fault\n");
    const RunResult& done = r.runs[1];
    ASSERT_EQ(done.epoch_records.size(), 2u);
    const EpochRecord& e = done.epoch_records[1];
    EXPECT_DOUBLE_EQ(e.train_energy.joules, 20.0);
    EXPECT_DOUBLE_EQ(e.train_energy.net_joules, 16.0);
    EXPECT_DOUBLE_EQ(e.eval_energy.gpu_j, 0.2);
    EXPECT_EQ(e.eval_energy.disagreement, "card0: counter 1 J vs power 2 J (100 %)");
    EXPECT_DOUBLE_EQ(e.cumulative_j, 22.0);
    store.snapshot("complete");
    EXPECT_EQ(slurp(journal_path(path)), "");
  }
  EXPECT_EQ(load_results(path).meta.status, "complete");
}

// The live commit and the replay apply one set of rules (journal.hpp): an
// entry that a later --resume would refuse is never written, so a bug
// upstream cannot leave a journal that stops the study. The same record
// again is not written twice.
TEST(ResultsStore, AnEntryItsReplayWouldRefuseIsNeverCommitted) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(2));
    store.add_run(run("cell0", 1, "done", true));
    const std::string committed = slurp(journal_path(path));
    store.add_run(run("cell0", 1, "done", true));  // the same record: nothing more
    EXPECT_EQ(slurp(journal_path(path)), committed);
    EXPECT_THROW(store.add_run(run("cell0", 2, "done", true)), InternalError);   // cell0 is settled
    EXPECT_THROW(store.add_run(run("cell9", 1, "done", true)), InternalError);   // not in the grid
    EXPECT_THROW(store.add_run(run("cell1", 3, "failed", true)), InternalError); // max_attempts 2
    RunResult other = run("cell0", 1, "done", true);
    other.energy_j = 23;  // another record of one attempt
    other.epoch_records.pop_back();
    other.epochs = 1;
    EXPECT_THROW(store.add_run(other), InternalError);
    NodeRecord n;
    n.name = "n1";
    n.calibration_steps = 50;
    n.calibration_j = 170;  // not the median of its repetitions
    n.calibration_runs = {{1, 161, 100, 1.0, ""}, {2, 166, 104, 1.1, ""}, {3, 183, 120, 1.2, ""}};
    EXPECT_THROW(store.add_node(n), InternalError);
    EXPECT_EQ(slurp(journal_path(path)), committed);
    EXPECT_EQ(store.results().runs.size(), 1u);
    EXPECT_TRUE(store.results().nodes.empty());
    store.add_run(run("cell1", 1, "done", true));
  }
  const StudyResults read = load_results(path);  // and the journal it leaves replays whole
  EXPECT_EQ(read.runs.size(), 2u);
  ResultsStore resumed = ResultsStore::resume(path, meta(), grid(2));
  EXPECT_TRUE(resumed.settled("cell1"));
}

// Every repetition of a node's calibration is kept: in the journal, and in
// /calibrations once snapshotted; a node of a file written before they were
// kept reads as one repetition.
TEST(ResultsStore, EveryCalibrationRepetitionIsKept) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  ResultsStore store = ResultsStore::create(path, meta(), grid(1));
  NodeRecord n;
  n.name = "n1";
  n.calibration_steps = 50;
  n.calibration_j = 166;
  n.calibration_runs = {{1, 161, 100, 1.0, ""}, {2, 166, 104, 1.1, ""}, {3, 183, 120, 1.2, ""}};
  store.add_node(n);
  for (int pass = 0; pass < 2; ++pass) {
    const StudyResults r = load_results(path);
    ASSERT_EQ(r.nodes.size(), 1u);
    ASSERT_EQ(r.nodes[0].calibration_runs.size(), 3u) << "pass " << pass;
    EXPECT_DOUBLE_EQ(r.nodes[0].calibration_runs[2].joules, 183);
    EXPECT_DOUBLE_EQ(r.nodes[0].calibration_runs[1].net_joules, 104);
    EXPECT_NEAR(r.nodes[0].calibration_spread(), (183.0 - 161.0) / 166.0, 1e-12);
    store.snapshot(StudyStatusValue::running);
  }
  const StudyResults old = load_results(std::string(JOULEGRID_SOURCE_DIR) + "/tests/data/golden/golden.h5");
  for (const auto& node : old.nodes) {
    ASSERT_EQ(node.calibration_runs.size(), 1u) << node.name;
    EXPECT_DOUBLE_EQ(node.calibration_runs[0].joules, node.calibration_j);
    EXPECT_DOUBLE_EQ(node.calibration_spread(), 0.0);
  }
}

TEST(ResultsStore, AMovedStoreStillCommits) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  std::optional<ResultsStore> held;
  held.emplace(ResultsStore::create(path, meta(), grid(2)));
  held->add_run(run("cell0", 1, "done", true));
  EXPECT_EQ(load_results(path).runs.size(), 1u);
}

TEST(ResultsStore, ATornJournalLineIsNotACommit) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(2));
    store.add_run(run("cell0", 1, "done", true));
  }
  // A kill -9 in the middle of the next append.
  std::ofstream(journal_path(path), std::ios::app) << R"({"type":"run","run":{"cell_id":"cell1","sta)";
  EXPECT_EQ(load_results(path).runs.size(), 1u);
  ResultsStore resumed = ResultsStore::resume(path, meta(), grid(2));
  EXPECT_TRUE(resumed.settled("cell0"));
  EXPECT_FALSE(resumed.settled("cell1"));
  resumed.add_run(run("cell1", 1, "done", true));
  const StudyResults r = load_results(path);
  EXPECT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(r.cells[1].status, "done");
}

// A journal of three committed cells whose middle line is then damaged in
// one of the ways a disk or a second writer damages it.
class DamagedJournal : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    path_ = dir_.file("r.h5");
    {
      ResultsStore store = ResultsStore::create(path_, meta(), grid(4));
      for (const char* id : {"cell0", "cell1", "cell2"}) store.add_run(run(id, 1, "done", true));
    }
    std::vector<std::string> lines;
    std::ifstream in(journal_path(path_));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), 3u);
    const std::string& damage = GetParam();
    std::string text = lines[0] + "\n";
    if (damage == "garbage") text += "\x01\x7f garbage \xff\n" + lines[1] + "\n";
    else if (damage == "overwritten") text += lines[1].substr(0, 20) + "XXXXXXXX" + lines[1].substr(28) + "\n";
    else if (damage == "blank") text += "\n" + lines[1] + "\n";
    else if (damage == "torn-then-good") text += lines[1].substr(0, 30) + "\n" + lines[1] + "\n";
    else if (damage == "glued") text += lines[1].substr(0, 30) + lines[1] + "\n";  // a torn write, no newline, then the line again
    text += lines[2] + "\n";
    std::ofstream(journal_path(path_), std::ios::trunc | std::ios::binary) << text;
    journal_ = slurp(journal_path(path_));
  }
  TempDir dir_;
  std::string path_, journal_;
};

TEST_P(DamagedJournal, IsRefusedNamingTheLineAndNothingChanges) {
  try {
    load_results(path_);
    FAIL() << "a bad line mid-journal was read past";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(journal_path(path_) + ":2: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--repair-journal"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ResultsStore::resume(path_, meta(), grid(4)), InputError);
  EXPECT_EQ(slurp(journal_path(path_)), journal_) << "the refusal changed nothing";
}

TEST_P(DamagedJournal, RepairMovesTheBadLinesAsideAndKeepsEveryGoodOne) {
  std::string repaired;
  {
    ResultsStore store = ResultsStore::resume(path_, meta(), grid(4), /*repair_journal=*/true, &repaired);
    EXPECT_NE(repaired.find("moved to " + journal_path(path_) + ".rejected"), std::string::npos) << repaired;
    for (const char* id : {"cell0", "cell2"}) EXPECT_TRUE(store.settled(id)) << id << ": the good line after it is kept";
    // cell1's own line is the damaged one only where it was overwritten: run again, as it must be.
    EXPECT_EQ(store.settled("cell1"), GetParam() != "overwritten");
    if (!store.settled("cell1")) store.add_run(run("cell1", 1, "done", true));
  }
  const StudyResults r = load_results(path_);
  EXPECT_EQ(r.runs.size(), 3u);
  const std::string aside = slurp(journal_path(path_) + ".rejected");
  EXPECT_NE(aside.find("# line 2: "), std::string::npos) << aside;
}

INSTANTIATE_TEST_SUITE_P(EveryDamage, DamagedJournal,
                         ::testing::Values("garbage", "overwritten", "blank", "torn-then-good", "glued"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Every journal line carries the study's id inside a CRC-32C: a flipped
// digit, a line appended from another results file of the same spec (a run
// or a node measurement), and a line whose figures disagree with
// themselves are refused naming the line; before, each was committed with
// exit 0 (and the last made the file unreadable once folded in). A repair
// sets them aside and leaves a file that reads.
TEST(ResultsStore, EveryJournalLineIsCheckedAndBoundToItsStudy) {
  EXPECT_EQ(crc32c_of("123456789", 9), 0xe3069283u);
  TempDir dir;
  const std::string path = dir.file("r.h5"), other = dir.file("other.h5");
  for (const std::string& p : {path, other}) {
    ResultsStore store = ResultsStore::create(p, meta(), grid(3));
    store.add_run(run("cell0", 1, "done", true));
    NodeRecord n;
    n.name = "n1";
    n.idle_w = p == path ? 40 : 400;
    store.add_node(n);
  }
  const std::string good = slurp(journal_path(path));
  const std::string study = load_results(path).meta.study_id;
  ASSERT_EQ(study.size(), 16u);
  EXPECT_NE(study, load_results(other).meta.study_id);
  EXPECT_NE(good.find("\"study\":\"" + study + "\",\"crc32c\":\""), std::string::npos) << good;
  auto refusal = [&](const std::string& text) -> std::string {
    std::ofstream(journal_path(path), std::ios::trunc | std::ios::binary) << text;
    try {
      load_results(path);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  // A flipped digit in energy_j.
  std::string flipped = good;
  const size_t at = flipped.find("\"energy_j\":") + 11;
  flipped[at] = flipped[at] == '2' ? '3' : '2';
  EXPECT_NE(refusal(flipped).find(":1: its checksum does not hold"), std::string::npos) << refusal(flipped);
  // The other study's lines: its run of cell1, its node measurement.
  {
    ResultsStore more = ResultsStore::resume(other, meta(), grid(3));
    more.add_run(run("cell1", 1, "done", true));
  }
  const std::string theirs = slurp(journal_path(other));
  const std::string their_run = theirs.substr(theirs.rfind("{\"run\":"));
  EXPECT_NE(refusal(good + their_run).find(":3: a line of another study"), std::string::npos) << refusal(good + their_run);
  const std::string their_node = theirs.substr(theirs.find("{\"node\":"));
  EXPECT_NE(refusal(good + their_node.substr(0, their_node.find('\n') + 1)).find(":3: a line of another study"),
            std::string::npos);
  // Figures that disagree with themselves, checksum and all (a bug, or a hand edit done carefully).
  RunResult odd = run("cell2", 1, "done", true);
  odd.energy_j = 999;
  const std::string odd_line = journal_line(JournalEntry::of(odd), study);
  EXPECT_NE(refusal(good + odd_line).find(":3: attempt 1 of cell cell2: it says 2 epochs and energy_j 999"),
            std::string::npos)
      << refusal(good + odd_line);
  RunResult beyond = run("cell2", 3, "done", true);  // max_attempts 2
  EXPECT_NE(refusal(good + journal_line(JournalEntry::of(beyond), study)).find("beyond the study's 2 attempts"),
            std::string::npos);
  // A line without a checksum, in a file that has an id.
  EXPECT_NE(refusal(good + nlohmann::json{{"type", "run"}, {"run", run("cell2", 1, "done", true)}}.dump() + "\n")
                .find(":3: no checksum"),
            std::string::npos);
  // The repair sets them aside; what is left reads, and the good lines are kept.
  refusal(good + their_run + odd_line);
  EXPECT_NE(repair_journal(path), "");
  const StudyResults r = load_results(path);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].cell_id, "cell0");
  ASSERT_EQ(r.nodes.size(), 1u);
  EXPECT_EQ(r.nodes[0].idle_w, 40) << "this study's node measurement, not the other's";
}

// A journal written before checksums (no study id in its file) still
// reads, and says how many lines it could not check; a resume gives the
// file an id, so every later line is checked.
TEST(ResultsStore, AJournalFromBeforeChecksumsReadsAndIsBoundAtTheNextResume) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(3));
  }
  // As an older joulegrid left it: no id in the file, lines without checksums.
  {
    StudyResults r = load_results(path);
    r.meta.study_id.clear();
    std::filesystem::remove(path);
    std::filesystem::remove(journal_path(path));
    write_new_results(path, r, {}, {});
  }
  std::ofstream(journal_path(path)) << nlohmann::json{{"type", "run"}, {"run", run("cell0", 1, "done", true)}}.dump()
                                    << "\n";
  std::string note;
  EXPECT_EQ(load_results(path, &note).runs.size(), 1u);
  EXPECT_NE(note.find("1 line written before checksums"), std::string::npos) << note;
  {
    ResultsStore store = ResultsStore::resume(path, meta(), grid(3));
    EXPECT_EQ(store.results().meta.study_id.size(), 16u);
    store.add_run(run("cell1", 1, "done", true));
  }
  EXPECT_EQ(load_results(path).runs.size(), 2u);
  const std::string journal = slurp(journal_path(path));
  EXPECT_NE(journal.find("\"crc32c\""), std::string::npos) << journal;
  EXPECT_EQ(journal.find("cell0"), std::string::npos) << "the old line was folded into the snapshot the resume wrote";
}

// An entry whose "type" is not a string (the fuzzer's journal-crash-53e940dd,
// fuzz/corpus/journal/type-not-a-string) is refused naming its line: it
// used to throw out of the replay's parsing thread and end the process.
TEST(ResultsStore, AnEntryWhoseTypeIsNotAStringIsRefusedNamingItsLine) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(3));
  }
  {
    StudyResults r = load_results(path);
    r.meta.study_id.clear();  // lines without checksums, as an older joulegrid wrote them
    std::filesystem::remove(path);
    std::filesystem::remove(journal_path(path));
    write_new_results(path, r, {}, {});
  }
  std::ofstream(journal_path(path)) << nlohmann::json{{"type", "run"}, {"run", run("cell0", 1, "done", true)}}.dump()
                                    << "\n"
                                    << nlohmann::json{{"type", 2.5}, {"run", run("cell1", 1, "done", true)}}.dump()
                                    << "\n";
  try {
    load_results(path);
    FAIL() << "an entry of no known type was read past";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(journal_path(path) + ":2: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unknown type 2.5"), std::string::npos) << e.what();
  }
}

// A journal that cannot be read is refused by every reader, naming it:
// before, a folder where the journal should be read as an empty journal,
// and report showed none of the commits it held, with exit 0.
TEST(ResultsStore, AJournalThatCannotBeReadIsRefusedNamingIt) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(2));
    store.add_run(run("cell0", 1, "done", true));
  }
  std::filesystem::rename(journal_path(path), dir.file("aside"));
  std::filesystem::create_directories(journal_path(path));
  try {
    load_results(path);
    FAIL() << "a folder was read as an empty journal";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(journal_path(path) + ": the journal is not a file"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(ResultsStore::resume(path, meta(), grid(2)), InputError);
}

// Where the kernel lock may not reach other nodes (NFS, Lustre with
// localflock, …; forced here with JOULEGRID_RESULTS_LEASE=always), a lease
// made with O_EXCL keeps a writer on another node off: a fresh one is
// refused naming its holder, a stale one (untouched past the stale time,
// or of a process of this host that is gone) is taken over and said, and
// the writer removes its own at the end. The guard in force is said.
TEST(ResultsLock, ALeaseKeepsAWriterOnAnotherNodeOffAndAStaleOneIsTakenOver) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultsLock local(path);
    EXPECT_EQ(local.guard().find("lease"), std::string::npos) << local.guard();
    EXPECT_NE(local.guard().find("a kernel lock on " + lock_path(path)), std::string::npos) << local.guard();
  }
  ::setenv("JOULEGRID_RESULTS_LEASE", "always", 1);
  const std::string lease = lease_path(path);
  std::ofstream(lease) << "host another-node, pid 4242, since 2026-12-07T10:00:00Z, job SLURM_JOB_ID=7\n";
  try {
    ResultsLock refused(path);
    FAIL() << "a fresh lease of another node was ignored";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("host another-node, pid 4242"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lease " + lease), std::string::npos) << e.what();
  }
  const timespec old[2] = {{std::time(nullptr) - 3600, 0}, {std::time(nullptr) - 3600, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, lease.c_str(), old, 0), 0);
  {
    ResultsLock taken(path);
    EXPECT_NE(taken.guard().find("and the lease " + lease), std::string::npos) << taken.guard();
    EXPECT_NE(taken.guard().find("took over a stale lease of host another-node"), std::string::npos) << taken.guard();
    EXPECT_TRUE(taken.intact());
    EXPECT_NE(slurp(lease).find("pid " + std::to_string(::getpid())), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(lease)) << "the writer removes its lease at the end";
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  std::ofstream(lease) << "host " << host << ", pid " << gone << ", since 2026-12-07T10:00:00Z, job local\n";
  {
    ResultsLock taken(path);
    EXPECT_NE(taken.guard().find("a process of this host that is gone"), std::string::npos) << taken.guard();
  }
  ::unsetenv("JOULEGRID_RESULTS_LEASE");
}

// Lines that read but must not be taken: a cell outside the grid, a second
// settled result of a done cell, one attempt recorded twice with other
// figures (two writers). None is dropped or replaces the first quietly.
TEST(ResultsStore, AJournalLineThatWouldReplaceACommitIsRefused) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(2));
    store.add_run(run("cell0", 1, "done", true));
  }
  const std::string good = slurp(journal_path(path));
  const std::string study = load_results(path).meta.study_id;
  auto with = [&](const RunResult& extra) {
    std::ofstream(journal_path(path), std::ios::trunc) << good
                                                       << journal_line(JournalEntry::of(extra), study);
  };
  auto refusal = [&]() -> std::string {
    try {
      load_results(path);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  with(run("cell9", 1, "done", true));
  EXPECT_NE(refusal().find(":2: a run of cell cell9, which is not in this file's grid"), std::string::npos) << refusal();
  with(run("cell0", 2, "done", true));
  EXPECT_NE(refusal().find(":2: attempt 2 of cell cell0, which attempt 1 already settled (line 1)"), std::string::npos)
      << refusal();
  RunResult other = run("cell0", 1, "done", true);
  other.node = "n2";
  with(other);
  EXPECT_NE(refusal().find(":2: attempt 1 of cell cell0 recorded a second time with other figures (the first: line 1)"),
            std::string::npos)
      << refusal();
  with(run("cell0", 1, "done", true));  // the same record twice (a kill between snapshot and truncation): fine
  EXPECT_EQ(load_results(path).runs.size(), 1u);
  { ResultsStore::resume(path, meta(), grid(2)).snapshot("running"); }
  with(other);  // against the snapshot
  EXPECT_NE(refusal().find("(the first: the snapshot)"), std::string::npos) << refusal();
}

// One writer a file: a second store on it is refused naming the first
// (host, pid, start); the lock goes with its holder, so a holder killed
// with -9 leaves nothing that blocks the next one.
TEST(ResultsStore, ASecondWriterIsRefusedNamingTheFirstAndALockDiesWithItsHolder) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  std::optional<ResultsStore> first(ResultsStore::create(path, meta(), grid(2)));
  const std::string journal = slurp(journal_path(path));
  try {
    ResultsStore::resume(path, meta(), grid(2));
    FAIL() << "two writers on one file";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("another joulegrid is writing this results file"), std::string::npos) << what;
    EXPECT_NE(what.find("pid " + std::to_string(::getpid())), std::string::npos) << what;
    EXPECT_NE(what.find("since 20"), std::string::npos) << what;
  }
  EXPECT_THROW(repair_journal(path), InputError);
  EXPECT_EQ(slurp(journal_path(path)), journal);
  first.reset();
  { ResultsStore::resume(path, meta(), grid(2)); }  // released with the store

  // A process that holds it and dies by SIGKILL: the kernel releases it.
  const std::string held = dir.file("held");
  const pid_t holder = ::fork();
  if (holder == 0) {
    std::optional<ResultsStore> store;
    while (!store) {
      try {
        store.emplace(ResultsStore::resume(path, meta(), grid(2)));
      } catch (...) {
        ::usleep(1000);
      }
    }
    std::ofstream(held) << "yes";
    ::pause();
    ::_exit(0);
  }
  for (int i = 0; i < 1000 && !std::ifstream(held); ++i) ::usleep(10000);
  EXPECT_THROW(ResultsStore::resume(path, meta(), grid(2)), InputError) << "the child holds the lock";
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  EXPECT_NO_THROW(ResultsStore::resume(path, meta(), grid(2))) << "a stale FILE.lock never blocks";
}

// What a kill (or a full disk) while the file was first written left: a
// journal and a FILE.tmp but no file. `run` used to say --resume and
// --resume that there was nothing to resume. Now the file comes before its
// journal, and a journal found without its file is rebuilt by --resume.
TEST(ResultsStore, AJournalWithoutItsFileIsRebuiltByResumeNotALoop) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(2));
    store.add_run(run("cell0", 1, "done", true));
  }
  std::filesystem::remove(path);
  std::ofstream(path + ".tmp") << "half a file";
  EXPECT_THROW(ResultsStore::create(path, meta(), grid(2)), InputError) << "its commits are in the journal";
  std::string note;
  {
    ResultsStore store = ResultsStore::resume(path, meta(), grid(2), false, &note);
    EXPECT_TRUE(store.settled("cell0"));
    EXPECT_FALSE(store.settled("cell1"));
    EXPECT_NE(note.find("rebuilt from the spec and the journal's 1 good lines"), std::string::npos) << note;
    store.add_run(run("cell1", 1, "done", true));
  }
  const StudyResults r = load_results(path);
  EXPECT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(r.cells[0].status, "done");

  // A kill before the first commit leaves at most an empty journal and a .tmp: run simply starts.
  const std::string fresh = dir.file("fresh.h5");
  std::ofstream(journal_path(fresh)).flush();
  std::ofstream(fresh + ".tmp") << "half a file";
  { ResultsStore::create(fresh, meta(), grid(2)); }
  EXPECT_EQ(load_results(fresh).cells.size(), 2u);
  EXPECT_THROW(ResultsStore::resume(dir.file("none.h5"), meta(), grid(2)), InputError);
}

// Overwritten bytes of one stored figure: HDF5's Fletcher-32 checksum of
// the column refuses the read (exit 2 naming the column), where the file
// used to give a confident report of the wrong number. A column rewritten
// whole (checksums and all) disagrees with what is stored beside it.
// Text and /meta attributes are covered by no HDF5 filter: a changed node
// name, or a max_attempts rewritten through HDF5, read back with exit 0.
// Each text column carries a CRC-32C of its values, /meta one of its fields.
TEST(ResultsStore, AChangedTextOrMetaAttributeIsRefusedNamingIt) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(2));
    RunResult r = run("cell0", 1, "done", true);
    r.node = "node-with-a-name-found-once";
    store.add_run(r);
    store.snapshot("complete");
  }
  ASSERT_EQ(load_results(path).runs[0].node, "node-with-a-name-found-once");
  const std::string text = dir.file("text.h5");
  std::filesystem::copy_file(path, text);
  {
    std::string bytes = slurp(text);
    const size_t at = bytes.find("node-with-a-name-found-once");
    ASSERT_NE(at, std::string::npos);
    std::fstream f(text, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(at + 5));
    f.put('W');  // node-With-…: another plausible node
  }
  try {
    load_results(text);
    FAIL() << "a changed text was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("column node: its checksum does not hold"), std::string::npos) << e.what();
  }
  {
    hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    hid_t group = H5Gopen2(file, "meta", H5P_DEFAULT);
    hid_t attr = H5Aopen(group, "max_attempts", H5P_DEFAULT);
    ASSERT_GE(attr, 0);
    const int64_t more = 9;
    const herr_t written = H5Awrite(attr, H5T_NATIVE_INT64, &more);
    if (written < 0) H5Eprint2(H5E_DEFAULT, stderr);
    ASSERT_GE(written, 0);
    H5Aclose(attr);
    H5Gclose(group);
    H5Fclose(file);
  }
  try {
    load_results(path);
    FAIL() << "a changed /meta attribute was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/meta: its checksum does not hold"), std::string::npos) << e.what();
  }
}

TEST(ResultsStore, AChangedStoredFigureIsRefusedNamingItsColumn) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(2));
    RunResult r = run("cell0", 1, "done", true);
    r.test_acc = 0.8765432101234567;
    store.add_run(r);
    store.snapshot("complete");
  }
  EXPECT_DOUBLE_EQ(load_results(path).runs[0].test_acc, 0.8765432101234567);
  std::string bytes = slurp(path);
  const double wanted = 0.8765432101234567;
  const std::string pattern(reinterpret_cast<const char*>(&wanted), sizeof wanted);
  const size_t at = bytes.find(pattern);
  ASSERT_NE(at, std::string::npos);
  const std::string copy = dir.file("copy.h5");
  std::filesystem::copy_file(path, copy);
  {
    std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(at + 6));
    f.put(static_cast<char>(bytes[at + 6] ^ 0x10));  // 0.8765… becomes another plausible accuracy
  }
  try {
    load_results(copy);
    FAIL() << "a changed figure was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("test_acc"), std::string::npos) << e.what();
  }

  // A column rewritten whole through HDF5: the checksums are right, the figures are not.
  {
    hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    hid_t ds = H5Dopen2(file, "runs/energy_j", H5P_DEFAULT);
    const double wrong = 999.0;
    ASSERT_GE(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &wrong), 0);
    H5Dclose(ds);
    H5Fclose(file);
  }
  try {
    load_results(path);
    FAIL() << "a run's energy that its epochs contradict was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("damaged: /runs of cell cell0 attempt 1"), std::string::npos) << e.what();
  }
}

TEST(ResultsStore, JournalEntriesAlreadyInTheSnapshotAreNotDuplicated) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(2));
    store.add_run(run("cell0", 1, "done", true));
  }
  const std::string journal = slurp(journal_path(path));
  { ResultsStore::resume(path, meta(), grid(2)).snapshot("running"); }
  // A crash between the snapshot's rename and the journal's truncation.
  std::ofstream(journal_path(path), std::ios::trunc) << journal;
  EXPECT_EQ(load_results(path).runs.size(), 1u);
}

TEST(ResultsStore, ResumeRefusesAnotherGridAndChangesNothing) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  { ResultsStore::create(path, meta(), grid(3)); }
  const std::string before = slurp(path);
  try {
    ResultsStore::resume(path, meta(), grid(4));
    FAIL() << "resumed with a different grid";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("differs from the spec"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(path), before);
}

TEST(ResultsStore, NotAResultsFileIsBadInputNamingIt) {
  TempDir dir;
  const std::string path = dir.write("x.h5", "not hdf5 at all");
  try {
    load_results(path);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}


// ---- raw samples ([meters] store_samples) -----------------------------------

SampleBlock block(const std::string& cell, int attempt, size_t n, double watts) {
  SampleBlock b;
  b.cell_id = cell;
  b.attempt = attempt;
  b.node = "n1";
  b.rank = 1;
  b.start_unix_s = 1.7e9;
  b.channels = {{"rapl package-0", "cpu", "counter", "J"}, {"nvml GPU-0", "gpu", "power", "W"}};
  for (size_t i = 0; i < n; ++i) b.t.push_back(0.01 * static_cast<double>(i));
  for (size_t i = 0; i < n; ++i) b.values.push_back(262000.0 + 0.5 * static_cast<double>(i));  // µJ steps survive
  for (size_t i = 0; i < n; ++i) b.values.push_back(watts + static_cast<double>(i % 7));
  return b;
}

// A run continued from a checkpoint keeps its segments in the journal and
// in /segments; segments that do not add up to the run's epochs are a
// file changed behind joulegrid's back.
TEST(ResultsStore, ARunsSegmentsAreKeptAndMustAddUpToItsEpochs) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  RunResult r = run("cell1", 1, "done", true);
  RunSegment a, b;
  a.node = "n1";
  a.epochs = 1;
  a.energy_j = 11;
  b.node = "n2";
  b.node_session = 1;
  b.first_epoch = 2;
  b.epochs = 1;
  b.energy_j = 11;
  b.seconds = 4;
  r.segments = {a, b};
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(2));
    store.add_run(r);
    for (int pass = 0; pass < 2; ++pass) {
      const StudyResults read = load_results(path);
      ASSERT_EQ(read.runs.size(), 1u);
      ASSERT_EQ(read.runs[0].segments.size(), 2u) << "pass " << pass;
      EXPECT_EQ(read.runs[0].segments[1].node_key(), "n2#1");
      EXPECT_DOUBLE_EQ(read.runs[0].segments[1].seconds, 4);
      if (pass == 0) store.snapshot("complete");
    }
  }
  const std::string bad = dir.file("bad.h5");
  r.segments[1].epochs = 2;
  {  // the writer never commits what its replay would refuse
    ResultsStore store = ResultsStore::create(bad, meta(), grid(2));
    EXPECT_THROW(store.add_run(r), InternalError);
    EXPECT_EQ(slurp(journal_path(bad)), "");
    EXPECT_TRUE(store.results().runs.empty());
  }
  const std::string written = dir.file("written.h5");  // nor does a reader take it from a file
  StudyResults results;
  results.meta = meta();
  results.cells = grid(2);
  results.runs = {r};
  write_new_results(written, results);
  try {
    load_results(written);
    FAIL() << "segments of 3 epochs for a run of 2 were accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("its segments hold 3 epochs, it says 2"),
              std::string::npos) << e.what();
  }
}

TEST(Checkpoints, ABlobReadsBackWholeAndADamagedOneIsRefusedNamingWhere) {
  const std::string bytes("state\0with\nbytes", 16);
  const std::string blob = encode_blob({{"kind", "state"}, {"epoch", 3}}, bytes);
  const Blob b = decode_blob(blob, "here");
  EXPECT_EQ(b.bytes, bytes);
  EXPECT_EQ(b.header["epoch"], 3);
  auto refused = [](const std::string& damaged, const std::string& why) {
    try {
      decode_blob(damaged, "the file x.ckpt");
      ADD_FAILURE() << "accepted: " << why;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("the file x.ckpt: "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  refused(blob.substr(0, blob.size() - 1), "cut short or altered");
  std::string flipped = blob;
  flipped.back() ^= 1;
  refused(flipped, "do not match their CRC-32");
  refused("PK\3\4 a zip", "not a joulegrid checkpoint");
  refused(blob.substr(0, 20), "its header has no end");
}

// Rank 0's checkpoint folder: a kept state reads back; one of an attempt
// that has ended is dropped; a damaged one is moved aside, saying so, and
// never blocks the cell (it starts from scratch).
TEST(Checkpoints, AKeptStateReadsBackAndADamagedOneIsMovedAsideSayingSo) {
  TempDir dir;
  CheckpointStore store(dir.file("r.checkpoints"));
  RunningCheckpoint c;
  c.cell_id = "abc";
  c.attempt = 2;
  c.epoch = 2;
  c.epoch_records = run("abc", 2, "done", true).epoch_records;
  RunSegment g;
  g.node = "n1";
  g.epochs = 2;
  c.segments = {g};
  c.saved_utc = "2026-12-02T08:00:00Z";
  c.state = std::string("\x80\x02weights", 9);
  store.keep_running(c);
  std::string problem;
  const auto back = store.running("abc", 2, &problem);
  ASSERT_TRUE(back) << problem;
  EXPECT_EQ(back->state, c.state);
  EXPECT_EQ(back->epoch_records.size(), 2u);
  EXPECT_DOUBLE_EQ(back->epoch_records[1].cumulative_j, 22.0);
  EXPECT_EQ(back->segments.at(0).node, "n1");
  EXPECT_FALSE(store.running("other", 1, &problem));
  EXPECT_TRUE(problem.empty());

  EXPECT_FALSE(store.running("abc", 3, &problem)) << "attempt 2 has ended: attempt 3 starts from scratch";
  EXPECT_NE(problem.find("is of attempt 2, which has ended"), std::string::npos) << problem;
  EXPECT_FALSE(std::filesystem::exists(store.running_path("abc")));

  store.keep_running(c);
  std::string bytes = slurp(store.running_path("abc"));
  bytes[bytes.size() - 3] ^= 0x40;  // in the state: its CRC no longer matches
  std::ofstream(store.running_path("abc"), std::ios::binary | std::ios::trunc) << bytes;
  problem.clear();
  EXPECT_FALSE(store.running("abc", 2, &problem));
  EXPECT_NE(problem.find(store.running_path("abc") + ": damaged"), std::string::npos) << problem;
  EXPECT_NE(problem.find("moved aside to " + store.running_path("abc") + ".damaged"), std::string::npos) << problem;
  EXPECT_TRUE(std::filesystem::exists(store.running_path("abc") + ".damaged"));

  store.keep_weights("pre", "pickled");
  EXPECT_EQ(store.weights("pre").value_or(""), "pickled");
  EXPECT_FALSE(store.weights("none"));
}

TEST(SampleBlocks, EncodeAndDecodeRoundTripExactly) {
  const SampleBlock b = block("cell0", 2, 1000, 180.0);
  const SampleBlock back = decode_block(encode_block(b), "test");
  EXPECT_EQ(back.cell_id, "cell0");
  EXPECT_EQ(back.attempt, 2);
  ASSERT_EQ(back.channels.size(), 2u);
  EXPECT_EQ(back.channels[1].unit, "W");
  EXPECT_EQ(back.t, b.t);
  EXPECT_EQ(back.values, b.values);
}

TEST(SampleBlocks, ADamagedBlockIsRefusedNamingWhere) {
  std::string bytes = encode_block(block("cell0", 1, 100, 50.0));
  bytes[bytes.size() - 3] ^= 0x40;  // in the state: its CRC no longer matches
  try {
    decode_block(bytes, "samples from rank 3");
    FAIL() << "a flipped bit was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("samples from rank 3: the checksum does not match"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(decode_block(bytes.substr(0, 40), "w"), InputError);
}

TEST(SampleBlocks, ATornAppendEndsTheLogAndTheWholeBlocksBeforeItRemain) {
  TempDir dir;
  const std::string path = dir.file("r.h5.samples");
  {
    SampleLog log(path);
    log.append(encode_block(block("cell0", 1, 50, 10.0)));
    log.append(encode_block(block("cell1", 1, 50, 20.0)));
  }
  const std::string third = encode_block(block("cell2", 1, 50, 30.0));
  std::ofstream(path, std::ios::app | std::ios::binary) << third.substr(0, third.size() - 9);
  const auto blocks = read_sample_log(path);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[1].cell_id, "cell1");
}

TEST(ResultsStore, SamplesOfCommittedRunsAreFoldedIntoTheSnapshotAndKeptAcrossLaterOnes) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(3));
    store.add_samples(encode_block(block("cell0", 1, 3000, 100.0)));
    store.add_run(run("cell0", 1, "done", true));
    store.add_samples(encode_block(block("cell1", 1, 10, 1.0)));  // logged, then killed before the commit
    store.snapshot("running");
    EXPECT_EQ(slurp(samples_path(path)), "") << "the snapshot has the log's blocks: the log is emptied";
    store.add_samples(encode_block(block("cell2", 1, 500, 200.0)));
    store.add_run(run("cell2", 1, "done", true));
    store.snapshot("complete");
  }
  const auto stored = read_stored_samples(path);
  ASSERT_EQ(stored.size(), 2u) << "cell1's block was never committed";
  EXPECT_EQ(stored[0].cell_id, "cell0");
  EXPECT_EQ(stored[1].cell_id, "cell2");
  const SampleBlock expected = block("cell2", 1, 500, 200.0);
  EXPECT_EQ(stored[1].t, expected.t);
  EXPECT_EQ(stored[1].values, expected.values);
  EXPECT_EQ(stored[0].values, block("cell0", 1, 3000, 100.0).values) << "copied across the second snapshot";
  // The per-run results are untouched by the samples.
  EXPECT_EQ(load_results(path).runs.size(), 2u);
}

TEST(ResultsStore, AKillAfterTheSnapshotButBeforeTheLogIsEmptiedStoresEachRunOnce) {
  TempDir dir;
  const std::string path = dir.file("r.h5");
  const std::string first = encode_block(block("cell0", 1, 100, 100.0));
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(2));
    store.add_samples(first);
    store.add_run(run("cell0", 1, "done", true));
    store.snapshot("running");
  }
  // As if the kill came between the rename and the truncation; and a retried
  // attempt whose first try logged samples but never committed.
  std::ofstream(samples_path(path), std::ios::binary) << first << encode_block(block("cell1", 1, 10, 1.0))
                                                      << encode_block(block("cell1", 1, 20, 2.0));
  {
    ResultsStore store = ResultsStore::resume(path, meta(), grid(2));
    store.add_run(run("cell1", 1, "done", true));
    store.snapshot("complete");
  }
  const auto stored = read_stored_samples(path);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].cell_id, "cell0");
  EXPECT_EQ(stored[1].t.size(), 20u) << "the last block logged for an attempt is the one its commit followed";
}


TEST(ResultsStore, MergedStudiesKeepEachInputsSamplesAsItsReplica) {
  TempDir dir;
  std::vector<std::string> inputs;
  for (int i = 0; i < 2; ++i) {
    StudyMeta m = meta();
    m.job_ids = "SLURM_JOB_ID=" + std::to_string(100 + i);
    inputs.push_back(dir.file("part" + std::to_string(i) + ".h5"));
    ResultsStore store = ResultsStore::create(inputs.back(), m, grid(2));
    store.add_samples(encode_block(block("cell0", 1, 100 + 10 * i, 10.0 * (i + 1))));
    store.add_run(run("cell0", 1, "done", true));
    if (i == 0) store.snapshot("stopped");  // the second input's block is still only in its log
  }
  std::vector<SampleSource> sources;
  const StudyResults merged = merge_results(inputs, &sources);
  write_new_results(dir.file("all.h5"), merged, {}, sources);
  const auto stored = read_stored_samples(dir.file("all.h5"));
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].replica, 0);
  EXPECT_EQ(stored[0].t.size(), 100u);
  EXPECT_EQ(stored[1].replica, 1);
  EXPECT_EQ(stored[1].values, block("cell0", 1, 110, 20.0).values);
}


TEST(ResultsStore, AFileWithoutTheColumnsAddedSinceItWasWrittenStillReads) {
  TempDir dir;
  const std::string path = dir.file("old.h5");
  {
    ResultsStore store = ResultsStore::create(path, meta(), grid(2));
    store.add_run(run("cell0", 1, "done", true));
    store.snapshot("complete");
  }
  {  // as an older joulegrid wrote it: no sample counts, no replica
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    EXPECT_GE(H5Ldelete(f, "epochs/train_samples", H5P_DEFAULT), 0);
    EXPECT_GE(H5Ldelete(f, "epochs/eval_samples", H5P_DEFAULT), 0);
    EXPECT_GE(H5Ldelete(f, "runs/replica", H5P_DEFAULT), 0);
    H5Fclose(f);
  }
  const StudyResults r = load_results(path);
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].replica, 0);
  ASSERT_EQ(r.runs[0].epoch_records.size(), 2u);
  EXPECT_EQ(r.runs[0].epoch_records[0].train_samples, 0);
  EXPECT_DOUBLE_EQ(r.runs[0].epoch_records[1].test_acc, 0.8);
}

}  // namespace
}  // namespace joulegrid
