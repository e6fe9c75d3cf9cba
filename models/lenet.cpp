// LeNet-k (REFERENCE.md, "Models") and its shape arithmetic.

#include "models/lenet.hpp"

namespace joulegrid {

int64_t Classifier::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

ImageShape image_shape(const ModelConfig& c, int64_t min_side) {
  const auto& s = c.input_shape;
  if (s.size() != 3 && s.size() != 2)
    throw InputError(c.architecture + ": input shape must be [C, H, W] or [F, T], found " +
                     std::to_string(s.size()) + " dimensions");
  ImageShape out = s.size() == 3 ? ImageShape{s[0], s[1], s[2]} : ImageShape{1, s[0], s[1]};
  if (out.height < min_side || out.width < min_side)
    throw InputError(c.architecture + ": input " + std::to_string(out.height) + "x" + std::to_string(out.width) +
                     " is too small (at least " + std::to_string(min_side) + "x" + std::to_string(min_side) + ")");
  return out;
}

torch::Tensor as_images(torch::Tensor x) { return x.dim() == 3 ? x.unsqueeze(1) : x; }

void apply_init(torch::nn::Module& model, const ModelConfig& config) {
  if (config.options.init != "normal") return;
  torch::NoGradGuard no_grad;
  for (auto& p : model.parameters()) p.normal_(0.0, 1.0);
}

torch::Tensor activate(const torch::Tensor& x, bool softplus) {
  return softplus ? torch::softplus(x) : torch::relu(x);
}

LeNetShape lenet_shape(const ModelConfig& c) {
  if (c.input_shape.size() != 3 && c.input_shape.size() != 2)
    throw InputError(c.architecture + ": input shape must be [C, H, W] or [F, T]");
  const bool flat2d = c.input_shape.size() == 2;
  LeNetShape s{};
  const int64_t k = c.size;
  s.channels = flat2d ? 1 : c.input_shape[0];
  const int64_t H = c.input_shape[flat2d ? 0 : 1], W = c.input_shape[flat2d ? 1 : 2];
  s.padding = (H == 28 && W == 28) ? 2 : 0;
  s.c1 = 6 * k;
  s.c2 = 16 * k;
  s.f1 = 120 * k;
  s.f2 = 84 * k;
  s.classes = c.classes;
  s.h1 = H + 2 * s.padding - 4;
  s.w1 = W + 2 * s.padding - 4;
  s.h2 = s.h1 / 2 - 4;
  s.w2 = s.w1 / 2 - 4;
  if (s.h2 < 2 || s.w2 < 2)
    throw InputError(c.architecture + ": input " + std::to_string(H) + "x" + std::to_string(W) +
                     " is too small for LeNet (at least 16x16)");
  s.flat = s.c2 * (s.h2 / 2) * (s.w2 / 2);
  return s;
}

int64_t LeNetShape::macs() const {
  const int64_t conv1 = c1 * h1 * w1 * channels * 25;  // 5×5 kernels
  const int64_t conv2 = c2 * h2 * w2 * c1 * 25;
  return conv1 + conv2 + flat * f1 + f1 * f2 + f2 * classes;
}

LeNet::LeNet(const ModelConfig& config)
    : shape_(lenet_shape(config)), softplus_(config.options.activation == "softplus") {
  const LeNetShape& s = shape_;
  conv1_ = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(s.channels, s.c1, 5).padding(s.padding)));
  conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(s.c1, s.c2, 5)));
  fc1_ = register_module("fc1", torch::nn::Linear(s.flat, s.f1));
  fc2_ = register_module("fc2", torch::nn::Linear(s.f1, s.f2));
  fc3_ = register_module("fc3", torch::nn::Linear(s.f2, s.classes));
  apply_init(*this, config);  // the paper's table literally: every weight and bias from Normal(0, 1)
}

torch::Tensor LeNet::features(torch::Tensor x, double dropout_p) {
  const bool drop = dropout_p > 0.0;
  if (x.dim() == 3) x = x.unsqueeze(1);
  x = torch::max_pool2d(activate(conv1_->forward(x), softplus_), 2);
  if (drop) x = torch::dropout(x, dropout_p, /*train=*/true);
  x = torch::max_pool2d(activate(conv2_->forward(x), softplus_), 2);
  if (drop) x = torch::dropout(x, dropout_p, true);
  x = activate(fc1_->forward(x.flatten(1)), softplus_);
  if (drop) x = torch::dropout(x, dropout_p, true);
  x = activate(fc2_->forward(x), softplus_);
  if (drop) x = torch::dropout(x, dropout_p, true);
  return fc3_->forward(x);
}

torch::Tensor LeNet::objective(const torch::Tensor& x, const torch::Tensor& y, int64_t,
                               torch::Tensor& log_probs) {
  log_probs = torch::log_softmax(features(x, 0.0), 1);
  return torch::nll_loss(log_probs, y);
}

torch::Tensor LeNet::predict(const torch::Tensor& x) {
  return torch::log_softmax(features(x, 0.0), 1);
}

int64_t LeNet::flops_per_sample() const { return 2 * shape_.macs(); }

McDropoutLeNet::McDropoutLeNet(const ModelConfig& config)
    : LeNet(config), p_(config.options.dropout.p), passes_(config.options.dropout.test_passes) {}

torch::Tensor McDropoutLeNet::objective(const torch::Tensor& x, const torch::Tensor& y, int64_t,
                                        torch::Tensor& log_probs) {
  log_probs = torch::log_softmax(features(x, p_), 1);
  return torch::nll_loss(log_probs, y);
}

torch::Tensor McDropoutLeNet::predict(const torch::Tensor& x) {
  // log of the mean of T softmax outputs, computed stably in log space.
  std::vector<torch::Tensor> passes;
  passes.reserve(static_cast<size_t>(passes_));
  for (int t = 0; t < passes_; ++t) passes.push_back(torch::log_softmax(features(x, p_), 1));
  return torch::logsumexp(torch::stack(passes), 0) - std::log(static_cast<double>(passes_));
}

}  // namespace joulegrid
