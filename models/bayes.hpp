#pragma once
// Bayes by Backprop (Blundell et al.) with the local reparameterisation trick
// (Kingma et al.): every weight and bias holds a mean μ and a ρ, σ = softplus(ρ).
// A layer computes its output mean with μ and its output variance with σ² on
// the squared input, then samples the output. KL is KL(q‖p) — the direction
// the ELBO needs; the widely used public implementation computes KL(p‖q).

#include "models/classifier.hpp"

namespace joulegrid {

class BayesLayer : public torch::nn::Module {
 public:
  // KL(q‖p) summed over this layer's weights and biases, closed form for Gaussians.
  torch::Tensor kl() const;
  torch::Tensor weight_sigma() const { return torch::softplus(weight_rho_); }
  torch::Tensor bias_sigma() const { return torch::softplus(bias_rho_); }
  torch::Tensor weight_mu() const { return weight_mu_; }
  torch::Tensor weight_rho() const { return weight_rho_; }

 protected:
  BayesLayer(std::vector<int64_t> weight_shape, int64_t out, const BayesOptions& options);
  // mean + sqrt(var + floor) · ε, ε ~ N(0, 1) of the output's shape.
  static torch::Tensor sample(const torch::Tensor& mean, const torch::Tensor& var);

  torch::Tensor weight_mu_, weight_rho_, bias_mu_, bias_rho_;
  double prior_mu_, prior_sigma_;
};

class BayesConv2d : public BayesLayer {
 public:
  BayesConv2d(int64_t in, int64_t out, int64_t kernel, int64_t padding, const BayesOptions& o);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t padding_;
};

class BayesLinear : public BayesLayer {
 public:
  BayesLinear(int64_t in, int64_t out, const BayesOptions& o);
  torch::Tensor forward(const torch::Tensor& x);
};

// BCNN-k: LeNet-k's topology with Bayesian layers. Loss = N × mean NLL of the
// ensemble-averaged log-probabilities + β × KL (N = the training-set size).
class BayesLeNet : public Classifier {
 public:
  explicit BayesLeNet(const ModelConfig& config);

  torch::Tensor objective(const torch::Tensor& x, const torch::Tensor& y, int64_t train_size,
                          torch::Tensor& log_probs) override;
  torch::Tensor predict(const torch::Tensor& x) override;
  int64_t flops_per_sample() const override;
  torch::Tensor kl() const;

 private:
  torch::Tensor logits(torch::Tensor x);
  torch::Tensor ensemble_log_probs(const torch::Tensor& x, int samples);

  LeNetShape shape_;
  bool softplus_;
  double beta_;
  int train_ensemble_, test_ensemble_;
  std::shared_ptr<BayesConv2d> conv1_, conv2_;
  std::shared_ptr<BayesLinear> fc1_, fc2_, fc3_;
};

}  // namespace joulegrid
