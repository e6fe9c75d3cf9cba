// The vocabularies and the field lists: one name a word, one name a field,
// every representation read back as it was written.

#include <limits>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/records/schema.hpp"
#include "vocabulary/architectures.hpp"
#include "vocabulary/meter_sources.hpp"
#include "vocabulary/vocabulary.hpp"

namespace joulegrid {
namespace {

using nlohmann::json;

template <class E>
void expect_one_name_each() {
  std::set<std::string_view> names;
  std::set<E> values;
  for (const auto& w : Vocabulary<E>::words) {
    EXPECT_TRUE(names.insert(w.name).second) << Vocabulary<E>::what << ": '" << w.name << "' twice";
    EXPECT_TRUE(values.insert(w.value).second) << Vocabulary<E>::what << ": a value named twice";
    EXPECT_EQ(Word<E>(std::string(w.name)).value(), w.value);
    EXPECT_EQ(Word<E>(w.value).name(), w.name);
  }
}

TEST(Vocabulary, EveryWordHasOneNameAndReadsBack) {
  expect_one_name_each<StatusValue>();
  expect_one_name_each<StudyStatusValue>();
  expect_one_name_each<EnergyMethodValue>();
  expect_one_name_each<EnergyBasisValue>();
  expect_one_name_each<RoleValue>();
  expect_one_name_each<CriterionKindValue>();
  expect_one_name_each<StopReasonValue>();
  expect_one_name_each<FailureValue>();
  expect_one_name_each<ReportFormatValue>();
  expect_one_name_each<ArchitectureValue>();
  expect_one_name_each<MeterSourceValue>();
}

TEST(Vocabulary, AMisspeltWordIsRefusedNotQuietlyUnequal) {
  Status s = StatusValue::done;
  EXPECT_TRUE(s == "done");
  try {
    (void)(s == "doen");
    FAIL() << "a misspelt status compared";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'doen' is not a status (known: pending, done, failed, abandoned)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Role("pretraining"), std::invalid_argument);
  EXPECT_EQ(Role(""), RoleValue::scratch);
}

TEST(Vocabulary, TheWeakestMethodWinsAndNoneGivesWay) {
  EXPECT_EQ(weakest_method(EnergyMethodValue::counter, EnergyMethodValue::power), EnergyMethodValue::power);
  EXPECT_EQ(weakest_method(EnergyMethodValue::estimated, EnergyMethodValue::placeholder),
            EnergyMethodValue::placeholder);
  EXPECT_EQ(weakest_method(EnergyMethodValue::none, EnergyMethodValue::counter), EnergyMethodValue::counter);
  EXPECT_EQ(weakest_method(EnergyMethodValue::counter, EnergyMethodValue::none), EnergyMethodValue::counter);
}

TEST(Fields, EveryRecordNamesEachFieldOnce) {
  auto once = [](const auto& fields, const char* what) {
    std::set<std::string> names;
    for (const auto& f : fields) {
      EXPECT_TRUE(names.insert(f.name).second) << what << ": '" << f.name << "' twice";
      for (const auto& a : f.aliases) EXPECT_TRUE(names.insert(a).second) << what << ": alias '" << a << "' twice";
    }
  };
  once(records::cell_spec_fields(), "cell");
  once(records::epoch_fields(), "epoch");
  once(records::run_fields(), "run");
  once(records::node_fields(), "node");
  once(records::cell_row_fields(), "cell row");
  once(records::meta_fields(), "meta");
  once(records::cell_result_fields(), "cell result");
  once(records::model_fields(), "model");
  once(records::by_node_fields(), "by node");
  once(records::node_row_fields(), "node row");
}

RunResult a_run() {
  RunResult r;
  r.cell_id = "abc";
  r.status = StatusValue::failed;
  r.stop_reason = StopReasonValue::failed;
  r.failure = FailureValue::nonfinite_loss;
  r.energy_method = EnergyMethodValue::power;
  r.settles_cell = true;
  r.energy_j = 12.5;
  r.gpu_util = 40;
  EpochRecord e;
  e.epoch = 1;
  e.partial = true;
  e.train_energy.joules = 10;
  e.train_energy.method = EnergyMethodValue::power;
  e.eval_energy.net_joules = 1.5;
  r.epoch_records.push_back(e);
  return r;
}

TEST(Fields, ARunReadsBackFromItsJournalJson) {
  const json j = a_run();
  EXPECT_EQ(j["status"], "failed");
  EXPECT_EQ(j["failure"], "nonfinite_loss");
  EXPECT_EQ(j["gpu_util_percent"], 40.0);
  EXPECT_TRUE(j["cpu_util_percent"].is_null()) << "NaN is null in JSON";
  EXPECT_EQ(j["epoch_records"][0]["train_j"], 10.0) << "a phase's energy is flat, as in /epochs";
  EXPECT_EQ(j["epoch_records"][0]["partial"], true);
  const RunResult back = j.get<RunResult>();
  EXPECT_EQ(back.status, StatusValue::failed);
  EXPECT_EQ(back.failure, FailureValue::nonfinite_loss);
  EXPECT_TRUE(back.settles_cell);
  EXPECT_TRUE(std::isnan(back.cpu_util));
  ASSERT_EQ(back.epoch_records.size(), 1u);
  EXPECT_EQ(back.epoch_records[0].train_energy.method, EnergyMethodValue::power);
  EXPECT_DOUBLE_EQ(back.epoch_records[0].eval_energy.net_joules, 1.5);
  EXPECT_TRUE(back.epoch_records[0].partial);
}

TEST(Fields, AJournalLineOfAnOlderJoulegridStillReads) {
  // The form journals had before the field lists: each phase nested, the
  // utilisation without its unit in the name, booleans as booleans.
  const json old = json::parse(R"({"cell_id": "x", "status": "done", "settles_cell": true, "gpu_util": 55,
    "epoch_records": [{"epoch": 1, "loss": 0.5, "train_acc": 0.6, "val_acc": 0.5, "test_acc": 0.55,
      "train_s": 1.0, "eval_s": 0.1, "train_j": 9.0, "energy_method": "counter",
      "train_energy": {"joules": 9.0, "net_joules": 4.0, "node_joules": 20.0, "method": "counter", "gpu_util": 70},
      "eval_energy": {"joules": 1.0, "method": "counter"}}]})");
  const RunResult r = old.get<RunResult>();
  EXPECT_EQ(r.status, StatusValue::done);
  EXPECT_DOUBLE_EQ(r.gpu_util, 55);
  ASSERT_EQ(r.epoch_records.size(), 1u);
  EXPECT_DOUBLE_EQ(r.epoch_records[0].train_energy.net_joules, 4.0);
  EXPECT_DOUBLE_EQ(r.epoch_records[0].train_energy.node_joules, 20.0);
  EXPECT_DOUBLE_EQ(r.epoch_records[0].train_energy.gpu_util, 70);
  EXPECT_EQ(r.epoch_records[0].eval_energy.method, EnergyMethodValue::counter);
}

TEST(Fields, ALineWithAWordOutsideItsVocabularyNamesTheField) {
  json j = a_run();
  j["status"] = "finished";
  try {
    (void)j.get<RunResult>();
    FAIL() << "an unknown status read";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("run: 'status': 'finished' is not a status"), std::string::npos) << e.what();
  }
  json missing = a_run();
  missing.erase("cell_id");
  EXPECT_THROW((void)missing.get<RunResult>(), std::invalid_argument);
}

