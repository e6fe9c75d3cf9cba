#include "rank/cell_runner.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <optional>
#include <tuple>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/errors.hpp"
#include "io/spec/command.hpp"
#include "rank/child_process.hpp"
#include "rank/line_pipe.hpp"
#include "rank/protocol.hpp"
#include "rank/stopping.hpp"

namespace joulegrid {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kErrorTailBytes = 4096;
constexpr int kPollMs = 20;
// A training program's limits (docs/protocol.md): one line of its output;
// how long its output may stay open once it has exited (a forked helper
// that kept the pipe); how long its group has between SIGTERM and SIGKILL.
// Its standard error has no limit: the last 4 KiB are kept, the rest read
// and dropped, so a chatty program neither fills memory nor blocks.
constexpr size_t kMaxLineBytes = 1 << 20;
constexpr double kExitGraceS = 2.0;
constexpr double kTermGraceS = 5.0;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

// Where the trainer is in the protocol's order: ready, then per epoch
// train_begin, [batch…], eval_begin, epoch; after stop, nothing but a
// checkpoint and its exit.
enum class Stage { starting, between_epochs, training, evaluating, stopped };

const char* event_name(ChildEvent::Kind k) {
  switch (k) {
    case ChildEvent::Kind::ready: return "ready";
    case ChildEvent::Kind::phase: return "phase";
    case ChildEvent::Kind::batch: return "batch";
    case ChildEvent::Kind::epoch: return "epoch";
    case ChildEvent::Kind::checkpoint: return "checkpoint";
    case ChildEvent::Kind::error: return "error";
    case ChildEvent::Kind::done: return "done";
    case ChildEvent::Kind::not_an_event: break;
  }
  return "a line";
}

// What a program's {placeholders} stand for in this cell (io/spec/command.hpp).
std::map<std::string, std::string> placeholder_values(const CellSpec& c) {
  return {{"size", std::to_string(c.size)},
          {"batch_size", std::to_string(c.batch_size)},
          {"learning_rate", shortest_decimal(c.learning_rate)},
          {"optimizer", c.optimizer},
          {"seed", std::to_string(c.seed)},
          {"repeat", std::to_string(c.repeat)},
          {"fold", std::to_string(c.fold)},
          {"cell_id", c.id},
          {"device", c.train.device},
          {"data", c.data.path},
          {"epochs", std::to_string(c.criterion.epoch_cap())},
          {"checkpoint_to", c.checkpoint_to},
          {"resume_from", c.resume_from}};
}

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
    at_start_ = energy_.now();
    resume(options.earlier_epochs);
    if (protocol_broken_) {  // a checkpoint that cannot be continued: nothing to start
      finish(0);
      return result_;
    }
    std::string exe;
    std::vector<std::string> args;
    SpawnOptions spawn;
    if (program_) {  // the user's training program, in the spec's folder
      try {
        args = expand_command(cell_.model_command, placeholder_values(cell_));
      } catch (const std::invalid_argument& e) {
        return fail_to_start(std::string("its command: ") + e.what());
      }
      if (args.empty() || args[0].empty()) return fail_to_start("the cell's model.command names no program");
      exe = args[0];
      spawn.workdir = cell_.model_workdir;
      spawn.search_path = true;
      spawn.own_group = true;
    } else {
      exe = options.executable.empty() ? self_executable() : options.executable;
      args = {"joulegrid", "cell"};
      args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
    }
    std::optional<ChildProcess> own;
    std::optional<LineReader> own_out;
    LineReader* out = nullptr;
    WarmTrainer* warm = program_ ? nullptr : options.warm;
    try {
      if (warm) {
        const std::string key = nlohmann::json(cell_).at("data").dump() + " on " + cell_.train.device;
        child_ = warm->take(key);
        result_.warm_trainer = child_ != nullptr;
        if (!child_) child_ = &warm->start(key, exe, args);
        out = &warm->out();
      } else {
        own.emplace(exe, args, spawn);
        child_ = &*own;
        own_out.emplace(child_->stdout_fd(), program_ ? kMaxLineBytes : 0);
        out = &*own_out;
      }
    } catch (const InputError& e) {
      return fail_to_start(e.what());
    }
    warm_ = warm != nullptr;
    // A program that stops reading its input must not stall the worker.
    if (program_) ::fcntl(child_->stdin_fd(), F_SETFL, ::fcntl(child_->stdin_fd(), F_GETFL) | O_NONBLOCK);
    energy_.attach(child_->pid());
    // The cell, and the protocol version the parent speaks: a program's
    // client refuses another (python/joulegrid_cell.py).
    nlohmann::json first = cell_;
    first["protocol"] = protocol::kVersion;
    if (warm_) first[protocol::kWarm] = true;
    send(first.dump());
    pump(*child_, *out, start);
    // A warm child that said done waits for its next cell; any other has ended.
    const int status = done_ ? 0 : child_->wait();
    result_.seconds = seconds_since(start);
    finish(status);
    account_outside(options.earlier_epochs.size(), energy_.now());
    if (warm) {
      if (done_ && result_.status == StatusValue::done)
        warm->cell_done();
      else
        warm->end("cell " + cell_.id + " ended " + std::string(result_.status.name()) +
                  (result_.detail.empty() ? "" : ": " + result_.detail));
    }
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

