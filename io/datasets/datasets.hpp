#pragma once
// Dataset readers: IDX (raw or .gz), CIFAR-10 binary batches, HDF5 tensors.
// Every header is checked against the file's size; a problem names the file,
// the byte offset, and what was expected against what was found.

#include <cstdint>
#include <string>
#include <vector>

#include "io/spec/spec.hpp"

namespace joulegrid {

// N samples of one shape, stored as uint8 or float32 (exactly one is filled).
struct SampleSet {
  std::vector<int64_t> sample_shape;  // [C, H, W] or [F, T]
  std::vector<uint8_t> u8;
  std::vector<float> f32;
  std::vector<int64_t> labels;

  bool is_u8() const { return !u8.empty() || f32.empty(); }
  int64_t count() const { return static_cast<int64_t>(labels.size()); }
  int64_t sample_size() const;
};

// The files' own training and test sets.
struct Dataset {
  SampleSet train;
  SampleSet test;
  int classes = 0;
  std::string description;  // "idx /usr/share/datasets/fashion-mnist (60000 train, 10000 test)"
};

// Reads and validates the dataset a spec names. Throws InputError.
Dataset load_dataset(const DataSpec& data);

// "" when the files the format needs exist and can be opened; else the problem.
std::string check_dataset_files(const DataSpec& data);

// The individual readers, exposed for tests.
SampleSet read_idx(const std::string& images_path, const std::string& labels_path, int classes);
SampleSet read_cifar10(const std::vector<std::string>& batch_paths, int classes);
Dataset read_hdf5_tensors(const std::string& path, int classes);

// The whole content of a file, gunzipped when it starts with the gzip magic.
std::vector<uint8_t> read_file_bytes(const std::string& path);

}  // namespace joulegrid
