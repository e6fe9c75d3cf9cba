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
  std::string architecture;          // known_architectures(): lenet, bcnn, mcdropout, mlp, rnn, lstm, crnn, resnet, vgg, mobilenetv2
  int size = 1;                      // width multiplier k
  std::vector<int64_t> input_shape;  // [C, H, W] (an [F, T] input is read as [1, F, T])
  int classes = 10;
  TrainOptions options;              // init, activation, bayes, mcdropout
  // An imported model ([models.NAME]): its file, and the hash the study
  // planned it with ("": not checked). Empty for a built-in architecture.
  std::string model_file, model_hash;
  std::string model_init;  // its init: file (its weights) | reset (from the torch seed)
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

// A deterministic classifier trained with cross-entropy on its logits. The
// architectures beyond the paper's (mlp.hpp, recurrent.hpp, cnn.hpp) derive
// from it and add up their multiply-accumulates as they build their layers.
class PlainClassifier : public Classifier {
 public:
  torch::Tensor objective(const torch::Tensor& x, const torch::Tensor& y, int64_t,
                          torch::Tensor& log_probs) override {
    log_probs = torch::log_softmax(logits(x), 1);
    return torch::nll_loss(log_probs, y);
  }
  torch::Tensor predict(const torch::Tensor& x) override { return torch::log_softmax(logits(x), 1); }
  int64_t flops_per_sample() const override { return 2 * macs_; }

 protected:
  virtual torch::Tensor logits(torch::Tensor x) = 0;
  int64_t macs_ = 0;
};

// An input as channels × height × width: [C, H, W] as it is, [F, T] as
// [1, F, T] (features by time, as the SED study's spectrograms). Throws
// InputError for other ranks or a side smaller than `min_side`.
struct ImageShape {
  int64_t channels, height, width;
};
ImageShape image_shape(const ModelConfig& config, int64_t min_side);
// A batch [B, C, H, W] from [B, C, H, W] or [B, F, T].
torch::Tensor as_images(torch::Tensor x);
// Every parameter from Normal(0, 1) when the spec's init is "normal".
void apply_init(torch::nn::Module& model, const ModelConfig& config);

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
