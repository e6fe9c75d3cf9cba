#pragma once
// CRC-32 (zlib's) of any number of bytes: zlib takes at most 4 GiB a call.

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <zlib.h>

namespace joulegrid {

inline uint32_t crc32_of(const char* p, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (n > 0) {
    const uInt step = static_cast<uInt>(std::min<size_t>(n, size_t{1} << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(p), step);
    p += step;
    n -= step;
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace joulegrid
