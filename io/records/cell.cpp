#include "io/records/cell.hpp"

#include "io/records/schema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace joulegrid {

using nlohmann::json;


json cell_identity(const CellSpec& c) { return records::to_json(c, records::cell_spec_fields(), records::JsonView::identity); }

std::string cell_id(const CellSpec& c) { return hex16(fnv1a64(cell_identity(c).dump())); }

std::pair<double, double> run_utilisation(const std::vector<EpochRecord>& epochs) {
  double gpu = 0, gpu_s = 0, cpu = 0, cpu_s = 0;
  auto add = [](double util, double s, double& sum, double& seconds) {
    if (std::isfinite(util) && s > 0) {
      sum += util * s;
      seconds += s;
    }
  };
  for (const auto& e : epochs) {
    add(e.train_energy.gpu_util, e.train_s, gpu, gpu_s);
    add(e.eval_energy.gpu_util, e.eval_s, gpu, gpu_s);
    add(e.train_energy.cpu_util, e.train_s, cpu, cpu_s);
    add(e.eval_energy.cpu_util, e.eval_s, cpu, cpu_s);
  }
  // Clamped: a weighted mean of 100s can come out a rounding error above 100.
  return {gpu_s > 0 ? std::clamp(gpu / gpu_s, 0.0, 100.0) : NAN, cpu_s > 0 ? std::clamp(cpu / cpu_s, 0.0, 100.0) : NAN};
}

bool watches_training_split(const CriterionSpec& c) {
  return (c.kind == CriterionKindValue::accuracy || c.kind == CriterionKindValue::early_stopping) && c.split == "train";
}

bool measures_training_accuracy(const CellSpec& c) {
  return c.train.train_accuracy == "always" || (c.train.train_accuracy == "eval" && watches_training_split(c.criterion));
}

std::string selection_split(const CellSpec& c) {
  if (c.criterion.kind == CriterionKindValue::epochs || c.criterion.kind == CriterionKindValue::energy) return "";
  if (c.criterion.split == "validation") return c.data.validation_fraction > 0 ? "validation" : "test";
  return c.criterion.split;
}

double run_other_cpu(const std::vector<EpochRecord>& epochs) {
  double sum = 0, seconds = 0;
  for (const auto& e : epochs)
    for (const auto& [reading, s] : {std::pair{&e.train_energy, e.train_s}, std::pair{&e.eval_energy, e.eval_s}})
      if (std::isfinite(reading->other_cpu) && s > 0) {
        sum += reading->other_cpu * s;
        seconds += s;
      }
  return seconds > 0 ? std::clamp(sum / seconds, 0.0, 100.0) : NAN;
}

void to_json(json& j, const CellSpec& c) { j = records::to_json(c, records::cell_spec_fields()); }
void from_json(const json& j, CellSpec& c) { records::from_json(j, c, records::cell_spec_fields(), "cell"); }
void to_json(json& j, const EpochRecord& e) { j = records::to_json(e, records::epoch_fields()); }
void from_json(const json& j, EpochRecord& e) { records::from_json(j, e, records::epoch_fields(), "epoch"); }
void to_json(json& j, const RunResult& r) { j = records::to_json(r, records::run_fields()); }
void from_json(const json& j, RunResult& r) { records::from_json(j, r, records::run_fields(), "run"); }
void to_json(json& j, const RunSegment& s) { j = records::to_json(s, records::segment_fields()); }
void from_json(const json& j, RunSegment& s) { records::from_json(j, s, records::segment_fields(), "segment"); }

std::string stored_twice_problem(const RunResult& r) {
  if (r.epoch_records.empty()) return "";
  const double last = r.epoch_records.back().cumulative_j;
  const bool same = r.energy_j == last || (std::isnan(r.energy_j) && std::isnan(last));
  if (!same || r.epochs != static_cast<int>(r.epoch_records.size()))
    return "it says " + std::to_string(r.epochs) + " epochs and energy_j " + std::to_string(r.energy_j) +
           " J, its epochs are " + std::to_string(r.epoch_records.size()) + " ending at " + std::to_string(last) +
           " J cumulative";
  if (r.segments.empty()) return "";
  int epochs = 0;
  for (const auto& g : r.segments) {
    if (g.first_epoch != epochs + 1)
      return "its segments do not follow each other (a segment starts at epoch " + std::to_string(g.first_epoch) +
             " after " + std::to_string(epochs) + " epochs)";
    epochs += g.epochs;
  }
  if (epochs != r.epochs)
    return "its segments hold " + std::to_string(epochs) + " epochs, it says " + std::to_string(r.epochs);
  return "";
}

}  // namespace joulegrid
