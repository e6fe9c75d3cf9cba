#pragma once
// LeNet-k: conv(6k) pool conv(16k) pool fc(120k) fc(84k) fc(classes).

#include "models/classifier.hpp"

namespace joulegrid {

class LeNet : public Classifier {
 public:
  explicit LeNet(const ModelConfig& config);

  torch::Tensor objective(const torch::Tensor& x, const torch::Tensor& y, int64_t train_size,
                          torch::Tensor& log_probs) override;
  torch::Tensor predict(const torch::Tensor& x) override;
  int64_t flops_per_sample() const override;

 protected:
  // Logits; with dropout_p > 0 dropout follows every conv and hidden fc layer,
  // active whatever the module's mode (MC dropout samples at test time too).
  torch::Tensor features(torch::Tensor x, double dropout_p);

 private:
  LeNetShape shape_;
  bool softplus_;
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
};

// Gal & Ghahramani's "lenet-all": LeNet with dropout everywhere, kept at test
// time, predictions averaged over T passes.
class McDropoutLeNet : public LeNet {
 public:
  explicit McDropoutLeNet(const ModelConfig& config);

  torch::Tensor objective(const torch::Tensor& x, const torch::Tensor& y, int64_t train_size,
                          torch::Tensor& log_probs) override;
  torch::Tensor predict(const torch::Tensor& x) override;

 private:
  double p_;
  int passes_;
};

}  // namespace joulegrid