  // What the attempt spent outside its own epochs' phases (not those it
  // continued from): the node's overhead, never the cell's.
  void account_outside(size_t earlier, const EnergyTotals& at_end) {
    double phases_s = 0, phases_j = 0;
    for (size_t i = earlier; i < result_.epoch_records.size(); ++i) {
      const EpochRecord& e = result_.epoch_records[i];
      phases_s += e.train_s + e.eval_s;
      phases_j += e.train_energy.joules + e.eval_energy.joules;
    }
    result_.outside_s = std::max(0.0, result_.seconds - phases_s);
    result_.outside_j = std::max(0.0, at_end.cell_j - at_start_.cell_j - phases_j - result_.unfinished_j);
  }

  // A trainer (or a checkpoint) that breaks the protocol: the attempt fails, saying how.
  void broken(const std::string& why) { fail_now(protocol::failure::protocol, why); }

  void fail_now(Failure failure, const std::string& why) {
    if (protocol_broken_) return;
    protocol_broken_ = true;
    failure_ = failure;
    failure_detail_ = why;
    if (child_) child_->kill(SIGKILL);
  }

  RunResult fail_to_start(const std::string& why) {
    failure_ = protocol::failure::input;
    failure_detail_ = why;
    finish(0);
    return result_;
  }

  std::string trainer() const { return program_ ? "the program" : "the trainer"; }

  void pump(ChildProcess& child, LineReader& out, Clock::time_point start) {
    bool err_open = true;
    std::optional<Clock::time_point> exited;
    while (!out.eof() && !done_) {
      pollfd fds[2] = {{child.stdout_fd(), POLLIN, 0}, {child.stderr_fd(), err_open ? short(POLLIN) : short(0), 0}};
      ::poll(fds, err_open ? 2 : 1, kPollMs);
      if (err_open && (fds[1].revents & (POLLIN | POLLHUP))) err_open = drain_stderr(child.stderr_fd());
      if (fds[0].revents & (POLLIN | POLLHUP)) {
        while (!done_)
          if (auto line = out.read_line(0)) handle(*line);
          else break;
        if (out.overlong())
          broken(trainer() + " wrote a line of more than " + std::to_string(kMaxLineBytes >> 20) +
                 " MiB to standard output");
      }
      if (!abandoned_ && callbacks_.should_abandon && callbacks_.should_abandon()) {
        abandoned_ = true;
        child.kill(SIGKILL);
      }
      if (!abandoned_ && callbacks_.wants_checkpoint && callbacks_.wants_checkpoint()) send(protocol::kCheckpoint);
      if (cell_.timeout_s > 0 && !timed_out_ && seconds_since(start) > cell_.timeout_s) {
        timed_out_ = true;
        child.kill(SIGKILL);
      }
      if (program_) watch_program(child, start, exited);
      if (out.overlong() || (exited && seconds_since(*exited) > kExitGraceS)) {
        child.kill(SIGKILL);  // its group: whatever it forked and left holding the pipes
        break;
      }
    }
    // What is left on stderr; a pipe that a stray process holds open is not
    // waited for, nor a warm child's, which stays open for its next cell.
    for (pollfd p{child.stderr_fd(), POLLIN, 0}; err_open && ::poll(&p, 1, done_ ? 0 : 200) > 0;)
      err_open = drain_stderr(child.stderr_fd());
  }

