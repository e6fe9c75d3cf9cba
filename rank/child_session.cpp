// The child's session (`joulegrid cell`): reads its cell, trains it one
// epoch at a time through a Trainer, and speaks the cell protocol
// (protocol.hpp) to the worker that spawned it. The parent decides when to
// stop; this side only announces its phases and reports its epochs.

#include <chrono>
#include <functional>

#include "io/store/checkpoints.hpp"
#include "rank/child.hpp"
#include "rank/line_pipe.hpp"
#include "rank/protocol.hpp"
#include "rank/trainer.hpp"

namespace joulegrid {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

namespace {

class ChildSession {
 public:
  ChildSession(int in_fd, int out_fd) : in_(in_fd), out_fd_(out_fd) {}

  // One cell; or, when the parent asks for a warm trainer, one cell after
  // another until its input ends, each with a model, optimiser and random
  // state of its own, and the dataset kept while the cells share it.
  int run() {
    std::optional<std::string> line = in_.read_line(-1);
    if (!line) return fail(protocol::failure::protocol, "no cell on stdin", protocol::child_exit::internal);
    while (true) {
      const int code = run_one(*line);
      if (code != protocol::child_exit::ok || !warm_) return code;
      emit(protocol::done_line());
      stop_requested_ = checkpoint_requested_ = false;
      line = next_cell();
      if (!line) return protocol::child_exit::ok;
    }
  }

 private:
  int run_one(const std::string& line) {
    try {
      return train(line);
    } catch (const InputError& e) {
      return fail(protocol::failure::input, e.what(), protocol::child_exit::bad_input);
    } catch (const c10::Error& e) {
      const std::string what = e.what_without_backtrace();
      switch (protocol::failure::classify_torch_error(what)) {
        case FailureValue::out_of_memory:
          return fail(protocol::failure::out_of_memory, "out of memory on " + device_name_ + ": " + first_line(what),
                      protocol::child_exit::out_of_memory);
        case FailureValue::device:
          return fail(protocol::failure::device, "a fault of " + device_name_ + ": " + first_line(what),
                      protocol::child_exit::device);
        default:
          return fail(protocol::failure::internal, first_line(what), protocol::child_exit::internal);
      }
    } catch (const std::exception& e) {
      return fail(protocol::failure::internal, e.what(), protocol::child_exit::internal);
    }
  }

  // The next cell's line; a word the parent sent as the last cell ended (a
  // checkpoint request that raced its end) is not one.
  std::optional<std::string> next_cell() {
    while (auto line = in_.read_line(-1))
      if (*line != protocol::kStop && *line != protocol::kContinue && *line != protocol::kCheckpoint) return line;
    return std::nullopt;
  }

  // The cell's dataset, read once for every cell of a warm child that uses it.
  // `key`: the cell line's "data" member.
  const Dataset& dataset_of(const CellSpec& cell, const std::string& key) {
    if (!dataset_ || dataset_->first != key) {
      dataset_.reset();  // the last one's memory first
      dataset_.emplace(key, load_dataset(cell.data));
    }
    return dataset_->second;
  }

