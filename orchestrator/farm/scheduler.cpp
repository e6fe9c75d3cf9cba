#include "orchestrator/farm/scheduler.hpp"

#include "orchestrator/farm/node_records.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "io/errors.hpp"
#include "io/job.hpp"
#include "orchestrator/reduce/reduce.hpp"
#include "io/report/text_table.hpp"

namespace joulegrid {

namespace {

// An error in one line of at most 240 characters (an HDF5 error stack runs longer).
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s.size() > 240 ? s.substr(0, 240) + "…" : s;
}

}  // namespace


namespace {
using nlohmann::json;
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

Scheduler::Scheduler(Comm& comm, ResultsStore& store, std::vector<CellSpec> cells, SchedulerOptions options,
                     Progress& progress, ResultsStore::Reducer reduce)
    : comm_(comm), store_(store), options_(std::move(options)), progress_(progress),
      reduce_(reduce), checkpoints_(options_.checkpoint_dir), cells_(std::move(cells)) {
  for (const auto& c : cells_) by_id_[c.id] = &c;
  for (const auto& c : cells_)
    if (!c.depends_on.empty()) dependents_[c.depends_on].push_back(&c);
  costs_.set_prior(options_.prior_seconds);
  for (const auto& c : cells_) {
    if (store_.settled(c.id)) continue;
    CellSpec next = c;
    next.attempt = store_.attempts(c.id) + 1;
    pending_.push_back(next);
  }
  for (const auto& r : store_.results().runs)
    if (r.settles_cell) {
      settled_energy_j_ += r.energy_j;
      energy_method_ = weakest_method(energy_method_, r.energy_method);
    }
  workers_ = comm_.size() - 1;
  last_snapshot_ = Clock::now();
  drop_leftover_checkpoints();
}

// A state kept for an attempt that has committed since (the job ended
// between the commit and the removal) is of no more use.
void Scheduler::drop_leftover_checkpoints() {
  if (options_.checkpoint_dir.empty()) return;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.checkpoint_dir + "/running", ec)) {
    if (entry.path().extension() != ".ckpt") continue;
    const std::string id = entry.path().stem().string();
    const CellRow* row = store_.cell(id);
    if (row && row->status != StatusValue::pending) checkpoints_.drop_running(id);
  }
}

std::string Scheduler::label(const CellSpec& c) const {
  std::string s = "cell " + std::to_string(c.index) + " " + c.architecture + "-" + std::to_string(c.size) + " " +
                  c.criterion.name;
  if (c.data.folds > 1) s += " fold " + std::to_string(c.fold);
  if (c.role == RoleValue::pretrain) s += " (pretraining on " + c.data.name + ")";
  if (c.role == RoleValue::finetune) s += " (fine-tuning, " + c.freeze + " frozen)";
  if (c.attempt > 1) s += " (attempt " + std::to_string(c.attempt) + ")";
  return s;
}

int Scheduler::run(const StopRequests& stop_requests) {
  const std::string config =
      encode(ConfigMessage{true, options_.spec_text, options_.spec_file, options_.base_dir, options_.heartbeat_s});
  for (int w = 1; w <= workers_; ++w) comm_.send(w, tag::config, config);
  progress_.event(std::to_string(pending_.size()) + " of " + std::to_string(cells_.size()) +
                  " cells to run on " + std::to_string(workers_) + " worker rank" + (workers_ == 1 ? "" : "s") +
                  " (measuring idle power and calibrating first)");
  while (stopped_workers_ < workers_) {
    check_stop(stop_requests);
    if (auto m = comm_.receive(std::chrono::milliseconds(100))) handle(*m);
    check_heartbeats();
    report_progress();
    maybe_snapshot(false);
  }
  for (int rank : lost_ranks_) comm_.send(rank, tag::stop, "{}");  // should it ever listen again
  // Complete when every cell is settled; a failure during a drain is left
  // unsettled (for --resume) and is in neither pending_ nor running_.
  const auto& rows = store_.results().cells;
  const bool complete = std::none_of(rows.begin(), rows.end(), [](const CellRow& c) { return c.status == StatusValue::pending; });
  if (!complete && bad_input_cells_ > 0)
    progress_.event(std::to_string(bad_input_cells_) + " cell" + (bad_input_cells_ == 1 ? "" : "s") +
                    " failed on bad input and stay pending: fix the input they name, then --resume");
  try {
    store_.snapshot(complete ? StudyStatusValue::complete : StudyStatusValue::stopped, reduce_);
  } catch (const std::exception& e) {
    progress_.event(std::string("the last snapshot was not written (") + one_line(e.what()) +
                    "): every commit is safe in " + journal_path(store_.path()) +
                    ", which report and --resume read; free space, then --resume writes it");
    progress_.finish();
    return exit_code::stopped_resumable;
  }
  progress_.finish();
  if (cannot_commit_) return exit_code::stopped_resumable;
  if (complete) return exit_code::complete;
  if (bad_input_cells_ > 0) return exit_code::bad_input;
  if (draining_ || !lost_ranks_.empty()) return exit_code::stopped_resumable;
  // Every worker left without the study finishing: none could run it.
  return broken_workers_ == workers_ ? exit_code::bad_input : exit_code::internal;
}

