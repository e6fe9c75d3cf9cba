#pragma once
// What a cell will cost, in seconds: the plan's relative estimate at first,
// then measured epoch times of the same model (architecture, size, batch,
// dataset), or the plan's estimate scaled by the seconds per unit measured
// so far. The scheduler hands out the longest first and the progress
// display turns the remainder into an ETA.

#include <map>
#include <string>

#include "io/records/cell.hpp"

namespace joulegrid {

class CostModel {
 public:
  // Seconds per cell id predicted before anything ran (PRE, --history): they
  // stand in until the cell's model has measured epochs.
  void set_prior(std::map<std::string, double> seconds) { prior_ = std::move(seconds); }
  void observe_epoch(const CellSpec& cell, double seconds);
  // Seconds for the whole cell; the plan's relative cost until anything is measured.
  double expected_seconds(const CellSpec& cell) const;
  bool calibrated() const { return measured_units_ > 0 || !prior_.empty(); }

 private:
  static std::string model_key(const CellSpec& cell);
  struct Mean {
    double sum = 0;
    int n = 0;
  };
  std::map<std::string, Mean> epoch_seconds_;
  std::map<std::string, double> prior_;
  double measured_seconds_ = 0, measured_units_ = 0;
};

}  // namespace joulegrid
