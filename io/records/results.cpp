#include "io/records/results.hpp"

#include <algorithm>
#include <set>
#include <cmath>
#include <cstdio>

#include "io/records/schema.hpp"

namespace joulegrid {

CellRow cell_row(const CellSpec& c) {
  CellRow r;
  r.index = c.index;
  r.id = c.id;
  r.architecture = c.architecture;
  r.size = c.size;
  r.criterion = c.criterion.name;
  r.criterion_kind = c.criterion.kind;
  r.epoch_cap = c.criterion.epoch_cap();
  r.fold = c.fold;
  r.batch_size = c.batch_size;
  r.learning_rate = c.learning_rate;
  r.optimizer = c.optimizer;
  r.repeat = c.repeat;
  r.dataset = c.data.name;
  r.selection = selection_split(c);
  r.classes = c.data.classes;
  r.seed = c.seed;
  r.role = c.role;
  r.depends_on = c.depends_on;
  r.freeze = c.freeze;
  r.model = c.model_kind;
  r.model_hash = c.model_hash;
  return r;
}

std::string grid_hash(const std::vector<CellRow>& cells) {
  std::string ids;
  for (const auto& c : cells) ids += c.id + "\n";
  return hex16(fnv1a64(ids));
}

std::map<std::string, std::vector<const RunResult*>> StudyResults::settled() const {
  std::map<std::pair<std::string, int>, const RunResult*> last;  // per cell and replica
  for (const auto& r : runs)
    if (r.settles_cell) last[{r.cell_id, r.replica}] = &r;
  std::map<std::string, std::vector<const RunResult*>> out;
  for (const auto& [key, run] : last) out[key.first].push_back(run);
  return out;
}

const NodeRecord* StudyResults::measurement(const std::string& key) const {
  for (const auto& n : nodes)
    if (n.key() == key) return &n;
  return nullptr;
}

const NodeRecord* StudyResults::node(const std::string& name) const {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

double NodeRecord::calibration_spread() const {
  if (calibration_runs.size() < 2 || calibration_j <= 0) return 0;
  const auto [lo, hi] = std::minmax_element(calibration_runs.begin(), calibration_runs.end(),
                                            [](const CalibrationRun& a, const CalibrationRun& b) { return a.joules < b.joules; });
  return (hi->joules - lo->joules) / calibration_j;
}

double NodeRecord::idle_spread() const {
  if (idle_windows.size() < 2 || idle_w <= 0) return 0;
  const auto [lo, hi] = std::minmax_element(idle_windows.begin(), idle_windows.end(),
                                            [](const IdleWindow& a, const IdleWindow& b) { return a.watts < b.watts; });
  return (hi->watts - lo->watts) / idle_w;
}

double NodeRecord::idle_other_cpu() const {
  double most = NAN;
  for (const auto& w : idle_windows)
    if (std::isfinite(w.other_cpu) && !(w.other_cpu <= most)) most = w.other_cpu;
  return most;
}

double calibration_median(const std::vector<CalibrationRun>& runs, double CalibrationRun::*figure) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(r.*figure);
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void NodeRecord::take_calibration_medians() {
  calibration_j = calibration_median(calibration_runs, &CalibrationRun::joules);
  calibration_net_j = calibration_median(calibration_runs, &CalibrationRun::net_joules);
  calibration_s = calibration_median(calibration_runs, &CalibrationRun::seconds);
}

std::string NodeRecord::calibration_problem() const {
  if (calibration_steps <= 0 || calibration_runs.empty()) return "";
  NodeRecord medians = *this;
  medians.take_calibration_medians();
  auto differs = [](double a, double b) { return !(a == b || std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b))); };
  if (differs(medians.calibration_j, calibration_j))
    return "its E_ref says " + std::to_string(calibration_j) + " J, the median of its " +
           std::to_string(calibration_runs.size()) + " repetitions is " + std::to_string(medians.calibration_j) + " J";
  return "";
}

int NodeRecord::calibrated_cards() const {
  std::set<std::string> cards;
  for (const auto& r : calibration_runs) cards.insert(r.card);
  return static_cast<int>(cards.size());
}

void NodeRecord::keep_calibration_as_one_run() {
  if (calibration_steps > 0 && calibration_runs.empty())
    calibration_runs.push_back({1, calibration_j, calibration_net_j, calibration_s, ""});
}

void to_json(nlohmann::json& j, const NodeRecord& n) { j = records::to_json(n, records::node_fields()); }
void from_json(const nlohmann::json& j, NodeRecord& n) {
  records::from_json(j, n, records::node_fields(), "node");
  n.keep_calibration_as_one_run();
}

}  // namespace joulegrid