void Scheduler::check_stop(const StopRequests& stop_requests) {
  const int n = stop_requests.count.load();
  const int terms = stop_requests.terms.load();
  const int interrupts = stop_requests.interrupts.load();
  // Slurm and mpirun may deliver one TERM or USR1 by several paths at once:
  // those copies are one request. A Ctrl-C is never a copy: the second
  // abandons at once, however soon it follows.
  const bool second_interrupt = interrupts >= 2 && interrupts > interrupts_seen_;
  auto abandon_now = [&](const char* why) {
    drain_deadline_ = Clock::now();
    progress_.event(why);
  };
  interrupts_seen_ = interrupts;
  if (n > stops_seen_) {
    stops_seen_ = n;
    const auto after = [](double s) { return Clock::now() + std::chrono::milliseconds(static_cast<long>(s * 1000)); };
    if (!draining_) {
      draining_ = true;
      first_stop_ = Clock::now();
      const double drain_s = terms > 0 ? std::min(options_.drain_s, options_.term_drain_s) : options_.drain_s;
      drain_deadline_ = after(drain_s);
      progress_.event(std::string(terms > 0 ? "SIGTERM" : "stop requested") + ": no new cells; " +
                      std::to_string(running_.size()) + " running cell(s) get " + format_number(drain_s) +
                      " s to finish or keep their state at the end of their epoch, then they are abandoned "
                      "(resume with --resume)");
      for (const auto& [rank, r] : running_)
        if (r.cell.train.checkpoint_every > 0) comm_.send(rank, tag::checkpoint_now, "{}");
      serve_waiting();  // the ranks that wait for a pretraining cell are told to stop
      if (second_interrupt) abandon_now("second Ctrl-C: abandoning the running cells now");
    } else if (second_interrupt) {
      abandon_now("second Ctrl-C: abandoning the running cells now");
    } else if (seconds_since(first_stop_) > options_.echo_s) {
      abandon_now("second stop request: abandoning the running cells now");
    } else if (terms > terms_seen_ && after(options_.term_drain_s) < drain_deadline_) {
      // The warning's drain, and now the kill sequence: its grace is shorter.
      drain_deadline_ = after(options_.term_drain_s);
      progress_.event("SIGTERM: the running cells get " + format_number(options_.term_drain_s) + " s more at most");
    }
  }
  terms_seen_ = terms;
  if (draining_ && Clock::now() >= drain_deadline_)
    for (auto& [rank, r] : running_)
      if (!r.abandon_sent) {
        comm_.send(rank, tag::abandon, "{}");
        r.abandon_sent = true;
      }
}

// A rank that runs a cell, or owes its next request, and says nothing for
// `heartbeat_s` (its node lost, the rank stopped or hung outside its
// trainer) is given up: its cell goes back to the queue for another rank,
// nothing more is sent to it, and the run ends resumably instead of waiting
// for it forever. (A rank waiting for a cell is silent by right.)
void Scheduler::check_heartbeats() {
  if (options_.heartbeat_s <= 0) return;
  const auto silent = [&](int rank) { return seconds_since(heard_[rank]) > options_.heartbeat_s; };
  for (auto it = owes_request_.begin(); it != owes_request_.end();) {
    const int rank = *it;
    const bool lost = silent(rank);
    it = lost ? owes_request_.erase(it) : std::next(it);
    if (lost) give_up(rank, "between cells");
  }
  for (auto it = running_.begin(); it != running_.end();) {
    if (!silent(it->first)) {
      ++it;
      continue;
    }
    const int rank = it->first;
    const CellSpec cell = it->second.cell;
    it = running_.erase(it);
    give_up(rank, "while running " + label(cell) + "; the cell goes back to the queue, uncommitted");
    if (!draining_) pending_.push_back(cell);
    serve_waiting();
  }
}

