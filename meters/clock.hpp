#pragma once
// Seconds on a monotonic clock: what the sampler stamps its samples with and
// what an idle window waits on. In a study it is the process's steady clock;
// a test hands in one that it moves itself (tests/fakes/manual_clock.hpp), so
// a fake node whose power is scripted over time gives the same joules on an
// idle machine and on one busy with a sanitized build.

namespace joulegrid::meters {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual double now_s() const = 0;
  // Waits `seconds` on this clock.
  virtual void sleep_s(double seconds) = 0;
};

// The process's monotonic clock (std::chrono::steady_clock).
Clock& steady_clock();

}  // namespace joulegrid::meters