  // What only a program of the user's is watched for: saying ready in time,
  // ending in time once told to stop, and its output once it has exited.
  void watch_program(ChildProcess& child, Clock::time_point start, std::optional<Clock::time_point>& exited) {
    if (stage_ == Stage::starting && !protocol_broken_ && seconds_since(start) > cell_.ready_seconds)
      fail_now(protocol::failure::timeout, "the program sent no 'ready' within " + seconds_text(cell_.ready_seconds) +
                                               " s of its start ([models] ready_seconds)");
    // Told to stop and still running: its group is asked to end (SIGTERM),
    // then made to (SIGKILL).
    if (stopped_at_ && !exited && seconds_since(*stopped_at_) > cell_.stop_seconds) {
      if (!terminated_at_) {
        failure_ = protocol::failure::timeout;
        failure_detail_ = "the program did not end within " + seconds_text(cell_.stop_seconds) +
                          " s of 'stop' ([models] stop_seconds): its process group was terminated";
        protocol_broken_ = true;
        terminated_at_ = Clock::now();
        child.kill(SIGTERM);
      } else if (seconds_since(*terminated_at_) > kTermGraceS) {
        failure_detail_ += ", then killed";
        child.kill(SIGKILL);
        terminated_at_ = Clock::now() + std::chrono::hours(1);  // once
      }
    }
    if (!exited && child.try_wait()) exited = Clock::now();
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
    if (child_->stdin_fd() < 0) return;
    if (write_line(child_->stdin_fd(), line)) return;
    if (errno == EAGAIN) broken(trainer() + " does not read its standard input: its pipe is full");
    child_->close_stdin();
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
    if (ev.kind == ChildEvent::Kind::not_an_event) {
      // A library of the built-in child printed on stdout; a program's client
      // moves such prints to stderr, so what is left there is a broken line.
      if (program_) broken("the program wrote a line that is not an event: '" + line.substr(0, 80) + "'");
      else error_tail_ += "[stdout] " + line + "\n";
      return;
    }
    if (!in_order(ev)) return;
    switch (ev.kind) {
      case ChildEvent::Kind::not_an_event: break;
      case ChildEvent::Kind::ready: on_ready(ev); break;
      case ChildEvent::Kind::phase: on_phase(ev); break;
      case ChildEvent::Kind::batch: on_batch(); break;
      case ChildEvent::Kind::epoch: on_epoch(ev.epoch); break;
      case ChildEvent::Kind::checkpoint: on_checkpoint(ev.checkpoint_epoch); break;
      case ChildEvent::Kind::error: on_error(ev); break;
      case ChildEvent::Kind::done: done_ = true; break;
    }
  }

