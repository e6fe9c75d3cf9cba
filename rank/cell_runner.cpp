#include "rank/cell_runner.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <tuple>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rank/child_process.hpp"
#include "rank/line_pipe.hpp"
#include "rank/protocol.hpp"
#include "rank/stopping.hpp"

namespace joulegrid {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kErrorTailBytes = 4096;
constexpr int kPollMs = 20;

class CellSession {
 public:
  CellSession(const CellSpec& cell, CellEnergy& energy, const CellCallbacks& callbacks)
      : cell_(cell), energy_(energy), callbacks_(callbacks),
        criterion_(StoppingCriterion::make(cell.criterion)) {
    result_.cell_id = cell.id;
    result_.cell_index = cell.index;
    result_.energy_method = energy.method();
  }

  RunResult run(const CellRunOptions& options) {
    const auto start = Clock::now();
    resume(options.earlier_epochs);
    if (protocol_broken_) {  // a checkpoint that cannot be continued: nothing to start
      finish(0);
      return result_;
    }
    std::vector<std::string> args{"joulegrid", "cell"};
    args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
    ChildProcess child(options.executable.empty() ? self_executable() : options.executable, args);
    child_ = &child;
    energy_.attach(child.pid());
    send(nlohmann::json(cell_).dump());
    pump(child, start);
    const int status = child.wait();
    result_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    finish(status);
    return result_;
  }

 private:
  // The criterion reads the earlier epochs as it read them when they ran.
  void resume(const std::vector<EpochRecord>& earlier) {
    for (const auto& rec : earlier) {
      if (decision_.stop) {
        broken("the checkpoint holds epochs after its criterion stopped the cell (epoch " + std::to_string(rec.epoch) + ")");
        return;
      }
      cumulative_j_ = rec.cumulative_j;
      decision_ = criterion_->after_epoch(rec, cumulative_j_);
      result_.epoch_records.push_back(rec);
    }
    if (decision_.stop) broken("the checkpoint's epochs already end the cell");
  }

  // A trainer (or a checkpoint) that breaks the protocol: the attempt fails, saying how.
  void broken(const std::string& why) {
    if (protocol_broken_) return;
    protocol_broken_ = true;
    failure_ = protocol::failure::protocol;
    failure_detail_ = why;
    if (child_) child_->kill(SIGKILL);
  }

  void pump(ChildProcess& child, Clock::time_point start) {
    LineReader out(child.stdout_fd()), err(child.stderr_fd());
    bool err_open = true;
    while (!out.eof()) {
      pollfd fds[2] = {{child.stdout_fd(), POLLIN, 0}, {child.stderr_fd(), err_open ? short(POLLIN) : short(0), 0}};
      ::poll(fds, err_open ? 2 : 1, kPollMs);
      if (err_open && (fds[1].revents & (POLLIN | POLLHUP))) err_open = drain_stderr(child.stderr_fd());
      if (fds[0].revents & (POLLIN | POLLHUP)) {
        while (auto line = out.read_line(0)) handle(*line);
      }
      if (!abandoned_ && callbacks_.should_abandon && callbacks_.should_abandon()) {
        abandoned_ = true;
        child.kill(SIGKILL);
      }
      if (!abandoned_ && callbacks_.wants_checkpoint && callbacks_.wants_checkpoint()) send(protocol::kCheckpoint);
      if (cell_.timeout_s > 0 && !timed_out_ &&
          std::chrono::duration<double>(Clock::now() - start).count() > cell_.timeout_s) {
        timed_out_ = true;
        child.kill(SIGKILL);
      }
    }
    while (err_open) err_open = drain_stderr(child.stderr_fd());
  }

  // Keeps the last bytes of the child's stderr for the failure record.
  bool drain_stderr(int fd) {
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    error_tail_.append(buf, static_cast<size_t>(n));
    if (error_tail_.size() > 2 * kErrorTailBytes)
      error_tail_.erase(0, error_tail_.size() - kErrorTailBytes);
    return true;
  }

