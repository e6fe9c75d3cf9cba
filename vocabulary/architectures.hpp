#pragma once
// The built-in architectures: the one table the spec validates [grid]
// architectures against, --help lists, and models/registry.cpp builds from
// (a switch over the enum: an architecture without a model does not compile).

#include <array>
#include <string_view>

#include "vocabulary/word.hpp"

namespace joulegrid {

enum class ArchitectureValue { lenet, bcnn, mcdropout, mlp, rnn, lstm, crnn, resnet, vgg, mobilenetv2 };

struct ArchitectureEntry {
  ArchitectureValue value;
  std::string_view name;
  bool conv_layers;  // has a convolutional encoder: what [finetune] freeze = "conv" freezes
  std::string_view summary;
};

template <>
struct Vocabulary<ArchitectureValue> {
  static constexpr const char* what = "built-in architecture";
  static constexpr std::array<ArchitectureEntry, 10> words{{
      {ArchitectureValue::lenet, "lenet", true, "LeNet-5 scaled by k (the paper's)"},
      {ArchitectureValue::bcnn, "bcnn", true, "LeNet-5 as a Bayes-by-Backprop CNN (the paper's)"},
      {ArchitectureValue::mcdropout, "mcdropout", true, "LeNet-5 with MC dropout after every layer"},
      {ArchitectureValue::mlp, "mlp", false, "a multilayer perceptron"},
      {ArchitectureValue::rnn, "rnn", false, "a GRU over the input's rows (or time steps)"},
      {ArchitectureValue::lstm, "lstm", false, "an LSTM over the input's rows (or time steps)"},
      {ArchitectureValue::crnn, "crnn", true, "convolutions, then a GRU"},
      {ArchitectureValue::resnet, "resnet", true, "a small residual CNN for 32×32 inputs"},
      {ArchitectureValue::vgg, "vgg", true, "a small VGG-style CNN"},
      {ArchitectureValue::mobilenetv2, "mobilenetv2", true, "a small MobileNetV2-style CNN"},
  }};
};
using Architecture = Word<ArchitectureValue>;

inline const ArchitectureEntry& architecture_entry(Architecture a) {
  for (const auto& e : Vocabulary<ArchitectureValue>::words)
    if (e.value == a.value()) return e;
  return Vocabulary<ArchitectureValue>::words[0];
}

}  // namespace joulegrid
