#pragma once
// The reduction of ARCHITECTURE §5: a study's settled runs reduced to every
// figure the reports print (io/records/reduction.hpp), on raw and on
// normalised energy, gross or net. Each analysis has a file of its own:
//   quantities     the basis energy, samples trained, setups: defined once
//   efficiency     the models, Eq. 3, Eq. 4, ratios, per node
//   statistics     bootstrap intervals and comparisons between architectures
//   overtraining   the paper's §5.4
//   setups         training setups and fine-tuning
//   emissions      grams of CO2e per node and architecture
//   step_accuracy  STEP's projections against what the runs measured
//   figure_data    what the HTML figures draw

#include <string>

#include "io/records/reduction.hpp"
#include "io/records/results.hpp"
#include "io/store/store.hpp"
#include "orchestrator/reduce/efficiency.hpp"
#include "orchestrator/reduce/overtraining.hpp"
#include "orchestrator/reduce/statistics.hpp"

namespace joulegrid {

// `energy` "gross" or "net"; "" takes the study's default.
Reduction reduce(const StudyResults& results, const std::string& energy = "");

// What the store writes into /reduced with each snapshot (a
// ResultsStore::Reducer): this reduction on the study's default basis.
Reduction reduce_for_file(const StudyResults& results);

}  // namespace joulegrid
