#include "rank/trainer.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <sched.h>
#include <sstream>
#include <thread>

#include <ATen/CPUGeneratorImpl.h>

#include "io/datasets/splits.hpp"
#include "io/store/checkpoints.hpp"

namespace joulegrid {

namespace {

// Per-channel mean and std for the cell's normalisation (empty = none).
std::pair<std::vector<double>, std::vector<double>> normalization_for(const CellSpec& cell,
                                                                      const torch::Tensor& train_x,
                                                                      int64_t channels) {
  std::string preset = cell.data.normalization.preset;
  if (preset == "auto")
    preset = cell.data.format == "idx" ? "mnist" : cell.data.format == "cifar10" ? "cifar10" : "none";
  if (preset == "none") return {};
  if (preset == "mnist") return {std::vector<double>(channels, 0.1307), std::vector<double>(channels, 0.3081)};
  if (preset == "cifar10") {
    if (channels != 3) throw InputError("data.normalization: 'cifar10' needs 3 channels, the data has " + std::to_string(channels));
    return {{0.4914, 0.4822, 0.4465}, {0.2470, 0.2435, 0.2616}};
  }
  if (preset == "dataset") {
    const torch::Tensor per_channel = train_x.transpose(0, 1).reshape({channels, -1});
    const torch::Tensor m = per_channel.mean(1).to(torch::kDouble), s = per_channel.std(1).clamp_min(1e-12).to(torch::kDouble);
    return {std::vector<double>(m.data_ptr<double>(), m.data_ptr<double>() + channels),
            std::vector<double>(s.data_ptr<double>(), s.data_ptr<double>() + channels)};
  }
  const Normalization& n = cell.data.normalization;  // custom
  if (static_cast<int64_t>(n.mean.size()) != channels)
    throw InputError("data.normalization: " + std::to_string(n.mean.size()) + " means for data with " +
                     std::to_string(channels) + " channels");
  return {n.mean, n.std};
}

// The samples as stored ([N, C, H, W], uint8 or float), without a copy.
torch::Tensor stored_images(const SampleSet& s) {
  std::vector<int64_t> shape{s.count()};
  if (s.sample_shape.size() == 2) shape.push_back(1);  // [F, T] is one channel
  shape.insert(shape.end(), s.sample_shape.begin(), s.sample_shape.end());
  if (s.is_u8()) return torch::from_blob(const_cast<uint8_t*>(s.u8.data()), shape, torch::kUInt8);
  return torch::from_blob(const_cast<float*>(s.f32.data()), shape, torch::kFloat32);
}

torch::Tensor as_float(const torch::Tensor& stored) {
  return stored.scalar_type() == torch::kUInt8 ? stored.to(torch::kFloat32).div_(255.0) : stored.clone();
}

torch::Tensor as_labels(const std::vector<int64_t>& labels) {
  return torch::from_blob(const_cast<int64_t*>(labels.data()), {static_cast<int64_t>(labels.size())},
                          torch::kInt64).clone();
}

torch::Tensor index_tensor(const std::vector<int64_t>& idx) {
  return torch::from_blob(const_cast<int64_t*>(idx.data()), {static_cast<int64_t>(idx.size())}, torch::kInt64);
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const CellSpec& c, std::vector<torch::Tensor> params) {
  const double lr = c.learning_rate;
  if (c.optimizer == "adam")
    return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(lr).weight_decay(c.train.weight_decay));
  if (c.optimizer == "adamw")
    return std::make_unique<torch::optim::AdamW>(params, torch::optim::AdamWOptions(lr).weight_decay(c.train.weight_decay));
  if (c.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(lr).momentum(c.train.momentum).weight_decay(c.train.weight_decay));
  throw InputError("train.optimizer: unknown optimizer '" + c.optimizer + "'");
}

}  // namespace

torch::Device choose_device(const std::string& wanted) {
  const bool have_cuda = torch::cuda::is_available();
  if (wanted == "cuda" && !have_cuda)
    throw InputError("train.device: 'cuda' was asked for, but this libtorch build sees no CUDA or ROCm GPU");
  return (wanted != "cpu" && have_cuda) ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}


