#pragma once
// The node's meters as the worker sees them: a sampler thread over every
// source found, and the sum of the channels that do not contain one another
// (package + DRAM + GPU, never psys on top) as the cell's energy.
// Per-rank attribution of shared CPU energy and idle subtraction come later
// (issue 4); until then the figures are the node's gross energy.

#include <memory>

#include "io/spec/spec.hpp"
#include "meters/registry.hpp"
#include "meters/sampler.hpp"
#include "rank/cell_energy.hpp"

namespace joulegrid {

class MeteredEnergy : public CellEnergy {
 public:
  MeteredEnergy(const MeterOptions& options, const meters::SysfsRoot& root);
  ~MeteredEnergy() override;

  double joules_now() override;
  // The weakest method among the summed channels: estimated < power < counter.
  std::string method() const override { return method_; }
  std::string describe() const override;

  bool empty() const { return sampler_->channels().empty(); }
  const std::vector<meters::Warning>& warnings() const { return warnings_; }
  const meters::Sampler& sampler() const { return *sampler_; }

 private:
  std::unique_ptr<meters::Sampler> sampler_;
  std::vector<meters::Warning> warnings_;
  std::string method_;
};

}  // namespace joulegrid
