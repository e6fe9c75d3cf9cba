#include "orchestrator/reduce.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <map>
#include <set>
#include <random>
#include <tuple>
#include <sstream>

#include "orchestrator/statistics.hpp"

namespace joulegrid {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int method_rank(const std::string& m) {
  if (m == "counter") return 3;
  if (m == "power") return 2;
  if (m == "estimated") return 1;
  return 0;  // placeholder or unknown
}

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

double mean_of(const std::vector<double>& v) {
  if (v.empty()) return kNaN;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// The sample standard deviation; NaN below two values.
double sd_of(const std::vector<double>& v) {
  if (v.size() < 2) return kNaN;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

// The mean raw and normalised efficiency of a group of rows.
template <class Row>
std::pair<double, double> mean_efficiencies(const std::vector<const Row*>& group) {
  std::vector<double> eff, norm;
  for (const Row* r : group) {
    eff.push_back(r->efficiency);
    norm.push_back(r->efficiency_norm);
  }
  return {mean_of(eff), mean_of(norm)};
}

// The training setup, without and with how the cell starts (fine-tuning).
std::string base_setup_of(const CellRow& c) {
  std::ostringstream s;
  s << "batch " << c.batch_size << ", lr " << c.learning_rate << ", " << c.optimizer;
  return s.str();
}

std::string setup_of(const CellRow& c) {
  if (c.role == "pretrain") return base_setup_of(c) + ", pretraining";
  if (c.role == "finetune") return base_setup_of(c) + ", fine-tuned (" + c.freeze + " frozen)";
  return base_setup_of(c);
}

// The mean of the finite values; NaN when there are none.
double finite_mean(const std::vector<double>& v) {
  std::vector<double> finite;
  for (double x : v)
    if (std::isfinite(x)) finite.push_back(x);
  return mean_of(finite);
}

std::string joules_text(double j) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g J", j);
  return buf;
}

// Joules per training sample and per evaluated sample over a run's epochs;
// NaN when the run did not record its sample counts (older files).
std::pair<double, double> joules_per_sample(const RunResult& r, const std::string& energy) {
  double train_j = 0, eval_j = 0, train_n = 0, eval_n = 0;
  for (const auto& e : r.epoch_records) {
    train_j += energy == "net" ? e.train_energy.net_joules : e.train_energy.joules;
    eval_j += energy == "net" ? e.eval_energy.net_joules : e.eval_energy.joules;
    train_n += static_cast<double>(e.train_samples);
    eval_n += static_cast<double>(e.eval_samples);
  }
  return {train_n > 0 ? train_j / train_n : kNaN, eval_n > 0 ? eval_j / eval_n : kNaN};
}

double run_energy(const RunResult& r, const std::string& energy) {
  if (energy != "net") return r.energy_j;
  double net = 0;
  for (const auto& e : r.epoch_records) net += e.train_energy.net_joules + e.eval_energy.net_joules;
  return net;
}

// E_ref(reference) / E_ref(node) for every node, gross or net.
std::vector<NodeNormalisation> normalisation(const StudyResults& results, const std::string& energy,
                                             std::string* reference) {
  auto e_ref = [&](const NodeRecord& n) {
    if (n.calibration_steps <= 0) return kNaN;
    const double j = energy == "net" ? n.calibration_net_j : n.calibration_j;
    return j > 0 ? j : kNaN;
  };
  double ref = kNaN;
  const StudyMeta& m = results.meta;
  if (m.normalise_to_j > 0) {
    ref = m.normalise_to_j;
    *reference = "a calibration energy of " + joules_text(ref) + " carried over from another study";
  } else {
    // "first": the node of the lowest rank, so the choice does not depend on
    // which node happened to report first.
    std::vector<const NodeRecord*> by_rank;
    for (const auto& n : results.nodes) by_rank.push_back(&n);
    std::stable_sort(by_rank.begin(), by_rank.end(),
                     [](const NodeRecord* a, const NodeRecord* b) {
                       return std::tie(a->replica, a->leader_rank) < std::tie(b->replica, b->leader_rank);
                     });
    for (const NodeRecord* np : by_rank) {
      const NodeRecord& n = *np;
      const bool wanted = (m.normalise_to.empty() || m.normalise_to == "first") ? !std::isnan(e_ref(n))
                                                                                : n.name == m.normalise_to;
      if (wanted) {
        ref = e_ref(n);
        *reference = "node " + n.name + " (calibration " + joules_text(ref) + ")";
        break;
      }
    }
    if (std::isnan(ref)) *reference = "none: no node has a calibration";
  }
  std::vector<NodeNormalisation> out;
  for (const auto& n : results.nodes) out.push_back({n.name, ref / e_ref(n)});
  return out;
}

}  // namespace

std::string weakest_method(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return method_rank(a) <= method_rank(b) ? a : b;
}

std::vector<CriterionRow> efficiency_by_criterion(const std::vector<ModelRow>& models) {
  std::vector<CriterionRow> out;
  for (const auto& g : group_by(models, [](const ModelRow& m) {
         return m.dataset + "\x1f" + m.architecture + "\x1f" + m.criterion + "\x1f" + m.setup;
       })) {
    CriterionRow row{g.front()->dataset, g.front()->architecture, g.front()->criterion, g.front()->setup};
    row.sizes = static_cast<int>(g.size());
    std::tie(row.efficiency, row.efficiency_norm) = mean_efficiencies(g);
    out.push_back(row);
  }
  return out;
}

std::vector<ArchitectureRow> efficiency_by_architecture(const std::vector<CriterionRow>& criteria) {
  std::vector<ArchitectureRow> out;
  for (const auto& g : group_by(criteria, [](const CriterionRow& c) {
         return c.dataset + "\x1f" + c.architecture + "\x1f" + c.setup;
       })) {
    ArchitectureRow row{g.front()->dataset, g.front()->architecture, g.front()->setup};
    row.criteria = static_cast<int>(g.size());
    std::tie(row.efficiency, row.efficiency_norm) = mean_efficiencies(g);
    out.push_back(row);
  }
  return out;
}

std::vector<RatioRow> efficiency_ratios(const std::vector<ArchitectureRow>& archs) {
  std::vector<RatioRow> out;
  auto pairs = [&](const std::string& kind, auto within_key, auto member) {
    for (const auto& g : group_by(archs, within_key)) {
      for (size_t i = 0; i < g.size(); ++i)
        for (size_t j = i + 1; j < g.size(); ++j) {
          const ArchitectureRow* a = g[i];
          const ArchitectureRow* b = g[j];
          if (a->efficiency < b->efficiency) std::swap(a, b);
          RatioRow r;
          r.kind = kind;
          r.within = kind == "architecture" ? a->dataset : a->architecture;
          if (!a->setup.empty()) r.within += " (" + a->setup + ")";
          r.numerator = member(*a);
          r.denominator = member(*b);
          r.ratio = a->efficiency / b->efficiency;
          r.ratio_norm = a->efficiency_norm / b->efficiency_norm;
          out.push_back(r);
        }
    }
  };
  pairs("architecture", [](const ArchitectureRow& a) { return a.dataset + "\x1f" + a.setup; },
        [](const ArchitectureRow& a) { return a.architecture; });
  pairs("dataset", [](const ArchitectureRow& a) { return a.architecture + "\x1f" + a.setup; },
        [](const ArchitectureRow& a) { return a.dataset; });
  return out;
}

OvertrainingRow overtraining_verdict(double train_a, double test_a, double train_b, double test_b) {
  OvertrainingRow r;
  r.train_a = train_a;
  r.test_a = test_a;
  r.train_b = train_b;
  r.test_b = test_b;
  r.gain_a = test_b - test_a;
  r.gap_growth_b = (train_b - test_b) - (train_a - test_a);
  r.overtrained = r.gain_a < 0.005 || r.gap_growth_b >= r.gain_a / 2;
  return r;
}

namespace {

// A run that reached its criterion, with its energy on the chosen basis.
struct Measured {
  const CellRow* cell;
  const RunResult* run;
  double energy_j, energy_norm_j;
  double train_j_per_sample, eval_j_per_sample;
};

// Folds, repeats and replicas of one model: mean accuracy / mean energy.
std::vector<ModelRow> models_of(const std::vector<Measured>& done) {
  std::vector<ModelRow> models;
  for (const auto& g : group_by(done, [](const Measured& m) {
         const CellRow& c = *m.cell;
         return c.dataset + "\x1f" + c.architecture + "\x1f" + std::to_string(c.size) + "\x1f" + c.criterion +
                "\x1f" + setup_of(c);
       })) {
    const CellRow& c = *g.front()->cell;
    ModelRow m{c.dataset, c.architecture, c.criterion, setup_of(c), c.size};
    std::vector<double> epochs, acc, e, en, train_ps, eval_ps, gpu, cpu;
    for (const Measured* x : g) {
      gpu.push_back(x->run->gpu_util);
      cpu.push_back(x->run->cpu_util);
      epochs.push_back(x->run->epochs);
      acc.push_back(x->run->test_acc);
      e.push_back(x->energy_j);
      en.push_back(x->energy_norm_j);
      train_ps.push_back(x->train_j_per_sample);
      eval_ps.push_back(x->eval_j_per_sample);
      m.energy_method = weakest_method(m.energy_method, x->run->energy_method);
    }
    m.runs = static_cast<int>(g.size());
    m.epochs = mean_of(epochs);
    m.accuracy = mean_of(acc);
    m.energy_j = mean_of(e);
    m.energy_norm_j = mean_of(en);
    m.energy_sd = sd_of(e);
    m.accuracy_sd = sd_of(acc);
    m.train_j_per_sample = mean_of(train_ps);
    m.eval_j_per_sample = mean_of(eval_ps);
    m.gpu_util = finite_mean(gpu);
    m.cpu_util = finite_mean(cpu);
    m.efficiency = m.energy_j > 0 ? m.accuracy / m.energy_j : kNaN;
    m.efficiency_norm = m.energy_norm_j > 0 ? m.accuracy / m.energy_norm_j : kNaN;
    models.push_back(m);
  }
  return models;
}

// The runs of one architecture (dataset, setup) arranged as Eq. 4 reads
// them: criterion → size → runs.
struct Nested {
  std::string dataset, architecture, setup;
  std::vector<std::vector<std::vector<const Measured*>>> criteria;
  std::vector<const Measured*> runs;
};

std::vector<Nested> nest(const std::vector<Measured>& done) {
  std::vector<Nested> out;
  for (const auto& arch : group_by(done, [](const Measured& m) {
         return m.cell->dataset + "\x1f" + m.cell->architecture + "\x1f" + setup_of(*m.cell);
       })) {
    Nested n{arch.front()->cell->dataset, arch.front()->cell->architecture, setup_of(*arch.front()->cell), {}, arch};
    std::map<std::string, std::map<int, std::vector<const Measured*>>> by;
    std::vector<std::string> order;
    for (const Measured* m : arch) {
      if (!by.count(m->cell->criterion)) order.push_back(m->cell->criterion);
      by[m->cell->criterion][m->cell->size].push_back(m);
    }
    for (const auto& c : order) {
      n.criteria.emplace_back();
      for (const auto& [size, runs] : by[c]) n.criteria.back().push_back(runs);
    }
    out.push_back(std::move(n));
  }
  return out;
}

// One bootstrap replicate of Eq. 4 (raw, normalised).
std::pair<double, double> resampled_eq4(const Nested& n, std::mt19937_64& rng) {
  double sum_c = 0, sum_c_norm = 0;
  for (const auto& sizes : n.criteria) {
    double sum_s = 0, sum_s_norm = 0;
    std::uniform_int_distribution<size_t> pick_size(0, sizes.size() - 1);
    for (size_t s = 0; s < sizes.size(); ++s) {
      const auto& runs = sizes[pick_size(rng)];
      std::uniform_int_distribution<size_t> pick_run(0, runs.size() - 1);
      double acc = 0, e = 0, en = 0;
      for (size_t r = 0; r < runs.size(); ++r) {
        const Measured* m = runs[pick_run(rng)];
        acc += m->run->test_acc;
        e += m->energy_j;
        en += m->energy_norm_j;
      }
      sum_s += e > 0 ? acc / e : kNaN;
      sum_s_norm += en > 0 ? acc / en : kNaN;
    }
    sum_c += sum_s / static_cast<double>(sizes.size());
    sum_c_norm += sum_s_norm / static_cast<double>(sizes.size());
  }
  const double c = static_cast<double>(n.criteria.size());
  return {sum_c / c, sum_c_norm / c};
}

void add_statistics(const std::vector<Measured>& done, Reduction& red) {
  constexpr int kResamples = 2000;
  red.resamples = kResamples;
  const auto nested = nest(done);
  std::vector<std::vector<double>> raw(nested.size()), norm(nested.size());
  std::mt19937_64 rng(20240912);  // fixed: the same file gives the same intervals
  for (size_t a = 0; a < nested.size(); ++a) {
    for (int i = 0; i < kResamples; ++i) {
      const auto [r, n] = resampled_eq4(nested[a], rng);
      raw[a].push_back(r);
      norm[a].push_back(n);
    }
    IntervalRow row{nested[a].dataset, nested[a].architecture, nested[a].setup};
    row.runs = static_cast<int>(nested[a].runs.size());
    for (const auto& x : red.architectures)
      if (x.dataset == row.dataset && x.architecture == row.architecture && x.setup == row.setup) {
        row.efficiency = x.efficiency;
        row.efficiency_norm = x.efficiency_norm;
      }
    row.low = quantile(raw[a], 0.025);
    row.high = quantile(raw[a], 0.975);
    row.low_norm = quantile(norm[a], 0.025);
    row.high_norm = quantile(norm[a], 0.975);
    red.intervals.push_back(row);
  }
  for (size_t a = 0; a < nested.size(); ++a)
    for (size_t b = a + 1; b < nested.size(); ++b) {
      if (nested[a].dataset != nested[b].dataset || nested[a].setup != nested[b].setup) continue;
      const bool normalised = std::isfinite(red.intervals[a].efficiency_norm) &&
                              std::isfinite(red.intervals[b].efficiency_norm);
      auto eq4 = [&](size_t k) { return normalised ? red.intervals[k].efficiency_norm : red.intervals[k].efficiency; };
      size_t hi = a, lo = b;
      if (eq4(a) < eq4(b)) std::swap(hi, lo);
      ComparisonRow c{nested[a].dataset, nested[a].setup, nested[hi].architecture, nested[lo].architecture,
                      normalised ? "normalised" : "raw"};
      c.ratio = eq4(hi) / eq4(lo);
      const auto& draws = normalised ? norm : raw;
      std::vector<double> ratios;
      for (int i = 0; i < kResamples; ++i)
        ratios.push_back(draws[hi][static_cast<size_t>(i)] / draws[lo][static_cast<size_t>(i)]);
      c.low = quantile(ratios, 0.025);
      c.high = quantile(ratios, 0.975);
      auto efficiencies = [&](size_t k) {
        std::vector<double> v;
        for (const Measured* m : nested[k].runs)
          v.push_back(m->run->test_acc / (normalised ? m->energy_norm_j : m->energy_j));
        return v;
      };
      const MannWhitney mw = mann_whitney(efficiencies(hi), efficiencies(lo));
      c.n_a = mw.n_a;
      c.n_b = mw.n_b;
      c.u = mw.u;
      c.z = mw.z;
      c.p = mw.p;
      red.comparisons.push_back(c);
    }
}

void add_step_accuracy(const std::vector<Measured>& done, Reduction& red) {
  std::map<std::string, std::vector<const Measured*>> by_arch;
  std::vector<const Measured*> all;
  for (const auto& m : done)
    // Only projections that extrapolated: one made at the cap is a measurement.
    if (m.run->step_epoch > 0 && m.run->step_epoch < m.run->epochs && m.run->epochs == m.cell->epoch_cap &&
        m.run->energy_j > 0) {
      by_arch[m.cell->architecture].push_back(&m);
      all.push_back(&m);
    }
  if (all.empty()) return;
  auto row = [](const std::string& name, const std::vector<const Measured*>& runs) {
    StepAccuracyRow r{name, static_cast<int>(runs.size())};
    std::vector<double> e, s, at;
    for (const Measured* m : runs) {
      double seconds = 0;
      for (const auto& ep : m->run->epoch_records) seconds += ep.train_s + ep.eval_s;
      e.push_back(std::abs(m->run->step_projected_j - m->run->energy_j) / m->run->energy_j);
      if (seconds > 0) s.push_back(std::abs(m->run->step_projected_s - seconds) / seconds);
      at.push_back(m->run->step_epoch);
    }
    r.energy_error = mean_of(e);
    r.seconds_error = mean_of(s);
    r.mean_at_epoch = mean_of(at);
    return r;
  };
  red.step.push_back(row("all", all));
  for (const auto& [arch, runs] : by_arch) red.step.push_back(row(arch, runs));
}

// Which setup reaches each accuracy target with the least energy.
void add_setups(const std::vector<Measured>& done, const StudyResults& results, Reduction& red) {
  std::set<std::string> setups;
  for (const auto& c : results.cells) setups.insert(setup_of(c));
  if (setups.size() < 2) return;
  std::vector<const Measured*> targeted;
  for (const auto& m : done)
    if (m.cell->criterion_kind == "accuracy") targeted.push_back(&m);
  // The settled runs that failed count as not reaching it.
  std::map<std::string, int> failed;
  for (const auto& [id, runs] : results.settled())
    for (const RunResult* r : runs)
      if (r->status != "done") ++failed[id];
  auto key = [](const CellRow& c) { return c.dataset + "\x1f" + c.architecture + "\x1f" + c.criterion; };
  std::map<std::string, std::vector<SetupRow>> groups;
  std::map<std::string, std::vector<std::string>> order;  // setups in grid order per group
  for (const auto& c : results.cells) {
    if (c.criterion_kind != "accuracy") continue;
    auto& rows = groups[key(c)];
    auto it = std::find_if(rows.begin(), rows.end(), [&](const SetupRow& r) { return r.setup == setup_of(c); });
    if (it == rows.end()) {
      rows.push_back(SetupRow{c.dataset, c.architecture, c.criterion, setup_of(c)});
      it = rows.end() - 1;
    }
    it->runs += failed.count(c.id) ? failed[c.id] : 0;
  }
  for (const Measured* m : targeted) {
    auto& rows = groups[key(*m->cell)];
    auto it = std::find_if(rows.begin(), rows.end(), [&](const SetupRow& r) { return r.setup == setup_of(*m->cell); });
    ++it->runs;
    if (m->run->stop_reason != "criterion_met") continue;
    const double n = ++it->reached;
    it->energy_j = n == 1 ? m->energy_j : it->energy_j + (m->energy_j - it->energy_j) / n;
    it->epochs = n == 1 ? m->run->epochs : it->epochs + (m->run->epochs - it->epochs) / n;
  }
  for (auto& [k, rows] : groups) {
    double costliest = kNaN;
    SetupRow* best = nullptr;
    for (auto& r : rows) {
      if (r.reached > 0 && !(r.energy_j <= costliest)) costliest = r.energy_j;
      if (r.reached > 0 && r.reached == r.runs && (!best || r.energy_j < best->energy_j)) best = &r;
    }
    for (auto& r : rows) r.saving = r.reached > 0 ? 1 - r.energy_j / costliest : kNaN;
    if (best) best->best = true;
    red.setups.insert(red.setups.end(), rows.begin(), rows.end());
  }
}

// Fine-tuned against from scratch, model by model, with the pretraining the
// fine-tuned runs started from reported apart.
void add_finetuning(const std::vector<Measured>& done, const StudyResults& results, Reduction& red) {
  std::map<std::string, const CellRow*> by_id;
  for (const auto& c : results.cells) by_id[c.id] = &c;
  auto key = [](const CellRow& c) {
    return c.dataset + "\x1f" + c.architecture + "\x1f" + std::to_string(c.size) + "\x1f" + c.criterion + "\x1f" +
           base_setup_of(c);
  };
  std::map<std::string, const Measured*> pretraining;  // by cell id
  for (const auto& m : done)
    if (m.cell->role == "pretrain") pretraining[m.cell->id] = &m;
  struct Group {
    FinetuneRow row;
    std::vector<double> scratch_j, finetune_j, scratch_acc, finetune_acc, pretrain_j;
    std::set<std::string> pretrain_ids;
  };
  std::map<std::string, Group> groups;
  std::vector<std::string> order;
  for (const auto& c : results.cells) {  // grid order; a model appears once it has a fine-tuning twin
    if (c.role != "finetune") continue;
    auto [it, fresh] = groups.try_emplace(key(c));
    if (!fresh) continue;
    order.push_back(key(c));
    FinetuneRow& r = it->second.row;
    r.dataset = c.dataset;
    r.architecture = c.architecture;
    r.criterion = c.criterion;
    r.setup = base_setup_of(c);
    r.freeze = c.freeze;
    r.size = c.size;
    if (auto p = by_id.find(c.depends_on); p != by_id.end()) {
      r.pretrain_dataset = p->second->dataset;
      r.pretrain_criterion = p->second->criterion;
    }
  }
  if (groups.empty()) return;
  for (const auto& m : done) {
    if (m.cell->role == "pretrain") continue;
    auto it = groups.find(key(*m.cell));
    if (it == groups.end()) continue;
    Group& g = it->second;
    if (m.cell->role == "finetune") {
      g.finetune_j.push_back(m.energy_j);
      g.finetune_acc.push_back(m.run->test_acc);
      if (auto p = pretraining.find(m.cell->depends_on); p != pretraining.end() && g.pretrain_ids.insert(p->first).second)
        g.pretrain_j.push_back(p->second->energy_j);
    } else {
      g.scratch_j.push_back(m.energy_j);
      g.scratch_acc.push_back(m.run->test_acc);
    }
  }
  for (const auto& k : order) {
    Group& g = groups[k];
    FinetuneRow& r = g.row;
    r.scratch_runs = static_cast<int>(g.scratch_j.size());
    r.finetune_runs = static_cast<int>(g.finetune_j.size());
    r.pretrain_runs = static_cast<int>(g.pretrain_j.size());
    r.scratch_j = mean_of(g.scratch_j);
    r.finetune_j = mean_of(g.finetune_j);
    r.pretrain_j = mean_of(g.pretrain_j);
    r.scratch_acc = mean_of(g.scratch_acc);
    r.finetune_acc = mean_of(g.finetune_acc);
    if (r.scratch_j > 0 && std::isfinite(r.finetune_j)) {
      r.saving = 1 - r.finetune_j / r.scratch_j;
      if (std::isfinite(r.pretrain_j)) {
        r.saving_with_pretraining = 1 - (r.finetune_j + r.pretrain_j) / r.scratch_j;
        if (r.finetune_j < r.scratch_j) r.break_even = r.pretrain_j / (r.scratch_j - r.finetune_j);
      }
    }
    red.finetune.push_back(r);
  }
}

// Each node's intensity: its own from [carbon.nodes], else the default.
void add_emissions(const StudyResults& results, Reduction& red) {
  std::map<std::string, double> own;
  std::istringstream lines(results.meta.carbon_nodes);
  for (std::string line; std::getline(lines, line);) {
    const size_t eq = line.rfind('=');
    if (eq != std::string::npos) own[line.substr(0, eq)] = std::atof(line.c_str() + eq + 1);
  }
  if (results.meta.carbon_g_per_kwh <= 0 && own.empty()) return;
  auto intensity = [&](const std::string& node) {
    const auto it = own.find(node);
    return it != own.end() ? it->second : results.meta.carbon_g_per_kwh;
  };
  std::map<std::string, std::string> arch_of;
  for (const auto& c : results.cells) arch_of[c.id] = c.architecture;
  std::map<std::string, EmissionRow> by_node, by_arch;
  std::vector<std::string> node_order, arch_order;
  red.emissions_g = 0;
  for (const auto& r : results.runs) {
    const double g_per_kwh = intensity(r.node);
    const double grams = r.energy_j / 3.6e6 * g_per_kwh;
    auto add = [&](std::map<std::string, EmissionRow>& to, std::vector<std::string>& order, const std::string& kind,
                   const std::string& name) {
      auto [it, fresh] = to.try_emplace(name, EmissionRow{kind, name});
      if (fresh) order.push_back(name);
      ++it->second.runs;
      it->second.energy_j += r.energy_j;
      it->second.grams += grams;
      if (kind == "node") it->second.g_per_kwh = g_per_kwh;
    };
    add(by_node, node_order, "node", r.node);
    add(by_arch, arch_order, "architecture", arch_of[r.cell_id]);
    red.emissions_g += grams;
  }
  for (const auto& n : node_order) red.emissions.push_back(by_node[n]);
  for (const auto& a : arch_order) red.emissions.push_back(by_arch[a]);
}

}  // namespace

Reduction reduce(const StudyResults& results, const std::string& energy_choice) {
  Reduction red;
  red.energy = energy_choice.empty() ? (results.meta.report_energy.empty() ? "gross" : results.meta.report_energy)
                                     : energy_choice;
  red.nodes = normalisation(results, red.energy, &red.reference);
  std::map<std::string, double> factor;
  for (const auto& n : red.nodes) factor[n.node] = n.factor;

  const auto settled = results.settled();
  std::vector<Measured> done;
  for (const auto& c : results.cells) {
    auto it = settled.find(c.id);
    if (it == settled.end()) continue;
    for (const RunResult* r : it->second) {
      if (r->status != "done") continue;
      const double e = run_energy(*r, red.energy);
      const auto f = factor.find(r->node);
      const auto [train_ps, eval_ps] = joules_per_sample(*r, red.energy);
      done.push_back({&c, r, e, f == factor.end() ? kNaN : e * f->second, train_ps, eval_ps});
      red.energy_method = weakest_method(red.energy_method, r->energy_method);
    }
  }

  std::map<const RunResult*, const Measured*> measured_by_run;
  for (const auto& m : done) measured_by_run[m.run] = &m;
  for (const auto& c : results.cells) {
    CellResult cr;
    cr.id = c.id;
    cr.index = c.index;
    cr.dataset = c.dataset;
    cr.architecture = c.architecture;
    cr.criterion = c.criterion;
    cr.size = c.size;
    cr.fold = c.fold;
    cr.repeat = c.repeat;
    cr.status = c.status;
    cr.attempts = c.attempts;
    cr.role = c.role;
    auto it = settled.find(c.id);
    if (it == settled.end()) {
      red.cells.push_back(cr);
      continue;
    }
    for (const RunResult* r : it->second) {  // one row per replica that settled it
      CellResult row = cr;
      if (it->second.size() > 1) row.status = r->status;
      row.epochs = r->epochs;
      row.accuracy = r->test_acc;
      row.energy_method = r->energy_method;
      row.node = r->node;
      row.failure = r->failure;
      row.detail = r->detail;
      row.gpu_util = r->gpu_util;
      row.cpu_util = r->cpu_util;
      if (auto m = measured_by_run.find(r); m != measured_by_run.end()) {
        row.energy_j = m->second->energy_j;
        row.energy_norm_j = m->second->energy_norm_j;
        row.efficiency = row.energy_j > 0 ? row.accuracy / row.energy_j : kNaN;
        row.efficiency_norm = row.energy_norm_j > 0 ? row.accuracy / row.energy_norm_j : kNaN;
        row.train_j_per_sample = m->second->train_j_per_sample;
        row.eval_j_per_sample = m->second->eval_j_per_sample;
      }
      red.cells.push_back(row);
    }
  }

  red.models = models_of(done);
  red.criteria = efficiency_by_criterion(red.models);
  red.architectures = efficiency_by_architecture(red.criteria);
  red.ratios = efficiency_ratios(red.architectures);

  // The hardware side by side: Eq. 4 over the runs each node made. Raw
  // figures differ with the hardware; normalised ones agree as far as the
  // calibration captures the difference.
  std::map<std::string, std::vector<Measured>> per_node;
  for (const auto& m : done) per_node[m.run->node].push_back(m);
  if (per_node.size() > 1)
    for (const auto& node : results.nodes) {
      auto it = per_node.find(node.name);
      if (it == per_node.end()) continue;
      for (ArchitectureRow a : efficiency_by_architecture(efficiency_by_criterion(models_of(it->second)))) {
        a.node = node.name;
        red.by_node.push_back(a);
      }
    }

  // Fixed-epoch runs of at least two epochs: epoch b is the last, a its half.
  for (const Measured& x : done) {
    if (x.cell->criterion_kind != "epochs" || x.run->epoch_records.size() < 2) continue;
    const auto& recs = x.run->epoch_records;
    const EpochRecord& b = recs.back();
    const EpochRecord& a = recs[static_cast<size_t>(b.epoch / 2) - 1];
    OvertrainingRow o = overtraining_verdict(a.train_acc, a.test_acc, b.train_acc, b.test_acc);
    o.dataset = x.cell->dataset;
    o.architecture = x.cell->architecture;
    o.criterion = x.cell->criterion;
    o.cell_id = x.cell->id;
    o.size = x.cell->size;
    o.fold = x.cell->fold;
    o.epoch_a = a.epoch;
    o.epoch_b = b.epoch;
    red.overtraining.push_back(o);
  }
  add_statistics(done, red);
  add_step_accuracy(done, red);
  add_setups(done, results, red);
  add_finetuning(done, results, red);
  add_emissions(results, red);
  return red;
}

}  // namespace joulegrid
