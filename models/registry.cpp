// The one place that maps an architecture's name to its module.

#include "io/spec/suggest.hpp"
#include "models/bayes.hpp"
#include "models/cnn.hpp"
#include "models/facts.hpp"
#include "models/lenet.hpp"
#include "models/mlp.hpp"
#include "models/recurrent.hpp"

namespace joulegrid {

const std::vector<std::string>& model_names() { return known_architectures(); }

std::shared_ptr<Classifier> make_model(const ModelConfig& config) {
  if (config.size < 1) throw InputError("model size must be at least 1, found " + std::to_string(config.size));
  if (config.architecture == "lenet") return std::make_shared<LeNet>(config);
  if (config.architecture == "bcnn") return std::make_shared<BayesLeNet>(config);
  if (config.architecture == "mcdropout") return std::make_shared<McDropoutLeNet>(config);
  if (config.architecture == "mlp") return std::make_shared<Mlp>(config);
  if (config.architecture == "rnn" || config.architecture == "lstm" || config.architecture == "crnn")
    return std::make_shared<Recurrent>(config);
  if (config.architecture == "resnet") return std::make_shared<ResNet>(config);
  if (config.architecture == "vgg") return std::make_shared<Vgg>(config);
  if (config.architecture == "mobilenetv2") return std::make_shared<MobileNetV2>(config);
  throw InputError("unknown architecture '" + config.architecture + "'" +
                   did_you_mean(config.architecture, model_names()) + "; known: " + join(model_names()));
}

ModelFacts model_facts(const std::string& architecture, int size, const std::vector<int64_t>& input_shape,
                       int classes, const TrainOptions& options) {
  const auto model = make_model(ModelConfig{architecture, size, input_shape, classes, options});
  return {model->parameter_count(), model->flops_per_sample()};
}

}  // namespace joulegrid
