#include "orchestrator/reduce/setups.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace joulegrid::reduction {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

// Which setup reaches each accuracy target with the least energy.
std::vector<SetupRow> setups(const std::vector<Measured>& done, const StudyResults& results) {
  std::vector<SetupRow> out;
  std::set<std::string> labels;
  for (const auto& c : results.cells) labels.insert(setup_label(c));
  if (labels.size() < 2) return out;
  std::vector<const Measured*> targeted;
  for (const auto& m : done)
    if (m.cell->criterion_kind == CriterionKindValue::accuracy) targeted.push_back(&m);
  // The settled runs that failed count as not reaching it.
  std::map<std::string, int> failed;
  for (const auto& [id, runs] : results.settled())
    for (const RunResult* r : runs)
      if (r->status != StatusValue::done) ++failed[id];
  auto group = [](const CellRow& c) { return key({c.dataset, c.architecture, c.criterion}); };
  // In the order of their keys, as reports have always listed them.
  std::map<std::string, std::vector<SetupRow>> groups;
  for (const auto& c : results.cells) {
    if (c.criterion_kind != CriterionKindValue::accuracy) continue;
    auto& rows = groups[group(c)];
    auto it = std::find_if(rows.begin(), rows.end(), [&](const SetupRow& r) { return r.setup == setup_label(c); });
    if (it == rows.end()) {
      rows.push_back(SetupRow{c.dataset, c.architecture, c.criterion, setup_label(c), model_kind(c)});
      it = rows.end() - 1;
    }
    it->runs += failed.count(c.id) ? failed[c.id] : 0;
  }
  for (const Measured* m : targeted) {
    auto& rows = groups[group(*m->cell)];
    auto it = std::find_if(rows.begin(), rows.end(), [&](const SetupRow& r) { return r.setup == setup_label(*m->cell); });
    ++it->runs;
    if (m->run->stop_reason != StopReasonValue::criterion_met) continue;
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
    out.insert(out.end(), rows.begin(), rows.end());
  }
  return out;
}

// Fine-tuned against from scratch, model by model, with the pretraining the
// fine-tuned runs started from reported apart.
std::vector<FinetuneRow> finetuning(const std::vector<Measured>& done, const StudyResults& results) {
  std::vector<FinetuneRow> out;
  std::map<std::string, const CellRow*> by_id;
  for (const auto& c : results.cells) by_id[c.id] = &c;
  auto model = [](const CellRow& c) {
    return key({c.dataset, c.architecture, std::to_string(c.size), c.criterion, base_setup_label(c)});
  };
  std::map<std::string, const Measured*> pretraining;  // by cell id
  for (const auto& m : done)
    if (m.cell->role == RoleValue::pretrain) pretraining[m.cell->id] = &m;
  struct Group {
    FinetuneRow row;
    std::vector<double> scratch_j, finetune_j, scratch_acc, finetune_acc, pretrain_j;
    std::set<std::string> pretrain_ids;
  };
  std::map<std::string, Group> groups;
  std::vector<std::string> order;
  for (const auto& c : results.cells) {  // grid order; a model appears once it has a fine-tuning twin
    if (c.role != RoleValue::finetune) continue;
    auto [it, fresh] = groups.try_emplace(model(c));
    if (!fresh) continue;
    order.push_back(model(c));
    FinetuneRow& r = it->second.row;
    r.dataset = c.dataset;
    r.architecture = c.architecture;
    r.kind = model_kind(c);
    r.criterion = c.criterion;
    r.setup = base_setup_label(c);
    r.freeze = c.freeze;
    r.size = c.size;
    if (auto p = by_id.find(c.depends_on); p != by_id.end()) {
      r.pretrain_dataset = p->second->dataset;
      r.pretrain_criterion = p->second->criterion;
    }
  }
  if (groups.empty()) return out;
  for (const auto& m : done) {
    if (m.cell->role == RoleValue::pretrain) continue;
    auto it = groups.find(model(*m.cell));
    if (it == groups.end()) continue;
    Group& g = it->second;
    if (m.cell->role == RoleValue::finetune) {
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
    out.push_back(r);
  }
  return out;
}

}  // namespace joulegrid::reduction
