#pragma once
// Small studies for the end-to-end tests of `joulegrid run`: a few hundred
// Fashion-MNIST images, one or two epochs, a short idle baseline and a
// calibration of a few steps, so a whole sweep takes seconds.

#include <string>

#include "io/spec/spec.hpp"

namespace joulegrid::testing {

struct StudyOptions {
  std::string name = "tiny";
  std::string architectures = R"("lenet", "bcnn")";
  std::string sizes = "1";
  int repeats = 1;
  int epochs = 2;
  bool accuracy_criterion = true;  // a second criterion: accuracy 0.5 on train, at most `epochs`
  int subset_train = 200, subset_test = 100;
  int max_attempts = 2;
  int threads = 1;
  std::string meter_sources = R"("auto")";
  double idle_seconds = 0.2;
  int calibration_steps = 4;
  int calibration_warmup = 1;
  bool store_samples = false;
  std::string extra;  // appended to the spec as it is
};

// LeNet alone under the epochs criterion, `repeats` times: the study of the
// tests that look at where and how cells were measured, not at what they learnt.
inline StudyOptions lenet_study(const std::string& name, int repeats) {
  StudyOptions o;
  o.name = name;
  o.architectures = R"("lenet")";
  o.accuracy_criterion = false;
  o.repeats = repeats;
  return o;
}

inline std::string study_spec(const StudyOptions& o) {
  std::string s = "[experiment]\nname = \"" + o.name + "\"\nseed = 7\noutput = \"" + o.name +
                  ".h5\"\nmax_attempts = " + std::to_string(o.max_attempts) +
                  "\n\n[data]\nformat = \"idx\"\npath = \"" + default_dataset_dir() +
                  "\"\nsubset = { train = " + std::to_string(o.subset_train) +
                  ", test = " + std::to_string(o.subset_test) + " }\n\n[train]\nthreads = " +
                  std::to_string(o.threads) + "\n\n[grid]\narchitectures = [" + o.architectures +
                  "]\nsizes = [" + o.sizes + "]\nrepeats = " + std::to_string(o.repeats) +
                  "\n\n[meters]\nsample_hz = 100\nidle_seconds = " + std::to_string(o.idle_seconds) +
                  "\nsources = [" + o.meter_sources + "]\nstore_samples = " +
                  (o.store_samples ? "true" : "false") + "\n\n[calibration]\nsteps = " +
                  std::to_string(o.calibration_steps) + "\nwarmup = " + std::to_string(o.calibration_warmup) + "\n\n[[criteria]]\nkind = \"epochs\"\nepochs = " +
                  std::to_string(o.epochs) + "\n";
  if (o.accuracy_criterion)
    s += "\n[[criteria]]\nkind = \"accuracy\"\ntarget = 0.5\nsplit = \"train\"\nmax_epochs = " +
         std::to_string(o.epochs) + "\n";
  return s + o.extra;
}

}  // namespace joulegrid::testing
