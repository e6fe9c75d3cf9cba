// The dataset readers: any bytes are a dataset or an InputError naming the
// file and offset. The first byte chooses the reader (IDX images and labels,
// or a CIFAR-10 batch); for IDX the next two split the rest between the files.

#include <cstdint>
#include <string>

#include "fuzz/scratch_file.hpp"
#include "io/datasets/datasets.hpp"
#include "io/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using joulegrid::fuzz::scratch_file;
  if (size < 3) return 0;
  try {
    if (data[0] % 2 == 0) {
      const size_t rest = size - 3;
      const size_t images = rest == 0 ? 0 : (size_t(data[1]) | size_t(data[2]) << 8) % (rest + 1);
      const std::string img = scratch_file("images", data + 3, images);
      const std::string lab = scratch_file("labels", data + 3 + images, rest - images);
      joulegrid::read_idx(img, lab, 10);
    } else {
      joulegrid::read_cifar10({scratch_file("batch", data + 1, size - 1)}, 10);
    }
  } catch (const joulegrid::InputError&) {
  }
  return 0;
}
