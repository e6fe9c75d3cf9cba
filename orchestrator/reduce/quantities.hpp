#pragma once
// The quantities every analysis of the reduction reads, each defined once:
// a run's energy on the report's basis, the samples it trained on, a cell's
// training setup, and the finished runs with their energies (Measured).

#include <map>
#include <set>
#include <string>
#include <vector>

#include "io/records/reduction.hpp"
#include "io/records/results.hpp"

namespace joulegrid::reduction {

// The joules of one phase on a basis: gross (including idle power) or net.
// A phase's net is signed (a short phase's is noise around zero): add
// phases up, then clamp the total at 0, never each phase.
double phase_joules(const EnergyReading& phase, EnergyBasis basis);
// A run's joules on a basis: gross is its cumulative energy at the stop,
// net the sum of its phases' signed net joules, clamped at 0 once.
double run_joules(const RunResult& run, EnergyBasis basis);
// The training samples a run saw: the samples its epochs recorded, or, in a
// file written before they were, its batches × the batch size.
double samples_trained(const RunResult& run, int batch_size);
// Joules per training sample and per evaluated sample on a basis (each
// phase kind's sum clamped at 0); NaN when the run did not record its
// sample counts.
std::pair<double, double> joules_per_sample(const RunResult& run, EnergyBasis basis);

// A run's joules on a basis by the node measurement (RunResult::node_key)
// each part ran under: one part, or, for a run continued from checkpoints
// on other nodes, one per segment (its epochs' joules).
using EnergyParts = std::vector<std::pair<std::string, double>>;
EnergyParts energy_by_node(const RunResult& run, EnergyBasis basis);
// Each part times its node's factor (ARCHITECTURE §4), summed and clamped
// at 0 (net parts are signed); NaN when a part's node has no factor.
double normalised_joules(const EnergyParts& parts, const std::map<std::string, double>& factor);

// "batch 256, lr 0.001, adam": what a cell trains with ...
std::string base_setup_label(const CellRow& cell);
// ... and how it starts: ", pretraining", ", fine-tuned (conv frozen)".
std::string setup_label(const CellRow& cell);
// "lenet-2".
std::string model_label(const CellRow& cell);
// How the model is given: built-in, torchscript or command ([models.NAME]).
std::string model_kind(const CellRow& cell);

// A settled, finished run with its cell and its energy on the report's basis.
struct Measured {
  const CellRow* cell;
  const RunResult* run;
  double energy_j, energy_norm_j;  // normalised: NaN when its node has no calibration
  double train_j_per_sample, eval_j_per_sample;
  bool net_reliable;  // its node's net energy can be trusted
  EnergyParts parts;  // energy_j by node: what a replicate's factors normalise
  bool gpu_shared;    // its card served other ranks too (shared_card_runs): it counts the card's whole energy
};

// The runs whose card another rank of the same node measurement also
// metered: two MIG slices of one GPU (each meters the parent), or one card
// listed to two tasks. Each counts the card's whole energy. Known only when
// every rank's runs are in, so it is judged here, from the cards each run
// names (the GPU-… UUIDs in RunResult::gpu), not when a run is committed.
std::set<const RunResult*> shared_card_runs(const StudyResults& results);

// Means that ignore nothing (NaN in, NaN out) and that skip NaN.
double mean_of(const std::vector<double>& v);
double finite_mean(const std::vector<double>& v);
double sd_of(const std::vector<double>& v);  // sample standard deviation; NaN below two values

// Groups rows by a key, keeping the order in which keys first appear.
template <class Row, class KeyFn>
std::vector<std::vector<const Row*>> group_by(const std::vector<Row>& rows, KeyFn key) {
  std::map<std::string, size_t> index;
  std::vector<std::vector<const Row*>> groups;
  for (const auto& r : rows) {
    const std::string k = key(r);
    auto [it, inserted] = index.emplace(k, groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(&r);
  }
  return groups;
}

// The key parts of a group, joined by a separator no name holds.
std::string key(std::initializer_list<std::string> parts);

}  // namespace joulegrid::reduction
