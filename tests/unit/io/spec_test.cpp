#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "io/records/results.hpp"
#include "io/spec/spec.hpp"
#include "io/spec/suggest.hpp"
#include "orchestrator/plan/plan.hpp"
#include "tests/fakes/fake_datasets.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

using testing::TempDir;

class SpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir.file("data"));
    testing::write_idx_dataset(dir.file("data"), 40, 20, 10, /*gz=*/false);
  }
  // A valid spec whose [data] points at the fake IDX folder, with `extra` appended.
  std::string spec_text(const std::string& extra = "", const std::string& criteria = kCriteria) const {
    return "[experiment]\nname = \"t\"\nseed = 7\n\n[data]\nformat = \"idx\"\npath = \"data\"\n\n"
           "[grid]\narchitectures = [\"lenet\", \"bcnn\"]\nsizes = [1, 2]\n\n" +
           criteria + extra;
  }
  Spec parse(const std::string& text) const {
    return parse_spec(text, "study.toml", dir.path().string());
  }
  // The message of the InputError that parsing `text` throws.
  std::string error_of(const std::string& text) const {
    try {
      parse(text);
    } catch (const InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no InputError for:\n" << text;
    return "";
  }

  static constexpr const char* kCriteria = "[[criteria]]\nkind = \"epochs\"\nepochs = 3\n";
  TempDir dir;
};

TEST_F(SpecTest, ValidSpecFillsDefaults) {
  const Spec s = parse(spec_text());
  EXPECT_EQ(s.name, "t");
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.data.path, dir.file("data"));
  EXPECT_EQ(s.data.name, "data");
  EXPECT_EQ(s.data.folds, 1);
  EXPECT_EQ(s.batch_sizes, std::vector<int>{256});
  EXPECT_EQ(s.learning_rates, std::vector<double>{0.001});
  EXPECT_EQ(s.optimizers, std::vector<std::string>{"adam"});
  EXPECT_EQ(s.output, (dir.path() / "t.h5").string());
  ASSERT_EQ(s.criteria.size(), 1u);
  EXPECT_EQ(s.criteria[0].name, "epochs3");
  EXPECT_EQ(s.criteria[0].epoch_cap(), 3);
}

TEST_F(SpecTest, UnknownKeySuggestsTheKnownOneWithItsPlace) {
  const std::string msg = error_of(spec_text("\n[train]\nbach_size = [32]\n"));
  EXPECT_NE(msg.find("study.toml:18:1: train.bach_size: unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'batch_size'"), std::string::npos) << msg;
}

