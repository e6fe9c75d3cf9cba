#pragma once
// What a results file holds, in memory: the study, the nodes that ran it, the
// grid with each cell's status, and every attempt with its epochs. The layout
// on disk is docs/results-file.md; the store (store.hpp) keeps it safe.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "io/records/cell.hpp"
#include "vocabulary/vocabulary.hpp"

namespace joulegrid {

inline constexpr int kResultsSchemaVersion = 1;

struct StudyMeta {
  int schema_version = kResultsSchemaVersion;
  std::string program_version;
  std::string study;
  std::string spec_file;
  std::string spec_text;
  std::string grid_hash;       // FNV-1a-64 of the cell ids in grid order
  // A random id made with the file: every journal line carries it inside
  // its checksum, so a line of another study is refused. "" in files
  // written before 2026-12 (a resume gives them one).
  std::string study_id;
  std::string dataset;
  int max_attempts = 1;
  StudyStatus status;
  std::string created_utc, updated_utc;
  std::string job_ids;         // Slurm job ids (or "local"), one per allocation, space-separated
  std::string sources;         // joulegrid merge: the files merged, one line each (replica order)
  // How the reduction normalises energy across nodes (ARCHITECTURE §4):
  // "first", a node's name, or a value in joules carried over from another study.
  std::string normalise_to = "first";
  double normalise_to_j = 0.0;
  EnergyBasis report_energy;
  int overtraining_a = 0, overtraining_b = 0;  // [report] overtraining_epochs; 0: half and last
  // [carbon]: g CO2e per kWh, and per-node overrides as "name=value" lines.
  double carbon_g_per_kwh = 0.0;
  std::string carbon_nodes;
};

// One repetition of a node's reference workload (ARCHITECTURE §4): the
// training-phase energy of the calibration run, gross and net, and its time.
struct CalibrationRun {
  int repetition = 1;  // 1-based, after the warm-up
  double joules = 0, net_joules = 0, seconds = 0;
  std::string card;    // the GPU it measured (as a run's `gpu`); "": the node's CPU, or a file written before
};

// One window of a node's idle measurement (ARCHITECTURE §4): the node's
// power with nothing of the study running, and how busy its CPUs were
// meanwhile — with other processes, whose load the idle power absorbs.
struct IdleWindow {
  double watts = 0, seconds = 0;
  double other_cpu = NAN;  // % of the node's CPU time busy during the window; NaN: /proc/stat unread
};

// The median of one figure over a calibration's repetitions (0 for none):
// E_ref and its seconds, wherever they are taken or checked.
double calibration_median(const std::vector<CalibrationRun>& runs, double CalibrationRun::*figure);

// One node of the study: its meters, idle power and calibration (ARCHITECTURE §4).
struct NodeRecord {
  std::string name;
  int leader_rank = 0;
  int replica = 0;              // which study of a merged file; 0 otherwise
  // The how-manieth time a job measured this node for this file (0: the
  // first); a resume adds one and never rewrites an earlier one.
  int session = 0;
  std::string measured_utc;     // when it was measured ("" in files written before)
  std::string job;              // the job that measured it: SLURM_JOB_ID=…, PBS_JOBID=…, local
  std::string key() const { return measurement_key(name, session); }
  std::string devices;          // the meters' description, for people
  EnergyMethod energy_method;
  std::string warnings;
  double idle_w = 0.0;          // the median of its idle windows' watts (each channel's median)
  double idle_s = 0.0;          // the idle measurement's seconds in all
  std::vector<IdleWindow> idle_windows;  // /idle; none in files written before they were kept
  int worker_ranks = 0;         // worker ranks on the node: more than one, and its cells share it
  // Whether its runs' other_cpu counts only processes outside the job (every
  // rank and trainer excluded); false in files written before, where it was
  // everything but the cell's own trainer and is judged on one-rank nodes only.
  bool other_cpu_outside_job = false;
  int calibration_steps = 0;    // 0: not calibrated
  double calibration_j = 0.0;   // E_ref(node), gross: the median over its repetitions
  double calibration_net_j = 0.0;  // the median of their net joules
  double calibration_s = 0.0;      // the median of their seconds
  std::string calibration_method;
  // Every repetition after the warm-up (/calibrations); one for files
  // written before repetitions were kept, none without a calibration.
  std::vector<CalibrationRun> calibration_runs;

  // The spread of the repetitions: (max − min) / median of the gross joules; 0 for one.
  double calibration_spread() const;
  // The idle windows' spread, (max − min) / median watts (0 for one), and the
  // most of the node's CPU time other processes kept busy in one (NaN: unknown).
  double idle_spread() const;
  double idle_other_cpu() const;
  // calibration_j, _net_j and _s: the medians over calibration_runs.
  void take_calibration_medians();
  // How many devices its repetitions measured (1: one card, or the CPU).
  int calibrated_cards() const;
  // "" when its E_ref (calibration_j) is the median of its repetitions (as
  // joulegrid writes it), else what differs.
  std::string calibration_problem() const;
  // A node read from a file or journal written before repetitions were
  // kept: its one calibration as its one repetition.
  void keep_calibration_as_one_run();
};

// One job's measurement of one node: the same one replaces, another is added.
inline bool same_measurement(const NodeRecord& a, const NodeRecord& b) {
  return a.name == b.name && a.replica == b.replica && a.session == b.session;
}

// A row of the grid as stored: the cell's parameters and its fate.
struct CellRow {
  int index = 0;
  std::string id;
  std::string architecture;
  int size = 1;
  std::string criterion;       // the criterion's name, e.g. "epochs50"
  CriterionKind criterion_kind;
  int epoch_cap = 0;
  int fold = 0;
  int batch_size = 0;
  double learning_rate = 0.0;
  std::string optimizer;
  int repeat = 0;
  std::string dataset;
  std::string selection;   // what its criterion watched: train | validation | test | "" (selection_split)
  int classes = 0;         // of its dataset (0: not recorded): chance is 1 / classes
  uint64_t seed = 0;
  Status status;                   // pending | done | failed
  int attempts = 0;
  Role role;
  std::string depends_on;  // finetune: the pretraining cell's id
  std::string freeze;      // finetune: which layers were frozen
  // An imported model ([models.NAME]): how it was given, and its file's hash
  // (part of the id). Empty for a built-in architecture.
  std::string model;       // "" | torchscript | command
  std::string model_hash;
};

// The JSON of the wire and the journal, from node_fields() (schema.hpp).
void to_json(nlohmann::json& j, const NodeRecord& node);
void from_json(const nlohmann::json& j, NodeRecord& node);

CellRow cell_row(const CellSpec& cell);
// FNV-1a-64 over the ids of the cells in order, as 16 hex digits.
std::string grid_hash(const std::vector<CellRow>& cells);

struct StudyResults {
  StudyMeta meta;
  std::vector<CellRow> cells;
  std::vector<NodeRecord> nodes;
  std::vector<RunResult> runs;  // every attempt, in commit order, with its epochs

  // The runs that settled each cell (done, or its last failed attempt): one,
  // or in a merged file one per replica that settled it, in replica order.
  std::map<std::string, std::vector<const RunResult*>> settled() const;
  const NodeRecord* node(const std::string& name) const;  // its first measurement
  // The measurement a run was made under (RunResult::node_key()).
  const NodeRecord* measurement(const std::string& key) const;
};

}  // namespace joulegrid
