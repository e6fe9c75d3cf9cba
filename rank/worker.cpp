#include "rank/worker.hpp"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <unistd.h>
#include <utility>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "io/errors.hpp"
#include "io/job.hpp"
#include "io/records/results.hpp"
#include "io/store/checkpoints.hpp"
#include "io/store/samples.hpp"
#include "meters/processes.hpp"
#include "meters/sysfs.hpp"
#include "meters/visible_devices.hpp"
#include "rank/calibration.hpp"
#include "rank/cell_runner.hpp"
#include "rank/messages.hpp"
#include "rank/metered_energy.hpp"
#include "rank/threads.hpp"

namespace joulegrid {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

Message wait_for(Comm& comm) {
  while (true)
    if (auto m = comm.receive(milliseconds(200))) return *m;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The node's meters, or the labelled placeholder where none can be read.
class NodeEnergy {
 public:
  explicit NodeEnergy(const MeterOptions& options)
      : metered_(std::make_unique<MeteredEnergy>(options, meters::SysfsRoot::from_environment())) {
    if (metered_->empty())
      placeholder_ = std::make_unique<PlaceholderEnergy>(PlaceholderEnergy::watts_from_environment());
  }
  CellEnergy& energy() { return placeholder_ ? static_cast<CellEnergy&>(*placeholder_) : *metered_; }
  bool measured() const { return !placeholder_; }
  MeteredEnergy& metered() { return *metered_; }

 private:
  std::unique_ptr<MeteredEnergy> metered_;
  std::unique_ptr<PlaceholderEnergy> placeholder_;
};

HelloMessage hello(const std::string& node, int rank, int worker_ranks, bool leader, NodeEnergy& meters,
           const std::vector<IdleWindow>& idle, double idle_s, const Calibration* cal, const std::string& foreign) {
  std::string warnings;
  for (const auto& w : meters.metered().warnings())
    warnings += (warnings.empty() ? "" : "; ") + w.source + ": " + w.problem;
  if (!foreign.empty())
    warnings += std::string(warnings.empty() ? "" : "; ") + "nvml: other jobs' compute processes on its GPU (" + foreign +
                "): its energy counts their work too";
  NodeRecord record;
  record.name = node;
  record.leader_rank = rank;
  record.devices = meters.energy().describe();
  record.energy_method = meters.energy().method();
  record.warnings = warnings;
  record.idle_w = idle.empty() ? 0.0 : meters.metered().idle_watts();
  record.idle_s = idle_s;
  record.idle_windows = idle;
  record.worker_ranks = worker_ranks;
  record.other_cpu_outside_job = true;  // rank/metered_energy counts the job's processes as its own
  record.measured_utc = utc_now();
  record.job = job_id();
  if (cal) {
    record.calibration_steps = cal->ok ? cal->steps : 0;
    record.calibration_j = cal->joules;
    record.calibration_net_j = cal->net_joules;
    record.calibration_s = cal->seconds;
    record.calibration_method = cal->ok ? cal->method : cal->problem;
    record.calibration_runs = cal->runs;
  }
  HelloMessage m;
  m.rank = rank;
  m.node = node;
  m.leader = leader;
  m.node_record = std::move(record);
  return m;
}

// An attempt's raw readings ([meters] store_samples), taken from the
// sampler's bounded buffer after every epoch, so that a long attempt cannot
// outlive it, and once more at the end.
class SampleCollector {
 public:
  explicit SampleCollector(const meters::Sampler& sampler) : sampler_(sampler), start_(sampler.now()) {
    last_ = start_;
    for (const auto& c : sampler.channels())
      block_.channels.push_back({c.source + " " + c.device, c.component.str(), meters::method_name(c.method), c.unit()});
    columns_.resize(block_.channels.size());
  }

  void collect() {
    bool dropped = false;
    const auto samples = sampler_.samples_after(last_, &dropped);
    block_.truncated = block_.truncated || dropped;
    for (const auto& s : samples) {
      block_.t.push_back(s.t - start_);
      for (size_t c = 0; c < columns_.size(); ++c) columns_[c].push_back(c < s.values.size() ? s.values[c] : std::nan(""));
      last_ = s.t;
    }
  }

  // The block, channel-major, as rank 0 stores it.
  std::string finish(const RunResult& r) {
    collect();
    block_.cell_id = r.cell_id;
    block_.attempt = r.attempt;
    block_.node = r.node;
    block_.rank = r.rank;
    block_.start_unix_s = r.started_unix_s;
    for (const auto& column : columns_) block_.values.insert(block_.values.end(), column.begin(), column.end());
    return encode_block(block_);
  }

 private:
  const meters::Sampler& sampler_;
  double start_, last_;
  SampleBlock block_;
  std::vector<std::vector<double>> columns_;
};

// The rank's own folder for the files its trainers read and write (their
// checkpoints, a pretraining cell's weights) on the node's local disk
// ($TMPDIR, else /tmp): nothing in it is shared or outlives the rank. What
// must outlive it goes to rank 0, which keeps it beside the results.
class Scratch {
 public:
  explicit Scratch(int rank) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/joulegrid-rank" + std::to_string(rank) + "-XXXXXX";
    if (!::mkdtemp(pattern.data()))
      throw InputError(pattern + ": cannot create the rank's scratch folder: " + std::strerror(errno) + " (set TMPDIR)");
    dir_ = pattern;
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

// What rank 0 handed over before a task (tag::checkpoint): the state the
// cell continues from, the weights a fine-tuning cell starts from.
struct Handed {
  std::optional<RunningCheckpoint> state;
  std::optional<Blob> weights;
  void take(const Message& m, int rank) {
    const std::string what = "a checkpoint from rank 0 to rank " + std::to_string(rank);
    try {
      Blob b = decode_blob(m.body, what);
      if (file_message_of(b.header, what).kind == "weights") weights = std::move(b);
      else state = decode_checkpoint(m.body, what);
    } catch (const InputError& e) {  // the task then starts from scratch, or fails on its missing weights
      spdlog::warn("{}", e.what());
    }
  }
};

// A checkpoint or weights file of the trainer, to rank 0, if one message carries it.
void send_file(Comm& comm, const std::string& path, const FileMessage& header, const std::string& what) {
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (const std::exception& e) {
    spdlog::warn("{}: {}; not sent", what, e.what());
    return;
  }
  if (bytes.size() >= (size_t{1} << 30)) {  // one MPI message counts its bytes in an int
    spdlog::warn("{}: {} MB is more than one message carries; not sent", what, bytes.size() >> 20);
    return;
  }
  comm.send(0, tag::checkpoint, encode_blob(header_of(header), bytes));
}

// One cell: train it, forward its epochs and its kept states (and its
// samples when `sampler` is given), and let rank 0 abandon it.
RunResult run_task(Comm& comm, const TaskMessage& task, const Handed& handed, const Scratch& scratch, CellEnergy& energy,
                   const meters::Sampler* sampler, const std::string& node, int threads, double heartbeat_s,
                   WarmTrainer& trainer) {
  CellSpec cell = task.cell;
  if (cell.train.threads == 0) cell.train.threads = threads;
  cell.attempt = task.attempt;
  const double started = unix_now();
  const auto start = std::chrono::steady_clock::now();
  CellRunOptions options;
  options.warm = &trainer;
  // The trainer's files are this rank's own; rank 0 keeps the lasting ones.
  if (cell.train.checkpoint_every > 0) cell.checkpoint_to = scratch.path(cell.id + ".ckpt");
  if (handed.state && handed.state->cell_id == cell.id && handed.state->attempt == cell.attempt) {
    try {
      cell.resume_from = scratch.path(cell.id + ".resume");
      write_file_atomically(cell.resume_from, handed.state->state);
      options.earlier_epochs = handed.state->epoch_records;
    } catch (const std::exception& e) {
      spdlog::warn("{} attempt {}: its checkpoint cannot be continued here ({}); it starts from scratch", cell.id,
                   cell.attempt, e.what());
      cell.resume_from.clear();
      options.earlier_epochs.clear();
    }
  }
  if (cell.role != RoleValue::scratch) {
    const std::string own = scratch.path((cell.role == RoleValue::pretrain ? cell.id : cell.depends_on) + ".pt");
    if (cell.role == RoleValue::finetune && handed.weights) {
      try {
        write_file_atomically(own, handed.weights->bytes);
      } catch (const std::exception& e) {
        spdlog::warn("{}: {}", cell.id, e.what());  // the trainer then says it cannot read them
      }
    }
    cell.checkpoint = own;
  }
  std::optional<SampleCollector> samples;
  if (sampler) samples.emplace(*sampler);
  CellCallbacks callbacks;
  callbacks.on_epoch = [&](const EpochRecord& e) {
    comm.send(0, tag::epoch, encode(EpochMessage{cell.id, cell.attempt, e}));
    if (samples) samples->collect();
  };
  callbacks.on_checkpoint = [&](int epoch) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    send_file(comm, cell.checkpoint_to, FileMessage{"state", cell.id, cell.attempt, epoch, seconds, started},
              cell.id + " attempt " + std::to_string(cell.attempt) + " state after epoch " + std::to_string(epoch));
  };
  bool abandon = false, checkpoint_now = false;
  // Polled while the trainer runs: this loop alive is what rank 0 hears.
  auto last_heartbeat = std::chrono::steady_clock::now();
  const auto heartbeat_every = std::chrono::duration<double>(std::max(0.2, heartbeat_s / 5));
  callbacks.should_abandon = [&] {
    while (auto m = comm.receive(milliseconds(0))) {
      if (m->tag == tag::abandon) abandon = true;
      if (m->tag == tag::checkpoint_now) checkpoint_now = true;
    }
    if (heartbeat_s > 0 && std::chrono::steady_clock::now() - last_heartbeat >= heartbeat_every) {
      comm.send(0, tag::heartbeat, "{}");
      last_heartbeat = std::chrono::steady_clock::now();
    }
    return abandon;
  };
  callbacks.wants_checkpoint = [&] { return std::exchange(checkpoint_now, false) && !cell.checkpoint_to.empty(); };
  RunResult r = run_cell(cell, energy, callbacks, options);
  r.attempt = cell.attempt;
  r.node = node;
  r.rank = comm.rank();
  r.started_unix_s = started;
  // A pretraining cell's weights go to rank 0 before the result that needs them.
  if (cell.role == RoleValue::pretrain && r.status == StatusValue::done)
    send_file(comm, cell.checkpoint, FileMessage{"weights", cell.id, cell.attempt, 0, 0, 0},
              cell.id + " weights");
  // Sent before the result, which commits it; an abandoned attempt's are not.
  if (samples && r.status != StatusValue::abandoned) {
    std::string block = samples->finish(r);
    if (block.size() < (size_t{1} << 30))
      comm.send(0, tag::samples, block);
    else  // one MPI message counts its bytes in an int
      spdlog::warn("{} attempt {}: {} MB of samples is more than one message carries; not stored "
                   "(lower [meters] sample_hz)", cell.id, cell.attempt, block.size() >> 20);
  }
  for (const auto& f : {cell.checkpoint_to, cell.resume_from, cell.checkpoint})
    if (!f.empty()) ::unlink(f.c_str());
  return r;
}

}  // namespace

std::string node_name() {
  if (const char* v = std::getenv("JOULEGRID_NODE_NAME"); v && *v) return v;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "localhost";
  return host;
}

// A rank that cannot take part still keeps step with the barriers its node
// and the other nodes pass (idle, calibration), then says why and waits to
// be told to stop.
// A rank that cannot run the study still joins every barrier of the start
// (run_worker's, in the same order), so that its node's other ranks go on.
void sit_out(Comm& comm, NodeGroup& node, const std::string& name, const std::string& why) {
  for (int i = 0; i < 2; ++i) node.barrier();  // around the idle windows
  node.all_workers_barrier();
  for (int turn = 0; turn < node.size(); ++turn) node.barrier();  // the calibrations, in turn
  node.all_workers_barrier();
  HelloMessage sits_out;
  sits_out.rank = comm.rank();
  sits_out.node = name;
  sits_out.error = why;
  comm.send(0, tag::hello, encode(sits_out));
  while (wait_for(comm).tag != tag::stop) {}
}

// The GPUs this rank's cells train on and its meters read, for the record:
// "nvml gpu1 GPU-… 0000:02:00.0"; "" when it meters none.
std::string bound_gpus(const meters::Sampler& sampler) {
  std::string out;
  for (const auto& ch : sampler.channels())
    if (ch.component == ComponentValue::gpu && ch.is_energy() && ch.in_total)
      out += (out.empty() ? "" : "; ") + ch.source + " " + ch.device + " " + ch.uuid + " " + ch.bus_id;
  return out;
}

void run_worker(Comm& comm, NodeGroup& node) {
  Message config = wait_for(comm);
  while (config.tag != tag::config) config = wait_for(comm);
  ConfigMessage c;
  decode(config.body, c, "the configuration from rank 0");
  if (!c.ok) return;
  const double heartbeat_s = c.heartbeat_s;
  const std::string name = node_name();
  // Every rank's GPU lists, by UUID, before anything can make a rank sit
  // out (this is the one exchange sit_out does not repeat): lists that
  // differ between the node's ranks are each rank's own cards.
  const std::vector<meters::GpuDevice> gpus = meters::node_gpus(meters::SysfsRoot::from_environment());
  const std::vector<std::string> node_lists = node.all_gather(meters::visible_lists(gpus));
  Spec spec;
  try {
    spec = parse_spec(c.spec_text, c.spec_file, c.base_dir);
  } catch (const InputError& e) {
    // The study is fine on rank 0 but not here (a dataset missing on this node).
    sit_out(comm, node, name, e.what());
    return;
  }

  // Before the meters open and any trainer starts: each rank trains on, and
  // meters, its own GPU (rank i of a node GPU i), and a CPU-only study none.
  const meters::GpuBinding binding =
      meters::bind_rank_to_gpus(node.index(), node.size(), gpus, spec.train.share_gpus, spec.train.device == "cpu",
                                node_lists);
  if (!binding.refused.empty()) {
    sit_out(comm, node, name, "[train] share_gpus: " + binding.refused);
    return;
  }
  if (!binding.log.empty()) spdlog::info("rank {} on {}: {}", comm.rank(), name, binding.log);
  if (binding.shared)
    spdlog::warn("{}: {} worker ranks share fewer GPUs ([train] share_gpus): a shared card's whole energy is "
                 "counted by each of its ranks, and every figure says so",
                 name, node.size());
  NodeEnergy meters(spec.meters);
  const std::string gpu = meters.measured() ? bound_gpus(meters.metered().sampler()) : "";
  // A GPU that trains cells and that no meter reads: CPU and RAM joules alone
  // would pass for the cell's energy. Refused unless the spec accepts it.
  const std::string unmetered = meters::unmetered_gpu(
      meters::installed_gpus(meters::SysfsRoot::from_environment()),
      meters.metered().sampler().channels(), meters.metered().warnings(), spec.train.device == "cpu");
  if (!unmetered.empty() && !spec.meters.allow_unmetered_gpu) {
    sit_out(comm, node, name, unmetered);
    return;
  }
  if (!unmetered.empty()) spdlog::warn("{}: {}: its runs say \"GPU not measured\"", name, unmetered);
  // Another job's compute processes on a card this rank meters: the card's
  // energy counts their work too. Said at the start (the node record), and
  // looked for as every cell starts and ends: its run is then marked shared.
  const meters::SysfsRoot proc_root = meters::SysfsRoot::from_environment();
  auto foreign_on_cards = [&] {
    return meters.measured() ? meters::foreign_gpu_processes(proc_root, meters.metered().sampler().channels(),
                                                             meters::job_root())
                             : std::string();
  };
  const std::string foreign = foreign_on_cards();
  if (!foreign.empty())
    spdlog::warn("{}: other jobs compute on this rank's GPU ({}): its energy counts their work too", name, foreign);
  // Idle means idle: every rank of the node samples at once, none training.
  node.barrier();
  std::vector<IdleWindow> idle;
  const double idle_s = meters.measured() ? spec.meters.idle_seconds : 0.0;
  if (idle_s > 0) idle = meters.metered().measure_idle_windows(idle_s, spec.meters.idle_windows);
  node.barrier();
  node.all_workers_barrier();
  // The reference workload: on the node's leader, and on every rank with a
  // GPU of its own, whose card's E_ref may differ from its neighbours'. In
  // turn, so that no calibration shares the node with another.
  const bool calibrates =
      spec.calibration.enabled && (node.leader() || (!gpu.empty() && !binding.shared && spec.train.device != "cpu"));
  Calibration cal;
  for (int turn = 0; turn < node.size(); ++turn) {
    if (turn == node.index() && calibrates)
      cal = calibrate_node(meters.energy(), spec.calibration, spec.train, {}, spec.train.device == "cpu" ? "" : gpu);
    node.barrier();
  }
  node.all_workers_barrier();
  comm.send(0, tag::hello, encode(hello(name, comm.rank(), node.size(), node.leader(), meters, idle, idle_s,
                                 calibrates ? &cal : nullptr, foreign)));

  // Ranks sharing a node share its cores: oversubscribed threads would slow
  // every cell and blur its energy.
  const int threads = std::max(1, choose_threads(0) / std::max(1, node.size()));
  const meters::Sampler* samples = spec.meters.store_samples && meters.measured() ? &meters.metered().sampler() : nullptr;
  if (spec.meters.store_samples && !samples)
    spdlog::warn("{}: no meter can be read, so there are no samples to store ([meters] store_samples)", name);
  const Scratch scratch(comm.rank());
  WarmTrainer trainer(spec.trainer_cells, spec.trainer_memory_mib);
  while (true) {
    comm.send(0, tag::request, "{}");
    Handed handed;
    Message m = wait_for(comm);
    // An abandon or a checkpoint request that raced the end of a cell; what comes with the next task.
    for (; m.tag == tag::abandon || m.tag == tag::checkpoint_now || m.tag == tag::checkpoint; m = wait_for(comm))
      if (m.tag == tag::checkpoint) handed.take(m, comm.rank());
    if (m.tag != tag::task) return;
    const std::string before = foreign_on_cards();
    TaskMessage task;
    decode(m.body, task, "a task from rank 0");
    RunResult r = run_task(comm, task, handed, scratch, meters.energy(), samples, name, threads,
                           heartbeat_s, trainer);
    if (r.failure == FailureValue::input) r.detail = in_spec(spec, r.detail);  // "study.toml:9:10: train.device: …"
    if (r.device.rfind("cuda", 0) == 0) {  // a cell on the CPU counts no GPU
      r.gpu = gpu;
      const std::string after = foreign_on_cards();
      const std::string others = after.empty() ? before : after;
      if (!others.empty())
        spdlog::warn("{}: other jobs compute on this rank's GPU ({}): cell {} counts their work too", name, others,
                     r.cell_id);
      r.gpu_shared = (binding.shared || !others.empty()) && !gpu.empty();
      r.gpu_unmetered = gpu.empty();  // whatever the start saw: it trained on a GPU no meter read
    }
    comm.send(0, tag::result, json(r).dump());
  }
}

}  // namespace joulegrid