void Scheduler::give_up(int rank, const std::string& doing) {
  lost_ranks_.push_back(rank);
  ++stopped_workers_;
  --ready_workers_;
  progress_.event("rank " + std::to_string(rank) + " has not answered for " + format_number(options_.heartbeat_s) +
                  " s " + doing + ": given up (its node lost, or the rank hung); the run will end resumably");
}

void Scheduler::handle(const Message& m) {
  if (std::find(lost_ranks_.begin(), lost_ranks_.end(), m.source) != lost_ranks_.end()) {
    // Back after it was given up: its cell went to another rank. It may
    // finish as it likes; it gets no more work and counts for nothing.
    if (m.tag == tag::request) comm_.send(m.source, tag::stop, "{}");
    return;
  }
  heard_[m.source] = Clock::now();
  if (m.tag == tag::heartbeat) return;
  if (m.tag == tag::samples) {  // binary: kept for the result that follows it
    if (auto it = running_.find(m.source); it != running_.end()) it->second.samples = m.body;
    return;
  }
  if (m.tag == tag::checkpoint) {  // binary too
    on_checkpoint(m.source, m.body);
    return;
  }
  // A message that does not read is a fault of joulegrid's own ranks: it
  // ends the run loudly (run_command), never silently.
  const std::string what = "rank " + std::to_string(m.source) + "'s message (tag " + std::to_string(m.tag) + ")";
  switch (m.tag) {
    case tag::hello: {
      HelloMessage hello;
      decode(m.body, hello, what);
      on_hello(m.source, hello);
      break;
    }
    case tag::request: on_request(m.source); break;
    case tag::epoch: {
      EpochMessage epoch;
      decode(m.body, epoch, what);
      on_epoch(m.source, epoch);
      break;
    }
    case tag::result: on_result(m.source, json::parse(m.body).get<RunResult>()); break;
    default: break;
  }
}

void Scheduler::on_hello(int source, const HelloMessage& hello) {
  const std::string& node = hello.node;
  if (!hello.error.empty()) {
    ++broken_workers_;
    progress_.event("rank " + std::to_string(source) + " on " + node + " cannot run this study: " + hello.error);
    stop_worker(source);
    return;
  }
  ++ready_workers_;
  owes_request_.insert(source);
  node_of_[source] = node;
  const bool leader = hello.leader;
  // This job's measurement of the node: a new session after those of
  // earlier jobs (a resume), which stay as they were. The leader's record
  // is the measurement; every rank's meters and warnings are kept with it
  // (merge_rank_records), so a rank whose GPU meter failed is not hidden.
  auto mine = session_of_.find(node);
  if (mine == session_of_.end()) {
    int next = 0;
    for (const auto& earlier : store_.results().nodes)
      if (earlier.name == node && earlier.replica == 0) next = std::max(next, earlier.session + 1);
    mine = session_of_.emplace(node, next).first;
  }
  NodeHellos& hellos = hellos_[node];
  hellos.by_rank[source] = hello.node_record;
  if (leader) hellos.leader = source;
  NodeRecord rec = merge_rank_records(hellos.by_rank, hellos.leader);
  rec.name = node;
  rec.session = mine->second;
  try {
    store_.add_node(rec);
  } catch (const CommitFailed& e) {
    stop_committing(e.what());
    return;
  }
  const NodeRecord& own = hellos.by_rank[source];
  std::string line = "node " + node + " (rank " + std::to_string(source) + "): energy " + own.energy_method +
                     ", idle " + format_number(own.idle_w) + " W";
  if (own.calibration_steps > 0)
    line += ", calibration " + format_number(own.calibration_j) + " J in " + format_number(own.calibration_s) +
            " s (" + own.energy_method + ")";
  else if (leader && !own.calibration_method.empty())
    line += ", no calibration: " + own.calibration_method;
  if (!own.warnings.empty()) line += "; meters: " + own.warnings;
  progress_.event(line);
}

bool Scheduler::ready(const CellSpec& c) const {
  if (c.depends_on.empty()) return true;
  const CellRow* row = store_.cell(c.depends_on);
  return row && row->status == StatusValue::done;
}

