#pragma once
// The reduced results as plain structs: what orchestrator/reduce computes
// and what the report writers print — every figure they show is one of
// these, defined once in the reduction (the equations are in
// orchestrator/reduce/). Their field lists are in schema.hpp.

#include <cmath>
#include <string>
#include <vector>

#include "io/records/results.hpp"
#include "vocabulary/vocabulary.hpp"

namespace joulegrid {

// What makes a figure less certain, carried from the runs it is made of to
// every row above them (Eq. 3, Eq. 4, ratios, intervals, comparisons) as the
// worst case over them, so a reader of a headline number sees the warning
// its runs carry: the weakest energy method, a node whose net energy is
// unreliable, runs on a GPU others shared, runs on a GPU no meter read.
struct Doubts {
  EnergyMethod energy_method;  // the weakest
  bool net_reliable = true;
  int gpu_shared = 0, gpu_unmetered = 0;  // runs
  void add(const Doubts& o) {
    energy_method = weakest_method(energy_method, o.energy_method);
    net_reliable = net_reliable && o.net_reliable;
    gpu_shared += o.gpu_shared;
    gpu_unmetered += o.gpu_unmetered;
  }
};

// "counter", "counter, net unreliable, shared GPU: the card's whole energy, GPU not measured".
inline std::string method_and_doubts(const Doubts& d, EnergyBasis basis) {
  return d.energy_method.str() + (basis == EnergyBasisValue::net && !d.net_reliable ? ", net unreliable" : "") +
         (d.gpu_shared > 0 ? ", shared GPU: the card's whole energy" : "") +
         (d.gpu_unmetered > 0 ? ", GPU not measured" : "");
}
inline bool has_doubts(const Doubts& d, EnergyBasis basis) {
  return (basis == EnergyBasisValue::net && !d.net_reliable) || d.gpu_shared > 0 || d.gpu_unmetered > 0;
}

struct ModelRow {
  std::string dataset, architecture, criterion, setup;
  std::string kind;  // built-in | torchscript | command: how the model is given
  // Where its runs' training started: default | normal (built-in, [train]
  // init), file | reset (TorchScript, [models.NAME] init), or what a program
  // said in its ready event; "-" where it said nothing. Several joined by "+".
  std::string init;
  int size = 1;
  int runs = 0;            // folds × repeats combined
  int met = 0;             // of them, the runs that met their criterion; the others hit the epoch cap
  double epochs = 0;       // mean
  double accuracy = 0;     // mean test accuracy at the stopping epoch
  double energy_j = 0;     // mean, raw
  double energy_norm_j = 0;  // mean, normalised (NaN when a node has no calibration)
  double efficiency = 0;     // accuracy / energy_j, 1/J
  double efficiency_norm = 0;
  double energy_sd = NAN, accuracy_sd = NAN;  // spread over its runs (folds, repeats, replicas); NaN for one run
  double train_j_per_sample = 0;  // mean over runs: training joules / training samples (NaN: not recorded)
  double eval_j_per_sample = 0;   // mean over runs: evaluation joules / evaluated samples
  double gpu_util = NAN, cpu_util = NAN;  // mean over the runs that recorded it, % (not energy)
  EnergyMethod energy_method;  // the weakest among its runs
  bool net_reliable = true;    // false: a run of it ran on a node whose net energy is unreliable
  int gpu_shared = 0;          // its runs on a GPU other ranks shared: each counts the card's whole energy
  int gpu_unmetered = 0;       // its runs on a GPU no meter read: their energy lacks the GPU's
};

// A model's doubts, as the rows above it combine them.
inline Doubts doubts_of(const ModelRow& m) { return {m.energy_method, m.net_reliable, m.gpu_shared, m.gpu_unmetered}; }
inline std::string method_and_doubts(const ModelRow& m, EnergyBasis basis) {
  return method_and_doubts(doubts_of(m), basis);
}
inline bool has_doubts(const ModelRow& m, EnergyBasis basis) { return has_doubts(doubts_of(m), basis); }

struct CriterionRow {  // Eq. 3
  std::string dataset, architecture, criterion, setup;
  std::string kind;  // as its models
  int sizes = 0;       // sizes with a finished run: the mean is over these
  int grid_sizes = 0;  // sizes the grid has (0: not known); fewer finished makes the mean incomplete
  int runs = 0, met = 0;  // finished runs, and those that met the criterion (not capped)
  std::string selection;  // what the criterion watched: train | validation | test | "" (selection_split)
  double efficiency = 0, efficiency_norm = 0;
  Doubts doubts;  // over its models
  bool complete() const { return grid_sizes == 0 || sizes == grid_sizes; }
};

struct ArchitectureRow {  // Eq. 4
  std::string dataset, architecture, setup;
  std::string kind;   // as its models
  std::string node;   // Reduction::by_node only: the node whose runs these are
  int criteria = 0;
  int grid_criteria = 0;  // criteria the grid has (0: not known)
  bool complete = true;   // every criterion of the grid, each over every size
  double efficiency = 0, efficiency_norm = 0;
  Doubts doubts;  // over its criteria
};

struct RatioRow {  // the paper's Table 12: always the larger over the smaller
  std::string kind;     // architecture | dataset
  std::string within;   // the dataset (kind architecture) or architecture (kind dataset), and setup
  std::string numerator, denominator;
  double ratio = 0, ratio_norm = 0;
  bool complete = true;  // false: a side lacks a size or criterion, so the two are not alike
  Doubts doubts;         // over both sides
};

struct OvertrainingRow {  // the paper's §5.4, for fixed-epoch runs
  std::string dataset, architecture, criterion, cell_id;
  std::string kind;  // built-in | torchscript | command
  int size = 1, fold = 0, epoch_a = 0, epoch_b = 0;
  double train_a = 0, test_a = 0, train_b = 0, test_b = 0;
  double gain_a = 0;       // column A: test accuracy at b − at a
  double gap_growth_b = 0; // column B: (train − test) at b − at a
  bool overtrained = false;
  bool learned = true;     // false: its test accuracy never left chance, so neither verdict applies
  std::string train_accuracy;  // what column B's train accuracy was: "evaluation" mode or "running" (training mode)
  std::string verdict() const { return !learned ? "did not learn" : overtrained ? "overtrained" : "still learning"; }
};

// Eq. 4 with its 95 % percentile bootstrap interval: sizes are resampled
// within each criterion and runs (folds, repeats, replicas) within each size.
struct IntervalRow {
  std::string dataset, architecture, setup;
  std::string kind;  // built-in | torchscript | command
  int runs = 0;
  double efficiency = 0, low = 0, high = 0;                 // raw, 1/J
  double efficiency_norm = 0, low_norm = 0, high_norm = 0;  // normalised, 1/J
  Doubts doubts;  // its architecture's
};

// Two architectures of one dataset and setup, the more efficient (Eq. 4,
// normalised where every node is calibrated, else raw) first. They are
// compared on matched cells — the same size, criterion, fold, repeat and
// replica — never on pooled runs: runs of different sizes are not exchangeable.
struct ComparisonRow {
  std::string dataset, setup, numerator, denominator;
  std::string numerator_kind, denominator_kind;  // built-in | torchscript | command
  std::string basis;                    // normalised | raw: what the ratio and the test use
  double ratio = 0;                     // Eq. 4 of the first over the second's, over their matched cells
  double low = 0, high = 0;             // its 95 % bootstrap interval, stratified: criteria, then sizes, then matched cells
  int n_a = 0, n_b = 0;                 // finished runs of each
  int pairs = 0;                        // matched cells
  int dropped_pairs = 0;                // of them, without a finite efficiency on a side: in neither test nor ratio
  int tied_pairs = 0;                   // of them, equally efficient: no sign, dropped before ranking
  int test_pairs = 0;                   // the test's sample: pairs − dropped − tied
  std::string test;                     // the test, in words
  double w = NAN, z = NAN, p = NAN;     // its statistic min(W+, W−), z where approximate, two-sided p
  bool exact = false;                   // p from the exact permutation distribution (ties included)
  bool complete = true;                 // false: a side lacks a size or criterion the grid has
  Doubts doubts;                        // over both sides
};

// Training setups (arXiv 2401.01851): for each accuracy-target criterion,
// the energy each setup (batch size, learning rate, optimizer) took to reach
// the target. Only runs that reached it count toward the energy.
struct SetupRow {
  std::string dataset, architecture, criterion, setup;
  std::string kind;  // built-in | torchscript | command
  int runs = 0, reached = 0;
  double energy_j = NAN;  // mean over the runs that reached the target, on the report's basis
  double epochs = NAN;    // likewise
  double saving = NAN;    // 1 − energy / the costliest setup's that reached it (same architecture and criterion)
  bool best = false;      // the least energy among the setups every run of which reached the target
};

// How far STEP's projections fell from what the runs then measured, over
// the finished runs that ran their planned epochs (so the projection's
// target is known) beyond the one it was made at: mean |projected −
// measured| / measured.
struct StepAccuracyRow {
  std::string architecture;  // "all" for every run
  std::string kind;          // built-in | torchscript | command; "-" for "all"
  int runs = 0;
  double energy_error = NAN, seconds_error = NAN;  // fractions
  double mean_at_epoch = NAN;                      // the epoch after which the projections were made
};

// Emissions: the gross energy of every attempt (failed ones too: the grid
// delivered it) × the carbon intensity of the node it ran on ([carbon]).
struct EmissionRow {
  std::string kind;          // node | architecture
  std::string name;
  int runs = 0;              // attempts
  double energy_j = 0;       // gross
  double g_per_kwh = NAN;    // node rows: the intensity applied
  double grams = 0;          // g CO2e
};

// Frozen-encoder fine-tuning against training from scratch (arXiv 2401.01851):
// one model (dataset, architecture, size, criterion, setup), its runs from
// scratch, its fine-tuned runs, and the pretraining runs those started from,
// each as a mean per finished run on the report's energy basis.
struct FinetuneRow {
  std::string dataset, architecture, criterion, setup, freeze;
  std::string kind;  // built-in | torchscript | command
  std::string pretrain_dataset, pretrain_criterion;
  int size = 1;
  int scratch_runs = 0, finetune_runs = 0, pretrain_runs = 0;
  double scratch_j = NAN, finetune_j = NAN, pretrain_j = NAN;
  double scratch_acc = NAN, finetune_acc = NAN;
  double saving = NAN;                   // 1 − finetune_j / scratch_j
  double saving_with_pretraining = NAN;  // 1 − (finetune_j + pretrain_j) / scratch_j: one fine-tuning pays for the pretraining
  double break_even = NAN;               // fine-tunings after which pretraining has paid for itself; NaN when none saves
};

// A node of the study with what normalises its energy.
struct NodeRow {
  NodeRecord node;
  double e_ref_j = NAN;  // E_ref on the report's basis (the median of its repetitions); NaN: not calibrated
  double e_ref_spread = NAN;  // (max − min) / median of the repetitions on that basis; 0 for one
  double factor = NAN;   // E_ref(reference) / E_ref(node); NaN without a calibration
  // Whether its net energy (gross less idle power) can be trusted, and why not.
  bool net_reliable = true;
  std::string net_doubt;
  // Its finished runs' training and evaluation phases, and how many of them
  // drew less than its idle power (a signed net below −1 % of their gross).
  int net_phases = 0, net_phases_below_idle = 0;
  // How many times jobs measured this node (a resume measures it again); its
  // E_ref against the first calibrated measurement, −0.04 for 4 % less (NaN: one, or none).
  int measurements = 1;
  double e_ref_change = NAN;
  // Its attempts outside their epochs (trainers started, data read, models
  // built): seconds and gross joules, as its meters measured them; and how
  // many of its attempts a warm trainer took. NaN: no attempt recorded them.
  double overhead_s = NAN, overhead_j = NAN;
  int attempts = 0, warm_attempts = 0;
};

// Every cell of the grid with its settled run (if any) on the chosen energy basis.
struct CellResult {
  std::string id, dataset, architecture, criterion;
  std::string kind;  // built-in | torchscript | command
  Status status;  // done | failed | pending
  StopReason stop_reason;  // of its settled run
  int index = 0, size = 1, fold = 0, repeat = 0, attempts = 0, epochs = 0;
  double accuracy = 0, energy_j = 0, energy_norm_j = 0, efficiency = 0, efficiency_norm = 0;
  double train_j_per_sample = NAN, eval_j_per_sample = NAN;  // on the report's basis; NaN when not recorded
  double gpu_util = NAN, cpu_util = NAN;  // %, time-weighted over the run; NaN when not recorded
  Role role;
  std::string selection;  // what its criterion watched (selection_split)
  EnergyBasis energy_basis;
  EnergyMethod energy_method;
  Failure failure;
  bool net_reliable = true;  // its node's net energy can be trusted
  std::string gpu;           // the GPU its energy counts (RunResult::gpu); "" on the CPU
  bool gpu_shared = false;   // that GPU served other ranks too: its whole energy is counted
  bool gpu_unmetered = false;  // it trained on a GPU no meter read: its energy lacks the GPU's
  std::string node, detail;
  // A run continued from checkpoints: where each stretch ran, "n1 epochs 1-2, n2 epochs 3-5" ("" : in one go).
  std::string segments;
  const RunResult* run = nullptr;  // the settled run this row reports (in the results it was reduced from)
};

// What the FLOPs of an imported model count (models/flop_count.hpp), in the report's words.
inline constexpr const char* kCountedFlopsInWords = "conv/linear/matmul/recurrent counted; other ops not counted";

// The study in numbers: its cells by fate and where it came from.
struct StudySummary {
  std::string name, job_ids;
  StudyStatus status;
  int cells = 0, done = 0, failed = 0, pending = 0;
  int gpu_shared_runs = 0;           // finished runs on a GPU other ranks shared ([train] share_gpus)
  int gpu_unmetered_runs = 0;        // finished runs on a GPU no meter read ([meters] allow_unmetered_gpu)
  int segmented_runs = 0;            // finished runs continued from a checkpoint (more than one segment)
  std::vector<std::string> imported_models;  // architectures the user gave as files ([models.NAME]), grid order
  std::string merged_from;           // a merged file's sources, one a line
  std::vector<std::string> sources;  // the same, as a list (replica order)
  std::string spec_file, created_utc, updated_utc, program_version;
};

// The grid's axes, each value once, in grid order (sizes, folds, repeats sorted).
struct GridAxes {
  std::vector<std::string> datasets, architectures, criteria, setups;
  std::vector<int> sizes, folds, repeats;
  int cells = 0;
};

// Eq. 2 per epoch for one dataset under its longest fixed-epoch criterion
// (the paper's Figs. 5–6): per model, the mean over its runs.
struct Eq2Series {
  std::string model;          // architecture-size
  std::vector<int> epochs;
  std::vector<double> efficiency;  // test accuracy / cumulative energy, 1/J, on the report's basis
  std::vector<int> runs;           // runs behind each point
};
struct Eq2Figure {
  std::string dataset, criterion;
  std::vector<Eq2Series> series;
};

// One finished run as the figures plot it.
struct RunPoint {
  std::string architecture, model, criterion;
  int fold = 0;
  double energy_j = 0;           // on the report's basis
  double parameters = 0;
  double flops_trained = 0;      // forward FLOPs of one sample × the samples it trained on
  double utilisation = NAN;      // %: its GPUs' where any run recorded a GPU's, else the node's CPU
};

// Mean energy per run spent training and evaluating, per model.
struct PhaseRow {
  std::string model;
  double train_j = 0, eval_j = 0;
};

// Mean energy per finished run on a node, raw and normalised.
struct NodeEnergyRow {
  std::string node;
  double raw_j = 0, normalised_j = 0;
};

struct Reduction {
  EnergyBasis energy;          // gross | net
  EnergyMethod energy_method;  // the weakest method among all runs
  std::string reference;       // what normalised energy is relative to, in words
  std::string reference_node;  // the node it is relative to ("" when joules carried over, or none)
  double reference_j = NAN;    // its E_ref on the report's basis
  StudySummary study;
  std::vector<NodeRow> nodes;
  // What comparisons and figures use: normalised energy where every
  // architecture has it (every node that ran one is calibrated), else raw.
  bool compare_normalised = false;
  GridAxes grid;
  std::vector<CellResult> cells;
  std::vector<ModelRow> models;
  std::vector<CriterionRow> criteria;
  std::vector<ArchitectureRow> architectures;
  std::vector<ArchitectureRow> by_node;  // Eq. 4 per node, when several nodes ran cells
  std::vector<RatioRow> ratios;
  std::vector<OvertrainingRow> overtraining;
  int resamples = 0;                       // bootstrap resamples behind the intervals
  std::vector<IntervalRow> intervals;      // one per ArchitectureRow
  std::vector<ComparisonRow> comparisons;  // every pair of architectures of a dataset and setup
  std::vector<StepAccuracyRow> step;       // empty when no run was projected
  std::vector<SetupRow> setups;            // when the grid has more than one setup and an accuracy criterion
  std::vector<EmissionRow> emissions;      // per node, then per architecture; empty without [carbon]
  std::vector<FinetuneRow> finetune;       // empty without [finetune]
  double emissions_g = NAN;                // the study's, g CO2e
  // What the figures draw.
  std::vector<Eq2Figure> eq2;
  std::vector<RunPoint> runs;       // every settled, finished run
  std::string utilisation_device;   // "GPU" or "CPU": what RunPoint::utilisation is; "" when no run recorded any
  std::vector<PhaseRow> phases;
  std::vector<NodeEnergyRow> node_energy;  // when several nodes finished runs
};

}  // namespace joulegrid
