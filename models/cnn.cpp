#include "models/cnn.hpp"

#include <string>

namespace joulegrid {

namespace {

namespace nn = torch::nn;

// A convolution's output side and multiply-accumulates.
struct ConvShape {
  int64_t side_h, side_w, macs;
};

ConvShape conv_shape(int64_t in_c, int64_t out_c, int64_t h, int64_t w, int64_t kernel, int64_t stride,
                     int64_t groups = 1) {
  const int64_t pad = kernel / 2;
  const int64_t oh = (h + 2 * pad - kernel) / stride + 1, ow = (w + 2 * pad - kernel) / stride + 1;
  return {oh, ow, out_c * oh * ow * (in_c / groups) * kernel * kernel};
}

nn::Conv2d conv(int64_t in_c, int64_t out_c, int64_t kernel, int64_t stride, int64_t groups = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in_c, out_c, kernel).stride(stride).padding(kernel / 2).groups(groups).bias(false));
}

// conv → batch norm → activation (none, softplus/relu, or relu6).
class ConvBn : public Block {
 public:
  enum class Act { none, chosen, relu6 };
  ConvBn(int64_t in_c, int64_t out_c, int64_t kernel, int64_t stride, int64_t groups, Act act, bool softplus)
      : act_(act), softplus_(softplus) {
    conv_ = register_module("conv", conv(in_c, out_c, kernel, stride, groups));
    bn_ = register_module("bn", nn::BatchNorm2d(out_c));
  }
  torch::Tensor forward(torch::Tensor x) override {
    x = bn_->forward(conv_->forward(x));
    if (act_ == Act::chosen) return activate(x, softplus_);
    if (act_ == Act::relu6) return torch::clamp(x, 0, 6);
    return x;
  }

 private:
  Act act_;
  bool softplus_;
  nn::Conv2d conv_{nullptr};
  nn::BatchNorm2d bn_{nullptr};
};

// Follows a feature map through the layers, adding up their MACs.
struct Tracker {
  int64_t channels, h, w, macs = 0;
  std::shared_ptr<ConvBn> conv_bn(int64_t out_c, int64_t kernel, int64_t stride, ConvBn::Act act, bool softplus,
                                  int64_t groups = 1) {
    const ConvShape s = conv_shape(channels, out_c, h, w, kernel, stride, groups);
    macs += s.macs;
    auto layer = std::make_shared<ConvBn>(channels, out_c, kernel, stride, groups, act, softplus);
    channels = out_c;
    h = s.side_h;
    w = s.side_w;
    return layer;
  }
};

// Two 3×3 conv-bn layers and a shortcut (1×1 conv-bn when the shape changes).
class BasicBlock : public Block {
 public:
  BasicBlock(Tracker& t, int64_t out_c, int64_t stride, bool softplus) : softplus_(softplus) {
    Tracker shortcut_path = t;  // the same input, along the other branch
    a_ = register_module("a", t.conv_bn(out_c, 3, stride, ConvBn::Act::chosen, softplus));
    b_ = register_module("b", t.conv_bn(out_c, 3, 1, ConvBn::Act::none, softplus));
    if (stride != 1 || shortcut_path.channels != out_c) {
      const int64_t before = shortcut_path.macs;
      shortcut_ = register_module("shortcut", shortcut_path.conv_bn(out_c, 1, stride, ConvBn::Act::none, softplus));
      t.macs += shortcut_path.macs - before;
    }
  }
  torch::Tensor forward(torch::Tensor x) override {
    const torch::Tensor identity = shortcut_ ? shortcut_->forward(x) : x;
    return activate(b_->forward(a_->forward(x)) + identity, softplus_);
  }

 private:
  bool softplus_;
  std::shared_ptr<ConvBn> a_, b_, shortcut_;
};

// MobileNetV2's block: 1×1 expansion (t > 1), 3×3 depthwise, 1×1 projection;
// the input is added back when the shape allows.
class InvertedResidual : public Block {
 public:
  InvertedResidual(Tracker& t, int64_t out_c, int64_t stride, int64_t expansion)
      : residual_(stride == 1 && t.channels == out_c) {
    const int64_t hidden = t.channels * expansion;
    if (expansion != 1) expand_ = register_module("expand", t.conv_bn(hidden, 1, 1, ConvBn::Act::relu6, false));
    depthwise_ = register_module("depthwise", t.conv_bn(hidden, 3, stride, ConvBn::Act::relu6, false, hidden));
    project_ = register_module("project", t.conv_bn(out_c, 1, 1, ConvBn::Act::none, false));
  }
  torch::Tensor forward(torch::Tensor x) override {
    torch::Tensor y = expand_ ? expand_->forward(x) : x;
    y = project_->forward(depthwise_->forward(y));
    return residual_ ? x + y : y;
  }

