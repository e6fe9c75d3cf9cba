#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "io/errors.hpp"
#include "io/spec/spec.hpp"
#include "models/bayes.hpp"
#include "models/classifier.hpp"
#include "models/flop_count.hpp"
#include "models/transfer.hpp"
#include "tests/support/temp_dir.hpp"

namespace joulegrid {
namespace {

ModelConfig config(const std::string& arch, int k, std::vector<int64_t> shape) {
  ModelConfig c;
  c.architecture = arch;
  c.size = k;
  c.input_shape = std::move(shape);
  c.classes = 10;
  return c;
}

TEST(Models, LeNetParameterCountsMatchTheReference) {
  const int64_t mnist[] = {61706, 244362, 547978, 972554, 1518090};
  const int64_t cifar[] = {62006, 244962, 548878, 973754, 1519590};
  for (int k = 1; k <= 5; ++k) {
    EXPECT_EQ(make_model(config("lenet", k, {1, 28, 28}))->parameter_count(), mnist[k - 1]) << k;
    EXPECT_EQ(make_model(config("lenet", k, {3, 32, 32}))->parameter_count(), cifar[k - 1]) << k;
    // Bayes by Backprop holds a mean and a ρ per weight.
    EXPECT_EQ(make_model(config("bcnn", k, {1, 28, 28}))->parameter_count(), 2 * mnist[k - 1]) << k;
    EXPECT_EQ(make_model(config("mcdropout", k, {3, 32, 32}))->parameter_count(), cifar[k - 1]) << k;
  }
}

TEST(Models, FlopsComeFromTheLayerShapes) {
  // conv1 6·28·28·25 + conv2 16·10·10·150 + fc 400·120 + 120·84 + 84·10 MACs, × 2.
  EXPECT_EQ(make_model(config("lenet", 1, {1, 28, 28}))->flops_per_sample(), 2 * 416520);
  EXPECT_EQ(make_model(config("bcnn", 1, {1, 28, 28}))->flops_per_sample(), 4 * 416520);
}

TEST(Models, EveryArchitectureTakesEveryInputShape) {
  for (const auto& arch : model_names())
    for (const auto& shape : std::vector<std::vector<int64_t>>{{1, 28, 28}, {3, 32, 32}, {20, 40}}) {
      auto m = make_model(config(arch, 2, shape));
      std::vector<int64_t> batch{4};
      batch.insert(batch.end(), shape.begin(), shape.end());
      const auto out = m->predict(torch::randn(batch));
      EXPECT_EQ(out.sizes(), (std::vector<int64_t>{4, 10})) << arch;
      // Log-probabilities: each row's probabilities sum to one.
      EXPECT_TRUE(torch::allclose(out.exp().sum(1), torch::ones({4}), 1e-4)) << arch;
    }
}

TEST(Models, TheNewArchitecturesCountParametersAndFlopsFromTheirLayers) {
  // MLP-1 on 28×28: 784·256 + 256·128 + 128·10 weights, with biases.
  EXPECT_EQ(make_model(config("mlp", 1, {1, 28, 28}))->parameter_count(), 235146);
  EXPECT_EQ(make_model(config("mlp", 1, {1, 28, 28}))->flops_per_sample(), 2 * 234752);
  // GRU-1 over 40 steps of 20 features: 3 gates × (20·64 + 64·64) MACs a step,
  // 3 × (20·64 + 64·64 + 2·64) parameters, then 64 → 10.
  EXPECT_EQ(make_model(config("rnn", 1, {20, 40}))->parameter_count(), 3 * (1280 + 4096 + 128) + 650);
  EXPECT_EQ(make_model(config("rnn", 1, {20, 40}))->flops_per_sample(), 2 * (40 * 3 * 5376 + 640));
  EXPECT_EQ(make_model(config("lstm", 1, {20, 40}))->flops_per_sample(), 2 * (40 * 4 * 5376 + 640));
  // VGG-1 on 32×32: conv MACs at 32², 16², 8², then 64·4·4 → 128 → 10.
  const int64_t vgg = 16 * 1024 * 3 * 9 + 16 * 1024 * 16 * 9 + 32 * 256 * 16 * 9 + 32 * 256 * 32 * 9 +
                      64 * 64 * 32 * 9 + 64 * 64 * 64 * 9 + 1024 * 128 + 128 * 10;
  EXPECT_EQ(make_model(config("vgg", 1, {3, 32, 32}))->flops_per_sample(), 2 * vgg);
  // A width multiplier k scales the convolutions' parameters by about k².
  for (const std::string arch : {"resnet", "vgg", "mobilenetv2", "crnn"}) {
    const double one = make_model(config(arch, 1, {3, 32, 32}))->parameter_count();
    const double two = make_model(config(arch, 2, {3, 32, 32}))->parameter_count();
    EXPECT_GT(two / one, 2.5) << arch;
    EXPECT_LT(two / one, 4.2) << arch;
    EXPECT_GT(make_model(config(arch, 2, {3, 32, 32}))->flops_per_sample(),
              3 * make_model(config(arch, 1, {3, 32, 32}))->flops_per_sample()) << arch;
  }
}

TEST(Models, TheNewArchitecturesLearnATinyProblem) {
  // Class 1 lights up the top-left quadrant of otherwise noisy images.
  torch::manual_seed(3);
  const auto y = torch::randint(0, 2, {32}, torch::kLong);
  auto x = 0.5 * torch::randn({32, 1, 28, 28});
  x.slice(2, 0, 14).slice(3, 0, 14) += y.to(torch::kFloat).view({32, 1, 1, 1});
  for (const std::string arch : {"mlp", "rnn", "lstm", "crnn", "resnet", "vgg", "mobilenetv2"}) {
    torch::manual_seed(3);
    ModelConfig c = config(arch, 1, {1, 28, 28});
    c.classes = 2;
    auto m = make_model(c);
    m->train();
    torch::optim::Adam opt(m->parameters(), torch::optim::AdamOptions(3e-3));
    torch::Tensor log_probs;
    const double first = m->objective(x, y, 32, log_probs).item<double>();
    double last = first;
    for (int step = 0; step < 60; ++step) {
      opt.zero_grad();
      auto loss = m->objective(x, y, 32, log_probs);
      loss.backward();
      opt.step();
      last = loss.item<double>();
    }
    EXPECT_LT(last, 0.6 * first) << arch << " learns it: loss " << first << " → " << last;
  }
}

TEST(Models, RegistryRefusesUnknownNamesWithTheKnownOnes) {
  try {
    make_model(config("lenett", 1, {1, 28, 28}));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'lenet'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("lenet, bcnn, mcdropout, mlp, rnn, lstm, crnn, resnet, vgg, mobilenetv2"),
              std::string::npos);
  }
  EXPECT_EQ(model_names(), known_architectures());  // the spec validates against the same list
}

TEST(Models, InputTooSmallIsABadInput) {
  EXPECT_THROW(make_model(config("lenet", 1, {1, 8, 8})), InputError);
}

TEST(Models, NormalInitIsTheLiteralNormalZeroOne) {
  ModelConfig c = config("lenet", 3, {1, 28, 28});
  c.options.init = "normal";
  torch::manual_seed(0);
  auto m = make_model(c);
  std::vector<torch::Tensor> flat;
  for (const auto& p : m->parameters()) flat.push_back(p.detach().flatten());
  const auto all = torch::cat(flat);
  EXPECT_NEAR(all.std().item<double>(), 1.0, 0.01);
  EXPECT_NEAR(all.mean().item<double>(), 0.0, 0.01);
}

// A small Bayesian linear layer, to test its pieces in isolation.
class Bbb : public ::testing::Test {
 protected:
  BayesOptions options;
};

TEST_F(Bbb, KlIsPositiveAndMatchesTheClosedForm) {
  torch::manual_seed(1);
  BayesLinear layer(3, 2, options);
  const double kl = layer.kl().item<double>();
  EXPECT_GT(kl, 0.0);
  // ½ Σ [2 log(σp/σq) − 1 + (σq/σp)² + ((μq − μp)/σp)²], element by element in doubles.
  double expected = 0.0;
  for (const std::string base : {"weight", "bias"}) {
    const auto mu = layer.named_parameters()[base + "_mu"].detach().to(torch::kDouble).flatten();
    const auto rho = layer.named_parameters()[base + "_rho"].detach().to(torch::kDouble).flatten();
    for (int64_t i = 0; i < mu.numel(); ++i) {
      const double m = mu[i].item().toDouble();
      const double sq = std::log1p(std::exp(rho[i].item().toDouble()));
      const double sp = options.prior_sigma;
      expected += 0.5 * (2 * std::log(sp / sq) - 1 + (sq / sp) * (sq / sp) +
                         std::pow((m - options.prior_mu) / sp, 2));
    }
  }
  EXPECT_NEAR(kl, expected, 1e-3 * expected);
}

TEST_F(Bbb, KlVanishesWhenPosteriorEqualsPrior) {
  BayesLinear layer(4, 3, options);
  torch::NoGradGuard g;
  for (auto& p : layer.parameters()) p.fill_(0.0);
  const double rho = std::log(std::exp(options.prior_sigma) - 1.0);  // softplus⁻¹(σp)
  layer.named_parameters()["weight_rho"].fill_(rho);
  layer.named_parameters()["bias_rho"].fill_(rho);
  EXPECT_NEAR(layer.kl().item<double>(), 0.0, 1e-5);
}

TEST_F(Bbb, TwoForwardPassesDiffer) {
  torch::manual_seed(2);
  BayesConv2d conv(1, 4, 5, 2, options);
  const auto x = torch::randn({2, 1, 12, 12});
  EXPECT_FALSE(torch::allclose(conv.forward(x), conv.forward(x)));
}

TEST_F(Bbb, MeanPathIsDeterministicAsSigmaVanishes) {
  torch::manual_seed(3);
  BayesLinear layer(5, 3, options);
  {
    torch::NoGradGuard g;
    layer.named_parameters()["weight_rho"].fill_(-40.0);  // σ ≈ 4e-18
    layer.named_parameters()["bias_rho"].fill_(-40.0);
  }
  const auto x = torch::randn({6, 5});
  const auto a = layer.forward(x), b = layer.forward(x);
  const auto mean = torch::linear(x, layer.named_parameters()["weight_mu"], layer.named_parameters()["bias_mu"]);
  EXPECT_TRUE(torch::allclose(a, b, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(a, mean, 1e-5, 1e-6));
}

TEST(BcnnLoss, IsNTimesNllPlusBetaKl) {
  ModelConfig c = config("bcnn", 1, {1, 28, 28});
  torch::manual_seed(4);
  auto m = std::dynamic_pointer_cast<BayesLeNet>(make_model(c));
  const auto x = torch::randn({8, 1, 28, 28});
  const auto y = torch::randint(0, 10, {8}, torch::kInt64);
  torch::Tensor log_probs;
  const double loss = m->objective(x, y, 1000, log_probs).item<double>();
  const double nll = torch::nll_loss(log_probs, y).item<double>();
  EXPECT_NEAR(loss, 1000 * nll + 0.1 * m->kl().item<double>(), 1e-3 * std::fabs(loss));
}

TEST(McDropout, PredictionsAverageTPassesAndStayStochastic) {
  ModelConfig one = config("mcdropout", 1, {1, 28, 28});
  one.options.dropout.test_passes = 1;
  ModelConfig many = one;
  many.options.dropout.test_passes = 50;
  torch::manual_seed(5);
  auto m1 = make_model(one);
  torch::manual_seed(5);
  auto m50 = make_model(many);  // the same weights
  m1->eval();
  m50->eval();
  torch::NoGradGuard g;
  const auto x = torch::randn({16, 1, 28, 28});
  // Dropout is active at test time: two single-pass predictions differ...
  const auto a = m1->predict(x).exp(), b = m1->predict(x).exp();
  EXPECT_FALSE(torch::allclose(a, b));
  // ...and averaging 50 passes shrinks the spread between two predictions.
  const double spread1 = (a - b).abs().mean().item<double>();
  const double spread50 = (m50->predict(x).exp() - m50->predict(x).exp()).abs().mean().item<double>();
  EXPECT_LT(spread50, spread1 / 3);
  EXPECT_TRUE(torch::allclose(m50->predict(x).exp().sum(1), torch::ones({16}), 1e-4));
}

}  // namespace
}  // namespace joulegrid

