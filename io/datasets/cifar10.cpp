// CIFAR-10 binary batches: records of 1 label byte + 3072 pixel bytes
// (1024 R, 1024 G, 1024 B, each row-major 32x32).

#include <string>

#include "io/datasets/datasets.hpp"

namespace joulegrid {

namespace {
constexpr size_t kPixels = 3 * 32 * 32;
constexpr size_t kRecord = 1 + kPixels;
}  // namespace

SampleSet read_cifar10(const std::vector<std::string>& batch_paths, int classes) {
  SampleSet s;
  s.sample_shape = {3, 32, 32};
  for (const auto& path : batch_paths) {
    const std::vector<uint8_t> b = read_file_bytes(path);
    if (b.empty() || b.size() % kRecord != 0) {
      const size_t whole = b.size() / kRecord;
      throw InputError(path + ": offset " + std::to_string(whole * kRecord) +
                       ": file truncated: expected a multiple of " + std::to_string(kRecord) +
                       " bytes (1 label + 3072 pixels a record), found " +
                       std::to_string(b.size()) + " bytes");
    }
    const size_t n = b.size() / kRecord;
    const size_t base = s.u8.size();
    s.u8.resize(base + n * kPixels);
    for (size_t i = 0; i < n; ++i) {
      const uint8_t* rec = b.data() + i * kRecord;
      if (rec[0] >= classes)
        throw InputError(path + ": offset " + std::to_string(i * kRecord) +
                         ": label out of range: expected 0.." + std::to_string(classes - 1) +
                         ", found " + std::to_string(rec[0]));
      s.labels.push_back(rec[0]);
      std::copy(rec + 1, rec + kRecord, s.u8.begin() + base + i * kPixels);
    }
  }
  return s;
}

}  // namespace joulegrid