// An output that no run could write is refused when the spec is read,
// naming its line: a folder that does not exist, a name that the files
// beside it would make too long. Both used to pass plan and fail later in
// run, naming no line (one message 10 KB long).
TEST_F(SpecTest, AnOutputNoRunCouldWriteIsRefusedNamingItsLine) {
  auto refusal = [&](const std::string& output) -> std::string {
    const std::string text = "[experiment]\nname = \"t\"\noutput = \"" + output + "\"\n" +
                             spec_text().substr(spec_text().find("seed"));
    const std::string file = dir.write("out.toml", text);
    try {
      load_spec(file);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  const std::string missing = refusal("no-such-folder/r.h5");
  EXPECT_NE(missing.find("out.toml:3:"), std::string::npos) << missing;
  EXPECT_NE(missing.find("experiment.output"), std::string::npos) << missing;
  EXPECT_NE(missing.find("no-such-folder does not exist"), std::string::npos) << missing;
  const std::string long_name = refusal(std::string(245, 'x') + ".h5");
  EXPECT_NE(long_name.find("out.toml:3:"), std::string::npos) << long_name;
  EXPECT_NE(long_name.find("over this file system's limit of 255 bytes a name"), std::string::npos) << long_name;
  EXPECT_LT(long_name.size(), 1000u);
  EXPECT_EQ(refusal("r.h5"), "");
  // A worker reads the same text where the folder may be rank 0's alone: parse_spec does not look.
  EXPECT_NO_THROW(parse("[experiment]\nname = \"t\"\noutput = \"no-such-folder/r.h5\"\n" +
                        spec_text().substr(spec_text().find("seed"))));
}

TEST_F(SpecTest, UnknownSectionIsRefused) {
  const std::string msg = error_of(spec_text("\n[grdi]\nx = 1\n"));
  EXPECT_NE(msg.find("grdi: unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'grid'"), std::string::npos) << msg;
}

TEST_F(SpecTest, WrongTypeNamesLineColumnAndBothTypes) {
  const std::string msg = error_of(spec_text("\n[train]\nlearning_rate = \"fast\"\n"));
  EXPECT_NE(msg.find("study.toml:18:17: train.learning_rate: expected a number, found a string"),
            std::string::npos) << msg;
}

TEST_F(SpecTest, NegativeBudgetIsOutOfRange) {
  const std::string msg = error_of(spec_text("", "[[criteria]]\nkind = \"energy\"\nbudget_j = -5.0\n"));
  EXPECT_NE(msg.find("criteria[1].budget_j"), std::string::npos) << msg;
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
  EXPECT_NE(msg.find("study.toml:15:"), std::string::npos) << msg;
}

// A worker's trainer: kept for 50 cells unless the spec says otherwise;
// none kept for no cell at all, nor a negative memory limit.
TEST_F(SpecTest, TheTrainerKeptBetweenCellsHasDefaultsAndBounds) {
  const Spec defaults = parse(spec_text());
  EXPECT_EQ(defaults.trainer_cells, 50);
  EXPECT_EQ(defaults.trainer_memory_mib, 0);
  std::string text = spec_text();
  text.replace(text.find("seed = 7"), 8, "seed = 7\ntrainer_cells = 1\ntrainer_memory_mib = 4096");
  const Spec cold = parse(text);
  EXPECT_EQ(cold.trainer_cells, 1);
  EXPECT_EQ(cold.trainer_memory_mib, 4096);
  for (const std::string bad : {"trainer_cells = 0", "trainer_memory_mib = -1"}) {
    text = spec_text();
    text.replace(text.find("seed = 7"), 8, "seed = 7\n" + bad);
    const std::string msg = error_of(text);
    EXPECT_NE(msg.find("study.toml:4:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("experiment." + bad.substr(0, bad.find(' ')) + ": "), std::string::npos) << msg;
    EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
  }
}

TEST_F(SpecTest, ZeroFoldsAndSizeZeroAreRefused) {
  std::string text = spec_text();
  text.replace(text.find("path = \"data\""), 13, "path = \"data\"\nsplit = \"kfold\"\nfolds = 0");
  EXPECT_NE(error_of(text).find("data.folds: 0 is out of range"), std::string::npos) << error_of(text);
  text = spec_text();
  text.replace(text.find("sizes = [1, 2]"), 14, "sizes = [1, 0]");
  EXPECT_NE(error_of(text).find("grid.sizes: 0 is out of range"), std::string::npos) << error_of(text);
}

TEST_F(SpecTest, KfoldNeedsFoldsAndHoldoutRefusesThem) {
  std::string text = spec_text();
  text.replace(text.find("path = \"data\""), 13, "path = \"data\"\nsplit = \"kfold\"");
  EXPECT_NE(error_of(text).find("needs folds"), std::string::npos);
  text = spec_text();
  text.replace(text.find("path = \"data\""), 13, "path = \"data\"\nfolds = 3");
  EXPECT_NE(error_of(text).find("only applies to split = 'kfold'"), std::string::npos);
}

TEST_F(SpecTest, UnknownArchitectureAndCriterionAreSuggested) {
  std::string text = spec_text();
  text.replace(text.find("\"bcnn\"]"), 7, "\"bnn\"]");
  EXPECT_NE(error_of(text).find("unknown architecture 'bnn' (did you mean 'bcnn'?)"), std::string::npos)
      << error_of(text);
  const std::string msg = error_of(spec_text("", "[[criteria]]\nkind = \"early_stoping\"\n"));
  EXPECT_NE(msg.find("did you mean 'early_stopping'"), std::string::npos) << msg;
}

TEST_F(SpecTest, CriteriaAreRequiredAndCapped) {
  EXPECT_NE(error_of(spec_text("", "")).find("no [[criteria]]"), std::string::npos);
  const Spec s = parse(spec_text("", "[[criteria]]\nkind = \"accuracy\"\ntarget = 0.9\n"));
  EXPECT_EQ(s.criteria[0].max_epochs, 100);  // every criterion that can run forever has a cap
  EXPECT_EQ(s.criteria[0].split, "train");
  EXPECT_NE(error_of(spec_text("", "[[criteria]]\nkind = \"accuracy\"\ntarget = 0.9\nmax_epochs = 0\n"))
                .find("max_epochs: 0 is out of range"),
            std::string::npos);
}

TEST_F(SpecTest, MissingDataPathIsNamed) {
  std::string text = spec_text();
  text.replace(text.find("path = \"data\""), 13, "path = \"nowhere\"");
  const std::string msg = error_of(text);
  EXPECT_NE(msg.find("study.toml:7:8: data.path:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
}

TEST_F(SpecTest, MissingDefaultDatasetNamesTheDebianPackage) {
  ::setenv("JOULEGRID_FASHION_MNIST_DIR", dir.file("not-installed").c_str(), 1);
  std::string text = spec_text();
  text.replace(text.find("path = \"data\"\n"), 14, "");
  const std::string msg = error_of(text);
  ::unsetenv("JOULEGRID_FASHION_MNIST_DIR");
  EXPECT_NE(msg.find("apt-get install dataset-fashion-mnist"), std::string::npos) << msg;
}

// A grid larger than joulegrid plans is refused as the spec is read, with
// its product, before anything is expanded (10⁷ cells was std::bad_alloc).
TEST_F(SpecTest, AGridOfMoreThanAMillionCellsIsRefusedWithItsProduct) {
  std::string lrs;
  for (int k = 1; k <= 100; ++k) lrs += (k > 1 ? ", " : "") + std::to_string(k) + "e-4";
  const std::string huge =
      "[experiment]\nname = \"t\"\nseed = 7\n\n[data]\nformat = \"idx\"\npath = \"data\"\n\n"
      "[grid]\narchitectures = [\"lenet\", \"bcnn\"]\nsizes = [1, 2, 3, 4, 5]\nrepeats = 10000\n\n"
      "[train]\nlearning_rate = [" + lrs + "]\n\n" + std::string(kCriteria);
  const std::string msg = error_of(huge);
  EXPECT_NE(msg.find("study.toml:10:"), std::string::npos) << "the [grid] line: " << msg;
  EXPECT_NE(msg.find("2 architectures × 5 sizes × 1 criteria × 1 folds × 1 batch sizes × 100 learning rates × "
                     "1 optimizers × 10000 repeats = 10000000 cells, more than joulegrid plans in one study (1000000)"),
            std::string::npos)
      << msg;
  // At the limit it is a grid like any other.
  const std::string at_limit =
      "[experiment]\nname = \"t\"\nseed = 7\n\n[data]\nformat = \"idx\"\npath = \"data\"\n\n"
      "[grid]\narchitectures = [\"lenet\", \"bcnn\"]\nsizes = [1, 2, 3, 4, 5]\nrepeats = 1000\n\n"
      "[train]\nlearning_rate = [" + lrs + "]\n\n" + std::string(kCriteria);
  EXPECT_EQ(parse(at_limit).grid.repeats, 1000);
}

TEST_F(SpecTest, DuplicateAxisValuesAreRefused) {
  const std::string msg = error_of(spec_text("\n[train]\nbatch_size = [64, 64]\n"));
  EXPECT_NE(msg.find("'64' appears twice"), std::string::npos) << msg;
}

TEST_F(SpecTest, TomlSyntaxErrorHasAPlace) {
  const std::string msg = error_of("[experiment]\nname = \n");
  EXPECT_EQ(msg.rfind("study.toml:2:", 0), 0u) << msg;
}

TEST_F(SpecTest, ValidationAcceptsTestOrAFraction) {
  std::string text = spec_text();
  text.replace(text.find("path = \"data\""), 13, "path = \"data\"\nvalidation = 0.2");
  EXPECT_DOUBLE_EQ(parse(text).data.validation_fraction, 0.2);
  text = spec_text();
  text.replace(text.find("path = \"data\""), 13, "path = \"data\"\nvalidation = \"train\"");
  EXPECT_NE(error_of(text).find("data.validation"), std::string::npos);
}

// No criterion watches the test set unless the spec says so: the default
// validation split is a stratified carve of the training images.
TEST_F(SpecTest, ByDefaultSelectionWatchesAValidationCarveNotTheTestSet) {
  std::string text = spec_text("[[criteria]]\nkind = \"early_stopping\"\nmax_epochs = 5\n");
  const Spec carve = parse(text);
  EXPECT_DOUBLE_EQ(carve.data.validation_fraction, kValidationFraction);
  EXPECT_EQ(carve.train.train_accuracy, "eval");
  bool early = false;
  for (const auto& c : expand_grid(carve))
    if (c.criterion.kind == CriterionKindValue::early_stopping) {
      EXPECT_EQ(selection_split(c), "validation");
      early = true;
    }
  EXPECT_TRUE(early);
  text.replace(text.find("path = \"data\""), 13, "path = \"data\"\nvalidation = \"test\"");
  const Spec paper = parse(text);
  EXPECT_DOUBLE_EQ(paper.data.validation_fraction, 0.0);
  for (const auto& c : expand_grid(paper))
    if (c.criterion.kind == CriterionKindValue::early_stopping) {
      EXPECT_EQ(cell_row(c).selection, "test");
    }
}

TEST_F(SpecTest, GridOrderIsStableAndIdsAreUnique) {
  const Spec s = parse(spec_text("\n[train]\nbatch_size = [64, 128]\nlearning_rate = [0.01, 0.001]\n"));
  const auto cells = expand_grid(s);
  ASSERT_EQ(cells.size(), 2u * 2 * 1 * 2 * 2);
  EXPECT_EQ(cells[0].architecture, "lenet");
  EXPECT_EQ(cells[0].batch_size, 64);
  EXPECT_DOUBLE_EQ(cells[1].learning_rate, 0.001);  // learning rate varies faster than batch size
  EXPECT_EQ(cells[2].batch_size, 128);
  EXPECT_EQ(cells[4].size, 2);
  EXPECT_EQ(cells[8].architecture, "bcnn");
  std::set<std::string> ids;
  for (const auto& c : cells) ids.insert(c.id);
  EXPECT_EQ(ids.size(), cells.size());
}

TEST_F(SpecTest, IdsDependOnParametersNotOnPlacement) {
  const auto base = expand_grid(parse(spec_text()));
  EXPECT_EQ(base[0].id, expand_grid(parse(spec_text()))[0].id);  // stable
  // Threads and the device do not change a cell's identity...
  EXPECT_EQ(base[0].id, expand_grid(parse(spec_text("\n[train]\nthreads = 1\ndevice = \"cpu\"\n")))[0].id);
  // ...a learning rate, a seed or an epoch count do.
  EXPECT_NE(base[0].id, expand_grid(parse(spec_text("\n[train]\nlearning_rate = 0.01\n")))[0].id);
  std::string seeded = spec_text();
  seeded.replace(seeded.find("seed = 7"), 8, "seed = 8");
  EXPECT_NE(base[0].id, expand_grid(parse(seeded))[0].id);
  EXPECT_NE(base[0].id, expand_grid(parse(spec_text("", "[[criteria]]\nkind = \"epochs\"\nepochs = 4\n")))[0].id);
  // Adding an architecture keeps the ids of the cells that were there.
  std::string more = spec_text();
  more.replace(more.find("\"bcnn\"]"), 7, "\"bcnn\", \"mcdropout\"]");
  EXPECT_EQ(base[3].id, expand_grid(parse(more))[3].id);
}

TEST_F(SpecTest, CarbonIntensityHasADefaultAndPerNodeValues) {
  const Spec s = parse(spec_text("\n[carbon]\ng_per_kwh = 350\nnodes = { \"gpu-a\" = 20, \"gpu-b\" = 700.5 }\n"));
  EXPECT_DOUBLE_EQ(s.carbon.g_per_kwh, 350.0);
  ASSERT_EQ(s.carbon.nodes.size(), 2u);
  EXPECT_DOUBLE_EQ(s.carbon.nodes.at("gpu-b"), 700.5);
  EXPECT_DOUBLE_EQ(parse(spec_text()).carbon.g_per_kwh, 0.0) << "no [carbon]: no emissions";
  const std::string negative = error_of(spec_text("\n[carbon]\nnodes = { \"gpu-a\" = -3 }\n"));
  EXPECT_NE(negative.find("study.toml:"), std::string::npos) << negative;
  EXPECT_NE(negative.find("carbon.nodes.gpu-a"), std::string::npos) << negative;
  const std::string typo = error_of(spec_text("\n[carbon]\ng_per_kw = 350\n"));
  EXPECT_NE(typo.find("did you mean 'g_per_kwh'"), std::string::npos) << typo;
}

// [finetune]: a pretraining cell per architecture, size, setup and repeat, and
// a fine-tuning twin of every grid cell that depends on it; the grid's own
// cells keep their places and ids.
TEST_F(SpecTest, FinetuneAddsPretrainingCellsAndATwinOfEveryCell) {
  std::filesystem::create_directories(dir.file("pre"));
  testing::write_idx_dataset(dir.file("pre"), 40, 20, 10, /*gz=*/false);
  const std::string extra =
      "\n[train]\nbatch_size = [64, 128]\n\n[finetune]\nepochs = 4\n\n[finetune.data]\npath = \"pre\"\n";
  const Spec s = parse(spec_text(extra));
  ASSERT_TRUE(s.finetune.enabled);
  EXPECT_EQ(s.finetune.freeze, "conv");
  EXPECT_EQ(s.finetune.criterion.epochs, 4);
  EXPECT_EQ(s.finetune.data.name, "pre");
  const auto plain = expand_grid(parse(spec_text("\n[train]\nbatch_size = [64, 128]\n")));
  const auto cells = expand_grid(s);
  ASSERT_EQ(plain.size(), 8u);
  ASSERT_EQ(cells.size(), 8u + 8u + 8u);  // grid, pretraining (2 archs × 2 sizes × 2 batches), twins
  std::map<std::string, const CellSpec*> by_id;
  for (const auto& c : cells) by_id[c.id] = &c;
  EXPECT_EQ(by_id.size(), cells.size()) << "ids are unique";
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(cells[i].id, plain[i].id) << "a grid cell keeps its id";
    EXPECT_EQ(cells[i].role, "");
    const CellSpec& twin = cells[16 + i];
    EXPECT_EQ(twin.role, "finetune");
    EXPECT_EQ(twin.freeze, "conv");
    EXPECT_EQ(twin.architecture, plain[i].architecture);
    EXPECT_EQ(twin.batch_size, plain[i].batch_size);
    EXPECT_EQ(twin.data.name, "data");
    ASSERT_TRUE(by_id.count(twin.depends_on));
    const CellSpec& pre = *by_id.at(twin.depends_on);
    EXPECT_EQ(pre.role, "pretrain");
    EXPECT_EQ(pre.architecture, twin.architecture);
    EXPECT_EQ(pre.size, twin.size);
    EXPECT_EQ(pre.batch_size, twin.batch_size);
    EXPECT_EQ(pre.data.name, "pre");
    EXPECT_EQ(pre.criterion.epochs, 4);
  }
  std::vector<CellSpec> placed = cells;
  assign_checkpoints(placed, "/r/study.h5");
  EXPECT_EQ(placed[8].checkpoint, "/r/study.checkpoints/" + placed[8].id + ".pt");
  EXPECT_EQ(placed[16].checkpoint, "/r/study.checkpoints/" + placed[16].depends_on + ".pt");
  EXPECT_EQ(placed[0].checkpoint, "");
}

TEST_F(SpecTest, FinetuneRefusesWhatItCannotDo) {
  const std::string no_epochs = error_of(spec_text("\n[finetune]\nfreeze = \"conv\"\n"));
  EXPECT_NE(no_epochs.find("finetune.epochs"), std::string::npos) << no_epochs;
  std::string mlp = spec_text("\n[finetune]\nepochs = 2\n");
  mlp.replace(mlp.find("\"bcnn\"]"), 7, "\"mlp\"]");
  const std::string no_conv = error_of(mlp);
  EXPECT_NE(no_conv.find("finetune.freeze"), std::string::npos) << no_conv;
  EXPECT_NE(no_conv.find("'mlp'"), std::string::npos) << no_conv;
  mlp.replace(mlp.find("epochs = 2\n", mlp.find("[finetune]")), 11, "epochs = 2\nfreeze = \"all_but_head\"\n");
  EXPECT_EQ(parse(mlp).finetune.freeze, "all_but_head");
  const std::string bad_freeze = error_of(spec_text("\n[finetune]\nepochs = 2\nfreeze = \"encoder\"\n"));
  EXPECT_NE(bad_freeze.find("finetune.freeze"), std::string::npos) << bad_freeze;
  const std::string missing = error_of(spec_text("\n[finetune]\nepochs = 2\n[finetune.data]\npath = \"nowhere\"\n"));
  EXPECT_NE(missing.find("finetune.data.path"), std::string::npos) << missing;
  EXPECT_FALSE(parse(spec_text()).finetune.enabled);
  EXPECT_FALSE(parse(spec_text("\n[meters]\nutilisation = false\n")).meters.utilisation);
  EXPECT_TRUE(parse(spec_text()).meters.utilisation);
}

// A message that starts with a spec key gets the key's place, or its
// table's when the key was left to its default; any other stays as it is.
TEST(InSpec, NamesTheKeysLineOrItsTable) {
  const Spec spec = parse_spec("[experiment]\nname = \"w\"\n[data]\nformat = \"synthetic\"\n"
                               "subset = { train = 50, test = 20 }\n[train]\nthreads = 1\n[grid]\n"
                               "architectures = [\"lenet\"]\nsizes = [1]\n[[criteria]]\nkind = \"epochs\"\nepochs = 1\n",
                               "w.toml", "/tmp");
  EXPECT_EQ(in_spec(spec, "data.subset.train: 50 is more than the 10 train images"),
            "w.toml:5:20: data.subset.train: 50 is more than the 10 train images");
  EXPECT_EQ(in_spec(spec, "train.device: 'cuda' was asked for"), "w.toml:6:1: train.device: 'cuda' was asked for");
  EXPECT_EQ(in_spec(spec, "meters.sources: none"), "meters.sources: none") << "no [meters] table to name";
  EXPECT_EQ(in_spec(spec, "/data/x.idx: offset 8: file truncated"), "/data/x.idx: offset 8: file truncated");
}

TEST(Suggest, FindsCloseWordsOnly) {
  EXPECT_EQ(closest_match("bach_size", {"batch_size", "threads"}), "batch_size");
  EXPECT_EQ(closest_match("zzzzzz", {"batch_size", "threads"}), "");
  EXPECT_EQ(edit_distance("abc", "acb"), 1);
}

// The example studies of the repository: their grid sizes are part of the design.
class ExampleSpecs : public ::testing::Test {
 protected:
  Spec load_example(const std::string& name) {
    const std::string src = std::string(JOULEGRID_SOURCE_DIR) + "/examples/" + name;
    std::filesystem::copy_file(src, dir.file(name));
    return load_spec(dir.file(name));
  }
  TempDir dir;
};

TEST_F(ExampleSpecs, QuickIsSixteenCells) {
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const Spec s = load_example("quick.toml");
  EXPECT_EQ(expand_grid(s).size(), 16u);
}

TEST_F(ExampleSpecs, FinetuneIsFourCellsFourPretrainingAndFourTwins) {
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const Spec s = load_example("finetune.toml");
  const auto cells = expand_grid(s);
  ASSERT_EQ(cells.size(), 12u);
  EXPECT_EQ(cells[4].role, "pretrain");
  EXPECT_EQ(cells[4].data.name, "fashion-mnist-12k");
  EXPECT_EQ(cells[11].role, "finetune");
}

// plan walks the cells instead of holding them (10^6 cells took 1.6 GB).
// The walk keeps the order and links the held expansion had: the grid in
// its loop order, then one pretraining cell per setup in first-seen order,
// then a twin of each grid cell, in grid order, linked to its setup's.
TEST_F(ExampleSpecs, TheWalkOfTheCellsKeepsTheGridOrderAndTheFineTuningLinks) {
  const Spec s = parse_spec("[experiment]\nname = \"walk\"\n[data]\nformat = \"synthetic\"\n"
                            "[grid]\narchitectures = [\"lenet\", \"bcnn\"]\nsizes = [1, 2]\nrepeats = 2\n"
                            "[train]\nbatch_size = [32, 64]\n[[criteria]]\nkind = \"epochs\"\nepochs = 2\n"
                            "[[criteria]]\nkind = \"epochs\"\nepochs = 3\n[finetune]\nepochs = 1\n",
                            "walk.toml", dir.path().string());
  std::vector<CellSpec> c;
  for_each_cell(s, [&](const CellSpec& cell) { c.push_back(cell); });
  ASSERT_EQ(c.size(), 32u + 16u + 32u);  // 2 arch x 2 sizes x 2 criteria x 2 batches x 2 repeats; 16 setups
  auto setup = [](const CellSpec& x) {
    return x.architecture + "/" + std::to_string(x.size) + "/" + std::to_string(x.batch_size) + "/" +
           std::to_string(x.repeat);
  };
  std::map<std::string, std::string> pretraining_of;
  for (size_t i = 0; i < c.size(); ++i) EXPECT_EQ(c[i].index, static_cast<int>(i));
  for (size_t i = 0; i < 32; ++i) {
    EXPECT_EQ(c[i].role, "") << i;
    EXPECT_EQ(c[i].architecture, i < 16 ? "lenet" : "bcnn") << i;  // outermost
    EXPECT_EQ(c[i].repeat, static_cast<int>(i % 2)) << i;            // innermost
  }
  for (size_t i = 32; i < 48; ++i) {
    EXPECT_EQ(c[i].role, "pretrain") << i;
    EXPECT_TRUE(pretraining_of.emplace(setup(c[i]), c[i].id).second) << "two pretraining cells of " << setup(c[i]);
  }
  EXPECT_EQ(setup(c[32]), setup(c[0])) << "first seen, first";
  for (size_t i = 48; i < c.size(); ++i) {
    const CellSpec& grid = c[i - 48];
    EXPECT_EQ(c[i].role, "finetune") << i;
    EXPECT_EQ(setup(c[i]), setup(grid)) << i;
    EXPECT_EQ(c[i].criterion.name, grid.criterion.name) << i;
    EXPECT_EQ(c[i].depends_on, pretraining_of.at(setup(grid))) << i;
  }
  const std::vector<CellSpec> held = expand_grid(s);
  ASSERT_EQ(held.size(), c.size());
  for (size_t i = 0; i < c.size(); ++i) EXPECT_EQ(held[i].id, c[i].id) << i;
}

TEST_F(ExampleSpecs, PaperMnistIsFortyCells) {
  std::filesystem::create_directories(dir.file("data/mnist"));
  testing::write_idx_dataset(dir.file("data/mnist"), 20, 10, 10, true);
  const Spec s = load_example("paper-mnist.toml");
  EXPECT_EQ(expand_grid(s).size(), 40u);
}

TEST_F(ExampleSpecs, PaperCifarIsTwoHundredFortyCells) {
  std::filesystem::create_directories(dir.file("data/cifar-10-batches-bin"));
  testing::write_cifar_dataset(dir.file("data/cifar-10-batches-bin"), 12, 10);
  const Spec s = load_example("paper-cifar.toml");
  const auto cells = expand_grid(s);
  EXPECT_EQ(cells.size(), 240u);
  EXPECT_EQ(s.data.folds, 6);
}

// ---- [models.NAME]: the user's own TorchScript models -----------------------------

class ModelsSpecTest : public SpecTest {
 protected:
  void SetUp() override {
    SpecTest::SetUp();
    std::filesystem::create_directories(dir.file("m"));
    dir.write("m/tiny-1.pt", "bytes of size 1");
    dir.write("m/tiny-2.pt", "bytes of size 2");
  }
  std::string models_text(const std::string& models, const std::string& architectures = R"("lenet", "tiny")",
                          const std::string& extra = "") const {
    return "[experiment]\nname = \"t\"\nseed = 7\n\n[data]\nformat = \"idx\"\npath = \"data\"\n\n"
           "[grid]\narchitectures = [" + architectures + "]\nsizes = [1, 2]\n\n" + models + "\n" + kCriteria + extra;
  }
};

TEST_F(ModelsSpecTest, AModelNamedInTheGridHasOneHashedFilePerSize) {
  const Spec s = parse(models_text("[models.tiny]\ntorchscript = \"m/tiny-{size}.pt\"\n"));
  ASSERT_EQ(s.models.count("tiny"), 1u);
  const ModelFile* one = imported_model_file(s, "tiny", 1);
  const ModelFile* two = imported_model_file(s, "tiny", 2);
  ASSERT_TRUE(one && two);
  EXPECT_EQ(one->path, dir.file("m/tiny-1.pt"));
  EXPECT_EQ(two->path, dir.file("m/tiny-2.pt"));
  EXPECT_EQ(one->hash.size(), 16u);
  EXPECT_NE(one->hash, two->hash);
  EXPECT_EQ(imported_model_file(s, "lenet", 1), nullptr);
  // Its cells carry the file; the hash, not the path, is part of their id.
  const auto cells = expand_grid(s);
  int imported = 0;
  for (const auto& c : cells)
    if (c.architecture == "tiny") {
      ++imported;
      EXPECT_EQ(c.model_kind, "torchscript");
      EXPECT_EQ(c.model_file, c.size == 1 ? one->path : two->path);
      EXPECT_EQ(c.model_hash, c.size == 1 ? one->hash : two->hash);
      EXPECT_EQ(cell_identity(c).at("model").at("hash"), c.model_hash);
      EXPECT_FALSE(cell_identity(c).at("model").contains("file")) << "the study may move";
    } else {
      EXPECT_FALSE(cell_identity(c).contains("model")) << "built-in cells keep the ids they had";
    }
  EXPECT_EQ(imported, 2);
}

// A changed file is a changed cell: its id, and with it the grid's hash,
// differ, so --resume refuses a grid whose model files changed.
TEST_F(ModelsSpecTest, AChangedModelFileChangesItsCellsButNoOther) {
  const std::string text = models_text("[models.tiny]\ntorchscript = \"m/tiny-{size}.pt\"\n");
  const auto before = expand_grid(parse(text));
  dir.write("m/tiny-2.pt", "other bytes of size 2");
  const auto after = expand_grid(parse(text));
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i)
    EXPECT_EQ(before[i].id == after[i].id, !(before[i].architecture == "tiny" && before[i].size == 2)) << i;
  std::vector<CellRow> rows_before, rows_after;
  for (const auto& c : before) rows_before.push_back(cell_row(c));
  for (const auto& c : after) rows_after.push_back(cell_row(c));
  EXPECT_NE(grid_hash(rows_before), grid_hash(rows_after));
}

// init = "reset" is part of a cell's id (a reset model is another start);
// the default, the file's weights, leaves the ids stored studies have.
TEST_F(ModelsSpecTest, AResetModelIsAnotherCellThanTheFilesWeights) {
  const auto file = expand_grid(parse(models_text("[models.tiny]\ntorchscript = \"m/tiny-{size}.pt\"\n")));
  const auto named = expand_grid(parse(models_text("[models.tiny]\ntorchscript = \"m/tiny-{size}.pt\"\ninit = \"file\"\n")));
  const auto reset = expand_grid(parse(models_text("[models.tiny]\ntorchscript = \"m/tiny-{size}.pt\"\ninit = \"reset\"\n")));
  ASSERT_EQ(file.size(), reset.size());
  for (size_t i = 0; i < file.size(); ++i) {
    const bool tiny = file[i].architecture == "tiny";
    EXPECT_EQ(file[i].model_init, tiny ? "file" : "") << i;
    EXPECT_EQ(reset[i].model_init, tiny ? "reset" : "") << i;
    EXPECT_EQ(file[i].id, named[i].id) << i;
    EXPECT_EQ(file[i].id == reset[i].id, !tiny) << i;
    EXPECT_NE(file[i].seed == reset[i].seed, tiny) << i;
  }
  for (const auto& [text, words] : std::map<std::string, std::string>{
           {models_text("[models.tiny]\ntorchscript = \"m/tiny-{size}.pt\"\ninit = \"xavier\"\n"), "models.tiny.init"},
           {models_text("[models.tiny]\ncommand = [\"python3\"]\ninit = \"reset\"\n"),
            "applies to a TorchScript model only"}}) {
    const std::string e = error_of(text);
    EXPECT_NE(e.find(words), std::string::npos) << "expected '" << words << "' in: " << e;
  }
}

// A training program: its command as given (the worker fills in the
// placeholders), run in the spec's folder; its identity is the command and
// the files it names, so a changed script is a changed cell.
TEST_F(ModelsSpecTest, ACommandIsAModelWhoseFilesAreItsIdentity) {
  dir.write("train.py", "print('v1')\n");
  const std::string text =
      models_text("[models.tiny]\ncommand = [\"python3\", \"train.py\", \"--width\", \"{size}\", "
                  "\"--lr\", \"{learning_rate}\", \"--data\", \"{data}\", \"--to\", \"{checkpoint_to}\"]\n"
                  "ready_seconds = 300\n");
  const Spec s = parse(text);
  const auto before = expand_grid(s);
  int programs = 0;
  for (const auto& c : before)
    if (c.architecture == "tiny") {
      ++programs;
      EXPECT_EQ(c.model_kind, "command");
      EXPECT_EQ(c.model_command.at(3), "{size}") << "the worker fills the placeholders in";
      EXPECT_EQ(c.model_workdir, dir.path().string());
      EXPECT_DOUBLE_EQ(c.ready_seconds, 300);
      EXPECT_DOUBLE_EQ(c.stop_seconds, 30);
      EXPECT_EQ(cell_identity(c).at("model").at("hash"), c.model_hash);
    }
  EXPECT_EQ(programs, 2);
  dir.write("train.py", "print('v2')\n");
  const auto after = expand_grid(parse(text));
  for (size_t i = 0; i < before.size(); ++i)
    EXPECT_EQ(before[i].id == after[i].id, before[i].architecture != "tiny") << i;
}

TEST_F(ModelsSpecTest, ACommandThatCannotRunIsRefusedNamingTheLine) {
  dir.write("train.py", "");
  const std::map<std::string, std::string> refused{
      {models_text("[models.tiny]\ncommand = [\"python3\", \"train.py\", \"{widht}\"]\n"),
       "models.tiny.command: '{widht}' names {widht}, which is not a cell parameter; known: {size}"},
      {models_text("[models.tiny]\ncommand = [\"python3\", \"{size\"]\n"), "without its '}'"},
      {models_text("[models.tiny]\ncommand = \"python3 train.py\"\n"), "models.tiny.command: must be an array"},
      {models_text("[models.tiny]\ncommand = []\n"), "models.tiny.command: the list is empty"},
      {models_text("[models.tiny]\ncommand = [\"\"]\n"), "must name a program"},
      {models_text("[models.tiny]\ncommand = [\"no-such-program-anywhere\"]\n"), "is not a program on PATH"},
      {models_text("[models.tiny]\ncommand = [\"./train.py\"]\n"), "is not an executable file"},
      {models_text("[models.tiny]\ncommand = [\"python3\"]\ntorchscript = \"m/tiny-{size}.pt\"\n"),
       "give torchscript or command, not both"},
      {models_text("[models.tiny]\ntorchscript = \"m/tiny-{size}.pt\"\nready_seconds = 9\n"),
       "applies to a command only"},
      {models_text("[models.tiny]\ncommand = [\"python3\"]\nready_seconds = 0\n"), "models.tiny.ready_seconds"},
  };
  for (const auto& [text, words] : refused) {
    const std::string e = error_of(text);
    EXPECT_NE(e.find("study.toml:"), std::string::npos) << e;
    EXPECT_NE(e.find(words), std::string::npos) << "expected '" << words << "' in: " << e;
  }
}

TEST_F(ModelsSpecTest, AModelThatCannotBeUsedIsRefusedNamingTheLine) {
  const std::map<std::string, std::string> refused{
      {models_text("[models.lenet]\ntorchscript = \"m/tiny-{size}.pt\"\n", R"("lenet")"),
       "'lenet' is a built-in architecture"},
      {models_text("[models.Tiny]\ntorchscript = \"m/tiny-{size}.pt\"\n", R"("Tiny")"), "a-z, 0-9"},
      {models_text("[models.tiny]\n", R"("tiny")"), "models.tiny.torchscript: is required"},
      {models_text("[models.tiny]\ntorchscript = \"m/tiny-{size}.pt\"\nfile = \"x\"\n"), "models.tiny"},
      {models_text("[models.tiny]\ntorchscript = \"m/tiny-{size}.pt\"\n", R"("lenet")"),
       "model 'tiny' is not in [grid] architectures"},
      {models_text("[models.tiny]\ntorchscript = \"m/tiny-1.pt\"\n"), "has no {size}, and [grid] sizes has 2 values"},
      {models_text("[models.tiny]\ntorchscript = \"m/tiny-{k}.pt\"\n"), "the only placeholder is {size}"},
      {models_text("[models.tiny]\ntorchscript = \"m/none-{size}.pt\"\n"), "none-1.pt: no such file (size 1)"},
      {models_text("[models.tiny]\ntorchscript = \"m\"\n", R"("tiny")"), "has no {size}"},
      {models_text("", R"("lenet", "tiny")"), "unknown architecture 'tiny'"},
      {models_text("[models.tiny]\ntorchscript = \"m/tiny-{size}.pt\"\n", R"("lenet", "tiny")",
                   "\n[finetune]\nepochs = 1\nfreeze = \"all_but_head\"\n"),
       "joulegrid does not know the layers of model 'tiny'"},
  };
  for (const auto& [text, words] : refused) {
    const std::string e = error_of(text);
    EXPECT_NE(e.find("study.toml:"), std::string::npos) << e;
    EXPECT_NE(e.find(words), std::string::npos) << "expected '" << words << "' in: " << e;
  }
  // A folder is not a file.
  std::filesystem::create_directories(dir.file("m/dir-1.pt"));
  std::filesystem::create_directories(dir.file("m/dir-2.pt"));
  EXPECT_NE(error_of(models_text("[models.tiny]\ntorchscript = \"m/dir-{size}.pt\"\n")).find("not a file"),
            std::string::npos);
}

}  // namespace
}  // namespace joulegrid

namespace joulegrid {
namespace {

// No idle baseline, no net energy: a spec that asks for both is refused
// where it says "net".
TEST_F(SpecTest, NetEnergyWithoutAnIdleBaselineIsRefused) {
  const std::string msg = error_of(spec_text("[meters]\nidle_seconds = 0\n\n[report]\nenergy = \"net\"\n"));
  EXPECT_NE(msg.find("report.energy"), std::string::npos) << msg;
  EXPECT_NE(msg.find("idle_seconds = 0 measures none"), std::string::npos) << msg;
  EXPECT_NO_THROW(parse(spec_text("[meters]\nidle_seconds = 0\n\n[report]\nenergy = \"gross\"\n")));
}

}  // namespace
}  // namespace joulegrid
