#include "models/transfer.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <optional>
#include <set>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <unistd.h>

#include <torch/csrc/jit/serialization/pickle.h>

#include "io/errors.hpp"
#include "io/store/checkpoints.hpp"
#include "models/bayes.hpp"

namespace joulegrid {

namespace {

bool is_conv(const torch::nn::Module& m) {
  return dynamic_cast<const torch::nn::Conv1dImpl*>(&m) || dynamic_cast<const torch::nn::Conv2dImpl*>(&m) ||
         dynamic_cast<const BayesConv2d*>(&m);
}

bool is_norm(const torch::nn::Module& m) {
  return dynamic_cast<const torch::nn::BatchNorm1dImpl*>(&m) || dynamic_cast<const torch::nn::BatchNorm2dImpl*>(&m);
}

// The head: a linear layer whose output is the logits.
bool is_head(const torch::nn::Module& m, int64_t classes) {
  if (const auto* l = dynamic_cast<const torch::nn::LinearImpl*>(&m)) return l->options.out_features() == classes;
  if (const auto* b = dynamic_cast<const BayesLinear*>(&m)) return b->weight_mu().size(0) == classes;
  return false;
}

std::string shape_text(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace

void save_weights(const torch::nn::Module& model, const std::string& path) {
  c10::Dict<std::string, at::Tensor> weights;
  for (const auto& p : model.named_parameters()) weights.insert(p.key(), p.value().detach().cpu());
  for (const auto& b : model.named_buffers()) weights.insert(b.key(), b.value().detach().cpu());
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(weights));
  try {
    write_file_atomically(path, std::string(bytes.begin(), bytes.end()));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("the weights were not kept: ") + e.what());
  }
}

Transfer start_from(torch::nn::Module& model, const std::string& path, const std::string& freeze, int64_t classes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError("finetune: the pretraining cell's weights " + path + " cannot be read");
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::map<std::string, at::Tensor> weights;
  try {
    const c10::IValue v = torch::pickle_load(bytes);
    if (!v.isGenericDict()) throw InputError("finetune: " + path + " holds no {name: tensor} dict");
    for (const auto& entry : v.toGenericDict())
      if (entry.key().isString() && entry.value().isTensor())
        weights[entry.key().toStringRef()] = entry.value().toTensor();
  } catch (const c10::Error& e) {
    throw InputError("finetune: " + path + " is not a joulegrid checkpoint: " + e.what_without_backtrace());
  }
  auto stored = [&](const std::string& name) -> std::optional<at::Tensor> {
    const auto it = weights.find(name);
    if (it == weights.end()) return std::nullopt;
    return it->second;
  };

  // Which tensors are frozen: those of the layers `freeze` names.
  std::set<const void*> frozen;
  Transfer t;
  for (const auto& item : model.named_modules("", false)) {
    const torch::nn::Module& m = *item.value();
    bool freeze_it = false;
    if (freeze == "conv") freeze_it = is_conv(m) || is_norm(m);
    else if (freeze == "all_but_head") freeze_it = !is_head(m, classes);
    if (!freeze_it) continue;
    for (const auto& p : m.named_parameters(false)) frozen.insert(p.value().unsafeGetTensorImpl());
    if (is_norm(m)) t.frozen_norms.push_back(item.value());
  }

  torch::NoGradGuard no_grad;
  auto load = [&](const std::string& name, at::Tensor& target, bool must) {
    const auto source = stored(name);
    if (source && source->sizes() == target.sizes()) {
      target.copy_(source->to(target.device(), target.scalar_type()));
      ++t.loaded;
      return;
    }
    if (must)
      throw InputError("finetune: frozen layer " + name + " " + shape_text(target) + " cannot come from " + path +
                       (source ? ", which holds it as " + shape_text(*source) : ", which does not hold it") +
                       "; pretrain on data with the same channels, or freeze less");
    ++t.kept;
  };
  for (auto& p : model.named_parameters()) {
    const bool is_frozen = frozen.count(p.value().unsafeGetTensorImpl()) > 0;
    load(p.key(), p.value(), is_frozen);
    p.value().set_requires_grad(!is_frozen);
    (is_frozen ? t.frozen : t.trainable) += p.value().numel();
  }
  for (auto& b : model.named_buffers()) load(b.key(), b.value(), false);
  return t;
}

}  // namespace joulegrid
