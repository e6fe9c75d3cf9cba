#include "tests/fakes/fake_datasets.hpp"

#include <fstream>
#include <random>
#include <stdexcept>

#include <hdf5.h>
#include <zlib.h>

namespace joulegrid::testing {

namespace {

void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

}  // namespace

FakeImages make_images(int n, int classes, int channels, int side, uint32_t seed) {
  FakeImages img;
  img.channels = channels;
  img.side = side;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(0, 60);
  const int plane = side * side;
  img.pixels.resize(static_cast<size_t>(n) * channels * plane);
  for (int i = 0; i < n; ++i) {
    const int c = i % classes;
    img.labels.push_back(static_cast<uint8_t>(c));
    const int block = side / 4;
    const int row = (c / 4) % 4 * block, col = c % 4 * block;
    for (int ch = 0; ch < channels; ++ch)
      for (int p = 0; p < plane; ++p) {
        const int r = p / side, q = p % side;
        const bool lit = r >= row && r < row + block && q >= col && q < col + block;
        img.pixels[(static_cast<size_t>(i) * channels + ch) * plane + p] =
            static_cast<uint8_t>(noise(rng) + (lit ? 180 : 0));
      }
  }
  return img;
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes, bool gz) {
  if (gz) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot write " + path);
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
    return;
  }
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
}

void write_idx_images(const std::string& path, const FakeImages& img, bool gz) {
  std::vector<uint8_t> b;
  put32(b, 2051);
  put32(b, static_cast<uint32_t>(img.labels.size()));
  put32(b, static_cast<uint32_t>(img.side));
  put32(b, static_cast<uint32_t>(img.side));
  b.insert(b.end(), img.pixels.begin(), img.pixels.end());
  write_bytes(path, b, gz);
}

void write_idx_labels(const std::string& path, const std::vector<uint8_t>& labels, bool gz) {
  std::vector<uint8_t> b;
  put32(b, 2049);
  put32(b, static_cast<uint32_t>(labels.size()));
  b.insert(b.end(), labels.begin(), labels.end());
  write_bytes(path, b, gz);
}

void write_idx_dataset(const std::string& dir, int train, int test, int classes, bool gz,
                       uint32_t seed) {
  const std::string ext = gz ? ".gz" : "";
  const FakeImages tr = make_images(train, classes, 1, 28, seed);
  const FakeImages te = make_images(test, classes, 1, 28, seed + 1000);
  write_idx_images(dir + "/train-images-idx3-ubyte" + ext, tr, gz);
  write_idx_labels(dir + "/train-labels-idx1-ubyte" + ext, tr.labels, gz);
  write_idx_images(dir + "/t10k-images-idx3-ubyte" + ext, te, gz);
  write_idx_labels(dir + "/t10k-labels-idx1-ubyte" + ext, te.labels, gz);
}

void write_cifar_dataset(const std::string& dir, int per_batch, int classes, uint32_t seed) {
  auto batch = [&](const std::string& name, uint32_t s) {
    const FakeImages img = make_images(per_batch, classes, 3, 32, s);
    std::vector<uint8_t> b;
    const size_t px = 3 * 32 * 32;
    for (int i = 0; i < per_batch; ++i) {
      b.push_back(img.labels[i]);
      b.insert(b.end(), img.pixels.begin() + i * px, img.pixels.begin() + (i + 1) * px);
    }
    write_bytes(dir + "/" + name, b);
  };
  for (int i = 1; i <= 5; ++i) batch("data_batch_" + std::to_string(i) + ".bin", seed + i);
  batch("test_batch.bin", seed + 100);
}

namespace {

void write_pair(hid_t loc, const FakeImages& img, bool features_by_time) {
  const hsize_t n = img.labels.size();
  hsize_t xdims[4] = {n, static_cast<hsize_t>(img.channels), static_cast<hsize_t>(img.side),
                      static_cast<hsize_t>(img.side)};
  if (features_by_time) xdims[1] = xdims[2], xdims[2] = xdims[3];  // [N, F, T]: one channel, dropped
  hid_t xs = H5Screate_simple(features_by_time ? 3 : 4, xdims, nullptr);
  hid_t x = H5Dcreate2(loc, "x", H5T_NATIVE_UINT8, xs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(x, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, img.pixels.data());
  H5Dclose(x);
  H5Sclose(xs);
  std::vector<int64_t> y(img.labels.begin(), img.labels.end());
  hid_t ys = H5Screate_simple(1, &n, nullptr);
  hid_t yd = H5Dcreate2(loc, "y", H5T_STD_I64LE, ys, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(yd, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, y.data());
  H5Dclose(yd);
  H5Sclose(ys);
}

}  // namespace

void write_hdf5_dataset(const std::string& path, int train, int test, int classes, bool flat,
                        uint32_t seed, bool features_by_time) {
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot create " + path);
  const FakeImages tr = make_images(train, classes, 1, 28, seed);
  if (flat) {
    write_pair(f, tr, features_by_time);
  } else {
    hid_t g = H5Gcreate2(f, "train", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    write_pair(g, tr, features_by_time);
    H5Gclose(g);
    g = H5Gcreate2(f, "test", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    write_pair(g, make_images(test, classes, 1, 28, seed + 1000), features_by_time);
    H5Gclose(g);
  }
  H5Fclose(f);
}

}  // namespace joulegrid::testing
