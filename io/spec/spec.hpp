#pragma once
// The experiment spec: what a study is, as read from its TOML file.
// Every key is documented in docs/spec.md with its unit and default.

#include <cstdint>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include "io/errors.hpp"
#include "vocabulary/vocabulary.hpp"

namespace joulegrid {

struct Normalization {
  std::string preset = "auto";  // auto | mnist | cifar10 | dataset | none | custom
  std::vector<double> mean;     // per channel, for custom
  std::vector<double> std;
};

struct DataSpec {
  std::string format = "idx";   // idx | cifar10 | hdf5
  std::string path;             // absolute, resolved against the spec's folder
  std::string name;             // identity of the dataset in cell ids (default: folder name)
  int classes = 10;
  std::string split = "holdout";  // holdout | kfold
  int folds = 1;                  // number of folds for kfold; 1 for holdout
  // Which split drives early stopping and accuracy bounds: a stratified
  // fraction of the training split (the default, kValidationFraction), or
  // the test set (validation = "test": the paper's choice, 0 here).
  double validation_fraction = 0.0;
  int64_t subset_train = 0;  // 0 = every training image
  int64_t subset_test = 0;   // 0 = every test image
  Normalization normalization;
};

struct BayesOptions {
  double beta = 0.1;
  double prior_mu = 0.0;
  double prior_sigma = 0.1;
  double posterior_mu_mean = 0.0;
  double posterior_mu_std = 0.1;
  double posterior_rho_mean = -5.0;
  double posterior_rho_std = 0.1;
  int train_ensemble = 1;
  int test_ensemble = 1;
};

struct DropoutOptions {
  double p = 0.5;
  int test_passes = 10;  // T: predictions averaged over T stochastic passes
};

// The most cells one study's grid may have (before fine-tuning's twins): a
// larger one is bad input, counted before anything is expanded.
inline constexpr long long kMaxGridCells = 1'000'000;

// Options that shape the training of every cell (not grid axes).
struct TrainOptions {
  std::string device = "auto";  // auto | cpu | cuda
  bool share_gpus = false;      // more worker ranks on a node than GPUs: refused unless true
  int threads = 0;              // 0 = the cores available to the rank
  std::string init = "default"; // default | normal (the paper's Normal(0, 1))
  std::string activation = "softplus";  // softplus | relu
  int eval_batch_size = 256;  // larger batches hit slow allocation paths on the CPU
  // A running cell's training state is kept every this many epochs (and
  // when a drain begins), so that a stop costs at most the epochs since; 0: never.
  int checkpoint_every = 1;
  double momentum = 0.9;        // sgd only
  double weight_decay = 0.0;
  // Training accuracy: "eval", the model in evaluation mode over the
  // training split after each epoch (its energy counted as evaluation), for
  // the cells whose criterion watches the training split; "always", so for
  // every cell (overtraining's column B then reads it too); "running", the
  // accuracy of the training passes themselves (the paper's: dropout active,
  // weights sampled). A cell carries what applies to it: "eval" or "running".
  std::string train_accuracy = "eval";
  BayesOptions bayes;
  DropoutOptions dropout;
};

struct CriterionSpec {
  CriterionKind kind;
  std::string name;       // label used in tables, e.g. "epochs50"
  int epochs = 0;         // epochs: the fixed number
  double target = 0.0;    // accuracy: the target in [0, 1]
  std::string split;      // accuracy / early_stopping: train | validation | test
  int patience = 0;       // early_stopping
  double min_delta = 0.0; // early_stopping: smallest gain in accuracy that counts
  double budget_j = 0.0;  // energy: joules
  std::string check = "epoch";  // energy: epoch | batch
  int max_epochs = 0;     // cap for every criterion that can run forever

