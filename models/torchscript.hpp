#pragma once
// A model the user exported from Python with torch.jit.script or
// torch.jit.trace ([models.NAME] torchscript = "FILE"), trained by
// joulegrid's own loop like a built-in one: its forward takes a batch as
// the dataset gives it ([B, C, H, W], or [B, F, T]) and returns [B, classes]
// logits; joulegrid adds the log-softmax and the cross-entropy.

#include <cstdint>
#include <string>

#include <torch/script.h>

#include "models/classifier.hpp"

namespace joulegrid {

class TorchScriptModel : public Classifier {
 public:
  // Loads config.model_file, refusing (InputError naming the file) one that
  // is not there, is not TorchScript this libtorch reads, has changed since
  // the study was planned (config.model_hash), or whose forward does not
  // give [batch, classes] logits for a batch of config.input_shape.
  explicit TorchScriptModel(const ModelConfig& config);

  torch::Tensor objective(const torch::Tensor& x, const torch::Tensor& y, int64_t,
                          torch::Tensor& log_probs) override;
  torch::Tensor predict(const torch::Tensor& x) override;
  int64_t flops_per_sample() const override { return flops_; }
  void train(bool on = true) override;

 private:
  torch::Tensor logits(const torch::Tensor& x);

  std::string file_;
  torch::jit::Module module_;
  int64_t classes_;
  int64_t flops_ = 0;
};

}  // namespace joulegrid
