#pragma once
// MLP-k: the input flattened, two hidden layers of 256k and 128k, then the
// classes (the SED study's MLP, and a baseline for any tensor input).

#include "models/classifier.hpp"

namespace joulegrid {

class Mlp : public PlainClassifier {
 public:
  explicit Mlp(const ModelConfig& config);

 protected:
  torch::Tensor logits(torch::Tensor x) override;

 private:
  bool softplus_;
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
};

}  // namespace joulegrid
