#include "orchestrator/reduce/quantities.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace joulegrid::reduction {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

double phase_joules(const EnergyReading& phase, EnergyBasis basis) {
  return basis == EnergyBasisValue::net ? phase.net_joules : phase.joules;
}

double run_joules(const RunResult& run, EnergyBasis basis) {
  if (basis != EnergyBasisValue::net) return run.energy_j;
  double net = 0;
  for (const auto& e : run.epoch_records) net += phase_joules(e.train_energy, basis) + phase_joules(e.eval_energy, basis);
  return std::max(0.0, net);
}

double samples_trained(const RunResult& run, int batch_size) {
  double samples = 0;
  for (const auto& e : run.epoch_records)
    samples += e.train_samples > 0 ? static_cast<double>(e.train_samples)
                                   : static_cast<double>(e.batches) * batch_size;
  return samples;
}

std::pair<double, double> joules_per_sample(const RunResult& run, EnergyBasis basis) {
  double train_j = 0, eval_j = 0, train_n = 0, eval_n = 0;
  for (const auto& e : run.epoch_records) {
    train_j += phase_joules(e.train_energy, basis);
    eval_j += phase_joules(e.eval_energy, basis);
    train_n += static_cast<double>(e.train_samples);
    eval_n += static_cast<double>(e.eval_samples);
  }
  return {train_n > 0 ? std::max(0.0, train_j) / train_n : kNaN, eval_n > 0 ? std::max(0.0, eval_j) / eval_n : kNaN};
}

EnergyParts energy_by_node(const RunResult& run, EnergyBasis basis) {
  if (run.segments.empty()) return {{run.node_key(), run_joules(run, basis)}};
  EnergyParts parts;
  for (const auto& g : run.segments) {
    double j = 0;
    for (const auto& e : run.epoch_records)
      if (e.epoch >= g.first_epoch && e.epoch < g.first_epoch + g.epochs)
        j += phase_joules(e.train_energy, basis) + phase_joules(e.eval_energy, basis);
    parts.emplace_back(g.node_key(), j);
  }
  return parts;
}

double normalised_joules(const EnergyParts& parts, const std::map<std::string, double>& factor) {
  double sum = 0;
  for (const auto& [node, j] : parts) {
    const auto f = factor.find(node);
    if (f == factor.end()) return kNaN;
    sum += j * f->second;
  }
  return std::max(0.0, sum);  // net parts are signed: the run's total is clamped once
}

std::string base_setup_label(const CellRow& c) {
  std::ostringstream s;
  s << "batch " << c.batch_size << ", lr " << c.learning_rate << ", " << c.optimizer;
  return s.str();
}

std::string setup_label(const CellRow& c) {
  switch (c.role.value()) {
    case RoleValue::pretrain: return base_setup_label(c) + ", pretraining";
    case RoleValue::finetune: return base_setup_label(c) + ", fine-tuned (" + c.freeze + " frozen)";
    case RoleValue::scratch: break;
  }
  return base_setup_label(c);
}

std::string model_label(const CellRow& c) { return c.architecture + "-" + std::to_string(c.size); }

std::string model_kind(const CellRow& c) { return c.model.empty() ? "built-in" : c.model; }

double mean_of(const std::vector<double>& v) {
  if (v.empty()) return kNaN;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double finite_mean(const std::vector<double>& v) {
  std::vector<double> finite;
  for (double x : v)
    if (std::isfinite(x)) finite.push_back(x);
  return mean_of(finite);
}

double sd_of(const std::vector<double>& v) {
  if (v.size() < 2) return kNaN;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

std::string key(std::initializer_list<std::string> parts) {
  std::string k;
  for (const auto& p : parts) k += p + "\x1f";
  return k;
}

std::set<const RunResult*> shared_card_runs(const StudyResults& results) {
  auto cards_of = [](const RunResult& r) {
    std::set<std::string> cards;
    for (size_t at = r.gpu.find("GPU-"); at != std::string::npos; at = r.gpu.find("GPU-", at + 1))
      cards.insert(r.gpu.substr(at, r.gpu.find_first_of(" ;", at) - at));
    return cards;
  };
  // node measurement → card → the ranks that metered it
  std::map<std::string, std::map<std::string, std::set<int>>> ranks_of;
  for (const auto& r : results.runs)
    for (const auto& card : cards_of(r)) ranks_of[r.node_key()][card].insert(r.rank);
  std::set<const RunResult*> shared;
  for (const auto& r : results.runs)
    for (const auto& card : cards_of(r))
      if (ranks_of[r.node_key()][card].size() > 1) shared.insert(&r);
  return shared;
}

}  // namespace joulegrid::reduction
