#include "io/datasets/datasets.hpp"

#include <filesystem>
#include <fstream>

#include "io/datasets/splits.hpp"

namespace fs = std::filesystem;

namespace joulegrid {

namespace {

// An IDX file may be stored raw or gzip-compressed.
std::string idx_file(const std::string& dir, const std::string& stem) {
  const fs::path raw = fs::path(dir) / stem;
  if (fs::exists(raw)) return raw.string();
  const fs::path gz = fs::path(dir) / (stem + ".gz");
  if (fs::exists(gz)) return gz.string();
  return "";
}

const char* const kIdxStems[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

std::vector<std::string> cifar_train_files(const std::string& dir) {
  std::vector<std::string> files;
  for (int i = 1; i <= 5; ++i) files.push_back((fs::path(dir) / ("data_batch_" + std::to_string(i) + ".bin")).string());
  return files;
}

std::string cifar_test_file(const std::string& dir) {
  return (fs::path(dir) / "test_batch.bin").string();
}

std::string unreadable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return in ? std::string() : path + " cannot be read (permission?)";
}

std::string describe(const std::string& format, const std::string& path, const Dataset& d) {
  return format + " " + path + " (" + std::to_string(d.train.count()) + " train, " +
         std::to_string(d.test.count()) + " test)";
}

// Seeded noise images 1×28×28 with labels in [0, classes): a fixed amount of
// work with no files, for the calibration workload and scheduler tests.
// subset.train / subset.test give the counts (default 2,560 and 512).
Dataset synthetic_dataset(const DataSpec& data) {
  Dataset d;
  d.classes = data.classes;
  SplitRng rng(0x5eedca1b);
  auto fill = [&](SampleSet& set, int64_t n) {
    set.sample_shape = {1, 28, 28};
    set.u8.resize(static_cast<size_t>(n * 28 * 28));
    for (auto& px : set.u8) px = static_cast<uint8_t>(rng.next() & 0xff);
    set.labels.resize(static_cast<size_t>(n));
    for (auto& l : set.labels) l = static_cast<int64_t>(rng.next() % static_cast<uint64_t>(data.classes));
  };
  fill(d.train, data.subset_train > 0 ? data.subset_train : 2560);
  fill(d.test, data.subset_test > 0 ? data.subset_test : 512);
  return d;
}

}  // namespace

std::string check_dataset_files(const DataSpec& data) {
  if (data.format == "synthetic") return "";
  std::error_code ec;
  if (!fs::exists(data.path, ec)) return data.path + " does not exist";
  if (data.format == "hdf5") {
    if (fs::is_directory(data.path, ec)) return data.path + " is a folder; expected an HDF5 file";
    return unreadable(data.path);
  }
  if (!fs::is_directory(data.path, ec)) return data.path + " is not a folder";
  std::vector<std::string> files;
  if (data.format == "idx") {
    for (const char* stem : kIdxStems) {
      const std::string f = idx_file(data.path, stem);
      if (f.empty()) return "no " + std::string(stem) + "[.gz] in " + data.path;
      files.push_back(f);
    }
  } else {
    files = cifar_train_files(data.path);
    files.push_back(cifar_test_file(data.path));
    for (const auto& f : files)
      if (!fs::exists(f, ec)) return "no " + fs::path(f).filename().string() + " in " + data.path;
  }
  for (const auto& f : files) {
    const std::string problem = unreadable(f);
    if (!problem.empty()) return problem;
  }
  return "";
}

Dataset load_dataset(const DataSpec& data) {
  const std::string problem = check_dataset_files(data);
  if (!problem.empty()) throw InputError("data.path: " + problem);
  Dataset d;
  d.classes = data.classes;
  if (data.format == "idx") {
    d.train = read_idx(idx_file(data.path, kIdxStems[0]), idx_file(data.path, kIdxStems[1]), data.classes);
    d.test = read_idx(idx_file(data.path, kIdxStems[2]), idx_file(data.path, kIdxStems[3]), data.classes);
    if (d.train.sample_shape != d.test.sample_shape)
      throw InputError(idx_file(data.path, kIdxStems[2]) + ": image size differs from the training images");
  } else if (data.format == "synthetic") {
    d = synthetic_dataset(data);
    d.description = "synthetic noise";
  } else if (data.format == "cifar10") {
    d.train = read_cifar10(cifar_train_files(data.path), data.classes);
    d.test = read_cifar10({cifar_test_file(data.path)}, data.classes);
  } else {
    d = read_hdf5_tensors(data.path, data.classes);
  }
  if (data.split == "holdout" && d.test.count() == 0)
    throw InputError(data.path + ": has no test set (no /train and /test groups): use split = \"kfold\"");
  d.description = describe(data.format, data.path, d);
  return d;
}

}  // namespace joulegrid
