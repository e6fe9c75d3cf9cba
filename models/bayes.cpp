#include "models/bayes.hpp"

#include <cmath>

namespace joulegrid {

namespace {
constexpr double kVarianceFloor = 1e-16;  // keeps sqrt differentiable at σ → 0
}

BayesLayer::BayesLayer(std::vector<int64_t> weight_shape, int64_t out, const BayesOptions& o)
    : prior_mu_(o.prior_mu), prior_sigma_(o.prior_sigma) {
  auto normal = [](std::vector<int64_t> shape, double mean, double sd) {
    return torch::empty(shape).normal_(mean, sd);
  };
  weight_mu_ = register_parameter("weight_mu", normal(weight_shape, o.posterior_mu_mean, o.posterior_mu_std));
  weight_rho_ = register_parameter("weight_rho", normal(weight_shape, o.posterior_rho_mean, o.posterior_rho_std));
  bias_mu_ = register_parameter("bias_mu", normal({out}, o.posterior_mu_mean, o.posterior_mu_std));
  bias_rho_ = register_parameter("bias_rho", normal({out}, o.posterior_rho_mean, o.posterior_rho_std));
}

torch::Tensor BayesLayer::kl() const {
  auto one = [&](const torch::Tensor& mu, const torch::Tensor& rho) {
    const torch::Tensor sigma_q = torch::softplus(rho);
    const double sp = prior_sigma_;
    return 0.5 * (2.0 * (std::log(sp) - torch::log(sigma_q)) - 1.0 + (sigma_q / sp).pow(2) +
                  ((mu - prior_mu_) / sp).pow(2))
                     .sum();
  };
  return one(weight_mu_, weight_rho_) + one(bias_mu_, bias_rho_);
}

torch::Tensor BayesLayer::sample(const torch::Tensor& mean, const torch::Tensor& var) {
  return mean + torch::sqrt(var + kVarianceFloor) * torch::randn_like(mean);
}

BayesConv2d::BayesConv2d(int64_t in, int64_t out, int64_t kernel, int64_t padding,
                         const BayesOptions& o)
    : BayesLayer({out, in, kernel, kernel}, out, o), padding_(padding) {}

torch::Tensor BayesConv2d::forward(const torch::Tensor& x) {
  const torch::Tensor mean = torch::conv2d(x, weight_mu_, bias_mu_, 1, padding_);
  const torch::Tensor var =
      torch::conv2d(x * x, weight_sigma().pow(2), bias_sigma().pow(2), 1, padding_);
  return sample(mean, var);
}

BayesLinear::BayesLinear(int64_t in, int64_t out, const BayesOptions& o)
    : BayesLayer({out, in}, out, o) {}

torch::Tensor BayesLinear::forward(const torch::Tensor& x) {
  const torch::Tensor mean = torch::linear(x, weight_mu_, bias_mu_);
  const torch::Tensor var = torch::linear(x * x, weight_sigma().pow(2), bias_sigma().pow(2));
  return sample(mean, var);
}

BayesLeNet::BayesLeNet(const ModelConfig& config)
    : shape_(lenet_shape(config)),
      softplus_(config.options.activation == "softplus"),
      beta_(config.options.bayes.beta),
      train_ensemble_(config.options.bayes.train_ensemble),
      test_ensemble_(config.options.bayes.test_ensemble) {
  const LeNetShape& s = shape_;
  const BayesOptions& o = config.options.bayes;
  conv1_ = register_module("conv1", std::make_shared<BayesConv2d>(s.channels, s.c1, 5, s.padding, o));
  conv2_ = register_module("conv2", std::make_shared<BayesConv2d>(s.c1, s.c2, 5, 0, o));
  fc1_ = register_module("fc1", std::make_shared<BayesLinear>(s.flat, s.f1, o));
  fc2_ = register_module("fc2", std::make_shared<BayesLinear>(s.f1, s.f2, o));
  fc3_ = register_module("fc3", std::make_shared<BayesLinear>(s.f2, s.classes, o));
}

torch::Tensor BayesLeNet::logits(torch::Tensor x) {
  if (x.dim() == 3) x = x.unsqueeze(1);
  x = torch::max_pool2d(activate(conv1_->forward(x), softplus_), 2);
  x = torch::max_pool2d(activate(conv2_->forward(x), softplus_), 2);
  x = activate(fc1_->forward(x.flatten(1)), softplus_);
  x = activate(fc2_->forward(x), softplus_);
  return fc3_->forward(x);
}

torch::Tensor BayesLeNet::ensemble_log_probs(const torch::Tensor& x, int samples) {
  if (samples == 1) return torch::log_softmax(logits(x), 1);
  std::vector<torch::Tensor> each;
  for (int s = 0; s < samples; ++s) each.push_back(torch::log_softmax(logits(x), 1));
  return torch::logsumexp(torch::stack(each), 0) - std::log(static_cast<double>(samples));
}

torch::Tensor BayesLeNet::kl() const {
  return conv1_->kl() + conv2_->kl() + fc1_->kl() + fc2_->kl() + fc3_->kl();
}

torch::Tensor BayesLeNet::objective(const torch::Tensor& x, const torch::Tensor& y,
                                    int64_t train_size, torch::Tensor& log_probs) {
  log_probs = ensemble_log_probs(x, train_ensemble_);
  return static_cast<double>(train_size) * torch::nll_loss(log_probs, y) + beta_ * kl();
}

torch::Tensor BayesLeNet::predict(const torch::Tensor& x) {
  return ensemble_log_probs(x, test_ensemble_);
}

int64_t BayesLeNet::flops_per_sample() const {
  return 2 * 2 * shape_.macs();  // a mean path and a variance path
}

}  // namespace joulegrid