  // Moves the stage on, or breaks the protocol naming what came out of order.
  bool in_order(const ChildEvent& ev) {
    const std::string name = ev.kind == ChildEvent::Kind::phase ? "'" + ev.phase + "'" : std::string("'") + event_name(ev.kind) + "'";
    const auto out_of_order = [&](const std::string& where) {
      broken(trainer() + " sent " + name + " " + where + " (docs/protocol.md, the order of events)");
      return false;
    };
    const bool train_begin = ev.kind == ChildEvent::Kind::phase && ev.phase == "train_begin";
    switch (ev.kind) {
      case ChildEvent::Kind::error: return true;
      case ChildEvent::Kind::ready:
        if (stage_ != Stage::starting) return out_of_order("twice");
        stage_ = Stage::between_epochs;
        return true;
      default: break;
    }
    if (stage_ == Stage::starting) return out_of_order("before 'ready'");
    if (ev.kind == ChildEvent::Kind::done) {
      if (!warm_) return out_of_order("though it was not asked to stay for another cell");
      if (stage_ != Stage::stopped) return out_of_order("before the cell was told to stop");
      return true;
    }
    if (stage_ == Stage::stopped && ev.kind != ChildEvent::Kind::checkpoint) return out_of_order("after 'stop'");
    if (ev.kind == ChildEvent::Kind::checkpoint) {
      if (stage_ != Stage::between_epochs && stage_ != Stage::stopped) return out_of_order("during an epoch");
      return true;
    }
    if (train_begin) {
      if (stage_ != Stage::between_epochs) return out_of_order("before the last epoch ended");
      stage_ = Stage::training;
    } else if (ev.kind == ChildEvent::Kind::batch) {
      if (stage_ != Stage::training) return out_of_order("outside training");
    } else if (ev.kind == ChildEvent::Kind::phase) {  // eval_begin
      if (stage_ != Stage::training) return out_of_order("without 'train_begin' before it");
      stage_ = Stage::evaluating;
    } else if (ev.kind == ChildEvent::Kind::epoch) {
      if (stage_ != Stage::evaluating) return out_of_order("without 'eval_begin' before it");
      const int expected = static_cast<int>(result_.epoch_records.size()) + 1;
      if (ev.epoch.epoch != expected)
        return out_of_order("numbered " + std::to_string(ev.epoch.epoch) + " where epoch " + std::to_string(expected) +
                            " was due");
      stage_ = Stage::between_epochs;
    }
    return true;
  }

  void on_ready(const ChildEvent& ev) {
    const protocol::Ready& ready = ev.ready;
    if (ready.resumed_epoch != static_cast<int>(result_.epoch_records.size())) {
      broken("the trainer restored " + std::to_string(ready.resumed_epoch) + " epochs, the checkpoint holds " +
             std::to_string(result_.epoch_records.size()));
      return;
    }
    // A program without a validation split of its own reports its test
    // accuracy as val_acc: a criterion on the validation split would select
    // on the test set while the results say it held out.
    if (ready.validation_is_test && selection_split(cell_) == "validation") {
      broken(trainer() + " has no validation split (its ready event says validation_is_test, or gives no "
                         "validation_samples), and criterion '" + cell_.criterion.name +
             "' stops on the validation split: hold out a validation set, say validation_samples and report val_acc");
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
    for (const auto& [name, acc] : {std::pair{"train_acc", rec.train_acc}, std::pair{"val_acc", rec.val_acc},
                                    std::pair{"test_acc", rec.test_acc}})
      if (!(acc >= 0 && acc <= 1))
        return broken(trainer() + "'s epoch " + std::to_string(rec.epoch) + " has " + name + " = " +
                      seconds_text(acc) + ": an accuracy is a fraction from 0 to 1");
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
      stage_ = Stage::stopped;
      stopped_at_ = Clock::now();
      if (!warm_) child_->close_stdin();  // a warm child waits on it for its next cell
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
    // An epoch cut short is energy spent all the same: kept, apart from the whole epochs'.
    if (stage_ == Stage::training || stage_ == Stage::evaluating)
      r.unfinished_j = std::max(0.0, energy_.joules_now() - train_begin_.cell_j);
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
      r.detail = trainer() + " was " + describe_wait_status(status) + during();
    } else if (!clean_exit) {
      r.failure = protocol::failure::exit;
      r.detail = trainer() + " ended with " + describe_wait_status(status) + during();
    } else {
      r.failure = protocol::failure::protocol;
      r.detail = trainer() + " ended before the stopping criterion decided" + during();
    }
  }