  void send(const std::string& line) {
    if (child_->stdin_fd() >= 0 && !write_line(child_->stdin_fd(), line)) child_->close_stdin();
  }

  void handle(const std::string& line) {
    if (protocol_broken_) return;
    ChildEvent ev;
    try {
      ev = parse_child_line(line);
    } catch (const ProtocolError& e) {
      broken(e.what());
      return;
    }
    switch (ev.kind) {
      case ChildEvent::Kind::not_an_event: error_tail_ += "[stdout] " + line + "\n"; break;  // a library printed on stdout
      case ChildEvent::Kind::ready: on_ready(ev); break;
      case ChildEvent::Kind::phase: on_phase(ev); break;
      case ChildEvent::Kind::batch: on_batch(); break;
      case ChildEvent::Kind::epoch: on_epoch(ev.epoch); break;
      case ChildEvent::Kind::checkpoint: on_checkpoint(ev.checkpoint_epoch); break;
      case ChildEvent::Kind::error: on_error(ev); break;
    }
  }

  void on_ready(const ChildEvent& ev) {
    const protocol::Ready& ready = ev.ready;
    if (ready.resumed_epoch != static_cast<int>(result_.epoch_records.size())) {
      broken("the trainer restored " + std::to_string(ready.resumed_epoch) + " epochs, the checkpoint holds " +
             std::to_string(result_.epoch_records.size()));
      return;
    }
    result_.parameters = ready.parameters;
    result_.flops_per_sample = ready.flops_per_sample;
    result_.input_elements = ready.input_elements;
    result_.device = ready.device;
    energy_.trains_on_gpu(result_.device.rfind("cuda", 0) == 0 || result_.device.rfind("hip", 0) == 0);
    result_.init = ready.init;
    if (callbacks_.on_ready) callbacks_.on_ready(ev.raw);
  }

  void on_phase(const ChildEvent& ev) {
    if (ev.phase == "train_begin") train_begin_ = energy_.now();
    else if (ev.phase == "eval_begin") eval_begin_ = energy_.now();
  }

  void on_batch() {
    if (!criterion_->checks_batches() || stop_sent_) return;
    const double spent = cumulative_j_ + (energy_.joules_now() - train_begin_.cell_j);
    if (criterion_->budget_spent(spent)) {
      send(protocol::kStop);
      stop_sent_ = true;
    }
  }

  void on_epoch(EpochRecord rec) {
    const EnergyTotals end = energy_.now();
    rec.train_energy = between(train_begin_, eval_begin_);
    rec.eval_energy = between(eval_begin_, end);
    cumulative_j_ += rec.train_energy.joules + rec.eval_energy.joules;
    rec.cumulative_j = cumulative_j_;
    rec.efficiency = cumulative_j_ > 0 ? rec.test_acc / cumulative_j_ : 0.0;
    decision_ = criterion_->after_epoch(rec, cumulative_j_);
    result_.epoch_records.push_back(rec);
    if (callbacks_.on_epoch) callbacks_.on_epoch(rec);
    if (decision_.stop || stop_sent_) {
      if (!stop_sent_) send(protocol::kStop);
      stop_sent_ = true;
      child_->close_stdin();
    } else {
      send(protocol::kContinue);
    }
  }

  void on_checkpoint(int epoch) {
    if (epoch != static_cast<int>(result_.epoch_records.size())) {
      broken("the trainer kept its state after epoch " + std::to_string(epoch) + " of " +
             std::to_string(result_.epoch_records.size()));
      return;
    }
    if (callbacks_.on_checkpoint) callbacks_.on_checkpoint(epoch);
  }

