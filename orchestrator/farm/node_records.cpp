#include "orchestrator/farm/node_records.hpp"

#include <string>

namespace joulegrid {

namespace {

// The field as the ranks give it: the one text where all agree, else each
// rank's non-empty text prefixed by its rank.
template <class Get>
std::string per_rank(const std::map<int, NodeRecord>& by_rank, Get get) {
  bool same = true;
  for (const auto& [rank, r] : by_rank) same = same && get(r) == get(by_rank.begin()->second);
  if (same) return get(by_rank.begin()->second);
  std::string out;
  for (const auto& [rank, r] : by_rank)
    if (!get(r).empty()) out += (out.empty() ? "" : "; ") + ("rank " + std::to_string(rank) + ": ") + get(r);
  return out;
}

}  // namespace

NodeRecord merge_rank_records(const std::map<int, NodeRecord>& by_rank, int leader) {
  if (by_rank.empty()) return {};
  const auto base = by_rank.find(leader);
  NodeRecord merged = base != by_rank.end() ? base->second : by_rank.begin()->second;
  merged.devices = per_rank(by_rank, [](const NodeRecord& r) { return r.devices; });
  merged.warnings = per_rank(by_rank, [](const NodeRecord& r) { return r.warnings; });
  // Every rank that calibrated its own card: the node's E_ref is the median
  // over all their repetitions, so their spread holds the cards' spread.
  std::map<int, NodeRecord> calibrated;
  for (const auto& [rank, r] : by_rank)
    if (!r.calibration_method.empty()) calibrated[rank] = r;
  if (calibrated.size() > 1) {
    merged.calibration_runs.clear();
    for (const auto& [rank, r] : calibrated) {
      if (r.calibration_steps <= 0) continue;
      merged.calibration_steps = r.calibration_steps;
      merged.calibration_runs.insert(merged.calibration_runs.end(), r.calibration_runs.begin(), r.calibration_runs.end());
    }
    if (merged.calibration_runs.empty()) merged.calibration_steps = 0;
    merged.take_calibration_medians();
    merged.calibration_method = per_rank(calibrated, [](const NodeRecord& r) { return r.calibration_method; });
  }
  return merged;
}

}  // namespace joulegrid
