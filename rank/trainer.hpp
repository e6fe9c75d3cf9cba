#pragma once
// The child's side of a cell (`joulegrid cell`): the data of one split in
// memory on the device, the model, and one epoch of training or evaluation
// at a time. The stopping decision belongs to the parent.

#include <functional>
#include <memory>

#include <torch/torch.h>

#include "io/datasets/datasets.hpp"
#include "io/records/cell.hpp"
#include "models/classifier.hpp"
#include "models/transfer.hpp"
#include "rank/child.hpp"
#include "rank/fault_injection.hpp"
#include "rank/threads.hpp"

namespace joulegrid {

struct SplitTensors {
  torch::Tensor train_x, train_y, validation_x, validation_y, test_x, test_y;
  bool validation_is_test = true;
  std::vector<int64_t> sample_shape;
};

// Reads the cell's dataset, cuts its split, normalises, and moves it to `device`.
SplitTensors load_split_tensors(const CellSpec& cell, torch::Device device);
// The same from a dataset already read (load_dataset(cell.data)).
SplitTensors load_split_tensors(const CellSpec& cell, torch::Device device, const Dataset& d);

// cuda when asked for or (auto) available, else cpu. Throws InputError when
// cuda is asked for and this libtorch has none.
torch::Device choose_device(const std::string& wanted);


struct EpochTraining {
  double mean_loss = 0.0;
  double accuracy = 0.0;  // running accuracy of the training forward passes
  int64_t batches = 0;
  int64_t samples = 0;    // training samples the batches held
  bool partial = false;   // after_batch asked to stop inside the epoch
  int64_t nonfinite_batch = 0;  // 1-based batch of the first non-finite loss, 0 if none
};

class Trainer {
 public:
  Trainer(const CellSpec& cell, SplitTensors data, torch::Device device);

  // One pass over the shuffled training split. `after_batch(b)` is called after
  // batch b (1-based) and returns false to end the epoch there.
  EpochTraining train_epoch(int epoch, const std::function<bool(int64_t)>& after_batch = {});
  // A fault to strike at its epoch and batch (tests of failure handling).
  void inject(const FaultPlan& fault) { fault_ = fault; }
  // A stand-in for the device's generator, for tests on a machine without a
  // GPU: the data order draws from it, and state() keeps it as the device's.
  void draw_order_from(at::Generator stand_in) { device_generator_ = std::move(stand_in); }
  double accuracy(const torch::Tensor& x, const torch::Tensor& y);

  // The training state after `epoch` epochs, as bytes: the weights, the
  // optimiser's state, the random generators and the epoch. Restoring it
  // into a trainer of the same cell continues the training as if it had
  // not stopped (on the CPU, the same losses to the last bit).
  std::string state(int epoch);
  // Restores a state() written to `path`; returns its epoch. Throws
  // std::runtime_error naming the path when it does not fit this cell.
  int restore(const std::string& path);

  Classifier& model() { return *model_; }
  const SplitTensors& data() const { return data_; }
  // A fine-tuning cell: what came from the pretraining cell and what is frozen.
  const std::optional<Transfer>& transfer() const { return transfer_; }

 private:
  CellSpec cell_;
  SplitTensors data_;
  torch::Device device_;
  std::shared_ptr<Classifier> model_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::vector<torch::Tensor> parameters_;
  std::optional<FaultPlan> fault_;
  // The device's own generator (none on the CPU): the data order's, and
  // dropout's and the Bayesian samples' there.
  std::optional<at::Generator> device_generator_;
  std::optional<Transfer> transfer_;
};


}  // namespace joulegrid
