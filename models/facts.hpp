#pragma once
// What a model costs by construction — its parameters and forward FLOPs —
// for code that must not include libtorch (orchestrator/predict/cost_regression.cpp): the model
// is built in registry.cpp and measured there.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "io/spec/spec.hpp"

namespace joulegrid {

struct ModelFacts {
  int64_t parameters = 0;
  int64_t flops_per_sample = 0;
};

// Throws InputError for an unknown architecture or an input it cannot take;
// with `model_file`, for an imported model's file that does not load or
// does not give [batch, classes] logits for a batch of `input_shape`, or
// (model_init "reset") has parameters outside the layers a reset knows.
ModelFacts model_facts(const std::string& architecture, int size, const std::vector<int64_t>& input_shape,
                       int classes, const TrainOptions& options, const std::string& model_file = "",
                       const std::string& model_init = "");

// Loads every imported model of the spec ([models.NAME]) at every size and
// runs it on one batch of the dataset's shape, before anything runs: one
// that does not load or gives no [batch, classes] logits is an InputError
// naming the spec line and the file. Returns each file's facts, by path.
std::map<std::string, ModelFacts> check_imported_models(const Spec& spec);

}  // namespace joulegrid