double Scheduler::priority(const CellSpec& c) const {
  double s = costs_.expected_seconds(c);
  if (auto it = dependents_.find(c.id); it != dependents_.end())
    for (const CellSpec* d : it->second) s += costs_.expected_seconds(*d);
  return s;
}

// Fine-tuning cells whose pretraining cell failed for good cannot start:
// each is settled as failed, saying why, without using a worker.
void Scheduler::settle_orphans() {
  for (auto it = pending_.begin(); it != pending_.end();) {
    const CellRow* dep = it->depends_on.empty() ? nullptr : store_.cell(it->depends_on);
    if (!dep || dep->status != StatusValue::failed) {
      ++it;
      continue;
    }
    RunResult r;
    r.cell_id = it->id;
    r.cell_index = it->index;
    r.status = StatusValue::failed;
    r.stop_reason = stop_reason::failed;
    r.failure = FailureValue::dependency;
    r.detail = "its pretraining cell " + std::to_string(dep->index) + " (" + dep->id + ") failed; nothing to start from";
    r.attempt = it->attempt;
    r.settles_cell = true;
    store_.add_run(r);
    dirty_ = true;
    progress_.event(label(*it) + " failed: " + r.detail);
    it = pending_.erase(it);
  }
}

void Scheduler::serve_waiting() {
  const std::vector<int> waiting = std::move(waiting_);
  waiting_.clear();
  for (int rank : waiting) on_request(rank);
}

void Scheduler::on_request(int source) {
  owes_request_.erase(source);
  settle_orphans();
  if (draining_ || (pending_.empty() && running_.empty())) {
    stop_worker(source);
    return;
  }
  if (pending_.empty()) {  // the last cells run: a retry, or a lost rank's cell, may come back
    waiting_.push_back(source);
    progress_.detail("rank " + std::to_string(source) + " waits: the last cells are running");
    return;
  }
  auto longest = pending_.end();
  for (auto it = pending_.begin(); it != pending_.end(); ++it)
    if (ready(*it) && (longest == pending_.end() || priority(*longest) < priority(*it))) longest = it;
  if (longest == pending_.end()) {  // every pending cell waits on a running pretraining cell
    waiting_.push_back(source);
    progress_.detail("rank " + std::to_string(source) + " waits for a pretraining cell to finish");
    return;
  }
  CellSpec cell = *longest;
  pending_.erase(longest);
  // Every member, in order: a brace list that leaves some out is a warning (-Wmissing-field-initializers).
  Running started{cell, Clock::now(), 0, false, {}, StepProjector(options_.step), {}, 0, {}, 0, {}, {}, 0};
  Running& running = running_[source] = std::move(started);
  hand_over(source, running);
  comm_.send(source, tag::task, encode(TaskMessage{cell, cell.attempt}));
  heard_[source] = Clock::now();  // a rank that waited long was silent by right
  progress_.detail(label(cell) + " → rank " + std::to_string(source));
}

// Before the task: a fine-tuning cell's pretrained weights, and the state
// a cell continues from, read from the checkpoint folder. One that does
// not read is said and set aside; the cell then starts from scratch.
void Scheduler::hand_over(int rank, Running& running) {
  const CellSpec& cell = running.cell;
  if (options_.checkpoint_dir.empty()) return;
  if (cell.role == RoleValue::finetune) {
    try {
      if (auto w = checkpoints_.weights(cell.depends_on))
        comm_.send(rank, tag::checkpoint, encode_blob(header_of(FileMessage{"weights", cell.depends_on, 0, 0, 0, 0}), *w));
    } catch (const std::exception& e) {  // the trainer then fails on the missing weights, saying so
      progress_.event("warning: " + label(cell) + ": " + e.what());
    }
  }
  if (cell.train.checkpoint_every <= 0) return;
  std::string problem;
  const auto kept = checkpoints_.running(cell.id, cell.attempt, &problem);
  if (!problem.empty()) progress_.event("warning: " + label(cell) + ": " + problem);
  if (!kept) return;
  running.epochs = kept->epoch_records;
  running.resumed_epoch = running.kept_epoch = kept->epoch;
  running.earlier_segments = kept->segments;
  running.energy_j = running.last_cumulative_j = kept->epoch_records.back().cumulative_j;
  comm_.send(rank, tag::checkpoint, encode_checkpoint(*kept));
  std::string where;
  for (const auto& g : kept->segments) where += (where.empty() ? "" : ", ") + g.node;
  progress_.event(label(cell) + " continues from its state after epoch " + std::to_string(kept->epoch) +
                  " (kept " + kept->saved_utc + ", trained on " + where + ")");
}

