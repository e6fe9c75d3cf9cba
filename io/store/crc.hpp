#pragma once
// CRC-32 (zlib's) of any number of bytes: zlib takes at most 4 GiB a call;
// CRC-32C (Castagnoli), the journal lines' checksum.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

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

// CRC-32C, reflected, polynomial 0x82F63B78 (iSCSI, ext4): "123456789" → e3069283.
// crc32c_extend(crc32c_of(a), b) is the CRC-32C of a followed by b.
inline uint32_t crc32c_extend(uint32_t crc, const char* p, size_t n) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ static_cast<unsigned char>(p[i])) & 0xFF] ^ (crc >> 8);
  return ~crc;
}
inline uint32_t crc32c_of(const char* p, size_t n) { return crc32c_extend(0, p, n); }

// How a checksum is written wherever joulegrid stores one: 8 lower-case hex digits.
inline std::string crc32c_hex(uint32_t crc) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", crc);
  return hex;
}

}  // namespace joulegrid