 private:
  bool residual_;
  std::shared_ptr<ConvBn> expand_, depthwise_, project_;
};

Tracker tracker_for(const ModelConfig& config, int64_t min_side) {
  const ImageShape in = image_shape(config, min_side);
  return Tracker{in.channels, in.height, in.width};
}

}  // namespace

void PooledCnn::finish(int64_t channels, int64_t macs, const ModelConfig& config) {
  fc_ = register_module("fc", nn::Linear(channels, config.classes));
  macs_ = macs + channels * config.classes;
  apply_init(*this, config);
}

torch::Tensor PooledCnn::logits(torch::Tensor x) {
  x = as_images(x);
  for (auto& b : blocks_) x = b->forward(x);
  return fc_->forward(x.mean({2, 3}));
}

ResNet::ResNet(const ModelConfig& config) {
  const int64_t k = config.size;
  const bool softplus = false;  // ReLU: see cnn.hpp
  Tracker t = tracker_for(config, 4);
  blocks_.push_back(register_module("stem", t.conv_bn(16 * k, 3, 1, ConvBn::Act::chosen, softplus)));
  const int64_t widths[] = {16 * k, 32 * k, 64 * k}, strides[] = {1, 2, 2};
  for (int i = 0; i < 3; ++i)
    blocks_.push_back(register_module("block" + std::to_string(i + 1),
                                      std::make_shared<BasicBlock>(t, widths[i], strides[i], softplus)));
  finish(t.channels, t.macs, config);
}

Vgg::Vgg(const ModelConfig& config) : softplus_(false) {  // ReLU: see cnn.hpp
  const int64_t k = config.size;
  const ImageShape in = image_shape(config, 8);
  int64_t c = in.channels, h = in.height, w = in.width;
  for (int64_t width : {16 * k, 32 * k, 64 * k}) {
    for (int rep = 0; rep < 2; ++rep) {
      auto layer = nn::Conv2d(nn::Conv2dOptions(c, width, 3).padding(1));
      convs_.push_back(register_module("conv" + std::to_string(convs_.size() + 1), layer));
      macs_ += conv_shape(c, width, h, w, 3, 1).macs;
      c = width;
    }
    h /= 2;
    w /= 2;
  }
  fc1_ = register_module("fc1", nn::Linear(c * h * w, 128 * k));
  fc2_ = register_module("fc2", nn::Linear(128 * k, config.classes));
  macs_ += c * h * w * 128 * k + 128 * k * config.classes;
  apply_init(*this, config);
}

torch::Tensor Vgg::logits(torch::Tensor x) {
  x = as_images(x);
  for (size_t i = 0; i < convs_.size(); ++i) {
    x = activate(convs_[i]->forward(x), softplus_);
    if (i % 2 == 1) x = torch::max_pool2d(x, 2);
  }
  x = activate(fc1_->forward(x.flatten(1)), softplus_);
  return fc2_->forward(x);
}

MobileNetV2::MobileNetV2(const ModelConfig& config) {
  const int64_t k = config.size;
  Tracker t = tracker_for(config, 8);
  blocks_.push_back(register_module("stem", t.conv_bn(16 * k, 3, 1, ConvBn::Act::relu6, false)));
  struct Stage {
    int64_t expansion, width, repeats, stride;
  };
  const Stage stages[] = {{1, 16 * k, 1, 1}, {6, 24 * k, 2, 2}, {6, 32 * k, 2, 2}, {6, 64 * k, 1, 2}};
  for (const Stage& s : stages)
    for (int64_t r = 0; r < s.repeats; ++r)
      blocks_.push_back(register_module("block" + std::to_string(blocks_.size()),
                                        std::make_shared<InvertedResidual>(t, s.width, r == 0 ? s.stride : 1,
                                                                           s.expansion)));
  blocks_.push_back(register_module("head", t.conv_bn(128 * k, 1, 1, ConvBn::Act::relu6, false)));
  finish(t.channels, t.macs, config);
}

}  // namespace joulegrid
