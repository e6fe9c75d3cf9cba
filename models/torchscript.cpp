#include "models/torchscript.hpp"

#include <fstream>
#include <sstream>

#include <torch/version.h>

#include "io/errors.hpp"
#include "models/flop_count.hpp"

namespace joulegrid {

namespace {

std::string first_line(const std::string& text) {
  const auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

std::string shape_text(at::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// A dotted TorchScript name as a name nn::Module takes ("conv1.weight" → "conv1__weight").
std::string own_name(std::string name) {
  for (size_t at; (at = name.find('.')) != std::string::npos;) name.replace(at, 1, "__");
  return name;
}

torch::jit::Module load_module(const std::string& file, const std::string& planned_hash) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file + ": no such TorchScript file (or it cannot be read)");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!planned_hash.empty()) {
    const std::string hash = file_hash(file);
    if (hash != planned_hash)
      throw InputError(file + ": changed since the study was planned (its hash is " + hash + ", the cell's " +
                       planned_hash + "); a changed model is a new cell: run a new study");
  }
  std::istringstream stream(bytes.str());
  try {
    return torch::jit::load(stream, torch::kCPU);
  } catch (const c10::Error& e) {
    throw InputError(file + ": not a TorchScript file this libtorch (" + std::to_string(TORCH_VERSION_MAJOR) + "." +
                     std::to_string(TORCH_VERSION_MINOR) + ") reads: " + first_line(e.what_without_backtrace()) +
                     " (export it with torch.jit.script or torch.jit.trace and torch.jit.save: examples/models/)");
  }
}

}  // namespace

TorchScriptModel::TorchScriptModel(const ModelConfig& config)
    : file_(config.model_file), module_(load_module(config.model_file, config.model_hash)), classes_(config.classes) {
  if (!module_.find_method("forward")) throw InputError(file_ + ": the module has no forward method");
  // Its tensors become this module's: the optimiser, the checkpoints and
  // the device moves of the trainer reach them (the same tensors, shared).
  for (const auto& p : module_.named_parameters(/*recurse=*/true)) {
    const std::string name = own_name(p.name);
    if (named_parameters(false).contains(name)) throw InputError(file_ + ": two parameters are named " + name);
    register_parameter(name, p.value, p.value.requires_grad());
  }
  for (const auto& b : module_.named_buffers(/*recurse=*/true)) register_buffer(own_name(b.name), b.value);
  if (parameters().empty()) throw InputError(file_ + ": the module has no parameters to train");
  // One batch of the dataset's shape, in evaluation mode: the logits'
  // shape, and the FLOPs of one sample.
  std::vector<int64_t> shape{2};
  shape.insert(shape.end(), config.input_shape.begin(), config.input_shape.end());
  torch::NoGradGuard no_grad;
  module_.eval();
  torch::Tensor out;
  try {
    out = logits(torch::zeros(shape));
    std::vector<int64_t> one = shape;
    one[0] = 1;
    const torch::Tensor x = torch::zeros(one);
    flops_ = count_flops([&] { logits(x); }).flops;
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError(file_ + ": its forward fails on a batch of shape " + shape_text(shape) + ": " +
                     first_line(e.what()));
  }
  if (out.dim() != 2 || out.size(0) != shape[0] || out.size(1) != classes_)
    throw InputError(file_ + ": its forward gives " + shape_text(out.sizes()) + " for a batch of shape " +
                     shape_text(shape) + "; joulegrid needs [" + std::to_string(shape[0]) + ", " +
                     std::to_string(classes_) + "] (batch, classes) logits");
  if (!out.is_floating_point())
    throw InputError(file_ + ": its forward gives " + std::string(out.dtype().name()) + " logits, not floating point");
  train(true);
}

torch::Tensor TorchScriptModel::logits(const torch::Tensor& x) {
  const c10::IValue out = module_.forward({x});
  if (!out.isTensor())
    throw InputError(file_ + ": its forward returns " + out.tagKind() + ", not a tensor of [batch, classes] logits");
  return out.toTensor();
}

torch::Tensor TorchScriptModel::objective(const torch::Tensor& x, const torch::Tensor& y, int64_t,
                                          torch::Tensor& log_probs) {
  log_probs = torch::log_softmax(logits(x), 1);
  return torch::nll_loss(log_probs, y);
}

torch::Tensor TorchScriptModel::predict(const torch::Tensor& x) { return torch::log_softmax(logits(x), 1); }

void TorchScriptModel::train(bool on) {
  Classifier::train(on);
  module_.train(on);
}

}  // namespace joulegrid