// An integer field of a journal line whose bytes were damaged into another
// number used to be cast: 1e12 epochs became some int, 4.4e121 was
// undefined behaviour (found by fuzz/fuzz_journal). It is refused naming the
// field; a float with an integral value in range still reads.
TEST(Fields, AnIntegerFieldOutOfItsRangeOrNotIntegralIsRefusedNamingIt) {
  for (const json& bad : {json(1e12), json(4.44444e121), json(-1.5), json(int64_t{1} << 40), json("3"), json(true)}) {
    json j = a_run();
    j["epochs"] = bad;
    try {
      (void)j.get<RunResult>();
      FAIL() << bad << " read as epochs";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("run: 'epochs': "), std::string::npos) << e.what();
    }
  }
  json j = a_run();
  j["epochs"] = 7.0;
  EXPECT_EQ(j.get<RunResult>().epochs, 7);
  j["epochs"] = -2147483648.0;
  EXPECT_EQ(j.get<RunResult>().epochs, std::numeric_limits<int>::min());
}

TEST(Fields, ACellOnTheWireReadsBackAndItsIdentityLeavesOutWhereItRuns) {
  CellSpec c;
  c.architecture = "lenet";
  c.criterion.kind = CriterionKindValue::accuracy;
  c.criterion.name = "accuracy0.9";
  c.data.path = "/somewhere/fashion";
  c.data.name = "fashion";
  c.train.threads = 3;
  c.data_seed = 7;
  const json wire = c;
  EXPECT_EQ(wire["experiment_seed"], 7u);
  EXPECT_FALSE(wire.contains("finetune")) << "a cell from scratch has no fine-tuning group";
  const CellSpec back = wire.get<CellSpec>();
  EXPECT_EQ(back.criterion.kind, CriterionKindValue::accuracy);
  EXPECT_EQ(back.data.path, "/somewhere/fashion");
  EXPECT_EQ(back.train.threads, 3);
  const json id = cell_identity(c);
  EXPECT_FALSE(id["data"].contains("path")) << "a replication elsewhere keeps its ids";
  EXPECT_FALSE(id["train"].contains("threads"));
  EXPECT_FALSE(id.contains("index"));
  CellSpec moved = c;
  moved.data.path = "/elsewhere";
  moved.train.threads = 8;
  EXPECT_EQ(cell_id(moved), cell_id(c));
  CellSpec other = c;
  other.data_seed = 8;
  EXPECT_NE(cell_id(other), cell_id(c));
}

}  // namespace
}  // namespace joulegrid
