// A file-operations fault injector, loaded with LD_PRELOAD into a joulegrid
// under test: the n-th call of one kind on a path that ends with a given
// suffix fails with EIO, as a dying disk or an NFS server would make it.
//   JOULEGRID_FAIL_CALL   fsync | fdatasync | close | rename
//   JOULEGRID_FAIL_PATH   the path's end (".h5.tmp", the results folder's name, …)
//   JOULEGRID_FAIL_NTH    which matching call fails (1-based; only that one)
// A failed close still closes the descriptor, as close(2) does. Calls on
// other paths, and every call when the variables are unset, pass through.

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

std::atomic<int> seen{0};

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

std::string path_of(int fd) {
  char link[64], target[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, target, sizeof target - 1);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
}

// Whether this call, of `call` on `path`, is the one to fail.
bool fails(const char* call, const std::string& path) {
  const char* want = std::getenv("JOULEGRID_FAIL_CALL");
  const char* suffix = std::getenv("JOULEGRID_FAIL_PATH");
  const char* nth = std::getenv("JOULEGRID_FAIL_NTH");
  if (!want || !suffix || std::strcmp(want, call) != 0 || !ends_with(path, suffix)) return false;
  const int n = ++seen;
  if (n != (nth ? std::atoi(nth) : 1)) return false;
  std::fprintf(stderr, "fail_io: %s(%s) fails with EIO (call %d)\n", call, path.c_str(), n);
  return true;
}

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int fsync(int fd) {
  static auto real = next<int (*)(int)>("fsync");
  if (fails("fsync", path_of(fd))) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

int fdatasync(int fd) {
  static auto real = next<int (*)(int)>("fdatasync");
  if (fails("fdatasync", path_of(fd))) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

int close(int fd) {
  static auto real = next<int (*)(int)>("close");
  const bool fail = std::getenv("JOULEGRID_FAIL_CALL") && fails("close", path_of(fd));
  const int rc = real(fd);
  if (fail) {
    errno = EIO;
    return -1;
  }
  return rc;
}

int rename(const char* from, const char* to) {
  static auto real = next<int (*)(const char*, const char*)>("rename");
  if (fails("rename", to)) {
    errno = EIO;
    return -1;
  }
  return real(from, to);
}

}  // extern "C"
