#include "meters/sampler.hpp"

#include <algorithm>
#include <chrono>

namespace joulegrid::meters {

Sampler::Sampler(std::vector<std::unique_ptr<Meter>> meters, double sample_hz, size_t capacity)
    : meters_(std::move(meters)), hz_(sample_hz), capacity_(std::max<size_t>(capacity, 2)) {
  for (const auto& m : meters_) channels_.insert(channels_.end(), m->channels().begin(), m->channels().end());
}

Sampler::~Sampler() { stop(); }

double Sampler::now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Sample Sampler::read_all() {
  std::lock_guard<std::mutex> lock(read_mutex_);
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

void Sampler::store(Sample s) {
  std::lock_guard<std::mutex> lock(mutex_);
  // A synchronous sample can be taken while the thread reads: keep time order.
  auto at = std::upper_bound(buffer_.begin(), buffer_.end(), s.t,
                             [](double t, const Sample& x) { return t < x.t; });
  buffer_.insert(at, std::move(s));
  while (buffer_.size() > capacity_) buffer_.pop_front();
}

Sample Sampler::sample_now() {
  Sample s = read_all();
  store(s);
  return s;
}

void Sampler::start() {
  if (running_.exchange(true)) return;
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
    store(read_all());
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

size_t Sampler::sample_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return buffer_.size();
}

}  // namespace joulegrid::meters
