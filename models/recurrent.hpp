#pragma once
// Recurrent classifiers over the time axis (the SED study's RNN and CRNN).
// An [F, T] input is T steps of F features; a [C, H, W] image is W steps of
// C × H features. The last step's hidden state is classified.
//   rnn-k   one GRU layer of 64k units
//   lstm-k  one LSTM layer of 64k units
//   crnn-k  conv 3×3 (16k) pool 2, conv 3×3 (32k) pool 2, then a GRU of 64k

#include "models/classifier.hpp"

namespace joulegrid {

class Recurrent : public PlainClassifier {
 public:
  explicit Recurrent(const ModelConfig& config);

 protected:
  torch::Tensor logits(torch::Tensor x) override;

 private:
  bool lstm_, conv_, softplus_;
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::GRU gru_{nullptr};
  torch::nn::LSTM lstm_layer_{nullptr};
  torch::nn::Linear fc_{nullptr};
};

}  // namespace joulegrid