  int train(const std::string& line) {
    const nlohmann::json message = nlohmann::json::parse(line);
    warm_ = message.value(protocol::kWarm, false);
    const CellSpec cell = message.get<CellSpec>();
    const int threads = choose_threads(cell.train.threads);
    torch::set_num_threads(threads);
    const torch::Device device = choose_device(cell.train.device);
    device_name_ = device.str();
    Trainer trainer(cell, load_split_tensors(cell, device, dataset_of(cell, message.at("data").dump())), device);
    if (auto fault = fault_for(cell.index, cell.id, cell.attempt))
      trainer.inject(*fault);
    const int resumed = cell.resume_from.empty() ? 0 : trainer.restore(cell.resume_from);
    const SplitTensors& d = trainer.data();
    protocol::Ready ready;
    ready.parameters = trainer.model().parameter_count();
    ready.flops_per_sample = trainer.model().flops_per_sample();
    ready.device = device_name_;
    ready.threads = threads;
    ready.init = cell.model_init.empty() ? cell.train.init : cell.model_init;  // an imported model: file | reset
    ready.train_samples = d.train_x.size(0);
    ready.validation_samples = d.validation_x.size(0);
    ready.test_samples = d.test_x.size(0);
    ready.validation_is_test = d.validation_is_test;
    ready.input_elements = d.train_x[0].numel();
    ready.resumed_epoch = resumed;
    if (const auto& t = trainer.transfer())
      ready.transfer = {{"loaded", t->loaded}, {"kept", t->kept}, {"frozen", t->frozen}, {"trainable", t->trainable}};
    emit(protocol::ready_line(ready));
    const bool per_batch = cell.criterion.kind == CriterionKindValue::energy && cell.criterion.check == "batch";
    const int cap = cell.criterion.epoch_cap();
    for (int epoch = resumed + 1; cap <= 0 || epoch <= cap; ++epoch) {
      emit(protocol::phase_line(protocol::kTrainBegin, epoch));
      const auto t0 = Clock::now();
      std::function<bool(int64_t)> after_batch;
      if (per_batch) after_batch = [&](int64_t b) { return batch_may_go_on(epoch, b); };
      const EpochTraining tr = trainer.train_epoch(epoch, after_batch);
      const double train_s = seconds_since(t0);
      if (tr.nonfinite_batch)
        return fail(protocol::failure::nonfinite_loss,
                    "non-finite loss at epoch " + std::to_string(epoch) + " batch " + std::to_string(tr.nonfinite_batch),
                    protocol::child_exit::nonfinite_loss, epoch, tr.nonfinite_batch);
      emit(protocol::phase_line(protocol::kEvalBegin, epoch));
      const auto t1 = Clock::now();
      EpochRecord rec;
      rec.epoch = epoch;
      rec.loss = tr.mean_loss;
      rec.train_acc = tr.accuracy;
      rec.test_acc = trainer.accuracy(d.test_x, d.test_y);
      rec.val_acc = d.validation_is_test ? rec.test_acc : trainer.accuracy(d.validation_x, d.validation_y);
      rec.eval_samples = d.test_x.size(0) + (d.validation_is_test ? 0 : d.validation_x.size(0));
      // The model as it will be used, not as it trains (dropout off, the
      // posterior's mean ensemble): what a training-accuracy bound and
      // overtraining read. Part of the evaluation, and of its energy.
      if (measures_training_accuracy(cell)) {
        rec.train_eval_acc = trainer.accuracy(d.train_x, d.train_y);
        rec.eval_samples += d.train_x.size(0);
      }
      rec.eval_s = seconds_since(t1);
      rec.train_s = train_s;
      rec.batches = tr.batches;
      rec.train_samples = tr.samples;
      rec.partial = tr.partial;
      emit(protocol::epoch_line(rec));
      if (stop_requested_ || tr.partial) break;
      if (!parent_says_continue()) break;
      const bool due = cell.train.checkpoint_every > 0 && epoch % cell.train.checkpoint_every == 0;
      if (!cell.checkpoint_to.empty() && (due || checkpoint_requested_)) {
        // Between epochs, outside both phases: keeping the state is
        // joulegrid's cost, not the architecture's.
        write_file_atomically(cell.checkpoint_to, trainer.state(epoch));
        checkpoint_requested_ = false;
        emit(protocol::checkpoint_line(epoch));
      }
    }
    // A pretraining cell's weights, for its fine-tuning cells; a cell that
    // cannot leave them behind has not done its job.
    if (cell.role == RoleValue::pretrain) save_weights(trainer.model(), cell.checkpoint);
    return protocol::child_exit::ok;
  }

  // Per-batch energy budgets: tell the parent, and stop if it says so.
  bool batch_may_go_on(int epoch, int64_t batch) {
    emit(protocol::batch_line(epoch, batch));
    while (auto line = in_.read_line(0)) heed(*line);
    return !stop_requested_;
  }

  // The parent's word after an epoch; a checkpoint request may come first.
  bool parent_says_continue() {
    while (auto reply = in_.read_line(-1)) {
      if (*reply == protocol::kCheckpoint) {
        checkpoint_requested_ = true;
        continue;
      }
      return *reply == protocol::kContinue;
    }
    return false;
  }

  void heed(const std::string& line) {
    if (line == protocol::kStop) stop_requested_ = true;
    if (line == protocol::kCheckpoint) checkpoint_requested_ = true;
  }

  int fail(Failure kind, const std::string& message, int code, int epoch = 0, int64_t batch = 0) {
    emit(protocol::error_line(kind, message, epoch, batch));
    return code;
  }

  void emit(const std::string& line) { write_line(out_fd_, line); }

  static std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

  LineReader in_;
  int out_fd_;
  std::string device_name_ = "cpu";
  bool stop_requested_ = false;
  bool checkpoint_requested_ = false;  // a drain began: keep the state at the end of this epoch
  bool warm_ = false;                  // the parent may send another cell after this one
  std::optional<std::pair<std::string, Dataset>> dataset_;  // (its DataSpec as JSON, the data)
};

}  // namespace

int run_cell_child(int in_fd, int out_fd) {
  ChildSession session(in_fd, out_fd);
  return session.run();
}

}  // namespace joulegrid