  // The most epochs a cell under this criterion can run.
  int epoch_cap() const { return kind == CriterionKindValue::epochs ? epochs : max_epochs; }
};

struct GridSpec {
  std::vector<std::string> architectures;
  std::vector<int> sizes;
  int repeats = 1;
};

struct MeterOptions {
  double sample_hz = 100.0;
  double idle_seconds = 5.0;
  int idle_windows = 3;         // the idle measurement is cut into windows: their spread shows a node that is not idle
  double cpu_tdp_w = 0.0;       // 0 = read from the node when possible, else a default
  double cpu_idle_fraction = 0.3;
  double ram_w_per_gib = 0.375;
  bool store_samples = false;
  bool utilisation = true;  // GPU and CPU utilisation sampled beside the energy (never summed with it)
  // A rank whose cells train on a GPU no meter reads is refused unless this
  // is set; then its runs say "GPU not measured" in every format.
  bool allow_unmetered_gpu = false;
  std::vector<std::string> sources{"auto"};
};

struct CalibrationOptions {
  bool enabled = true;
  int steps = 200;
  int warmup = 1;       // runs of the workload first, not counted (caches, clocks, allocator)
  int repetitions = 3;  // then counted: E_ref is their median, their spread is kept
  std::string reference = "first";  // first | a node name
  double reference_j = 0.0;         // > 0: E_ref carried over from another study
};

// STEP, the projection of a running cell's energy and time (orchestrator/predict/step_projection.hpp).
struct StepSpec {
  int stable_from = 2;  // the first stable epoch; the ones before are a warm-up
  int window = 2;       // stable epochs averaged before projecting
};

// Grams of CO2-equivalent per kWh of the electricity the nodes draw, to turn
// energy into emissions in reports; 0 = not reported.
struct CarbonOptions {
  double g_per_kwh = 0.0;
  std::map<std::string, double> nodes;  // a node's own intensity, by node name
};

// Frozen-encoder fine-tuning (arXiv 2401.01851): every cell of the grid is
// also run starting from the weights of a pretraining cell (same
// architecture, size and setup, trained on `data` under `criterion`), with
// the layers `freeze` names frozen; the report sets it against the cell
// trained from scratch.
struct FinetuneSpec {
  bool enabled = false;
  DataSpec data;            // [finetune.data]: the pretraining dataset (default: the study's)
  CriterionSpec criterion;  // how pretraining stops: a fixed number of epochs
  std::string freeze = "conv";  // conv | all_but_head | none
};

// A model the user exported from Python ([models.NAME]), trained by
// joulegrid's own loop: one TorchScript file per size of the grid, named in
// [grid] architectures beside the built-in ones (docs/spec.md, "[models]").
struct ModelFile {
  std::string path;  // resolved against the spec's folder
  std::string hash;  // 16 hex digits of FNV-1a-64 over its bytes: part of the cell's id
};
// Or a training program of any language ([models.NAME] command = [...]) that
// speaks the cell protocol (docs/protocol.md): its files are the program's
// own files named in the command (train.py), hashed the same way.
struct ImportedModel {
  std::string kind = "torchscript";  // torchscript | command
  std::string path;             // torchscript: as the spec gives it, with {size}
  std::map<int, ModelFile> files;  // by size
  // torchscript only: where training starts. file: the weights in the file
  // (every repeat from the same ones); reset: the standard layers
  // re-initialised from each cell's seed, as PyTorch initialises them.
  std::string init = "file";
  // command only
  std::vector<std::string> command;  // argv with {placeholders} (io/spec/command.hpp)
  std::string workdir;               // the spec's folder: where it runs
  double ready_seconds = 120;        // from its start to its ready event (importing a framework takes time)
  double stop_seconds = 30;          // from stop to its exit, then its process group is terminated
};

struct ReportOptions {
  std::vector<std::string> formats{"table", "html"};  // table on the console; the rest beside the results
  EnergyBasis energy;
  // Overtraining (the paper's §5.4) compares epochs a and b of a fixed-epoch
  // run; 0: b is the run's last epoch and a half of it.
  int overtraining_a = 0, overtraining_b = 0;
};

struct Spec {
  std::string file;     // the spec's path as given
  std::string text;     // the spec's full text, stored with the results
  std::string name;
  uint64_t seed = 0;
  std::string output;   // results file, resolved against the spec's folder
  SourcePlace output_place;  // where the spec says it (for a refusal naming the line)
  int max_attempts = 2;
  double cell_timeout_s = 0.0;  // 0 = no limit
  // A worker's trainer child runs up to this many cells of the same data
  // before it is replaced (1: a process per cell), and is replaced once its
  // resident memory passes trainer_memory_mib (0: no limit).
  int trainer_cells = 50;
  long trainer_memory_mib = 0;

  DataSpec data;
  TrainOptions train;
  std::vector<std::string> optimizers{"adam"};
  std::vector<int> batch_sizes{256};
  std::vector<double> learning_rates{0.001};
  GridSpec grid;
  std::vector<CriterionSpec> criteria;
  MeterOptions meters;
  CalibrationOptions calibration;
  ReportOptions report;
  CarbonOptions carbon;
  StepSpec step;
  FinetuneSpec finetune;
  std::map<std::string, ImportedModel> models;  // [models.NAME], by NAME
};

// The file of an imported model at a size, or null for a built-in architecture.
const ModelFile* imported_model_file(const Spec& spec, const std::string& architecture, int size);
// 16 hex digits of FNV-1a-64 over a file's bytes. Throws InputError naming it.
std::string file_hash(const std::string& path);

// Parses and validates a spec file. Throws InputError naming FILE:LINE:COLUMN
// and the key for every problem found, the first one first.
Spec load_spec(const std::string& path);
Spec parse_spec(const std::string& text, const std::string& path_for_messages,
                const std::string& base_dir);

// A problem found after parsing (a subset larger than the data, a device
// the node lacks) names the spec line as a parse error does: "FILE:LINE:COL: "
// before a message that starts with a spec key ("data.subset.train: …"),
// the key's line or, for a key left to its default, its table's. Any other
// message is returned as it is.
std::string in_spec(const Spec& spec, const std::string& message);

// Architectures the models registry knows, used to validate [grid] without
// linking libtorch into io/. Kept in step with models/registry.cpp by a test.
const std::vector<std::string>& known_architectures();
// Whether an architecture has convolutional feature layers (what [finetune]
// freeze = "conv" freezes); kept in step with models/ by a test.
bool has_conv_layers(const std::string& architecture);

// The validation carve when [data] validation is not given: a stratified
// tenth of the training split, so that no criterion watches the test set.
inline constexpr double kValidationFraction = 0.1;

// The folder the default dataset comes from, and the Debian package for it.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* kFashionMnistPackage = "dataset-fashion-mnist";
// kFashionMnistDir, or JOULEGRID_FASHION_MNIST_DIR when set.
std::string default_dataset_dir();

// Why a results file cannot be written at `path`, or "": its folder does not
// exist, or its name, with the longest name joulegrid derives from it
// (NAME.journal.rejected), is over the file system's limit.
std::string output_problem(const std::string& path);

}  // namespace joulegrid
