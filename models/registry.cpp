// The one place that maps an architecture to its module: a switch over the
// vocabulary's table (vocabulary/architectures.hpp), so that an architecture
// the spec accepts and no model builds is a compile error (-Werror=switch).

#include "io/spec/suggest.hpp"
#include "models/bayes.hpp"
#include "models/cnn.hpp"
#include "models/facts.hpp"
#include "models/lenet.hpp"
#include "models/mlp.hpp"
#include "models/recurrent.hpp"
#include "vocabulary/architectures.hpp"

namespace joulegrid {

const std::vector<std::string>& model_names() { return known_architectures(); }

std::shared_ptr<Classifier> make_model(const ModelConfig& config) {
  if (config.size < 1) throw InputError("model size must be at least 1, found " + std::to_string(config.size));
  const auto architecture = Architecture::find(config.architecture);
  if (!architecture)
    throw InputError("unknown architecture '" + config.architecture + "'" +
                     did_you_mean(config.architecture, model_names()) + "; known: " + join(model_names()));
  switch (*architecture) {
    case ArchitectureValue::lenet: return std::make_shared<LeNet>(config);
    case ArchitectureValue::bcnn: return std::make_shared<BayesLeNet>(config);
    case ArchitectureValue::mcdropout: return std::make_shared<McDropoutLeNet>(config);
    case ArchitectureValue::mlp: return std::make_shared<Mlp>(config);
    case ArchitectureValue::rnn:
    case ArchitectureValue::lstm:
    case ArchitectureValue::crnn: return std::make_shared<Recurrent>(config);
    case ArchitectureValue::resnet: return std::make_shared<ResNet>(config);
    case ArchitectureValue::vgg: return std::make_shared<Vgg>(config);
    case ArchitectureValue::mobilenetv2: return std::make_shared<MobileNetV2>(config);
  }
  throw InternalError("architecture '" + config.architecture + "' has no model");
}

ModelFacts model_facts(const std::string& architecture, int size, const std::vector<int64_t>& input_shape,
                       int classes, const TrainOptions& options) {
  const auto model = make_model(ModelConfig{architecture, size, input_shape, classes, options});
  return {model->parameter_count(), model->flops_per_sample()};
}

}  // namespace joulegrid
