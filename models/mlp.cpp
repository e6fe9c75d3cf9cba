#include "models/mlp.hpp"

namespace joulegrid {

Mlp::Mlp(const ModelConfig& config) : softplus_(config.options.activation == "softplus") {
  const ImageShape in = image_shape(config, 1);
  const int64_t k = config.size, d = in.channels * in.height * in.width;
  fc1_ = register_module("fc1", torch::nn::Linear(d, 256 * k));
  fc2_ = register_module("fc2", torch::nn::Linear(256 * k, 128 * k));
  fc3_ = register_module("fc3", torch::nn::Linear(128 * k, config.classes));
  macs_ = d * 256 * k + 256 * k * 128 * k + 128 * k * config.classes;
  apply_init(*this, config);
}

torch::Tensor Mlp::logits(torch::Tensor x) {
  x = activate(fc1_->forward(x.flatten(1)), softplus_);
  x = activate(fc2_->forward(x), softplus_);
  return fc3_->forward(x);
}

}  // namespace joulegrid
