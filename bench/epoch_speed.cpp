// Seconds per training epoch of joulegrid's trainer, for the comparison with
// the plain Python PyTorch loop of bench/python_peer.py (same data, model,
// batch, optimiser and threads). Prints one JSON object.
//
//   epoch_speed --arch lenet --size 1 --threads 2 --epochs 3 --subset 10000 [--torchscript FILE]
//               [--device cpu|cuda] [--data DIR]
// An epoch's time ends with its loss read back, so on a GPU it includes
// every kernel the epoch queued.

#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>

#include "meters/registry.hpp"
#include "meters/sampler.hpp"
#include "rank/trainer.hpp"

int main(int argc, char** argv) {
  using namespace joulegrid;
  std::string arch = "lenet", data = kFashionMnistDir;
  int size = 1, threads = 2, epochs = 3;
  int64_t subset = 10000;
  double sample_hz = 0;  // > 0: a sampler thread over this node's meters runs during training
  CLI::App app{"joulegrid training-epoch speed"};
  app.add_option("--arch", arch);
  app.add_option("--size", size);
  app.add_option("--threads", threads);
  app.add_option("--epochs", epochs);
  app.add_option("--subset", subset);
  app.add_option("--data", data);
  std::string device_name = "cpu";
  app.add_option("--device", device_name)->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--sample-hz", sample_hz);
  std::string torchscript;  // a TorchScript file of the model instead of the built-in one
  app.add_option("--torchscript", torchscript);
  CLI11_PARSE(app, argc, argv);

  CellSpec cell;
  cell.architecture = arch;
  cell.size = size;
  if (!torchscript.empty()) {
    cell.model_kind = "torchscript";
    cell.model_file = torchscript;
  }
  cell.batch_size = 256;
  cell.learning_rate = 0.001;
  cell.data.path = data;
  cell.data.subset_train = subset;
  cell.data.subset_test = 1000;
  cell.data.normalization.preset = "mnist";
  cell.criterion.kind = CriterionKindValue::epochs;
  cell.criterion.epochs = epochs;
  cell.seed = 1;
  torch::set_num_threads(threads);
  torch::Device device = torch::kCPU;
  try {
    device = choose_device(device_name);
  } catch (const std::exception& e) {
    std::cerr << "epoch_speed: " << e.what() << "\n";
    return 2;
  }
  Trainer trainer(cell, load_split_tensors(cell, device), device);
  std::unique_ptr<meters::Sampler> sampler;
  if (sample_hz > 0) {
    meters::MeterSet set = meters::open_meters({"auto"}, meters::SysfsRoot::from_environment(), {});
    sampler = std::make_unique<meters::Sampler>(std::move(set.meters), sample_hz);
    sampler->start();
  }
  nlohmann::json seconds = nlohmann::json::array();
  double acc = 0;
  for (int e = 1; e <= epochs; ++e) {
    const auto t0 = std::chrono::steady_clock::now();
    const EpochTraining r = trainer.train_epoch(e);
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    acc = r.accuracy;
  }
  std::cout << nlohmann::json{{"runner", torchscript.empty() ? "joulegrid" : "joulegrid torchscript"}, {"arch", arch}, {"size", size},
                              {"threads", threads}, {"device", device.str()}, {"samples", trainer.data().train_x.size(0)},
                              {"sample_hz", sample_hz},
                              {"meter_samples", sampler ? sampler->sample_count() : 0},
                              {"epoch_seconds", seconds}, {"train_acc", acc}}
            << std::endl;
  return 0;
}
