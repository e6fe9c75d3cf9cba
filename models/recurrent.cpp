#include "models/recurrent.hpp"

namespace joulegrid {

namespace {

// [B, C, H, W] → [B, W, C × H]: time along the width.
torch::Tensor as_sequence(const torch::Tensor& images) {
  return images.permute({0, 3, 1, 2}).flatten(2);
}

}  // namespace

Recurrent::Recurrent(const ModelConfig& config)
    : lstm_(config.architecture == "lstm"),
      conv_(config.architecture == "crnn"),
      softplus_(config.options.activation == "softplus") {
  const ImageShape in = image_shape(config, conv_ ? 4 : 1);
  const int64_t k = config.size, hidden = 64 * k;
  int64_t features = in.channels * in.height, steps = in.width;
  if (conv_) {
    conv1_ = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in.channels, 16 * k, 3).padding(1)));
    conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(16 * k, 32 * k, 3).padding(1)));
    macs_ += 16 * k * in.height * in.width * in.channels * 9;
    macs_ += 32 * k * (in.height / 2) * (in.width / 2) * 16 * k * 9;
    features = 32 * k * (in.height / 4);
    steps = in.width / 4;
  }
  if (lstm_)
    lstm_layer_ = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(features, hidden).batch_first(true)));
  else
    gru_ = register_module("gru", torch::nn::GRU(torch::nn::GRUOptions(features, hidden).batch_first(true)));
  macs_ += steps * (lstm_ ? 4 : 3) * (features * hidden + hidden * hidden);
  fc_ = register_module("fc", torch::nn::Linear(hidden, config.classes));
  macs_ += hidden * config.classes;
  apply_init(*this, config);
}

torch::Tensor Recurrent::logits(torch::Tensor x) {
  x = as_images(x);
  if (conv_) {
    x = torch::max_pool2d(activate(conv1_->forward(x), softplus_), 2);
    x = torch::max_pool2d(activate(conv2_->forward(x), softplus_), 2);
  }
  const torch::Tensor seq = as_sequence(x);
  const torch::Tensor out = lstm_ ? std::get<0>(lstm_layer_->forward(seq)) : std::get<0>(gru_->forward(seq));
  return fc_->forward(out.select(1, out.size(1) - 1));
}

}  // namespace joulegrid