SplitTensors load_split_tensors(const CellSpec& cell, torch::Device device) {
  return load_split_tensors(cell, device, load_dataset(cell.data));
}

SplitTensors load_split_tensors(const CellSpec& cell, torch::Device device, const Dataset& d) {
  const Split split = make_split(d, cell.data, cell.fold, cell.data_seed);
  // Only the selected samples are converted to float: a subset of a large
  // set costs its own size, not the whole set's.
  torch::Tensor stored = stored_images(d.train);  // the pooled set: train files, then test files
  if (d.test.count() > 0) stored = torch::cat({stored, stored_images(d.test)}, 0);
  const torch::Tensor y = as_labels(pooled_labels(d));
  const int64_t channels = stored.size(1);
  torch::Tensor train_x = as_float(stored.index_select(0, index_tensor(split.train)));
  // Not a structured binding: C++17 lambdas cannot capture one (clang refuses).
  const auto normalization = normalization_for(cell, train_x, channels);
  const auto& mean = normalization.first;
  const auto& deviation = normalization.second;
  auto normalised = [&](torch::Tensor x) {
    if (!mean.empty()) {
      x.sub_(torch::tensor(mean, torch::kFloat32).view({1, channels, 1, 1}));
      x.div_(torch::tensor(deviation, torch::kFloat32).view({1, channels, 1, 1}));
    }
    return x;
  };
  auto pick = [&](const std::vector<int64_t>& idx, torch::Tensor& xs, torch::Tensor& ys) {
    xs = normalised(as_float(stored.index_select(0, index_tensor(idx)))).to(device);
    ys = y.index_select(0, index_tensor(idx)).to(device);
  };
  SplitTensors t;
  t.sample_shape = d.train.sample_shape;
  t.train_x = normalised(train_x).to(device);
  t.train_y = y.index_select(0, index_tensor(split.train)).to(device);
  pick(split.test, t.test_x, t.test_y);
  t.validation_is_test = split.validation_is_test;
  if (t.validation_is_test) {
    t.validation_x = t.test_x;
    t.validation_y = t.test_y;
  } else {
    pick(split.validation, t.validation_x, t.validation_y);
  }
  return t;
}

Trainer::Trainer(const CellSpec& cell, SplitTensors data, torch::Device device)
    : cell_(cell), data_(std::move(data)), device_(device) {
  torch::manual_seed(cell.seed);
  if (!device_.is_cpu()) device_generator_ = at::globalContext().defaultGenerator(device_);
  const ModelConfig config{cell.architecture, cell.size,      data_.sample_shape, cell.data.classes,
                           cell.train,        cell.model_file, cell.model_hash,   cell.model_init};
  model_ = make_model(config);
  model_->to(device_);
  if (cell.role == RoleValue::finetune) transfer_ = start_from(*model_, cell.checkpoint, cell.freeze, cell.data.classes);
  for (const auto& p : model_->parameters())
    if (p.requires_grad()) parameters_.push_back(p);  // frozen layers are not the optimiser's
  optimizer_ = make_optimizer(cell, parameters_);
}