// The stretches of a run so far: those it continued from, and this one's.
std::vector<RunSegment> Scheduler::segments_of(const Running& running, int epochs, int rank, double started_unix_s,
                                               double seconds) const {
  std::vector<RunSegment> out = running.earlier_segments;
  RunSegment g;
  g.first_epoch = running.resumed_epoch + 1;
  g.epochs = epochs - running.resumed_epoch;
  if (const auto n = node_of_.find(rank); n != node_of_.end()) g.node = n->second;
  if (const auto s = session_of_.find(g.node); s != session_of_.end()) g.node_session = s->second;
  g.rank = rank;
  g.started_unix_s = started_unix_s;
  g.seconds = seconds;
  const auto cumulative = [&](int e) { return e > 0 ? running.epochs[static_cast<size_t>(e - 1)].cumulative_j : 0.0; };
  if (epochs <= static_cast<int>(running.epochs.size()))
    g.energy_j = cumulative(epochs) - cumulative(running.resumed_epoch);
  out.push_back(g);
  return out;
}

void Scheduler::on_checkpoint(int source, const std::string& body) {
  auto it = running_.find(source);
  if (it == running_.end()) return;  // its cell ended meanwhile
  Running& r = it->second;
  try {
    const std::string what = "a checkpoint of " + label(r.cell) + " from rank " + std::to_string(source);
    Blob b = decode_blob(body, what);
    const FileMessage header = file_message_of(b.header, what);
    if (header.cell_id != r.cell.id || header.attempt != r.cell.attempt)
      throw InputError("rank " + std::to_string(source) + " sent a checkpoint of " + header.cell_id + ", not of " +
                       label(r.cell));
    if (header.kind == "weights") {
      r.weights = std::move(b.bytes);
      return;
    }
    const int epoch = header.epoch;
    if (epoch <= r.resumed_epoch || epoch > static_cast<int>(r.epochs.size()))
      throw InputError("rank " + std::to_string(source) + " sent the state of " + label(r.cell) + " after epoch " +
                       std::to_string(epoch) + ", of which rank 0 has " + std::to_string(r.epochs.size()) + " epochs");
    RunningCheckpoint c;
    c.cell_id = r.cell.id;
    c.attempt = r.cell.attempt;
    c.epoch = epoch;
    c.epoch_records.assign(r.epochs.begin(), r.epochs.begin() + epoch);
    c.segments = segments_of(r, epoch, source, header.started_unix_s, header.seconds);
    c.saved_utc = utc_now();
    c.state = std::move(b.bytes);
    checkpoints_.keep_running(c);
    r.kept_epoch = epoch;
    progress_.detail(label(r.cell) + ": state after epoch " + std::to_string(epoch) + " kept");
  } catch (const std::exception& e) {  // the last state kept, if any, stays
    progress_.event("warning: " + one_line(e.what()) + "; its last kept state stays");
    return;
  }
  if (draining_ && !r.abandon_sent) {  // what it has done is kept: nothing more to wait for
    comm_.send(source, tag::abandon, "{}");
    r.abandon_sent = true;
    progress_.event(label(r.cell) + ": state after epoch " + std::to_string(r.kept_epoch) +
                    " kept; abandoned now, --resume continues it from there");
  }
}

void Scheduler::on_epoch(int source, const EpochMessage& message) {
  auto it = running_.find(source);
  if (it == running_.end()) return;
  const EpochRecord& e = message.record;
  Running& r = it->second;
  r.epochs.push_back(e);
  r.energy_j = e.cumulative_j;
  const int cap = r.cell.criterion.epoch_cap();
  // Warm-up epochs would overstate the steady cost the queue is ordered by.
  if (e.epoch >= options_.step.stable_from || cap < options_.step.stable_from)
    costs_.observe_epoch(r.cell, e.train_s + e.eval_s);
  if (auto p = r.step.add(e.cumulative_j - r.last_cumulative_j, e.train_s + e.eval_s, cap)) {
    r.projected = p;
    progress_.detail(label(r.cell) + " STEP: " + format_number(p->energy_j) + " J and " +
                     Progress::duration(p->seconds) + " projected for " + std::to_string(p->planned_epochs) +
                     " epochs (after epoch " + std::to_string(p->at_epoch) + ")");
  }
  r.last_cumulative_j = e.cumulative_j;
  energy_method_ = weakest_method(energy_method_, e.train_energy.method);
  progress_.detail(label(it->second.cell) + " epoch " + std::to_string(e.epoch) + ": test acc " +
                   format_number(e.test_acc, 3) + ", " + format_number(e.cumulative_j) + " J (" +
                   e.train_energy.method + "), " + format_number(e.train_s + e.eval_s, 3) + " s");
}

