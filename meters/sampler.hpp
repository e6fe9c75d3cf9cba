#pragma once
// The sampler thread: reads every meter at sample_hz into a bounded buffer,
// stamped with the clock it is given (the monotonic clock in a study), so that
// any recent window can be integrated. At 0 Hz it starts no thread and samples
// only when asked: a test that moves a manual clock samples each instant itself.

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "meters/clock.hpp"
#include "meters/meter.hpp"
#include "meters/window.hpp"

namespace joulegrid::meters {

class Sampler {
 public:
  // `capacity` samples are kept (the oldest are dropped first).
  static constexpr size_t kCapacity = size_t{1} << 20;
  Sampler(std::vector<std::unique_ptr<Meter>> meters, double sample_hz, size_t capacity = kCapacity,
          Clock& clock = steady_clock());
  ~Sampler();
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  void start();
  void stop();

  const std::vector<Channel>& channels() const { return channels_; }
  // Seconds on the clock the samples use.
  double now() const { return clock_.now_s(); }
  // Takes one sample at once (the window edges are sampled exactly) and stores it.
  Sample sample_now();
  // Copies of the samples that bound [t0, t1].
  std::vector<Sample> samples_between(double t0, double t1) const;
  // Copies of the samples taken after `t`; `dropped` (may be null) is set
  // when the buffer no longer holds every one of them.
  std::vector<Sample> samples_after(double t, bool* dropped = nullptr) const;
  size_t sample_count() const;
  double sample_hz() const { return hz_; }

  // Joules of each channel since the first sample, integrated as samples
  // arrive (counters unwrapped, power by trapezoids), so that a reading costs
  // one sample, not a pass over the buffer.
  std::vector<double> cumulative_joules() const;
  // Takes a sample now and returns the cumulative joules up to it (and, in
  // `at`, the sample's time, so that a window's length matches its joules).
  std::vector<double> joules_now(double* at = nullptr);

 private:
  Sample read_all();
  Sample read_and_store(std::vector<double>* cumulative = nullptr);
  void loop();

  std::vector<std::unique_ptr<Meter>> meters_;
  Clock& clock_;
  std::vector<Channel> channels_;
  double hz_;
  size_t capacity_;
  mutable std::mutex mutex_;
  std::mutex read_mutex_;  // meters are read by one thread at a time
  std::deque<Sample> buffer_;
  std::vector<double> cumulative_;
  std::vector<int> wraps_, resets_;
  // Each channel's last readable value and its time: a failed read (NaN) is
  // bridged, never a gap that loses a counter's energy.
  std::vector<double> last_value_, last_t_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace joulegrid::meters
