#include "meters/sampler.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace joulegrid::meters {

Sampler::Sampler(std::vector<std::unique_ptr<Meter>> meters, double sample_hz, size_t capacity, Clock& clock)
    : meters_(std::move(meters)), clock_(clock), hz_(sample_hz), capacity_(std::max<size_t>(capacity, 2)) {
  for (const auto& m : meters_) channels_.insert(channels_.end(), m->channels().begin(), m->channels().end());
  cumulative_.assign(channels_.size(), 0.0);
  wraps_.assign(channels_.size(), 0);
  resets_.assign(channels_.size(), 0);
  last_value_.assign(channels_.size(), std::nan(""));
  last_t_.assign(channels_.size(), 0.0);
}

Sampler::~Sampler() { stop(); }

Sample Sampler::read_all() {
  Sample s;
  s.values.resize(channels_.size());
  size_t offset = 0;
  for (const auto& m : meters_) {
    m->read(s.values.data() + offset);
    offset += m->channels().size();
  }
  s.t = now();
  return s;
}

// Reading and storing under one lock keeps the buffer in time order when a
// synchronous sample races the thread's.
Sample Sampler::read_and_store(std::vector<double>* cumulative) {
  std::lock_guard<std::mutex> read_lock(read_mutex_);
  Sample s = read_all();
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t c = 0; c < channels_.size(); ++c) {
    const double a = last_value_[c], b = s.values[c];
    if (std::isnan(b)) continue;
    if (!std::isnan(a))
      cumulative_[c] += channels_[c].method == Method::counter
                            ? counter_delta(a, b, channels_[c].wrap_range_j, wraps_[c], resets_[c])
                            : 0.5 * (a + b) * (s.t - last_t_[c]);
    last_value_[c] = b;
    last_t_[c] = s.t;
  }
  buffer_.push_back(s);
  while (buffer_.size() > capacity_) buffer_.pop_front();
  if (cumulative) *cumulative = cumulative_;
  return s;
}

Sample Sampler::sample_now() { return read_and_store(); }

std::vector<double> Sampler::cumulative_joules() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cumulative_;
}

std::vector<double> Sampler::joules_now(double* at) {
  std::vector<double> joules;
  const Sample s = read_and_store(&joules);
  if (at) *at = s.t;
  return joules;
}

void Sampler::start() {
  if (hz_ <= 0 || running_.exchange(true)) return;
  thread_ = std::thread([this] { loop(); });
}

void Sampler::stop() {
  if (!running_.exchange(false)) return;
  if (thread_.joinable()) thread_.join();
}

void Sampler::loop() {
  using clock = std::chrono::steady_clock;
  const auto period = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / hz_));
  auto next = clock::now();
  while (running_) {
    read_and_store();
    next += period;
    const auto t = clock::now();
    if (next < t) next = t;  // fell behind (a loaded node): skip, never burst
    std::this_thread::sleep_until(next);
  }
}

std::vector<Sample> Sampler::samples_between(double t0, double t1) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Sample> out;
  for (size_t i = 0; i < buffer_.size(); ++i) {
    const bool bounds_start = i + 1 < buffer_.size() && buffer_[i + 1].t >= t0;
    const bool bounds_end = i > 0 && buffer_[i - 1].t <= t1;
    if ((buffer_[i].t >= t0 && buffer_[i].t <= t1) || (buffer_[i].t < t0 && bounds_start) ||
        (buffer_[i].t > t1 && bounds_end))
      out.push_back(buffer_[i]);
  }
  return out;
}

std::vector<Sample> Sampler::samples_after(double t, bool* dropped) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto first = std::upper_bound(buffer_.begin(), buffer_.end(), t,
                                      [](double v, const Sample& s) { return v < s.t; });
  if (dropped) *dropped = first == buffer_.begin() && !buffer_.empty() && buffer_.size() >= capacity_;
  return std::vector<Sample>(first, buffer_.end());
}

size_t Sampler::sample_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return buffer_.size();
}

}  // namespace joulegrid::meters
