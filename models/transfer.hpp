#pragma once
// Frozen-encoder fine-tuning (arXiv 2401.01851): a pretraining cell saves its
// weights; a fine-tuning cell loads them and freezes its feature layers.
// The file is a pickled {name: tensor} dict of every parameter and buffer,
// which torch.load reads in Python too.

#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace joulegrid {

// Writes every parameter and buffer to `path` whole: a temporary file beside
// it, flushed to disk, then renamed. Throws std::runtime_error naming the path.
void save_weights(const torch::nn::Module& model, const std::string& path);

struct Transfer {
  int loaded = 0;         // tensors taken from the checkpoint (name and shape agree)
  int kept = 0;           // tensors left as initialised (absent, or another shape)
  int64_t frozen = 0;     // parameters (scalars) no longer trained
  int64_t trainable = 0;  // parameters still trained
  // Frozen batch norms: kept in evaluation mode, so their statistics stay the pretrained ones.
  std::vector<std::shared_ptr<torch::nn::Module>> frozen_norms;
};

// Loads what agrees from `path` into `model` and freezes `freeze`: "conv"
// (convolutions and their batch norms), "all_but_head" (every layer but the
// linear one that outputs the `classes` logits) or "none". A frozen tensor
// the checkpoint cannot supply is an InputError naming it and both shapes.
Transfer start_from(torch::nn::Module& model, const std::string& path, const std::string& freeze, int64_t classes);

}  // namespace joulegrid
