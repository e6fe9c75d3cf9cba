#pragma once
// Small CNNs for 32×32 inputs (the estimation study's five CNNs, scaled
// down), each with a width multiplier k. 28×28 inputs work too.
//   resnet-k       conv 3×3 (16k), three basic residual blocks (16k, 32k /2,
//                  64k /2) with batch norm, global average pool, fc
//   vgg-k          [conv 3×3 ×2, pool 2] at 16k, 32k, 64k; fc 128k; fc
//   mobilenetv2-k  conv 3×3 (16k), inverted residual blocks (expansion t,
//                  width c, repeats n, stride s) (1,16k,1,1) (6,24k,2,2)
//                  (6,32k,2,2) (6,64k,1,2), conv 1×1 (128k), pool, fc; ReLU6
// These three keep the activation that defines them (ReLU, ReLU6) whatever
// [train] activation says: a plain VGG with softplus does not train (its loss
// stays at log 2 on a problem ReLU solves in 40 steps, in PyTorch as here).
// The MAC count follows each layer's output size; batch norm and the
// element-wise operations are not counted.

#include <memory>
#include <vector>

#include "models/classifier.hpp"

namespace joulegrid {

// One residual or inverted-residual block, or a stem (cnn.cpp).
class Block : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor x) = 0;
};

// A stack of blocks, a global average pool and one linear layer.
class PooledCnn : public PlainClassifier {
 protected:
  // Adds the linear head after `channels` features; `macs` are the blocks'.
  void finish(int64_t channels, int64_t macs, const ModelConfig& config);
  torch::Tensor logits(torch::Tensor x) override;

  std::vector<std::shared_ptr<Block>> blocks_;

 private:
  torch::nn::Linear fc_{nullptr};
};

class ResNet : public PooledCnn {
 public:
  explicit ResNet(const ModelConfig& config);
};

class Vgg : public PlainClassifier {
 public:
  explicit Vgg(const ModelConfig& config);

 protected:
  torch::Tensor logits(torch::Tensor x) override;

 private:
  bool softplus_;
  std::vector<torch::nn::Conv2d> convs_;
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
};

class MobileNetV2 : public PooledCnn {
 public:
  explicit MobileNetV2(const ModelConfig& config);
};

}  // namespace joulegrid