  // ", during epoch 3's training": where an unexpected end came.
  std::string during() const {
    const std::string epoch = std::to_string(result_.epoch_records.size() + 1);
    if (stage_ == Stage::training) return ", during epoch " + epoch + "'s training";
    if (stage_ == Stage::evaluating) return ", during epoch " + epoch + "'s evaluation";
    if (stage_ == Stage::starting) return ", before 'ready'";
    return "";
  }

  const CellSpec& cell_;
  const bool program_ = runs_a_program(cell_);
  Stage stage_ = Stage::starting;
  std::optional<Clock::time_point> stopped_at_, terminated_at_;
  CellEnergy& energy_;
  const CellCallbacks& callbacks_;
  std::unique_ptr<StoppingCriterion> criterion_;
  ChildProcess* child_ = nullptr;
  RunResult result_;
  StopDecision decision_;
  EnergyTotals at_start_, train_begin_, eval_begin_;
  double cumulative_j_ = 0;
  bool stop_sent_ = false, timed_out_ = false, abandoned_ = false, protocol_broken_ = false;
  bool warm_ = false, done_ = false;  // a kept child: asked to stay, and said its cell is done
  Failure failure_;
  std::string failure_detail_, error_tail_;
};

}  // namespace

WarmTrainer::WarmTrainer(int max_cells, long max_rss_mib) : max_cells_(max_cells), max_rss_mib_(max_rss_mib) {}

WarmTrainer::~WarmTrainer() = default;  // the child is killed and reaped with it

pid_t WarmTrainer::pid() const { return child_ ? child_->pid() : -1; }

LineReader& WarmTrainer::out() { return *out_; }

void WarmTrainer::end(const std::string& why) {
  if (!child_) return;
  out_.reset();
  child_.reset();
  last_end_ = why;
  cells_ = 0;
}

namespace {

// Resident memory of a process in MiB, from /proc/PID/statm; -1 if unknown.
long resident_mib(pid_t pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/statm").c_str(), "r");
  if (!f) return -1;
  long size = 0, resident = 0;
  const int n = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * (::sysconf(_SC_PAGESIZE) / 1024) / 1024 : -1;
}

}  // namespace

ChildProcess* WarmTrainer::take(const std::string& key) {
  if (!child_) return nullptr;
  if (child_->try_wait()) {
    end("it had ended between cells");
  } else if (key != key_) {
    end("the next cell needs other data or another device");
  } else if (cells_ >= max_cells_) {
    end("it had run " + std::to_string(cells_) + " cells ([experiment] trainer_cells)");
  } else if (const long mib = resident_mib(child_->pid()); max_rss_mib_ > 0 && mib > max_rss_mib_) {
    end("its resident memory, " + std::to_string(mib) + " MiB, passed " + std::to_string(max_rss_mib_) +
        " MiB ([experiment] trainer_memory_mib)");
  }
  return child_.get();
}

ChildProcess& WarmTrainer::start(const std::string& key, const std::string& exe, const std::vector<std::string>& args) {
  end("a new child was started");
  child_ = std::make_unique<ChildProcess>(exe, args);
  out_ = std::make_unique<LineReader>(child_->stdout_fd());
  key_ = key;
  cells_ = 0;
  return *child_;
}

RunResult run_cell(const CellSpec& cell, CellEnergy& energy, const CellCallbacks& callbacks,
                   const CellRunOptions& options) {
  CellSession session(cell, energy, callbacks);
  return session.run(options);
}

}  // namespace joulegrid
