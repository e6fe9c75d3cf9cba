#pragma once
// PRE (arXiv 2307.05520): a cell's energy and time per epoch predicted,
// before it runs, by ridge regressions fitted on measured runs.
//   features  log forward FLOPs per epoch (FLOPs of one sample's forward
//             pass × training samples per epoch), log parameters, log batch size,
//             log input elements per sample, log E_ref of the node
//   targets   log joules per epoch, log seconds per epoch
// Logs, because cost grows multiplicatively with each feature. Features are
// standardised and the intercept is not penalised; a feature that does not
// vary in the history (one node, one batch size) drops out. The error is
// measured on held-out runs (5-fold cross-validation), whole cells held out
// together: a repeat or replica of a held-out cell never trains the fit.

#include <string>
#include <vector>

#include "io/records/cell.hpp"
#include "io/datasets/datasets.hpp"
#include "io/records/results.hpp"

namespace joulegrid {

struct PreFeatures {
  double flops_per_epoch = 0, parameters = 0, batch_size = 0, input_elements = 0, node_e_ref = 0;
  std::vector<double> logs() const;  // the regression's inputs
};

// One measured run of a history file.
struct PreSample {
  std::string cell_id;  // the cell it ran (folds, repeats and replicas are cells and runs of their own)
  PreFeatures features;
  int epochs = 0;
  double joules = 0, seconds = 0;  // the whole run: gross joules, training + evaluation seconds
};

// The settled, finished runs of `history` with every feature known.
std::vector<PreSample> pre_samples(const StudyResults& history);

class Ridge {
 public:
  // Throws InputError when there are no rows.
  static Ridge fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y, double lambda);
  double predict(const std::vector<double>& x) const;
  const std::vector<double>& coefficients() const { return beta_; }  // per standardised feature

 private:
  std::vector<double> mean_, scale_, beta_;
  double intercept_ = 0;
};

struct PreModel {
  Ridge energy, seconds;
  double lambda = 1.0;
  int samples = 0;
  // Mean |predicted − measured| / measured of held-out whole runs; NaN below 6 runs.
  double energy_error = 0, seconds_error = 0;

  double joules_per_epoch(const PreFeatures& f) const;
  double seconds_per_epoch(const PreFeatures& f) const;
};

// Throws InputError naming the problem when fewer than 2 runs can be used.
PreModel fit_pre(const std::vector<PreSample>& samples, double lambda = 1.0);
// The cross-validation fold (0 … k − 1) of each sample: cells in the order
// they first appear, dealt round the folds, every run of a cell in its fold.
std::vector<int> cross_validation_folds(const std::vector<PreSample>& samples, int k);
// The samples one epoch of a cell trains on: its fold's training split,
// subset and validation carve applied, exactly as the child cuts it.
int64_t training_samples(const Dataset& data, const DataSpec& spec, int fold, uint64_t seed);

// A kind of node to predict for: its name and calibration energy E_ref
// (0 when the history has none).
struct PreNode {
  std::string name;
  double e_ref_j = 0;
};
// The calibrated nodes of the histories (each name once), or one unnamed
// node when none is calibrated.
std::vector<PreNode> pre_nodes(const std::vector<StudyResults>& histories);

// PRE fitted on the finished runs of results files, with the nodes to
// predict for. Throws InputError naming a file that cannot be read, or when
// too few runs can train it.
struct PreHistory {
  PreModel model;
  std::vector<PreNode> nodes;
};
PreHistory fit_history(const std::vector<std::string>& files, double lambda = 1.0);

struct CellEstimate {
  std::string cell_id, node;
  int epochs = 0;   // the criterion's cap: exact for fixed epochs, an upper bound otherwise
  double joules = 0, seconds = 0;
};
// Every cell on every node: the model's parameters and FLOPs from its
// layers, the samples per epoch from the spec's dataset (read once).
std::vector<CellEstimate> estimate_cells(const Spec& spec, const std::vector<CellSpec>& cells, const PreModel& model,
                                         const std::vector<PreNode>& nodes);

}  // namespace joulegrid
