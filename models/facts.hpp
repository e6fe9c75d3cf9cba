#pragma once
// What a model costs by construction — its parameters and forward FLOPs —
// for code that must not include libtorch (orchestrator/predict/cost_regression.cpp): the model
// is built in registry.cpp and measured there.

#include <cstdint>
#include <string>
#include <vector>

#include "io/spec/spec.hpp"

namespace joulegrid {

struct ModelFacts {
  int64_t parameters = 0;
  int64_t flops_per_sample = 0;
};

// Throws InputError for an unknown architecture or an input it cannot take.
ModelFacts model_facts(const std::string& architecture, int size, const std::vector<int64_t>& input_shape,
                       int classes, const TrainOptions& options);

}  // namespace joulegrid
