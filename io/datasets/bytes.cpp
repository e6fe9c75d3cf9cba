#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <zlib.h>

#include "io/datasets/datasets.hpp"

namespace joulegrid {

namespace {

std::vector<uint8_t> read_raw(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw InputError(path + ": cannot be opened");
  std::fseek(f.get(), 0, SEEK_END);
  const long size = std::ftell(f.get());
  std::fseek(f.get(), 0, SEEK_SET);
  if (size < 0) throw InputError(path + ": cannot read its size");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (size > 0 && std::fread(bytes.data(), 1, bytes.size(), f.get()) != bytes.size())
    throw InputError(path + ": read error");
  return bytes;
}

std::vector<uint8_t> gunzip(const std::vector<uint8_t>& gz, const std::string& path) {
  // The gzip trailer holds the uncompressed size modulo 2^32: a good first
  // guess, but the file's own word. Deflate never expands more than about
  // 1032 times, so a larger claim (a damaged or hostile trailer: 2.3 GB
  // asked of a 3 KB file, found by fuzz_datasets) is not believed.
  size_t claimed = gz.size() * 3;
  if (gz.size() >= 4) {
    const uint8_t* t = gz.data() + gz.size() - 4;
    claimed = t[0] | (t[1] << 8) | (t[2] << 16) | (static_cast<uint32_t>(t[3]) << 24);
  }
  const size_t guess = std::min(claimed, gz.size() * 1032 + 1024);
  std::vector<uint8_t> out(std::max<size_t>(guess, 1));
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw InternalError("zlib inflateInit2 failed");
  zs.next_in = const_cast<Bytef*>(gz.data());
  zs.avail_in = static_cast<uInt>(gz.size());
  size_t produced = 0;
  int rc = Z_OK;
  while (true) {
    if (produced == out.size()) out.resize(out.size() * 2);
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - produced, 1u << 30));
    const uInt before = zs.avail_out;
    rc = inflate(&zs, Z_NO_FLUSH);
    produced += before - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ended before the stream did
  }
  const size_t consumed = gz.size() - zs.avail_in;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    throw InputError(path + ": offset " + std::to_string(consumed) +
                     ": the gzip stream is " +
                     (rc == Z_DATA_ERROR ? "corrupt" : "truncated") +
                     (gz.size() >= 4 ? " (its trailer says " + std::to_string(claimed) + " bytes" : " (no trailer") +
                     " after decompression, found " +
                     std::to_string(produced) + ")");
  }
  out.resize(produced);
  return out;
}

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::vector<uint8_t> raw = read_raw(path);
  if (raw.size() >= 2 && raw[0] == 0x1f && raw[1] == 0x8b) return gunzip(raw, path);
  return raw;
}

int64_t SampleSet::sample_size() const {
  int64_t n = 1;
  for (int64_t d : sample_shape) n *= d;
  return n;
}

}  // namespace joulegrid
