#include "orchestrator/farm/progress.hpp"

#include "io/report/text_table.hpp"

namespace joulegrid {

Progress::Progress(bool live, std::FILE* out)
    : live_(live), out_(out), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { finish(); }

std::string Progress::duration(double seconds) {
  if (seconds < 0) return "?";
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

void Progress::clear() {
  if (live_ && drawn_) std::fprintf(out_, "\r\033[K");
  drawn_ = false;
}

void Progress::event(const std::string& line) {
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  clear();
  std::fprintf(out_, "[%s] %s\n", duration(t).c_str(), line.c_str());
  if (live_) draw();
  std::fflush(out_);
}

void Progress::detail(const std::string& line) {
  if (!live_) event(line);
}

void Progress::update(const ProgressCounts& counts) {
  counts_ = counts;
  const auto now = std::chrono::steady_clock::now();
  if (!live_ || now - last_draw_ < std::chrono::milliseconds(250)) return;
  last_draw_ = now;
  clear();
  draw();
}

void Progress::draw() {
  if (!live_) return;
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(out_, "cells %d done, %d running, %d failed, %d total | %s elapsed, ETA %s | %s J so far (%s)",
               counts_.done, counts_.running, counts_.failed, counts_.total, duration(t).c_str(),
               duration(counts_.eta_s).c_str(), format_number(counts_.energy_j).c_str(),
               counts_.energy_method == EnergyMethodValue::none ? "no cells yet" : counts_.energy_method.str().c_str());
  if (counts_.projected_j >= 0)
    std::fprintf(out_, ", %s J projected", format_number(counts_.projected_j).c_str());
  std::fflush(out_);
  drawn_ = true;
}

void Progress::finish() {
  clear();
  std::fflush(out_);
}

}  // namespace joulegrid
