#pragma once
// The plain structs every folder shares: one cell of the grid, the record of
// one epoch, and the result of one attempt. No torch, no MPI.

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/spec/spec.hpp"
#include "vocabulary/fnv.hpp"
#include "vocabulary/vocabulary.hpp"

namespace joulegrid {

struct CellSpec {
  int index = 0;          // position in the grid's stable order
  std::string id;         // hash of the canonical parameters (see cell_id)
  std::string study;
  std::string architecture;
  int size = 1;
  // An imported model ([models.NAME]): how it is given and its file at this
  // size. The file's hash is part of the id, so a changed file is a changed
  // cell; the path is not (the study may move). Empty for a built-in one.
  std::string model_kind;  // "" | torchscript | command
  std::string model_file;
  std::string model_hash;
  std::string model_init;  // torchscript: file | reset ([models.NAME] init); "" otherwise
  // A training program (model_kind "command"): its argv as the spec gives
  // it, {placeholders} and all (the worker fills them in: some are its own,
  // as {checkpoint_to}); the folder it runs in; how long it may take to say
  // ready, and to end once told to stop. Not part of the id: model_hash
  // covers the command and the files it names.
  std::vector<std::string> model_command;
  std::string model_workdir;
  double ready_seconds = 0.0, stop_seconds = 0.0;
  CriterionSpec criterion;
  int fold = 0;
  int batch_size = 256;
  double learning_rate = 0.001;
  std::string optimizer = "adam";
  int repeat = 0;
  uint64_t data_seed = 0;  // the experiment seed: every cell sees the same splits
  uint64_t seed = 0;       // training seed, from the experiment seed and the id
  DataSpec data;
  TrainOptions train;
  double timeout_s = 0.0;
  int attempt = 1;        // which attempt this is (not part of the id)
  // Frozen-encoder fine-tuning ([finetune]): scratch for a cell trained from
  // scratch, pretrain for one trained on the pretraining data whose weights
  // are kept, finetune for one that starts from them with `freeze` layers
  // frozen. Part of the id only when set, so grids without it keep their ids.
  Role role;
  std::string depends_on;  // finetune: the pretraining cell's id
  std::string freeze;      // finetune: conv | all_but_head | none
  std::string checkpoint;  // pretrain: where its weights go; finetune: where they come from (set by rank 0)
  // A running cell's training state on the worker's node (set by the worker,
  // never part of the id): where the child writes it every [train]
  // checkpoint_every epochs, and the one it continues from ("" : none).
  std::string checkpoint_to;
  std::string resume_from;
};

// A cell trained by the user's own program rather than `joulegrid cell`.
inline bool runs_a_program(const CellSpec& c) { return c.model_kind == "command"; }

// 16 hex digits of FNV-1a-64 over the canonical JSON of everything that can
// change a cell's numbers: the architecture, size, criterion, fold, axes,
// repeat, experiment seed, dataset identity and training options. Not part of
// it: the grid position, the dataset's folder (replications on other clusters
// keep their ids), the device, threads and evaluation batch size.
std::string cell_id(const CellSpec& cell);
nlohmann::json cell_identity(const CellSpec& cell);

// Why a cell stopped (the words of StopReason).
namespace stop_reason {
inline constexpr StopReasonValue criterion_met = StopReasonValue::criterion_met;
inline constexpr StopReasonValue cap_reached = StopReasonValue::cap_reached;
inline constexpr StopReasonValue failed = StopReasonValue::failed;
inline constexpr StopReasonValue stopped = StopReasonValue::stopped;  // the sweep was stopped (signal)
}  // namespace stop_reason

// Joules of one phase, and how they were obtained.
struct EnergyReading {
  double joules = 0.0;       // attributed to the cell: its GPU + its share of CPU and RAM
  double node_joules = 0.0;  // the node's raw total in the window (never add these across cells)
  double net_joules = 0.0;   // joules less idle power × time (same shares); signed: below 0 where the
                             // phase drew less than idle power (the reduction clamps a run's sum once)
  double cpu_j = 0.0, ram_j = 0.0, gpu_j = 0.0;  // attributed, by component
  EnergyMethod method;
  std::string disagreement;  // devices whose counter and power differ by > 5 % in the window
  // Mean utilisation over the window, % (not energy, never summed with it);
  // NaN when the node has no such reading. GPU: the rank's GPUs' mean busy
  // percentage (NVML, amdgpu gpu_busy_percent); CPU: the node's busy time (/proc/stat).
  double gpu_util = NAN, cpu_util = NAN;
  // % of the node's CPU time busy outside this cell's trainer in the window:
  // other processes, and the cells of the node's other worker ranks. NaN: not counted.
  double other_cpu = NAN;
};

struct EpochRecord {
  int epoch = 0;           // 1-based
  double loss = 0.0;       // mean training loss over the epoch's batches
  double train_acc = 0.0;  // running accuracy of the training forward passes
  double train_eval_acc = NAN;  // the training split's accuracy in evaluation mode ([train] train_accuracy = "eval")
  double val_acc = 0.0;
  double test_acc = 0.0;
  double train_s = 0.0;
  double eval_s = 0.0;
  int64_t batches = 0;
  int64_t train_samples = 0;  // samples the epoch trained on
  int64_t eval_samples = 0;   // samples its evaluation predicted (test, and validation when separate)
  bool partial = false;    // training ended inside the epoch (per-batch energy budget)
  EnergyReading train_energy;
  EnergyReading eval_energy;
  double cumulative_j = 0.0;
  double efficiency = 0.0;  // Eq. 2: accuracy over cumulative joules
};

// How a node's measurement (idle power and calibration) and the runs made
// under it find each other: "n1" for the first job that measured it, "n1#2"
// for the third (each --resume measures the node again and keeps the old).
inline std::string measurement_key(const std::string& node, int session) {
  return session == 0 ? node : node + "#" + std::to_string(session);
}

// A stretch of one attempt on one node: an attempt continued from a
// checkpoint (a drain, a time limit, a killed job, then --resume) has one
// per stretch, each normalised by the calibration of its own node
// (ARCHITECTURE §4). An attempt that ran in one go has none.
struct RunSegment {
  int first_epoch = 1;
  int epochs = 0;
  std::string node;
  int node_session = 0;
  int rank = 0;
  double started_unix_s = 0.0, seconds = 0.0;
  double energy_j = 0.0;  // its epochs' joules, gross
  std::string node_key() const { return measurement_key(node, node_session); }
};

struct RunResult {
  std::string cell_id;
  int cell_index = 0;
  Status status;            // done | failed | abandoned (the sweep was stopped mid-cell); pending until decided
  StopReason stop_reason;
  std::string detail;       // human words: "target 0.9 reached", "NaN loss at epoch 3 batch 7"
  Failure failure;          // none, or what ended a failed attempt
  int epochs = 0;
  double train_acc = 0.0, val_acc = 0.0, test_acc = 0.0;
  double energy_j = 0.0;
  EnergyMethod energy_method;
  double efficiency = 0.0;
  int64_t parameters = 0;
  int64_t flops_per_sample = 0;
  int64_t input_elements = 0;  // values in one input sample (C × H × W, or F × T)
  std::string device;       // what the child trained on: cpu, cuda:0
  std::string gpu;          // the GPU(s) its energy counts: "nvml gpu1 GPU-… 0000:02:00.0"; "" on the CPU
  bool gpu_shared = false;  // that GPU served other ranks too ([train] share_gpus): its whole energy is counted
  bool gpu_unmetered = false;  // it trained on a GPU no meter read: its energy lacks the GPU's
  std::string init;
  double seconds = 0.0;
  // The attempt outside its epochs' phases: starting its trainer (or taking
  // the worker's warm one), reading the data, building the model, and what
  // follows its last epoch. Not the cell's energy: its node's overhead.
  // NaN: not recorded (an attempt that never started, a file from before).
  double outside_s = NAN, outside_j = NAN;
  bool warm_trainer = false;  // trained by a child kept from an earlier cell
  double gpu_util = NAN, cpu_util = NAN;  // % over its epochs' windows, time-weighted; NaN: not recorded
  double other_cpu = NAN;                 // likewise: the node's CPU busy outside its trainer
  // STEP's projection of the whole run, made after epoch `step_epoch` (0: the
  // run ended before the window filled); set by the scheduler.
  int step_epoch = 0;
  double step_projected_j = 0.0, step_projected_s = 0.0;
  std::string error_tail;
  // A failed attempt's energy after its last whole epoch: from the
  // train_begin of the epoch it did not finish to its end (J, as the cell's
  // share). Kept apart from energy_j, which its whole epochs add up to.
  double unfinished_j = 0.0;
  std::vector<EpochRecord> epoch_records;
  std::vector<RunSegment> segments;  // none, or one per node it ran on (continued from checkpoints)