void Scheduler::on_result(int source, const RunResult& received) {
  auto it = running_.find(source);
  if (it == running_.end()) return;
  const CellSpec cell = it->second.cell;
  const std::string samples = std::move(it->second.samples);
  const std::string weights = std::move(it->second.weights);
  const std::optional<StepProjection> projected = it->second.projected;
  const Running running = std::move(it->second);
  running_.erase(it);
  owes_request_.insert(source);
  RunResult r = received;
  if (r.status == StatusValue::abandoned) {
    progress_.event(label(cell) + " abandoned by the stop; not committed" +
                    (running.kept_epoch > 0 ? "; --resume continues it after epoch " + std::to_string(running.kept_epoch)
                                            : std::string()));
    return;
  }
  if (running.resumed_epoch > 0) {  // continued from a kept state: one segment per stretch
    r.segments = segments_of(running, r.epochs, source, r.started_unix_s, r.seconds);
    if (!r.segments.empty()) r.segments.back().energy_j = r.energy_j - running.epochs[running.resumed_epoch - 1].cumulative_j;
    r.seconds = 0;
    for (const auto& g : r.segments) r.seconds += g.seconds;
    r.started_unix_s = r.segments.front().started_unix_s;
  }
  if (!options_.checkpoint_dir.empty() && cell.role == RoleValue::pretrain && r.status == StatusValue::done &&
      weights.empty()) {
    r.status = StatusValue::failed;  // its fine-tuning cells would have nothing to start from
    r.stop_reason = stop_reason::failed;
    r.failure = FailureValue::internal;
    r.detail = "its weights did not reach rank 0";
  }
  if (projected) {
    r.step_epoch = projected->at_epoch;
    r.step_projected_j = projected->energy_j;
    r.step_projected_s = projected->seconds;
  }
  // Bad input (its data or model file) is not a fault of chance: it is not
  // retried, and it never settles the cell, so --resume runs it once fixed.
  const bool bad_input = r.status == StatusValue::failed && r.failure == FailureValue::input;
  r.settles_cell = r.status == StatusValue::done || (!bad_input && r.attempt >= options_.max_attempts);
  if (const auto s = session_of_.find(r.node); s != session_of_.end()) r.node_session = s->second;
  try {
    // The weights first: a committed pretraining cell always has them.
    if (!options_.checkpoint_dir.empty() && !weights.empty()) checkpoints_.keep_weights(cell.id, weights);
  } catch (const std::runtime_error& e) {  // a full disk: nor could the result be committed
    stop_committing(e.what());
    return;
  }
  try {
    if (!samples.empty()) store_samples(cell, r, samples);
    store_.add_run(r);  // the commit: journaled and synced before anything counts it
  } catch (const CommitFailed& e) {
    stop_committing(e.what());  // this attempt is not committed: its cell stays pending
    return;
  }
  if (!options_.checkpoint_dir.empty()) checkpoints_.drop_running(cell.id);  // its attempt has ended
  dirty_ = true;
  struct ServeWaiting {  // a settled pretraining cell may free the ranks that wait
    Scheduler* s;
    ~ServeWaiting() { s->serve_waiting(); }
  } serve{this};
  if (r.settles_cell) settled_seconds_ += r.seconds;
  if (r.status == StatusValue::done) {
    settled_energy_j_ += r.energy_j;
    progress_.event(label(cell) + " done: " + std::to_string(r.epochs) + " epochs, " + r.stop_reason +
                    ", test acc " + format_number(r.test_acc, 3) + ", " + format_number(r.energy_j) + " J (" +
                    r.energy_method + "), " + format_number(r.efficiency, 3) + " /J, " +
                    Progress::duration(r.seconds));
    return;
  }
  std::string line = label(cell) + " failed: " + r.failure + ": " + r.detail;
  if (r.settles_cell) {
    settled_energy_j_ += r.energy_j;
    progress_.event(line + "; no attempts left, recorded as failed");
  } else if (bad_input) {
    ++bad_input_cells_;
    progress_.event(line + "; bad input is not retried: fix it, then --resume runs this cell again");
  } else if (draining_) {
    progress_.event(line + "; will be retried by --resume");
  } else {
    CellSpec retry = cell;
    retry.attempt = r.attempt + 1;
    pending_.push_back(retry);
    progress_.event(line + "; retrying (attempt " + std::to_string(retry.attempt) + " of " +
                    std::to_string(options_.max_attempts) + ")");
  }
}

