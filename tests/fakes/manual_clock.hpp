#pragma once
// A clock that a test moves by hand (meters/clock.hpp). Waiting on it moves
// it on at once and tells each listener the new time, so a fake device whose
// files follow a script (CounterScript) is written for exactly that instant:
// the joules a test expects are the same on an idle machine and a busy one.

#include <functional>
#include <map>
#include <mutex>

#include "meters/clock.hpp"

namespace joulegrid::testing {

class ManualClock final : public meters::Clock {
 public:
  double now_s() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return t_;
  }
  void sleep_s(double seconds) override {
    std::map<int, std::function<void(double)>> listeners;
    double t = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      t = t_ += seconds;
      listeners = listeners_;
    }
    for (const auto& [id, listener] : listeners) listener(t);
  }
  // `listener` is called with the new time after each move; the returned id forgets it.
  int on_tick(std::function<void(double)> listener) {
    std::lock_guard<std::mutex> lock(mutex_);
    listeners_[next_id_] = std::move(listener);
    return next_id_++;
  }
  void forget(int id) {
    std::lock_guard<std::mutex> lock(mutex_);
    listeners_.erase(id);
  }

 private:
  mutable std::mutex mutex_;
  double t_ = 1000.0;  // any start: the code under test only takes differences
  std::map<int, std::function<void(double)>> listeners_;
  int next_id_ = 0;
};

}  // namespace joulegrid::testing
