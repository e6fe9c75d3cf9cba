#pragma once
// FNV-1a-64, the hash of cell ids, grid hashes and model files: in one place,
// so that the ids a study stores never depend on which copy computed them.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace joulegrid {

inline constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;

// `h` extended by `n` bytes: fnv1a64_extend(fnv1a64_extend(kFnvOffset, a), b) hashes a then b.
inline uint64_t fnv1a64_extend(uint64_t h, const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= 0x100000001b3ULL;
  }
  return h;
}

inline uint64_t fnv1a64(const std::string& text) { return fnv1a64_extend(kFnvOffset, text.data(), text.size()); }

// As ids and hashes are written: 16 lower-case hex digits.
inline std::string hex16(uint64_t h) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace joulegrid
