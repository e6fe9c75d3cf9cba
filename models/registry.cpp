// The one place that maps an architecture's name to its module.

#include "io/spec/suggest.hpp"
#include "models/bayes.hpp"
#include "models/lenet.hpp"

namespace joulegrid {

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names{"lenet", "bcnn", "mcdropout"};
  return names;
}

std::shared_ptr<Classifier> make_model(const ModelConfig& config) {
  if (config.size < 1) throw InputError("model size must be at least 1, found " + std::to_string(config.size));
  if (config.architecture == "lenet") return std::make_shared<LeNet>(config);
  if (config.architecture == "bcnn") return std::make_shared<BayesLeNet>(config);
  if (config.architecture == "mcdropout") return std::make_shared<McDropoutLeNet>(config);
  throw InputError("unknown architecture '" + config.architecture + "'" +
                   did_you_mean(config.architecture, model_names()) + "; known: " + join(model_names()));
}

}  // namespace joulegrid
