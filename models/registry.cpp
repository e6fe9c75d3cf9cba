// The one place that maps an architecture to its module: a switch over the
// vocabulary's table (vocabulary/architectures.hpp), so that an architecture
// the spec accepts and no model builds is a compile error (-Werror=switch).

#include "io/datasets/datasets.hpp"
#include "io/spec/suggest.hpp"
#include "models/bayes.hpp"
#include "models/cnn.hpp"
#include "models/facts.hpp"
#include "models/lenet.hpp"
#include "models/mlp.hpp"
#include "models/recurrent.hpp"
#include "models/torchscript.hpp"
#include "vocabulary/architectures.hpp"

namespace joulegrid {

const std::vector<std::string>& model_names() { return known_architectures(); }

std::shared_ptr<Classifier> make_model(const ModelConfig& config) {
  if (config.size < 1) throw InputError("model size must be at least 1, found " + std::to_string(config.size));
  if (!config.model_file.empty()) return std::make_shared<TorchScriptModel>(config);
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
                       int classes, const TrainOptions& options, const std::string& model_file,
                       const std::string& model_init) {
  ModelConfig config{architecture, size, input_shape, classes, options, model_file, {}, model_init};
  const auto model = make_model(config);
  return {model->parameter_count(), model->flops_per_sample()};
}

std::map<std::string, ModelFacts> check_imported_models(const Spec& spec) {
  std::map<std::string, ModelFacts> out;
  bool any = false;
  for (const auto& [name, model] : spec.models) any = any || model.kind == "torchscript";
  if (!any) return out;  // a training program is checked when it starts: it says ready, or it fails
  const Dataset data = load_dataset(spec.data);  // its shape; the spec's checks have read it once already
  for (const auto& [name, model] : spec.models)
    for (const auto& [size, file] : model.files) {
      if (model.kind != "torchscript") continue;
      try {
        out[file.path] = model_facts(name, size, data.train.sample_shape, spec.data.classes, spec.train, file.path);
      } catch (const InputError& e) {
        throw InputError(in_spec(spec, "models." + name + ".torchscript: " + e.what()));
      }
      if (model.init == "reset") try {
          model_facts(name, size, data.train.sample_shape, spec.data.classes, spec.train, file.path, model.init);
        } catch (const InputError& e) {
          throw InputError(in_spec(spec, "models." + name + ".init: " + e.what()));
        }
    }
  return out;
}

}  // namespace joulegrid
