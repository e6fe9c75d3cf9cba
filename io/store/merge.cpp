#include "io/store/merge.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "io/errors.hpp"
#include "io/store/store.hpp"

namespace joulegrid {

namespace {

std::string canonical(const std::string& path) {
  std::error_code ec;
  const auto p = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

std::string stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

int replica_count(const StudyResults& r) {
  int n = 1;
  for (const auto& run : r.runs) n = std::max(n, run.replica + 1);
  for (const auto& node : r.nodes) n = std::max(n, node.replica + 1);
  return n;
}

// A cell's fate across replicas: failed if any replica failed it, pending if
// any has not settled it, done only when every replica has.
Status merged_status(Status a, Status b) {
  if (a == StatusValue::failed || b == StatusValue::failed) return StatusValue::failed;
  if (a == StatusValue::pending || b == StatusValue::pending) return StatusValue::pending;
  return StatusValue::done;
}

}  // namespace

StudyResults merge_results(const std::vector<std::string>& paths, std::vector<SampleSource>* samples) {
  if (paths.size() < 2) throw InputError("merge: give at least two results files (got " +
                                         std::to_string(paths.size()) + ")");
  StudyResults out;
  std::set<std::string> seen_paths, seen_studies;
  std::map<std::string, std::string> node_source;   // merged node name -> the file it came from
  std::string steps_file;
  int steps = 0;                                    // calibration steps every node must share
  int replicas = 0;
  bool all_complete = true;

  for (const auto& path : paths) {
    if (!seen_paths.insert(canonical(path)).second)
      throw InputError(path + ": given twice; each replication study is merged once");
    StudyResults in = load_results(path);
    const std::string identity = in.meta.created_utc + " " + in.meta.job_ids + " " + in.meta.sources;
    if (!seen_studies.insert(identity).second)
      throw InputError(path + ": the same study (created " + in.meta.created_utc + ", jobs " + in.meta.job_ids +
                       ") as an earlier input, copied; merging it would count its cells twice");

    if (replicas == 0) {
      out.meta = in.meta;
      out.meta.sources.clear();
      out.cells = in.cells;
      for (auto& c : out.cells) c.attempts = 0;
    } else if (in.meta.grid_hash != out.meta.grid_hash) {
      throw InputError(path + ": its grid (" + std::to_string(in.cells.size()) + " cells, hash " +
                       in.meta.grid_hash + ", study " + in.meta.study + ") differs from " + paths.front() + "'s (" +
                       std::to_string(out.cells.size()) + " cells, hash " + out.meta.grid_hash +
                       "); only runs of the same study file can be merged (nothing was written)");
    } else if (!in.meta.job_ids.empty()) {
      out.meta.job_ids += (out.meta.job_ids.empty() ? "" : " ") + in.meta.job_ids;
    }
    all_complete = all_complete && in.meta.status == StudyStatusValue::complete;

    // Nodes: every calibration kept; a name already taken by an earlier
    // input's node is a different machine (or another day's run on it).
    std::map<std::string, std::string> renamed;
    for (NodeRecord node : in.nodes) {
      if (node.calibration_steps > 0) {
        if (steps == 0) {
          steps = node.calibration_steps;
          steps_file = path;
        } else if (node.calibration_steps != steps) {
          throw InputError(path + ": node " + node.name + " was calibrated with " +
                           std::to_string(node.calibration_steps) + " steps, but " + steps_file + "'s nodes with " +
                           std::to_string(steps) + "; their E_ref cannot normalise one another. Run both with the "
                           "same [calibration] steps (nothing was written)");
        }
      }
      // (Its own earlier measurements of the node, a resume's, keep the name.)
      if (const auto taken = node_source.find(node.name); taken != node_source.end() && taken->second != path) {
        const std::string name = node.name + "@" + stem(path);
        renamed[node.name] = name;
        node.name = name;
      }
      node_source[node.name] = path;
      node.replica += replicas;
      out.nodes.push_back(node);
    }
    for (RunResult run : in.runs) {
      if (auto it = renamed.find(run.node); it != renamed.end()) run.node = it->second;
      run.replica += replicas;
      out.runs.push_back(std::move(run));
    }
    for (size_t i = 0; i < out.cells.size(); ++i) {
      CellRow& mine = out.cells[i];
      const CellRow& theirs = in.cells[i];
      mine.status = replicas == 0 ? theirs.status : merged_status(mine.status, theirs.status);
      mine.attempts += theirs.attempts;
    }
    const std::string from = in.meta.sources.empty()
                                 ? path + " (" + in.meta.study + ", " + (in.meta.job_ids.empty() ? "local" : in.meta.job_ids) +
                                       ", " + in.meta.status + ")"
                                 : in.meta.sources;
    out.meta.sources += (out.meta.sources.empty() ? "" : "\n") + from;
    if (samples) samples->push_back({path, samples_path(path), replicas});
    replicas += replica_count(in);
  }
  out.meta.status = all_complete ? StudyStatusValue::complete : StudyStatusValue::stopped;
  out.meta.updated_utc = utc_now();
  return out;
}

}  // namespace joulegrid
