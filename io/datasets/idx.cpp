// IDX files (MNIST, Fashion-MNIST, KMNIST): a big-endian uint32 header, then
// uint8 data. Images: magic 2051, count, rows, cols. Labels: magic 2049, count.

#include <string>

#include "io/datasets/datasets.hpp"

namespace joulegrid {

namespace {

constexpr uint32_t kImagesMagic = 2051;
constexpr uint32_t kLabelsMagic = 2049;

uint32_t be32(const std::vector<uint8_t>& b, size_t offset) {
  return (uint32_t(b[offset]) << 24) | (uint32_t(b[offset + 1]) << 16) |
         (uint32_t(b[offset + 2]) << 8) | uint32_t(b[offset + 3]);
}

[[noreturn]] void bad(const std::string& path, size_t offset, const std::string& what,
                      const std::string& expected, const std::string& found) {
  throw InputError(path + ": offset " + std::to_string(offset) + ": " + what + ": expected " +
                   expected + ", found " + found);
}

void check_header(const std::vector<uint8_t>& b, const std::string& path, size_t header_bytes,
                  uint32_t magic) {
  if (b.size() >= 4 && be32(b, 0) != magic) {
    const uint32_t other = magic == kImagesMagic ? kLabelsMagic : kImagesMagic;
    bad(path, 0, "wrong magic number", std::to_string(magic),
        std::to_string(be32(b, 0)) + (be32(b, 0) == other ? " (images and labels swapped?)" : ""));
  }
  if (b.size() < header_bytes)
    bad(path, b.size(), "file too short for an IDX header",
        std::to_string(header_bytes) + " bytes", std::to_string(b.size()) + " bytes");
}

void check_size(const std::vector<uint8_t>& b, const std::string& path, size_t expected,
                const std::string& what) {
  if (b.size() < expected)
    bad(path, b.size(), "file truncated", std::to_string(expected) + " bytes for " + what,
        std::to_string(b.size()) + " bytes");
  if (b.size() > expected)
    bad(path, expected, "unexpected trailing bytes", std::to_string(expected) + " bytes for " + what,
        std::to_string(b.size()) + " bytes");
}

}  // namespace

SampleSet read_idx(const std::string& images_path, const std::string& labels_path, int classes) {
  const std::vector<uint8_t> img = read_file_bytes(images_path);
  check_header(img, images_path, 16, kImagesMagic);
  const uint64_t n = be32(img, 4), rows = be32(img, 8), cols = be32(img, 12);
  if (rows == 0 || cols == 0)
    bad(images_path, rows == 0 ? 8 : 12, "image side of 0", "rows and cols >= 1", "0");
  // Three 32-bit counts multiply past 64 bits: such a header is never a file's size.
  uint64_t pixels = 0;
  if (__builtin_mul_overflow(n, rows * cols, &pixels) || pixels > UINT64_MAX - 16)
    bad(images_path, 4, "image count and size past 2^64 bytes", std::to_string(img.size() - 16) + " bytes of pixels",
        std::to_string(n) + " images of " + std::to_string(rows) + "x" + std::to_string(cols));
  check_size(img, images_path, 16 + pixels,
             std::to_string(n) + " images of " + std::to_string(rows) + "x" + std::to_string(cols));

  const std::vector<uint8_t> lab = read_file_bytes(labels_path);
  check_header(lab, labels_path, 8, kLabelsMagic);
  const uint64_t nl = be32(lab, 4);
  if (nl != n)
    bad(labels_path, 4, "label count does not match " + images_path, std::to_string(n),
        std::to_string(nl));
  check_size(lab, labels_path, 8 + n, std::to_string(n) + " labels");

  SampleSet s;
  s.sample_shape = {1, static_cast<int64_t>(rows), static_cast<int64_t>(cols)};
  s.u8.assign(img.begin() + 16, img.end());
  s.labels.resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    const int label = lab[8 + i];
    if (label >= classes)
      bad(labels_path, 8 + i, "label out of range", "0.." + std::to_string(classes - 1),
          std::to_string(label));
    s.labels[i] = label;
  }
  return s;
}

}  // namespace joulegrid