  EnergyReading between(const EnergyTotals& a, const EnergyTotals& b) const {
    EnergyReading r;
    r.joules = b.cell_j - a.cell_j;
    r.node_joules = b.node_j - a.node_j;
    r.cpu_j = b.cpu_j - a.cpu_j;
    r.ram_j = b.ram_j - a.ram_j;
    r.gpu_j = b.gpu_j - a.gpu_j;
    // Signed: a short phase's net is noise around zero, and clamping each
    // phase at 0 would add that noise up into a positive bias. The reduction
    // clamps a run's sum once, and counts the phases below idle power on a
    // node as a sign of a bad baseline (docs/reduction.md).
    r.net_joules = b.net_j - a.net_j;
    r.other_cpu = other_cpu_percent(a, b);
    r.disagreement = disagreements(a, b);
    r.method = energy_.method();
    std::tie(r.gpu_util, r.cpu_util) = mean_utilisation(a, b);
    return r;
  }

  void on_error(const ChildEvent& ev) {
    failure_detail_ = ev.message;
    const std::string kind = ev.error_kind.empty() ? std::string(Failure(protocol::failure::internal).name()) : ev.error_kind;
    if (const auto f = Failure::find(kind); f && *f != FailureValue::none) {
      failure_ = *f;
    } else {  // a trainer that names a cause we do not know broke the protocol
      failure_ = protocol::failure::protocol;
      failure_detail_ = "the trainer reported an error of unknown kind '" + kind + "': " + failure_detail_;
    }
  }

  void finish(int status) {
    RunResult& r = result_;
    r.epochs = static_cast<int>(r.epoch_records.size());
    if (!r.epoch_records.empty()) {
      const EpochRecord& last = r.epoch_records.back();
      r.train_acc = last.train_acc;
      r.val_acc = last.val_acc;
      r.test_acc = last.test_acc;
      r.energy_j = last.cumulative_j;
      r.efficiency = last.efficiency;
      std::tie(r.gpu_util, r.cpu_util) = run_utilisation(r.epoch_records);
      r.other_cpu = run_other_cpu(r.epoch_records);
    }
    const bool clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == protocol::child_exit::ok;
    if (!timed_out_ && clean_exit && decision_.stop && failure_ == FailureValue::none) {
      r.status = StatusValue::done;
      r.stop_reason = decision_.reason;
      r.detail = decision_.detail;
      return;
    }
    if (abandoned_) {
      r.status = StatusValue::abandoned;
      r.stop_reason = stop_reason::stopped;
      r.detail = "the sweep was stopped while this cell ran";
      return;
    }
    r.status = StatusValue::failed;
    r.stop_reason = stop_reason::failed;
    r.error_tail = error_tail_.size() > kErrorTailBytes
                       ? error_tail_.substr(error_tail_.size() - kErrorTailBytes)
                       : error_tail_;
    if (timed_out_) {
      r.failure = protocol::failure::timeout;
      r.detail = "timed out after " + std::to_string(static_cast<int>(cell_.timeout_s)) + " s";
    } else if (failure_ != FailureValue::none) {
      r.failure = failure_;
      r.detail = failure_detail_;
    } else if (WIFSIGNALED(status)) {
      r.failure = protocol::failure::signal;
      r.detail = "the trainer was " + describe_wait_status(status);
    } else if (!clean_exit) {
      r.failure = protocol::failure::exit;
      r.detail = "the trainer ended with " + describe_wait_status(status);
    } else {
      r.failure = protocol::failure::protocol;
      r.detail = "the trainer ended before the stopping criterion decided";
    }
  }

  const CellSpec& cell_;
  CellEnergy& energy_;
  const CellCallbacks& callbacks_;
  std::unique_ptr<StoppingCriterion> criterion_;
  ChildProcess* child_ = nullptr;
  RunResult result_;
  StopDecision decision_;
  EnergyTotals train_begin_, eval_begin_;
  double cumulative_j_ = 0;
  bool stop_sent_ = false, timed_out_ = false, abandoned_ = false, protocol_broken_ = false;
  Failure failure_;
  std::string failure_detail_, error_tail_;
};

}  // namespace

RunResult run_cell(const CellSpec& cell, CellEnergy& energy, const CellCallbacks& callbacks,
                   const CellRunOptions& options) {
  CellSession session(cell, energy, callbacks);
  return session.run(options);
}

}  // namespace joulegrid
