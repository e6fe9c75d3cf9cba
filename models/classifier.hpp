#pragma once
// What every architecture offers the trainer: a training objective and an
// evaluation prediction. Make one with make_model (registry.cpp).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "io/spec/spec.hpp"

namespace joulegrid {

struct ModelConfig {
  std::string architecture;          // lenet | bcnn | mcdropout
  int size = 1;                      // width multiplier k
  std::vector<int64_t> input_shape;  // [C, H, W] (an [F, T] input is read as [1, F, T])
  int classes = 10;
  TrainOptions options;              // init, activation, bayes, mcdropout
};

class Classifier : public torch::nn::Module {
 public:
  // Loss of one training batch, for a training set of `train_size` samples.
  // `log_probs` receives the batch's log-probabilities (for training accuracy).
  virtual torch::Tensor objective(const torch::Tensor& x, const torch::Tensor& y,
                                  int64_t train_size, torch::Tensor& log_probs) = 0;
  // Log-probabilities for evaluation (ensembles and MC passes averaged).
  virtual torch::Tensor predict(const torch::Tensor& x) = 0;
  // Forward multiply-accumulates of one sample × 2, from the layer shapes.
  virtual int64_t flops_per_sample() const = 0;

  int64_t parameter_count() const;
};

std::shared_ptr<Classifier> make_model(const ModelConfig& config);
const std::vector<std::string>& model_names();

// LeNet-k geometry for an input, shared by the three LeNet-shaped families.
struct LeNetShape {
  int64_t channels, c1, c2, f1, f2, classes;  // layer widths
  int64_t padding;                            // 2 for 28×28 inputs, else 0
  int64_t h1, w1, h2, w2;                     // conv output sides
  int64_t flat;                               // c2 × side² after pool2
  int64_t macs() const;                       // multiply-accumulates of one sample
};
LeNetShape lenet_shape(const ModelConfig& config);

// softplus or relu, chosen by name once per model.
torch::Tensor activate(const torch::Tensor& x, bool softplus);

}  // namespace joulegrid
