#pragma once
// Rank 0's progress: on a terminal one live line redrawn in place (cells
// done / running / failed / total, elapsed, ETA, energy so far); in a log
// (Slurm's output file) one line per event instead.

#include <chrono>
#include <cstdio>
#include <string>

#include "vocabulary/vocabulary.hpp"

namespace joulegrid {

struct ProgressCounts {
  int done = 0, failed = 0, running = 0, total = 0;
  double energy_j = 0;       // settled and running cells, attributed, gross
  EnergyMethod energy_method;
  double eta_s = -1;         // < 0: not known yet
  double projected_j = -1;   // the whole study (STEP and the cost model); < 0: not known yet
};

class Progress {
 public:
  // `live`: redraw one line (a terminal); otherwise events only.
  Progress(bool live, std::FILE* out = stderr);
  ~Progress();
  void event(const std::string& line);       // always shown
  void detail(const std::string& line);      // shown in logs, not on a live terminal
  void update(const ProgressCounts& counts);  // redraws at most a few times a second
  void finish();

  static std::string duration(double seconds);

 private:
  void draw();
  void clear();
  bool live_;
  std::FILE* out_;
  ProgressCounts counts_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

}  // namespace joulegrid