EpochTraining Trainer::train_epoch(int epoch, const std::function<bool(int64_t)>& after_batch) {
  model_->train();
  if (transfer_)
    for (auto& norm : transfer_->frozen_norms) norm->eval();
  EpochTraining out;
  const int64_t n = data_.train_x.size(0);
  const int64_t bs = cell_.batch_size;
  // The order is drawn where the data lives: on a GPU no index crosses from the host.
  const at::Generator order_from = device_generator_ ? *device_generator_ : at::detail::getDefaultCPUGenerator();
  const torch::Tensor order =
      torch::randperm(n, order_from, torch::TensorOptions().dtype(torch::kInt64).device(order_from.device()))
          .to(device_);
  torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
  torch::Tensor correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(device_));
  const bool check_each_batch = device_.is_cpu();  // .item() is free on the CPU, a sync on a GPU
  int64_t seen = 0;
  for (int64_t start = 0; start < n; start += bs) {
    const torch::Tensor idx = order.slice(0, start, std::min(start + bs, n));
    const torch::Tensor x = data_.train_x.index_select(0, idx);
    const torch::Tensor y = data_.train_y.index_select(0, idx);
    // Gradients set to none rather than zero-filled: one memset less per parameter.
    for (auto& p : parameters_) p.mutable_grad() = torch::Tensor();
    torch::Tensor log_probs;
    torch::Tensor loss = model_->objective(x, y, n, log_probs);
    if (fault_ && fault_->due(epoch, out.batches + 1)) {
      if (fault_->kind == "nan") loss = loss * std::numeric_limits<float>::quiet_NaN();
      else if (fault_->kind == "oom") torch::empty({int64_t{1} << 58}, x.options());  // a real allocator failure
      else if (fault_->kind == "cuda") {  // as C10_CUDA_CHECK throws it after a kernel's fault
        TORCH_CHECK(false, "CUDA error: an illegal memory access was encountered\nCUDA kernel errors might be "
                           "asynchronously reported at some other API call (injected)");
      } else {
        fault_->strike();
      }
    }
    loss.backward();
    optimizer_->step();
    ++out.batches;
    seen += idx.size(0);
    out.samples = seen;
    const torch::Tensor detached = loss.detach();
    if (check_each_batch && !std::isfinite(detached.item<double>())) {
      out.nonfinite_batch = out.batches;
      break;
    }
    loss_sum += detached;
    correct += log_probs.detach().argmax(1).eq(y).sum();
    if (after_batch && !after_batch(out.batches)) {
      out.partial = start + bs < n;
      break;
    }
  }
  const double total = loss_sum.item<double>();
  if (!check_each_batch && !std::isfinite(total)) out.nonfinite_batch = std::max<int64_t>(out.batches, 1);
  out.mean_loss = out.batches ? total / out.batches : 0.0;
  out.accuracy = seen ? static_cast<double>(correct.item<int64_t>()) / seen : 0.0;
  return out;
}

double Trainer::accuracy(const torch::Tensor& x, const torch::Tensor& y) {
  torch::NoGradGuard no_grad;
  model_->eval();
  const int64_t n = x.size(0), bs = cell_.train.eval_batch_size;
  if (n == 0) return 0.0;
  torch::Tensor correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(device_));
  for (int64_t start = 0; start < n; start += bs) {
    const int64_t end = std::min(start + bs, n);
    correct += model_->predict(x.slice(0, start, end)).argmax(1).eq(y.slice(0, start, end)).sum();
  }
  return static_cast<double>(correct.item<int64_t>()) / n;
}

std::string Trainer::state(int epoch) {
  torch::serialize::OutputArchive archive, model, optimizer;
  model_->save(model);
  archive.write("model", model);
  optimizer_->save(optimizer);
  archive.write("optimizer", optimizer);
  archive.write("epoch", torch::tensor(static_cast<int64_t>(epoch)));
  // The data order and dropout draw from these: a restored trainer draws what this one would have.
  std::vector<std::pair<std::string, at::Generator>> generators{{"rng_cpu", at::detail::getDefaultCPUGenerator()}};
  if (device_generator_) generators.emplace_back("rng_device", *device_generator_);
  for (auto& [name, g] : generators) {
    std::lock_guard<std::mutex> lock(g.mutex());
    archive.write(name, g.get_state());
  }
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

int Trainer::restore(const std::string& path) {
  try {
    torch::serialize::InputArchive archive, model, optimizer;
    archive.load_from(path);
    archive.read("model", model);
    model_->load(model);
    archive.read("optimizer", optimizer);
    optimizer_->load(optimizer);
    torch::Tensor epoch, rng;
    archive.read("epoch", epoch);
    archive.read("rng_cpu", rng);
    {
      at::Generator g = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(g.mutex());
      g.set_state(rng);
    }
    // A state kept on the CPU and resumed on a GPU has no device generator:
    // the device's stays as the cell's seed set it.
    if (device_generator_ && archive.try_read("rng_device", rng)) {
      std::lock_guard<std::mutex> lock(device_generator_->mutex());
      device_generator_->set_state(rng);
    }
    model_->to(device_);
    return static_cast<int>(epoch.item<int64_t>());
  } catch (const c10::Error& e) {
    throw std::runtime_error("the checkpoint " + path + " does not restore this cell's trainer: " +
                             e.what_without_backtrace());
  }
}


}  // namespace joulegrid
