#pragma once
// Small datasets written by the tests themselves, in every format joulegrid
// reads. The images are learnable: class c lights up a block whose position
// depends on c, plus seeded noise.

#include <cstdint>
#include <string>
#include <vector>

namespace joulegrid::testing {

struct FakeImages {
  std::vector<uint8_t> pixels;  // n × channels × side × side
  std::vector<uint8_t> labels;
  int channels = 1, side = 28;
};

FakeImages make_images(int n, int classes, int channels, int side, uint32_t seed);

// train-images-idx3-ubyte etc. in `dir`, gzip-compressed when `gz`.
void write_idx_dataset(const std::string& dir, int train, int test, int classes, bool gz,
                       uint32_t seed = 1);
void write_idx_images(const std::string& path, const FakeImages& img, bool gz);
void write_idx_labels(const std::string& path, const std::vector<uint8_t>& labels, bool gz);

// data_batch_1..5.bin and test_batch.bin with `per_batch` records each.
void write_cifar_dataset(const std::string& dir, int per_batch, int classes, uint32_t seed = 1);

// x (uint8 [N, C, H, W], or [N, F, T] when `features_by_time`) and y under
// train/ and test/ (or at the top when `flat`).
void write_hdf5_dataset(const std::string& path, int train, int test, int classes,
                        bool flat = false, uint32_t seed = 1, bool features_by_time = false);

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes, bool gz = false);

}  // namespace joulegrid::testing
