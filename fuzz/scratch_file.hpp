#pragma once
// A file of this process's own under $TMPDIR (or /tmp) that a fuzz input
// is written to, for the readers that take a path.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace joulegrid::fuzz {

inline std::string scratch_file(const std::string& name, const uint8_t* data, size_t size) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/joulegrid-fuzz-" + std::to_string(::getpid()) +
                           "-" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace joulegrid::fuzz