  // Where and when it ran; filled in by the scheduler.
  int attempt = 1;
  bool settles_cell = false;  // done, or the last attempt the spec allows
  int replica = 0;            // which study of a merged file (joulegrid merge); 0 otherwise
  std::string node;
  int node_session = 0;  // the measurement of its node in force when it ran (NodeRecord::session)
  std::string node_key() const { return measurement_key(node, node_session); }
  int rank = 0;
  double started_unix_s = 0.0;
};

// The accuracy a criterion or overtraining reads as the training
// accuracy: in evaluation mode where it was measured, else the running one.
inline double training_accuracy(const EpochRecord& e) {
  return std::isfinite(e.train_eval_acc) ? e.train_eval_acc : e.train_acc;
}

// Whether a criterion reads the training accuracy.
bool watches_training_split(const CriterionSpec& criterion);
// Whether the child measures the training split in evaluation mode:
// [train] train_accuracy "always", or "eval" where the criterion reads it.
bool measures_training_accuracy(const CellSpec& cell);

// What a cell's stopping criterion watched to choose its epoch: "train",
// "validation" (a carve of the training split), "test" (the test set: the
// paper's choice, optimistic test accuracies), or "" (fixed epochs, energy).
std::string selection_split(const CellSpec& cell);

// A run's mean GPU and CPU utilisation (%): each phase's mean weighted by its
// seconds, over the phases that recorded one; NaN when none did.
std::pair<double, double> run_utilisation(const std::vector<EpochRecord>& epochs);
// Likewise, the share of the node's CPU time busy outside its trainer (%).
double run_other_cpu(const std::vector<EpochRecord>& epochs);
// What a run records twice and must agree on: its energy and epochs are its
// last epoch's cumulative joules and its count of epochs, and its segments
// follow each other and add up to its epochs. "" when they agree, else what
// does not (a snapshot read and a journal replay refuse it alike).
std::string stored_twice_problem(const RunResult& r);

// The JSON of the wire and the journal, from the field lists (schema.hpp).
// Reading throws std::invalid_argument naming the field.
void to_json(nlohmann::json& j, const CellSpec& c);
void from_json(const nlohmann::json& j, CellSpec& c);
void to_json(nlohmann::json& j, const EpochRecord& e);
void from_json(const nlohmann::json& j, EpochRecord& e);
void to_json(nlohmann::json& j, const RunResult& r);
void from_json(const nlohmann::json& j, RunResult& r);
void to_json(nlohmann::json& j, const RunSegment& s);
void from_json(const nlohmann::json& j, RunSegment& s);

}  // namespace joulegrid
