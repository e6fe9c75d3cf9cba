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

// A layer's PyTorch class when it is one of torch.nn's ("Conv2d"), from its
// TorchScript type "__torch__.torch.nn.modules.conv.___torch_mangle_3.Conv2d";
// "" for the user's own classes.
std::string torch_nn_class(const torch::jit::Module& layer) {
  const auto name = layer.type()->name();
  if (!name) return "";
  const std::string q = name->qualifiedName();
  const std::string prefix = "__torch__.torch.nn.modules.";
  if (q.rfind(prefix, 0) != 0) return "";
  return q.substr(q.rfind('.') + 1);
}

bool is_one_of(const std::string& cls, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (cls == n) return true;
  return false;
}

// What reset_parameters() of PyTorch's own layer does, drawn from the torch
// generator the trainer seeded with the cell's seed. False for a layer it
// does not know.
bool reset_layer(const std::string& cls, torch::jit::Module& layer) {
  torch::NoGradGuard no_grad;
  if (is_one_of(cls, {"Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"})) {
    int64_t fan_in = 1;
    for (const auto& p : layer.named_parameters(false))
      if (p.name == "weight") {
        fan_in = p.value.numel() / std::max<int64_t>(p.value.size(0), 1);
        torch::nn::init::kaiming_uniform_(p.value, std::sqrt(5.0));
      }
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    for (const auto& p : layer.named_parameters(false))
      if (p.name != "weight") p.value.uniform_(-bound, bound);
    return true;
  }
  if (is_one_of(cls, {"BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "InstanceNorm1d",
                      "InstanceNorm2d", "InstanceNorm3d"})) {
    for (const auto& p : layer.named_parameters(false)) p.name == "weight" ? p.value.fill_(1) : p.value.zero_();
    for (const auto& b : layer.named_buffers(false)) b.name == "running_var" ? b.value.fill_(1) : b.value.zero_();
    return true;
  }
  if (is_one_of(cls, {"RNN", "LSTM", "GRU"})) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(layer.attr("hidden_size").toInt()));
    for (const auto& p : layer.named_parameters(false)) p.value.uniform_(-bound, bound);
    return true;
  }
  if (cls == "Embedding") {
    for (const auto& p : layer.named_parameters(false)) {
      p.value.normal_(0, 1);
      const c10::IValue pad = layer.hasattr("padding_idx") ? layer.attr("padding_idx") : c10::IValue();
      if (pad.isInt()) p.value[pad.toInt()].zero_();
    }
    return true;
  }
  return false;
}

// [models.NAME] init = "reset": every parameter re-initialised as a fresh
// module of the same shape would be, so that repeats differ in their start
// as a built-in model's do. A parameter of a layer it does not know (the
// user's own nn.Parameter) is refused rather than left as the file has it.
void reset_standard_layers(torch::jit::Module& module, const std::string& file) {
  for (const auto& m : module.named_modules()) {
    torch::jit::Module layer = m.value;
    // A known layer resets whatever it holds (a norm without affine weights
    // still has running statistics); any other holds no weights of its own
    // unless it has parameters.
    if (reset_layer(torch_nn_class(layer), layer)) continue;
    if (layer.named_parameters(false).size() == 0) continue;
    const std::string where = m.name.empty() ? "the module itself" : "'" + m.name + "'";
    const std::string type = layer.type()->name() ? layer.type()->name()->name() : "?";
    throw InputError(file + ": init = \"reset\" re-initialises torch.nn's Linear, Conv, ConvTranspose, norm, "
                     "Embedding, RNN, LSTM and GRU layers; " + where + " (" + type + ") holds parameter '" +
                     (*layer.named_parameters(false).begin()).name +
                     "' of its own: initialise it in Python before exporting, or use init = \"file\"");
  }
}

}  // namespace

TorchScriptModel::TorchScriptModel(const ModelConfig& config)
    : file_(config.model_file), module_(load_module(config.model_file, config.model_hash)), classes_(config.classes) {
  if (!module_.find_method("forward")) throw InputError(file_ + ": the module has no forward method");
  if (config.model_init == "reset") reset_standard_layers(module_, file_);
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
