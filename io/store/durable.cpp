#include "io/store/durable.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io/errors.hpp"

namespace joulegrid::store {

namespace {

std::string folder_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

void sync_opened(const std::string& path, int flags, const char* what) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw InternalError(path + ": cannot open to sync " + what + ": " + std::strerror(errno));
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    throw InternalError(path + ": cannot sync " + what + ": " + std::strerror(err));
  }
  close_checked(fd, path);
}

}  // namespace

void close_checked(int fd, const std::string& path) {
  if (::close(fd) != 0 && errno != EINTR) throw InternalError(path + ": cannot close: " + std::strerror(errno));
}

void append_durably(int fd, const std::string& bytes, const std::string& path) {
  const off_t before = ::lseek(fd, 0, SEEK_END);
  auto fail = [&](const char* what) {
    const std::string why = std::strerror(errno);
    if (before >= 0 && ::ftruncate(fd, before) == 0) ::fdatasync(fd);
    throw InternalError(path + ": cannot " + what + ": " + why);
  };
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      fail("append");
    }
    written += static_cast<size_t>(n);
  }
  if (::fdatasync(fd) != 0) fail("sync");
}

void sync_file(const std::string& path) { sync_opened(path, O_RDONLY, "the file"); }

void sync_folder_of(const std::string& path) { sync_opened(folder_of(path), O_RDONLY | O_DIRECTORY, "the folder"); }

void replace_file(const std::string& tmp, const std::string& path) {
  try {
    sync_file(tmp);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw InternalError(path + ": cannot replace it with " + tmp + ": " + std::strerror(err));
  }
  sync_folder_of(path);
}

}  // namespace joulegrid::store