namespace joulegrid {
namespace {

// Frozen-encoder fine-tuning: weights saved by one model start another;
// the frozen layers take the checkpoint's values and leave the optimiser.
TEST(Transfer, ConvLayersComeFromTheCheckpointAndAreFrozen) {
  testing::TempDir dir;
  const std::string path = dir.file("pre.pt");
  torch::manual_seed(1);
  auto pretrained = make_model(config("lenet", 1, {1, 28, 28}));
  save_weights(*pretrained, path);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp." + std::to_string(::getpid()))) << "written whole, then renamed";
  torch::manual_seed(2);
  ModelConfig five = config("lenet", 1, {1, 28, 28});
  five.classes = 5;  // another head: it cannot come from the checkpoint and stays as initialised
  auto model = make_model(five);
  const Transfer t = start_from(*model, path, "conv", 5);
  const auto before = pretrained->named_parameters(), after = model->named_parameters();
  for (const auto& p : after) {
    const bool conv = p.key().rfind("conv", 0) == 0;
    EXPECT_EQ(p.value().requires_grad(), !conv) << p.key();
    if (conv) {
      EXPECT_TRUE(torch::equal(p.value(), before[p.key()])) << p.key();
    }
  }
  EXPECT_FALSE(torch::equal(after["fc3.weight"].slice(0, 0, 5), before["fc3.weight"].slice(0, 0, 5)))
      << "the 5-class head has another shape and is not loaded";
  EXPECT_EQ(t.kept, 2);  // fc3's weight and bias
  EXPECT_EQ(t.frozen, 6 * 25 + 6 + 16 * 6 * 25 + 16);
  EXPECT_EQ(t.frozen + t.trainable, model->parameter_count());

  // Training moves what is trainable and nothing that is frozen.
  std::vector<torch::Tensor> trainable;
  for (const auto& p : model->parameters())
    if (p.requires_grad()) trainable.push_back(p);
  torch::optim::SGD sgd(trainable, torch::optim::SGDOptions(0.1));
  const torch::Tensor conv1 = model->named_parameters()["conv1.weight"].clone();
  const torch::Tensor fc1 = model->named_parameters()["fc1.weight"].clone();
  torch::Tensor log_probs;
  model->objective(torch::randn({8, 1, 28, 28}), torch::randint(0, 5, {8}), 8, log_probs).backward();
  sgd.step();
  EXPECT_TRUE(torch::equal(model->named_parameters()["conv1.weight"], conv1));
  EXPECT_FALSE(torch::equal(model->named_parameters()["fc1.weight"], fc1));
}

TEST(Transfer, AllButHeadFreezesEverythingButTheLogitsLayer) {
  testing::TempDir dir;
  const std::string path = dir.file("pre.pt");
  save_weights(*make_model(config("mlp", 1, {1, 28, 28})), path);
  auto model = make_model(config("mlp", 1, {1, 28, 28}));
  const Transfer t = start_from(*model, path, "all_but_head", 10);
  for (const auto& p : model->named_parameters())
    EXPECT_EQ(p.value().requires_grad(), p.key().rfind("fc3", 0) == 0) << p.key();
  EXPECT_EQ(t.kept, 0);
  // A ResNet's frozen batch norms are handed back to be kept in evaluation mode.
  save_weights(*make_model(config("resnet", 1, {3, 32, 32})), path);
  EXPECT_FALSE(start_from(*make_model(config("resnet", 1, {3, 32, 32})), path, "conv", 10).frozen_norms.empty());
}

TEST(Transfer, AFrozenLayerTheCheckpointCannotSupplyIsABadInput) {
  testing::TempDir dir;
  const std::string path = dir.file("pre.pt");
  save_weights(*make_model(config("lenet", 1, {3, 32, 32})), path);  // three channels
  try {
    start_from(*make_model(config("lenet", 1, {1, 28, 28})), path, "conv", 10);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("conv1.weight [6, 1, 5, 5]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[6, 3, 5, 5]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(start_from(*make_model(config("lenet", 1, {1, 28, 28})), dir.file("missing.pt"), "conv", 10),
               InputError);
  std::ofstream(dir.file("junk.pt")) << "not a checkpoint";
  EXPECT_THROW(start_from(*make_model(config("lenet", 1, {1, 28, 28})), dir.file("junk.pt"), "conv", 10), InputError);
}

// io/ validates freeze = "conv" without torch; it must agree with the models.
TEST(Transfer, TheSpecKnowsWhichArchitecturesHaveConvolutions) {
  for (const auto& arch : known_architectures()) {
    const std::vector<int64_t> shape = arch == "resnet" || arch == "vgg" || arch == "mobilenetv2"
                                           ? std::vector<int64_t>{3, 32, 32}
                                           : std::vector<int64_t>{1, 28, 28};
    auto model = make_model(config(arch, 1, shape));
    bool conv = false;
    for (const auto& m : model->modules(false))
      conv = conv || m->as<torch::nn::Conv2dImpl>() || m->as<torch::nn::Conv1dImpl>() || m->as<BayesConv2d>();
    EXPECT_EQ(has_conv_layers(arch), conv) << arch;
  }
}

// ---- imported models ([models.NAME]) ---------------------------------------------

std::string torchscript(const std::string& name) { return std::string(TORCHSCRIPT_DIR) + "/tiny-" + name + ".pt"; }

ModelConfig imported(const std::string& file, int classes = 10, std::vector<int64_t> shape = {1, 28, 28}) {
  ModelConfig c = config("tinycnn", 1, std::move(shape));
  c.classes = classes;
  c.model_file = file;
  return c;
}

std::string refusal(const ModelConfig& c) {
  try {
    make_model(c);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

// The counter finds in a forward pass what the built-in models count from
// their layer shapes: every convolution, linear layer and recurrent step.
TEST(FlopCount, CountsTheBuiltInModelsAsTheirLayerShapesDo) {
  for (const auto& [arch, shape] : std::vector<std::pair<std::string, std::vector<int64_t>>>{
           {"lenet", {1, 28, 28}}, {"mlp", {1, 28, 28}}, {"rnn", {20, 40}}, {"lstm", {20, 40}}, {"vgg", {3, 32, 32}}}) {
    auto m = make_model(config(arch, 1, shape));
    m->eval();
    std::vector<int64_t> one{1};
    one.insert(one.end(), shape.begin(), shape.end());
    const torch::Tensor x = torch::randn(one);
    torch::NoGradGuard no_grad;
    const FlopCount counted = count_flops([&] { m->predict(x); });
    EXPECT_EQ(counted.flops, m->flops_per_sample()) << arch;
  }
}

// A scripted and a traced export of the same module: the same parameters,
// the same FLOPs (conv1 4·28²·9 + conv2 8·14²·36 + linear 392·10 MACs, × 2),
// and [batch, classes] log-probabilities.
TEST(TorchScript, AScriptedAndATracedModuleLoadWithTheirParametersAndFlops) {
  for (const std::string kind : {"script-1", "trace-1"}) {
    auto m = make_model(imported(torchscript(kind)));
    EXPECT_EQ(m->parameter_count(), (9 * 4 + 4) + (36 * 8 + 8) + (392 * 10 + 10)) << kind;
    EXPECT_EQ(m->flops_per_sample(), 2 * (4 * 784 * 9 + 8 * 196 * 36 + 392 * 10)) << kind;
    const torch::Tensor out = m->predict(torch::randn({3, 1, 28, 28}));
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{3, 10})) << kind;
    EXPECT_TRUE(torch::allclose(out.exp().sum(1), torch::ones({3}), 1e-4)) << kind;
  }
  EXPECT_EQ(make_model(imported(torchscript("script-2")))->flops_per_sample(),
            2 * (8 * 784 * 9 + 16 * 196 * 72 + 784 * 10));
}

// Its parameters are the trainer's: a step of the optimiser changes what
// the TorchScript module computes, and the weights save and load by name.
TEST(TorchScript, ItsParametersAreTrainedAndSavedLikeABuiltInModelsOnes) {
  auto m = make_model(imported(torchscript("script-1")));
  const torch::Tensor x = torch::randn({8, 1, 28, 28});
  const torch::Tensor y = torch::randint(0, 10, {8}, torch::kLong);
  torch::Tensor log_probs;
  torch::optim::SGD sgd(m->parameters(), torch::optim::SGDOptions(0.5));
  const torch::Tensor before = m->predict(x).detach().clone();
  sgd.zero_grad();
  m->objective(x, y, 8, log_probs).backward();
  sgd.step();
  EXPECT_FALSE(torch::allclose(m->predict(x), before)) << "the step did not reach the module";
  testing::TempDir dir;
  save_weights(*m, dir.file("w.pt"));
  auto fresh = make_model(imported(torchscript("script-1")));
  const Transfer t = start_from(*fresh, dir.file("w.pt"), "none", 10);
  EXPECT_EQ(t.kept, 0);
  EXPECT_TRUE(torch::allclose(fresh->predict(x), m->predict(x)));
}

// Every file joulegrid cannot train is refused naming it and why.
TEST(TorchScript, AFileThatCannotBeTrainedIsRefusedNamingItAndWhy) {
  testing::TempDir dir;
  const std::string junk = dir.write("junk.pt", "not a model at all");
  const std::string missing = dir.file("missing.pt");
  for (const auto& [c, words] : std::vector<std::pair<ModelConfig, std::string>>{
           {imported(missing), "no such TorchScript file"},
           {imported(junk), "not a TorchScript file this libtorch"},
           {imported(torchscript("future-1")), "version 99"},
           {imported(torchscript("classes7-1")), "gives [2, 7] for a batch of shape [2, 1, 28, 28]; joulegrid needs [2, 10]"},
           {imported(torchscript("script-1"), 10, {3, 32, 32}), "its forward fails on a batch of shape [2, 3, 32, 32]"},
       }) {
    const std::string why = refusal(c);
    EXPECT_NE(why.find(c.model_file), std::string::npos) << why;
    EXPECT_NE(why.find(words), std::string::npos) << why;
  }
  ModelConfig changed = imported(torchscript("script-1"));
  changed.model_hash = file_hash(torchscript("reseeded-1"));
  EXPECT_NE(refusal(changed).find("changed since the study was planned"), std::string::npos) << refusal(changed);
  changed.model_hash = file_hash(torchscript("script-1"));
  EXPECT_EQ(refusal(changed), "(accepted)");
}

// init = "reset": every standard layer as a fresh one of its shape, from
// the torch seed (the cell's): two seeds give two starts, one seed the same
// start twice; a norm's running statistics start over; init = "file" keeps
// the file's weights (all 3.0 in this one).
TEST(TorchScript, AResetStartsEachSeedFromItsOwnFreshWeights) {
  auto weights = [](int seed, const std::string& init) {
    torch::manual_seed(seed);
    ModelConfig c = imported(torchscript("layers-1"));
    c.model_init = init;
    auto m = make_model(c);
    std::map<std::string, torch::Tensor> w;
    for (const auto& p : m->named_parameters()) w[p.key()] = p.value().detach().clone();
    for (const auto& b : m->named_buffers()) w[b.key()] = b.value().detach().clone();
    return w;
  };
  const auto file = weights(1, "file");
  const auto a = weights(1, "reset"), again = weights(1, "reset"), b = weights(2, "reset");
  ASSERT_EQ(a.size(), file.size());
  for (const auto& [name, t] : a) {
    EXPECT_TRUE(torch::equal(t, again.at(name))) << name;
    if (name.find("num_batches") == std::string::npos) {
      EXPECT_TRUE(torch::all(file.at(name) == 3.0).item<bool>()) << name << ": the file's weights";
    }
  }
  // fan_in 9 for the convolution, 784 for the head: bounded by 1/sqrt(fan_in).
  EXPECT_LE(a.at("conv__weight").abs().max().item<double>(), 1 / 3.0 + 1e-6);
  EXPECT_LE(a.at("head__weight").abs().max().item<double>(), 1 / 28.0 + 1e-6);
  EXPECT_LE(a.at("head__bias").abs().max().item<double>(), 1 / 28.0 + 1e-6);
  EXPECT_FALSE(torch::equal(a.at("conv__weight"), b.at("conv__weight"))) << "two seeds, one start";
  EXPECT_FALSE(torch::equal(a.at("head__weight"), b.at("head__weight"))) << "two seeds, one start";
  EXPECT_TRUE(torch::all(a.at("norm__weight") == 1).item<bool>());
  EXPECT_TRUE(torch::all(a.at("norm__bias") == 0).item<bool>());
  EXPECT_TRUE(torch::all(a.at("norm__running_mean") == 0).item<bool>());
  EXPECT_TRUE(torch::all(a.at("norm__running_var") == 1).item<bool>());
  // A norm with no parameters of its own still starts its statistics over.
  EXPECT_TRUE(torch::all(a.at("plain_norm__running_mean") == 0).item<bool>());
  EXPECT_TRUE(torch::all(a.at("plain_norm__running_var") == 1).item<bool>());
}

// A parameter outside torch.nn's layers is not left as the file has it
// while the rest starts over: the model is refused, naming the parameter.
TEST(TorchScript, AResetRefusesAParameterOfTheModelsOwn) {
  ModelConfig c = imported(torchscript("own-parameter-1"));
  c.model_init = "reset";
  const std::string why = refusal(c);
  EXPECT_NE(why.find(c.model_file), std::string::npos) << why;
  EXPECT_NE(why.find("'scale'"), std::string::npos) << why;
  EXPECT_NE(why.find("init = \"file\""), std::string::npos) << why;
  c.model_init = "file";
  EXPECT_EQ(refusal(c), "(accepted)");
}

}  // namespace
}  // namespace joulegrid
