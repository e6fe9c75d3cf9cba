#include "orchestrator/predict/cost_regression.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <limits>

#include "io/datasets/datasets.hpp"
#include "io/datasets/splits.hpp"
#include "io/errors.hpp"
#include "io/store/store.hpp"
#include "models/facts.hpp"

namespace joulegrid {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Solves A x = b (A symmetric positive definite, small) by Gaussian
// elimination with partial pivoting.
std::vector<double> solve(std::vector<std::vector<double>> a, std::vector<double> b) {
  const size_t n = b.size();
  for (size_t c = 0; c < n; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    std::swap(a[c], a[pivot]);
    std::swap(b[c], b[pivot]);
    for (size_t r = c + 1; r < n; ++r) {
      const double f = a[r][c] / a[c][c];
      for (size_t k = c; k < n; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  std::vector<double> x(n);
  for (size_t i = n; i-- > 0;) {
    double s = b[i];
    for (size_t k = i + 1; k < n; ++k) s -= a[i][k] * x[k];
    x[i] = s / a[i][i];
  }
  return x;
}

double log_or_zero(double v) { return v > 0 ? std::log(v) : 0.0; }

}  // namespace

std::vector<double> PreFeatures::logs() const {
  return {log_or_zero(flops_per_epoch), log_or_zero(parameters), log_or_zero(batch_size),
          log_or_zero(input_elements), log_or_zero(node_e_ref)};
}

std::vector<PreSample> pre_samples(const StudyResults& history) {
  std::vector<PreSample> out;
  const auto settled = history.settled();
  for (const auto& c : history.cells) {
    auto it = settled.find(c.id);
    if (it == settled.end()) continue;
    for (const RunResult* r : it->second) {
      if (r->status != StatusValue::done || r->epochs <= 0 || r->energy_j <= 0 || r->flops_per_sample <= 0 ||
          r->parameters <= 0 || r->input_elements <= 0)
        continue;
      PreSample s;
      s.cell_id = c.id;
      double samples = 0, seconds = 0;
      for (const auto& e : r->epoch_records) {
        samples += e.train_samples > 0 ? static_cast<double>(e.train_samples)
                                       : static_cast<double>(e.batches) * c.batch_size;
        seconds += e.train_s + e.eval_s;
      }
      if (samples <= 0 || seconds <= 0) continue;
      s.epochs = r->epochs;
      s.joules = r->energy_j;
      s.seconds = seconds;
      s.features.flops_per_epoch = static_cast<double>(r->flops_per_sample) * samples / r->epochs;
      s.features.parameters = static_cast<double>(r->parameters);
      s.features.batch_size = c.batch_size;
      s.features.input_elements = static_cast<double>(r->input_elements);
      if (const NodeRecord* n = history.measurement(r->node_key()); n && n->calibration_steps > 0) s.features.node_e_ref = n->calibration_j;
      out.push_back(s);
    }
  }
  return out;
}

Ridge Ridge::fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y, double lambda) {
  if (x.empty()) throw InputError("PRE: no measured runs to fit");
  const size_t n = x.size(), d = x.front().size();
  Ridge r;
  r.mean_.assign(d, 0);
  r.scale_.assign(d, 0);
  for (const auto& row : x)
    for (size_t j = 0; j < d; ++j) r.mean_[j] += row[j] / static_cast<double>(n);
  for (const auto& row : x)
    for (size_t j = 0; j < d; ++j) r.scale_[j] += (row[j] - r.mean_[j]) * (row[j] - r.mean_[j]) / static_cast<double>(n);
  for (auto& s : r.scale_) s = s > 1e-18 ? std::sqrt(s) : 0.0;  // 0: a constant feature, dropped
  double y_mean = 0;
  for (double v : y) y_mean += v / static_cast<double>(n);
  // (ZᵀZ + λI) β = Zᵀ(y − ȳ), Z the standardised features.
  std::vector<std::vector<double>> a(d, std::vector<double>(d, 0));
  std::vector<double> b(d, 0);
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> z(d);
    for (size_t j = 0; j < d; ++j) z[j] = r.scale_[j] > 0 ? (x[i][j] - r.mean_[j]) / r.scale_[j] : 0.0;
    for (size_t j = 0; j < d; ++j) {
      b[j] += z[j] * (y[i] - y_mean);
      for (size_t k = 0; k < d; ++k) a[j][k] += z[j] * z[k];
    }
  }
  for (size_t j = 0; j < d; ++j) a[j][j] += r.scale_[j] > 0 ? lambda : 1.0;  // a dropped feature solves to 0
  r.beta_ = solve(a, b);
  r.intercept_ = y_mean;
  return r;
}

double Ridge::predict(const std::vector<double>& x) const {
  double v = intercept_;
  for (size_t j = 0; j < beta_.size() && j < x.size(); ++j)
    if (scale_[j] > 0) v += beta_[j] * (x[j] - mean_[j]) / scale_[j];
  return v;
}

double PreModel::joules_per_epoch(const PreFeatures& f) const { return std::exp(energy.predict(f.logs())); }
double PreModel::seconds_per_epoch(const PreFeatures& f) const { return std::exp(seconds.predict(f.logs())); }

namespace {

PreModel fit_only(const std::vector<PreSample>& samples, double lambda) {
  std::vector<std::vector<double>> x;
  std::vector<double> ye, ys;
  for (const auto& s : samples) {
    x.push_back(s.features.logs());
    ye.push_back(std::log(s.joules / s.epochs));
    ys.push_back(std::log(s.seconds / s.epochs));
  }
  PreModel m;
  m.energy = Ridge::fit(x, ye, lambda);
  m.seconds = Ridge::fit(x, ys, lambda);
  m.lambda = lambda;
  m.samples = static_cast<int>(samples.size());
  return m;
}

}  // namespace

PreModel fit_pre(const std::vector<PreSample>& samples, double lambda) {
  if (samples.size() < 2)
    throw InputError("PRE needs at least 2 finished runs with FLOPs, parameters and input size "
                     "recorded; the history has " + std::to_string(samples.size()) +
                     " (files written before joulegrid recorded input sizes cannot train it)");
  PreModel m = fit_only(samples, lambda);
  m.energy_error = m.seconds_error = kNaN;
  constexpr size_t kFolds = 5;
  if (samples.size() < 6) return m;
  const std::vector<int> folds = cross_validation_folds(samples, static_cast<int>(kFolds));
  double e_err = 0, s_err = 0;
  for (size_t fold = 0; fold < kFolds; ++fold) {
    std::vector<PreSample> train, held;
    for (size_t i = 0; i < samples.size(); ++i)
      (folds[i] == static_cast<int>(fold) ? held : train).push_back(samples[i]);
    if (held.empty() || train.size() < 2) continue;
    const PreModel part = fit_only(train, lambda);
    for (const auto& s : held) {
      e_err += std::abs(part.joules_per_epoch(s.features) * s.epochs - s.joules) / s.joules;
      s_err += std::abs(part.seconds_per_epoch(s.features) * s.epochs - s.seconds) / s.seconds;
    }
  }
  m.energy_error = e_err / static_cast<double>(samples.size());
  m.seconds_error = s_err / static_cast<double>(samples.size());
  return m;
}

std::vector<int> cross_validation_folds(const std::vector<PreSample>& samples, int k) {
  std::map<std::string, int> fold_of;
  std::vector<int> out;
  for (const auto& s : samples) {
    const auto [it, fresh] = fold_of.try_emplace(s.cell_id, static_cast<int>(fold_of.size()) % k);
    out.push_back(it->second);
  }
  return out;
}

int64_t training_samples(const Dataset& data, const DataSpec& spec, int fold, uint64_t seed) {
  return static_cast<int64_t>(make_split(data, spec, fold, seed).train.size());
}

std::vector<PreNode> pre_nodes(const std::vector<StudyResults>& histories) {
  std::vector<PreNode> nodes;
  for (const auto& h : histories)
    for (const auto& n : h.nodes) {
      if (n.calibration_steps <= 0) continue;
      bool seen = false;
      for (const auto& k : nodes) seen = seen || k.name == n.name;
      if (!seen) nodes.push_back({n.name, n.calibration_j});
    }
  if (nodes.empty()) nodes.push_back({"(uncalibrated)", 0.0});
  return nodes;
}

PreHistory fit_history(const std::vector<std::string>& files, double lambda) {
  std::vector<StudyResults> histories;
  std::vector<PreSample> samples;
  for (const auto& f : files) {
    histories.push_back(load_results(f));
    const auto s = pre_samples(histories.back());
    samples.insert(samples.end(), s.begin(), s.end());
  }
  return {fit_pre(samples, lambda), pre_nodes(histories)};
}

std::vector<CellEstimate> estimate_cells(const Spec& spec, const std::vector<CellSpec>& cells, const PreModel& model,
                                         const std::vector<PreNode>& nodes) {
  const Dataset data = load_dataset(spec.data);
  // Per dataset and fold, as the child cuts it: k-fold splits pool the
  // files' training and test samples; pretraining cells have data of their own.
  std::map<std::string, Dataset> other_data;
  std::map<std::string, double> train;
  auto train_samples = [&](const CellSpec& c) {
    const std::string key = c.data.path + "\x1f" + c.data.name + "\x1f" + std::to_string(c.fold);
    if (auto it = train.find(key); it != train.end()) return it->second;
    const Dataset* d = &data;
    if (c.data.path != spec.data.path) {
      auto [it, fresh] = other_data.try_emplace(c.data.path);
      if (fresh) it->second = load_dataset(c.data);
      d = &it->second;
    }
    return train[key] = static_cast<double>(training_samples(*d, c.data, c.fold, c.data_seed));
  };
  double input_elements = 1;
  for (int64_t d : data.train.sample_shape) input_elements *= static_cast<double>(d);
  std::vector<CellEstimate> out;
  std::map<std::string, ModelFacts> facts;  // one model built per architecture and size
  for (const auto& c : cells) {
    // A training program's parameters and FLOPs are known only once it runs: no estimate.
    if (runs_a_program(c)) continue;
    const std::string key = c.architecture + "-" + std::to_string(c.size);
    if (!facts.count(key))
      facts[key] = model_facts(c.architecture, c.size, data.train.sample_shape, spec.data.classes, c.train, c.model_file);
    PreFeatures f;
    f.flops_per_epoch = static_cast<double>(facts[key].flops_per_sample) * train_samples(c);
    f.parameters = static_cast<double>(facts[key].parameters);
    f.batch_size = c.batch_size;
    f.input_elements = input_elements;
    for (const auto& n : nodes) {
      f.node_e_ref = n.e_ref_j;
      CellEstimate e{c.id, n.name, c.criterion.epoch_cap()};
      e.joules = model.joules_per_epoch(f) * e.epochs;
      e.seconds = model.seconds_per_epoch(f) * e.epochs;
      out.push_back(e);
    }
  }
  return out;
}

}  // namespace joulegrid