// A block that does not decode, or belongs to another attempt, is reported
// and dropped: the attempt's energies are in its result either way.
void Scheduler::store_samples(const CellSpec& cell, const RunResult& r, const std::string& encoded) {
  try {
    const SampleBlock b = decode_block(encoded, "samples of " + label(cell) + " from rank " + std::to_string(r.rank));
    if (b.cell_id != r.cell_id || b.attempt != r.attempt)
      throw InputError("samples from rank " + std::to_string(r.rank) + " are of " + b.cell_id + " attempt " +
                       std::to_string(b.attempt) + ", not of " + r.cell_id + " attempt " + std::to_string(r.attempt));
    store_.add_samples(encoded);
    if (b.truncated)
      progress_.event("warning: " + label(cell) + ": the sampler's buffer dropped its earliest samples; "
                      "the stored series starts late (its energies are whole)");
  } catch (const std::exception& e) {  // a damaged block, or no room for it: the energies are in the result
    progress_.event(std::string("warning: ") + e.what() + "; not stored");
  }
}

void Scheduler::stop_worker(int source) {
  comm_.send(source, tag::stop, "{}");
  ++stopped_workers_;
}

void Scheduler::report_progress() {
  ProgressCounts c;
  c.total = static_cast<int>(cells_.size());
  for (const auto& row : store_.results().cells) {
    if (row.status == StatusValue::done) ++c.done;
    if (row.status == StatusValue::failed) ++c.failed;
  }
  c.running = static_cast<int>(running_.size());
  c.energy_j = settled_energy_j_;
  for (const auto& [rank, r] : running_) c.energy_j += r.energy_j;
  c.energy_method = energy_method_;
  if (costs_.calibrated() && ready_workers_ > 0) {
    double remaining = 0, pending_s = 0;
    for (const auto& p : pending_) pending_s += costs_.expected_seconds(p);
    remaining = pending_s;
    for (const auto& [rank, r] : running_)
      remaining += std::max(0.0, costs_.expected_seconds(r.cell) - seconds_since(r.started));
    c.eta_s = remaining / std::max(1, ready_workers_);
    // The study's total: settled energy, each running cell's STEP projection
    // (or what it has spent), and the pending cells at the settled mean watts.
    if (settled_seconds_ > 0) {
      c.projected_j = settled_energy_j_ + pending_s * settled_energy_j_ / settled_seconds_;
      for (const auto& [rank, r] : running_) c.projected_j += r.projected ? r.projected->energy_j : r.energy_j;
    }
  }
  progress_.update(c);
}

// A snapshot that cannot be written (a full disk) costs nothing committed:
// the journal holds every commit since the last one. Said once, tried
// again at the next interval, and the sweep goes on while it can commit.
void Scheduler::maybe_snapshot(bool force) {
  if (!dirty_) return;
  if (!force && seconds_since(last_snapshot_) < options_.snapshot_every_s) return;
  last_snapshot_ = Clock::now();
  try {
    store_.snapshot(StudyStatusValue::running, reduce_);
    dirty_ = false;
    snapshot_failing_ = false;
  } catch (const std::exception& e) {
    if (!snapshot_failing_)
      progress_.event(std::string("snapshot not written (") + one_line(e.what()) + "): every commit is safe in " +
                      journal_path(store_.path()) + "; working on, and trying again every " +
                      format_number(options_.snapshot_every_s) + " s");
    snapshot_failing_ = true;
  }
}

void Scheduler::stop_committing(const std::string& why) {
  if (!cannot_commit_)
    progress_.event(one_line(why) + ": nothing more can be committed, everything committed before is safe; "
                    "stopping now (running cells abandoned): free space, then --resume");
  cannot_commit_ = true;
  if (!draining_) serve_waiting();
  draining_ = true;
  drain_deadline_ = Clock::now();  // abandoned at once: their results could not be committed either
}

}  // namespace joulegrid
